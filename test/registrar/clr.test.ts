/**
 * CLR 2.0 export: one signed ClrCredential per learner, gathering that learner's held
 * achievements (revoked ones left out), each credential verified with the badge core's
 * verifier (signature, issuer key); records grouped by learner across pages.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { buildDidDocument, didWeb } from '../../src/badges/did-web.js';
import { createDocumentLoader, type OfflineDocumentLoader } from '../../src/badges/document-loader.js';
import { generateIssuerKey, publicKeyOf, type IssuerKey } from '../../src/badges/keys.js';
import { verifyCredential } from '../../src/badges/signing.js';
import { clrWriter } from '../../src/registrar/clr.js';
import { basicWriters, streamExport } from '../../src/registrar/export.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { seedAward, seedCourse, seedRevocation } from './fixtures.js';

let database: TestDatabase;
let platformId: string;
let key: IssuerKey;
let loader: OfflineDocumentLoader;

beforeAll(async () => {
  database = await createTestDatabase();
  platformId = await addPlatformRow(database.db);
  const did = didWeb('jalon.example.edu', 'issuers/college');
  key = generateIssuerKey(did, new Date('2026-01-01T00:00:00Z'));
  loader = createDocumentLoader({ publicUrl: 'https://jalon.example.edu' });
  loader.registerDidDocument(buildDidDocument(did, [publicKeyOf(key)]));
  const math = await seedCourse(database.db, platformId, 'math');
  const chem = await seedCourse(database.db, platformId, 'chem');
  const hist = await seedCourse(database.db, platformId, 'hist');
  // Interleaved so that a learner's records are far apart in seq order.
  await seedAward(database.db, platformId, math, {
    learner: 'ana',
    name: 'Ana Martin',
    email: 'ana@example.edu',
  });
  await seedAward(database.db, platformId, math, { learner: 'bob', name: 'Bob' });
  await seedAward(database.db, platformId, chem, {
    learner: 'ana',
    name: 'Ana Martin',
    email: 'ana@example.edu',
  });
  const gone = await seedAward(database.db, platformId, hist, { learner: 'ana', name: 'Ana Martin' });
  await seedRevocation(database.db, gone);
  const only = await seedAward(database.db, platformId, chem, { learner: 'cy' });
  await seedRevocation(database.db, only);
}, 60_000);

afterAll(async () => {
  await database?.close();
});

interface Clr {
  name: string;
  type: string[];
  credentialSubject: {
    type: string[];
    verifiableCredential: unknown[];
    achievement: Array<{ humanCode: string; creditsAvailable?: number }>;
    identifier: unknown[];
  };
}

async function exportClr(pageSize: number) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const result = await streamExport(
    database.db,
    { platformId, filters: {}, format: 'clr', afterSeq: 0, timeZone: 'America/Toronto', pageSize },
    out,
    (f) => (f === 'clr' ? clrWriter({ key, loader }) : basicWriters(f)),
  );
  out.end();
  const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
  return { result, credentials: lines.map((l) => JSON.parse(l) as Clr) };
}

describe('CLR 2.0', () => {
  test('one signed ClrCredential per learner holding something, verified', async () => {
    const { result, credentials } = await exportClr(2);
    expect(result.records).toBe(7);
    expect(result.rows).toBe(2); // ana and bob; cy's only award was revoked
    expect(credentials).toHaveLength(2);
    const ana = credentials.find((c) => c.name.startsWith('Ana Martin'))!;
    expect(ana.type).toEqual(['VerifiableCredential', 'ClrCredential']);
    expect(ana.credentialSubject.type).toEqual(['ClrSubject']);
    expect(ana.credentialSubject.verifiableCredential).toHaveLength(2); // math, chem; hist revoked
    expect(ana.credentialSubject.achievement.map((a) => a.humanCode).sort()).toEqual(['MC-chem', 'MC-math']);
    expect(ana.credentialSubject.identifier).toContainEqual(
      expect.objectContaining({ identityType: 'sourcedId', identityHash: 'SIS-ana' }),
    );
    for (const c of credentials) {
      const v = await verifyCredential(c, loader);
      expect({ verdict: v.verdict, checks: v.checks.filter((x) => x.outcome === 'failed') }).toEqual({
        verdict: 'valid',
        checks: [],
      });
    }
  }, 60_000);

  test('a changed credential no longer verifies', async () => {
    const { credentials } = await exportClr(100);
    const tampered = structuredClone(credentials[0]!);
    tampered.credentialSubject.achievement[0]!.creditsAvailable = 30;
    const v = await verifyCredential(tampered, loader);
    expect(v.verdict).toBe('invalid');
  }, 60_000);
});
