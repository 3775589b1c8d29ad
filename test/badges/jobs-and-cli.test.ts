/**
 * The badges' background work and CLI: the badge e-mail goes out once, the daily scan reminds
 * unclaimed awards on their reminder days only (once per award and day, never a claimed or
 * revoked one), and `badges show|revoke|rotate-key` act on the database.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import {
  BADGE_RECONCILE_JOB,
  BADGE_REMIND_JOB,
  BADGE_REMIND_SCAN_JOB,
  badgeJobs,
} from '../../src/badges/jobs.js';
import { issueBadge } from '../../src/badges/issuance.js';
import type { OutgoingMail } from '../../src/notify/mailer.js';
import { badgeLoader, type BadgeStoreDeps } from '../../src/badges/store.js';
import { verifyCredential } from '../../src/badges/signing.js';
import { runCommand, type CommandContext } from '../../src/cli/commands.js';
import { createSealer } from '../../src/crypto/seal.js';
import { awards, jobs } from '../../src/db/schema/index.js';
import { JobRuntime } from '../../src/jobs/runtime.js';
import { createLogger } from '../../src/log.js';
import type { Services } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { addAward, withIssuerProfile } from './award-fixtures.js';

let database: TestDatabase;
let runtime: JobRuntime;
let deps: BadgeStoreDeps;
let platformId: string;
const sent: OutgoingMail[] = [];
const master = randomBytes(32);
const publicUrl = 'https://jalon.example.edu';
const DAY = 86_400_000;

beforeAll(async () => {
  database = await createTestDatabase();
  platformId = await addPlatformRow(database.db);
  await withIssuerProfile(database.db, platformId);
  deps = { db: database.db, sealer: createSealer(master, 'badge-keys'), publicUrl };
  runtime = new JobRuntime(database.db, {
    workers: 0,
    pollMs: 50,
    timezone: 'UTC',
    log: createLogger('silent'),
  });
  const services = {
    config: { publicUrl, smtpUrl: '', mailFrom: 'jalon@example.edu', dataDir: '/nonexistent' },
    database,
    secrets: { master },
    jobs: runtime,
  } as unknown as Services;
  runtime.setCatalog(
    badgeJobs(services, {
      send: async (mail) => {
        sent.push(mail);
        return { messageId: `m${sent.length}` };
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await database?.close();
});

describe('badge jobs', () => {
  test('the badge e-mail goes once, with the baked PNG', async () => {
    const { awardId } = await addAward(database.db, platformId, { userId: 'mail-1' });
    const { badge } = await issueBadge(deps, awardId, { name: 'Ana', email: 'ana@example.edu' });
    for (let i = 0; i < 2; i++)
      await runtime.enqueue({
        kind: 'badge.email',
        payload: { badgeId: badge.id },
        onceKey: `badge.email:${badge.id}`,
      });
    await runtime.drain();
    expect(sent.filter((m) => m.to === 'ana@example.edu')).toHaveLength(1);
    expect(sent[0]?.attachments?.[0]?.contentType).toBe('image/png');
    expect(sent[0]?.text).toContain(`${publicUrl}/badges/${badge.id}`);
  });

  test('the daily scan reminds unclaimed awards on day 1, 7 and 30, once per day', async () => {
    sent.length = 0;
    const at = (days: number) => new Date(Date.now() - days * DAY - 3_600_000);
    const due = await addAward(database.db, platformId, { userId: 'r-1', awardedAt: at(1) });
    const notDue = await addAward(database.db, platformId, { userId: 'r-2', awardedAt: at(3) });
    const claimed = await addAward(database.db, platformId, { userId: 'r-3', awardedAt: at(7) });
    await issueBadge(deps, claimed.awardId, { name: 'Ben', email: 'ben@example.edu' });
    const revoked = await addAward(database.db, platformId, { userId: 'r-4', awardedAt: at(7) });
    await database.db.update(awards).set({ status: 'revoked' }).where(eq(awards.id, revoked.awardId));
    await runtime.enqueue({ kind: BADGE_REMIND_SCAN_JOB, onceKey: 'scan-1' });
    await runtime.drain();
    await runtime.enqueue({ kind: BADGE_REMIND_SCAN_JOB, onceKey: 'scan-2' });
    await runtime.drain();
    const reminders = await database.db.select().from(jobs).where(eq(jobs.kind, BADGE_REMIND_JOB));
    expect(reminders.map((j) => (j.payload as { awardId: string }).awardId)).toEqual([due.awardId]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: 'ana@example.com' });
    expect(sent[0]?.subject).toContain('Workplace first aid');
    expect(notDue.awardId).not.toBe(due.awardId);
  });
});

describe('revocation safety net', () => {
  test('an award revoked without revokeBadge gets its bit set by the reconcile job; the page never says valid', async () => {
    const { awardId } = await addAward(database.db, platformId, { userId: 'sneaky' });
    const { badge } = await issueBadge(deps, awardId, { name: 'Dana', email: 'dana@example.edu' });
    await database.db.update(awards).set({ status: 'revoked' }).where(eq(awards.id, awardId));
    const loader = badgeLoader(database.db, publicUrl);
    expect((await verifyCredential(badge.credentials.fr, loader)).verdict).toBe('valid');
    await runtime.enqueue({ kind: BADGE_RECONCILE_JOB, onceKey: 'reconcile-1' });
    await runtime.drain();
    expect((await verifyCredential(badge.credentials.fr, loader)).verdict).toBe('revoked');
    expect((await verifyCredential(badge.credentials.en, loader)).verdict).toBe('revoked');
  });
});

describe('badges CLI', () => {
  const ctx = () =>
    ({
      database,
      config: { publicUrl },
      secrets: { master },
      registry: undefined,
      urls: undefined,
    }) as unknown as CommandContext;

  test('show prints the badge id and verification URL; revoke revokes; rotate-key keeps old badges valid', async () => {
    const { awardId } = await addAward(database.db, platformId, { userId: 'cli-1' });
    const { badge } = await issueBadge(deps, awardId, { name: 'Chloé', email: 'chloe@example.edu' });
    const show = await runCommand(['badges', 'show', awardId, '--json'], ctx());
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      badgeId: badge.id,
      verificationUrl: `${publicUrl}/badges/${badge.id}`,
    });
    expect((await runCommand(['badges', 'show', 'aw-none'], ctx())).code).toBe(2);
    const rotated = await runCommand(['badges', 'rotate-key', platformId], ctx());
    expect(rotated.code).toBe(0);
    const loader = badgeLoader(database.db, publicUrl);
    expect((await verifyCredential(badge.credentials.fr, loader)).verdict).toBe('valid');
    expect((await runCommand(['badges', 'revoke', awardId], ctx())).code).toBe(2);
    const revoked = await runCommand(['badges', 'revoke', awardId, '--reason', 'Issued in error'], ctx());
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${awardId}\n` });
    expect((await verifyCredential(badge.credentials.en, loader)).verdict).toBe('revoked');
    const again = await runCommand(['badges', 'revoke', awardId, '--reason', 'x'], ctx());
    expect(again).toMatchObject({ code: 2, stderr: 'refused: already-revoked\n' });
  });
});
