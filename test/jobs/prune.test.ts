/**
 * Forgetting finished jobs on a real database: old done and failed rows go (failed ones
 * later), pending and running work stays, and a once key still holds until the period it
 * names (`once_until`) has passed. The running service has the daily prune.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { eq, sql } from 'drizzle-orm';
import { jobs } from '../../src/db/schema/index.js';
import { jobCatalog } from '../../src/job-catalog.js';
import { enqueue, enqueuePeriodic, JOBS_PRUNE, pruneFinishedJobs } from '../../src/jobs/index.js';
import { PRUNE_SCHEDULE } from '../../src/jobs/prune.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startJalon } from '../helpers/jalon.js';

let database: TestDatabase;
const DAY = 86_400_000;
const now = new Date('2026-12-04T03:17:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await database.db.delete(jobs);
});

/** A job in `status`, last touched `daysAgo` days before `now`. */
async function jobAged(
  name: string,
  status: 'queued' | 'running' | 'done' | 'failed',
  daysAgo: number,
  keys: { onceKey?: string; onceUntil?: Date } = {},
) {
  const { job } = await enqueue(database.db, { kind: 'test.run', payload: { name }, ...keys });
  await database.db
    .update(jobs)
    .set({ status, updatedAt: new Date(now.getTime() - daysAgo * DAY) })
    .where(eq(jobs.id, job.id));
  return job.id;
}

const names = async () =>
  (await database.db.select().from(jobs)).map((j) => (j.payload as { name: string }).name).sort();

describe('pruneFinishedJobs', () => {
  test('done after 7 days, failed after 30; queued and running never', async () => {
    await jobAged('done-old', 'done', 8);
    await jobAged('done-recent', 'done', 6);
    await jobAged('failed-8', 'failed', 8);
    await jobAged('failed-old', 'failed', 31);
    await jobAged('queued-old', 'queued', 60);
    await jobAged('running-old', 'running', 60);
    expect(await pruneFinishedJobs(database.db, now)).toBe(2);
    expect(await names()).toEqual(['done-recent', 'failed-8', 'queued-old', 'running-old']);
    expect(await pruneFinishedJobs(database.db, now)).toBe(0);
  });

  test('a once key keeps its row (one job ever) until its once_until, for ever without one', async () => {
    await jobAged('once', 'done', 90, { onceKey: 'award-email:a-1' });
    await jobAged('day-past', 'done', 90, {
      onceKey: 'email:reminder:x:2026-09-01',
      onceUntil: new Date('2026-09-03T00:00:00Z'),
    });
    await jobAged('day-pending', 'done', 8, {
      onceKey: 'email:reminder:x:2026-12-05',
      onceUntil: new Date('2026-12-07T00:00:00Z'),
    });
    expect(await pruneFinishedJobs(database.db, now)).toBe(1);
    expect(await names()).toEqual(['day-pending', 'once']);
    // The kept key still holds: asking again gives the old job, not a new one.
    const again = await enqueue(database.db, { kind: 'test.run', onceKey: 'award-email:a-1' });
    expect(again.created).toBe(false);
  });

  test("the schedule's periods, a day's reminders and a registrar period say how long their key holds", async () => {
    const at = new Date('2026-12-04T03:00:00Z');
    const { job } = await enqueuePeriodic(database.db, PRUNE_SCHEDULE, at);
    expect(job.onceUntil).toEqual(new Date('2026-12-05T03:00:00Z'));
  });

  test('a large backlog goes in batches, all of it', async () => {
    await database.db.execute(sql`
      insert into jobs (id, kind, payload, status, updated_at)
      select 'bulk-' || g, 'test.run', '{"name":"bulk"}'::jsonb, 'done', ${new Date(now.getTime() - 10 * DAY).toISOString()}::timestamptz
      from generate_series(1, 12000) as g`);
    await jobAged('keep', 'done', 1);
    expect(await pruneFinishedJobs(database.db, now)).toBe(12000);
    expect(await names()).toEqual(['keep']);
  });

  test('the running service has the prune job: an old finished job goes when it runs', async () => {
    const jalon = await startJalon();
    try {
      const { db } = jalon.database;
      const { job } = await enqueue(db, { kind: 'test.old', payload: {} });
      await db
        .update(jobs)
        .set({ status: 'done', updatedAt: new Date(Date.now() - 8 * DAY) })
        .where(eq(jobs.id, job.id));
      expect(jalon.running.services.jobs.kinds).toContain(JOBS_PRUNE);
      expect(jobCatalog(jalon.running.services).periodic).toContainEqual(PRUNE_SCHEDULE);
      await jalon.running.services.jobs.enqueue({ kind: JOBS_PRUNE });
      await jalon.running.services.jobs.drain();
      expect(await db.select().from(jobs).where(eq(jobs.id, job.id))).toEqual([]);
    } finally {
      // The badge routes load in the background at start; let them finish before stopping.
      await fetch(`${jalon.url}/verify`).catch(() => undefined);
      await jalon.stop();
    }
  }, 60_000);
});
