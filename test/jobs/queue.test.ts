/** The durable job queue on a real database: enqueue, run, retry, fail, atomicity, leases. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { eq, sql } from 'drizzle-orm';
import { jobs } from '../../src/db/schema/index.js';
import {
  backoffMs,
  claimJobs,
  enqueue,
  LeaseLostError,
  PermanentJobError,
  Worker,
  type JobContext,
} from '../../src/jobs/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { countEffects, createEffectsTable, EFFECT_KIND, effectHandler, rowsOf } from './effects.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  await createEffectsTable(database.db);
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await database.db.delete(jobs);
  await database.db.execute(sql`DELETE FROM job_effects`);
});

async function jobById(id: string) {
  const [row] = await database.db.select().from(jobs).where(eq(jobs.id, id));
  if (!row) throw new Error(`no job ${id}`);
  return row;
}

describe('enqueue', () => {
  test('the same dedupe key twice gives one job while it is pending', async () => {
    const a = await enqueue(database.db, { kind: 'lms.read', payload: { course: 7 }, dedupeKey: 'read:7' });
    const b = await enqueue(database.db, { kind: 'lms.read', payload: { course: 7 }, dedupeKey: 'read:7' });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.job.id).toBe(a.job.id);
    expect(await database.db.select().from(jobs)).toHaveLength(1);
    const other = await enqueue(database.db, { kind: 'lms.read', dedupeKey: 'read:8' });
    expect(other.created).toBe(true);
  });

  test('a dedupe key is free again once its job is done, a once key never is', async () => {
    const worker = new Worker(database.db, { handlers: { 'lms.read': async () => undefined } });
    const first = await enqueue(database.db, { kind: 'lms.read', dedupeKey: 'read:9', onceKey: 'period:1' });
    await worker.runUntilIdle();
    expect((await jobById(first.job.id)).status).toBe('done');
    const again = await enqueue(database.db, { kind: 'lms.read', dedupeKey: 'read:9' });
    expect(again.created).toBe(true);
    const once = await enqueue(database.db, { kind: 'lms.read', onceKey: 'period:1' });
    expect(once.created).toBe(false);
    expect(once.job.id).toBe(first.job.id);
  });

  test('rejects a missing kind, a bad attempt limit and an invalid date', async () => {
    await expect(enqueue(database.db, { kind: '' })).rejects.toThrow(RangeError);
    await expect(enqueue(database.db, { kind: 'x', maxAttempts: 0 })).rejects.toThrow(RangeError);
    await expect(enqueue(database.db, { kind: 'x', maxAttempts: 1.5 })).rejects.toThrow(RangeError);
    await expect(enqueue(database.db, { kind: 'x', runAt: new Date('nope') })).rejects.toThrow(RangeError);
    expect(await database.db.select().from(jobs)).toHaveLength(0);
  });
});

describe('worker', () => {
  test('runs a job once, passes its payload, marks it done and claims only its kinds', async () => {
    const seen: unknown[] = [];
    const worker = new Worker(database.db, {
      handlers: {
        'notify.send': async (job: { payload: { to: string } }) => {
          seen.push(job.payload.to);
        },
      },
    });
    const { job } = await enqueue(database.db, { kind: 'notify.send', payload: { to: 'a@example.org' } });
    const foreign = await enqueue(database.db, { kind: 'other.kind' });
    const later = await enqueue(database.db, {
      kind: 'notify.send',
      runAt: new Date(Date.now() + 3_600_000),
    });
    expect(await worker.runUntilIdle()).toBe(1);
    expect(seen).toEqual(['a@example.org']);
    const done = await jobById(job.id);
    expect(done).toMatchObject({ status: 'done', attempts: 1, lockedBy: null, lockedUntil: null });
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect((await jobById(foreign.job.id)).status).toBe('queued');
    expect((await jobById(later.job.id)).status).toBe('queued');
    expect(await worker.runOnce()).toBe(0);
  });

  test('a failing run is retried after an exponential back-off, then succeeds', async () => {
    let calls = 0;
    const worker = new Worker(database.db, {
      handlers: {
        flaky: async () => {
          calls += 1;
          if (calls === 1) throw new Error('LMS unavailable');
        },
      },
      backoff: { baseMs: 60_000, maxMs: 600_000 },
    });
    const { job } = await enqueue(database.db, { kind: 'flaky' });
    expect(await worker.runOnce()).toBe(1);
    const retry = await jobById(job.id);
    expect(retry).toMatchObject({ status: 'queued', attempts: 1, lockedBy: null });
    expect(retry.lastError).toContain('LMS unavailable');
    // Both instants come from one statement's now(): the delay is exact.
    expect(retry.runAt.getTime() - retry.updatedAt.getTime()).toBe(60_000);
    // Not due yet: nothing to claim.
    expect(await worker.runOnce()).toBe(0);
    await database.db
      .update(jobs)
      .set({ runAt: sql`now()` })
      .where(eq(jobs.id, job.id));
    expect(await worker.runOnce()).toBe(1);
    expect(await jobById(job.id)).toMatchObject({ status: 'done', attempts: 2 });
    expect(calls).toBe(2);
  });

  test('back-off doubles per attempt and is capped', () => {
    const options = { baseMs: 1000, maxMs: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, options))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(backoffMs(0, options)).toBe(1000);
    expect(backoffMs(10_000, options)).toBe(5000);
  });

  test('fails for good after the last attempt, with the error recorded', async () => {
    let calls = 0;
    const worker = new Worker(database.db, {
      handlers: {
        broken: async () => {
          calls += 1;
          throw new Error(`boom ${calls}`);
        },
      },
      backoff: { baseMs: 0, maxMs: 0 },
    });
    const { job } = await enqueue(database.db, { kind: 'broken', maxAttempts: 3 });
    await worker.runUntilIdle();
    expect(calls).toBe(3);
    const failed = await jobById(job.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, lockedBy: null });
    expect(failed.lastError).toBe('Error: boom 3');
    expect(failed.finishedAt).toBeInstanceOf(Date);
    expect(await worker.runOnce()).toBe(0);
  });

  test('a permanent error fails at once, without retries', async () => {
    const worker = new Worker(database.db, {
      handlers: {
        strict: async () => {
          throw new PermanentJobError('malformed payload');
        },
      },
      backoff: { baseMs: 0, maxMs: 0 },
    });
    const { job } = await enqueue(database.db, { kind: 'strict', maxAttempts: 5 });
    await worker.runUntilIdle();
    expect(await jobById(job.id)).toMatchObject({ status: 'failed', attempts: 1 });
  });
});

describe('effect and done commit together', () => {
  test('a handler that throws after writing leaves no effect, and the retry writes it once', async () => {
    let calls = 0;
    const write = effectHandler();
    const worker = new Worker(database.db, {
      handlers: {
        [EFFECT_KIND]: async (job, ctx) => {
          calls += 1;
          if (calls > 1) return write(job, ctx);
          await ctx.commit(async (tx) => {
            await tx.execute(sql`INSERT INTO job_effects (job_id, worker) VALUES (${job.id}, 'first')`);
            throw new Error('crash after the write');
          });
        },
      },
      backoff: { baseMs: 60_000, maxMs: 60_000 },
    });
    const { job } = await enqueue(database.db, { kind: EFFECT_KIND });
    await worker.runOnce();
    expect(await countEffects(database.db)).toBe(0);
    expect(await jobById(job.id)).toMatchObject({ status: 'queued', attempts: 1 });
    await database.db
      .update(jobs)
      .set({ runAt: sql`now()` })
      .where(eq(jobs.id, job.id));
    await worker.runOnce();
    expect(await countEffects(database.db)).toBe(1);
    expect(await jobById(job.id)).toMatchObject({ status: 'done', attempts: 2 });
  });

  test('an error after a successful commit keeps the job done (no second effect)', async () => {
    const write = effectHandler();
    const worker = new Worker(database.db, {
      handlers: {
        [EFFECT_KIND]: async (job, ctx) => {
          await write(job, ctx);
          throw new Error('late failure');
        },
      },
      backoff: { baseMs: 0, maxMs: 0 },
    });
    const { job } = await enqueue(database.db, { kind: EFFECT_KIND });
    await worker.runUntilIdle();
    expect(await countEffects(database.db)).toBe(1);
    expect(await jobById(job.id)).toMatchObject({ status: 'done', attempts: 1 });
  });

  test('commit may be called only once per run', async () => {
    const worker = new Worker(database.db, {
      handlers: {
        twice: async (_job, ctx) => {
          await ctx.commit(async () => undefined);
          await ctx.commit(async () => undefined);
        },
      },
    });
    const { job } = await enqueue(database.db, { kind: 'twice' });
    await worker.runOnce();
    // The first commit marked it done; the second threw and changed nothing.
    expect(await jobById(job.id)).toMatchObject({ status: 'done', attempts: 1 });
  });
});

describe('leases', () => {
  async function expireLeases(): Promise<void> {
    // Stands for time passing after a worker died: its lease ends in the past.
    await database.db
      .update(jobs)
      .set({ lockedUntil: sql`now() - interval '1 second'` })
      .where(eq(jobs.status, 'running'));
  }

  test('a job whose worker died is reclaimed once its lease expires, and only then', async () => {
    const { job } = await enqueue(database.db, { kind: EFFECT_KIND });
    const claimed = await claimJobs(database.db, {
      workerId: 'dead',
      kinds: [EFFECT_KIND],
      limit: 5,
      leaseMs: 60_000,
    });
    expect(claimed.map((j) => j.id)).toEqual([job.id]);
    expect(claimed[0]).toMatchObject({ status: 'running', lockedBy: 'dead', attempts: 1 });

    const worker = new Worker(database.db, {
      workerId: 'alive',
      handlers: { [EFFECT_KIND]: effectHandler() },
    });
    expect(await worker.runOnce()).toBe(0); // lease still valid
    await expireLeases();
    expect(await worker.runOnce()).toBe(1);
    expect(await jobById(job.id)).toMatchObject({ status: 'done', attempts: 2 });
    const rows = rowsOf<{ worker: string }>(await database.db.execute(sql`SELECT worker FROM job_effects`));
    expect(rows).toEqual([{ worker: 'alive' }]);
  });

  test('the former holder can neither commit nor settle a job taken over', async () => {
    const { job } = await enqueue(database.db, { kind: EFFECT_KIND });
    const [stale] = await claimJobs(database.db, {
      workerId: 'slow',
      kinds: [EFFECT_KIND],
      limit: 1,
      leaseMs: 60_000,
    });
    await expireLeases();
    await claimJobs(database.db, { workerId: 'fresh', kinds: [EFFECT_KIND], limit: 1, leaseMs: 60_000 });
    // Replay the slow worker's run with its stale claim.
    let lost: unknown;
    const slow = new Worker(database.db, {
      workerId: 'slow',
      handlers: {
        [EFFECT_KIND]: async (j, ctx: JobContext) => {
          try {
            await effectHandler()(j, ctx);
          } catch (err) {
            lost = err;
            throw err;
          }
        },
      },
    });
    if (!stale) throw new Error('nothing claimed');
    await slow.runClaimed(stale);
    expect(lost).toBeInstanceOf(LeaseLostError);
    expect(await countEffects(database.db)).toBe(0);
    expect(await jobById(job.id)).toMatchObject({ status: 'running', lockedBy: 'fresh', attempts: 2 });
  });

  test('a lease that expires on the last attempt fails the job instead of looping', async () => {
    const { job } = await enqueue(database.db, { kind: EFFECT_KIND, maxAttempts: 1 });
    await claimJobs(database.db, { workerId: 'dead', kinds: [EFFECT_KIND], limit: 1, leaseMs: 60_000 });
    await expireLeases();
    const worker = new Worker(database.db, { handlers: { [EFFECT_KIND]: effectHandler() } });
    expect(await worker.runOnce()).toBe(0);
    const failed = await jobById(job.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lockedBy: null });
    expect(failed.lastError).toContain('lease expired');
    expect(await countEffects(database.db)).toBe(0);
  });
});

describe('polling loop', () => {
  test('start picks up jobs enqueued later; stop ends the loop', async () => {
    const worker = new Worker(database.db, { handlers: { [EFFECT_KIND]: effectHandler() }, pollMs: 20 });
    worker.start();
    const { job } = await enqueue(database.db, { kind: EFFECT_KIND });
    for (let i = 0; i < 500 && (await jobById(job.id)).status !== 'done'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await worker.stop();
    expect((await jobById(job.id)).status).toBe('done');
    const after = await enqueue(database.db, { kind: EFFECT_KIND });
    expect((await jobById(after.job.id)).status).toBe('queued');
  });
});
