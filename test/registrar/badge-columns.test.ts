/**
 * The registrar's exports name the learner's badge once it is claimed: its id and its
 * public verification URL, joined by award id; before the claim the columns stay empty.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { issueBadge } from '../../src/badges/issuance.js';
import { verificationUrl } from '../../src/badges/store.js';
import { createSealer } from '../../src/crypto/seal.js';
import { basicWriters, streamExport } from '../../src/registrar/export.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { withIssuerProfile } from '../badges/award-fixtures.js';
import { seedAward, seedCourse } from './fixtures.js';

const publicUrl = 'https://jalon.example.edu';
let database: TestDatabase;
let platformId: string;
let claimed: string;
let unclaimed: string;

beforeAll(async () => {
  database = await createTestDatabase();
  platformId = await addPlatformRow(database.db);
  await withIssuerProfile(database.db, platformId);
  const course = await seedCourse(database.db, platformId, 'math');
  claimed = await seedAward(database.db, platformId, course, { learner: 'ana' });
  unclaimed = await seedAward(database.db, platformId, course, { learner: 'ben' });
}, 60_000);
afterAll(async () => {
  await database?.close();
});

async function exportText(format: 'csv' | 'jsonl'): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await streamExport(
    database.db,
    { platformId, filters: {}, format, afterSeq: 0, timeZone: 'America/Toronto' },
    out,
    (f) => basicWriters(f, publicUrl),
  );
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

describe('badge columns of the exports', () => {
  test('empty before the claim, then the badge id and its verification URL', async () => {
    const before = parse(await exportText('csv'), { columns: true }) as Array<Record<string, string>>;
    expect(before.map((r) => r.badge_id)).toEqual(['', '']);

    const deps = { db: database.db, sealer: createSealer(randomBytes(32), 'badge-keys'), publicUrl };
    const { badge } = await issueBadge(deps, claimed, { name: 'Ana Tremblay', email: 'ana@example.edu' });

    const rows = parse(await exportText('csv'), { columns: true }) as Array<Record<string, string>>;
    const byAward = new Map(rows.map((r) => [r.award_id, r]));
    expect(byAward.get(claimed)?.badge_id).toBe(badge.id);
    expect(byAward.get(claimed)?.verification_url).toBe(verificationUrl(publicUrl, badge.id));
    expect(byAward.get(unclaimed)?.badge_id).toBe('');
    expect(byAward.get(unclaimed)?.verification_url).toBe('');

    const lines = (await exportText('jsonl'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { awardId?: string; award_id?: string; badge: unknown });
    const badges = lines.map((l) => l.badge);
    expect(badges).toContainEqual({ id: badge.id, verificationUrl: verificationUrl(publicUrl, badge.id) });
    expect(badges).toContainEqual(null);
  }, 60_000);
});
