/** Periodic enqueues: one job per period, however many instances run the same schedule. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eq } from 'drizzle-orm';
import { jobs } from '../../src/db/schema/index.js';
import { enqueuePeriodic, periodKey, startSchedule, type PeriodicJob } from '../../src/jobs/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const reconcile: PeriodicJob = {
  name: 'reconcile',
  cron: '0 * * * *',
  kind: 'connector.reconcile',
  payload: { all: true },
};

describe('periodic jobs', () => {
  test('the period key is the name and the scheduled second, in UTC', () => {
    expect(periodKey('reconcile', new Date('2026-11-23T08:00:00.420Z'))).toBe(
      'cron:reconcile:2026-11-23T08:00:00.000Z',
    );
    expect(periodKey('reconcile', new Date('2026-11-23T08:00:00Z'))).not.toBe(
      periodKey('reconcile', new Date('2026-11-23T09:00:00Z')),
    );
  });

  test('two instances enqueuing the same period give one job; the next period another', async () => {
    const at = new Date('2026-11-23T08:00:00Z');
    const [a, b] = await Promise.all([
      enqueuePeriodic(database.db, reconcile, at),
      enqueuePeriodic(database.db, reconcile, at),
    ]);
    expect(a.job.id).toBe(b.job.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.job).toMatchObject({ kind: 'connector.reconcile', payload: { all: true } });
    const next = await enqueuePeriodic(database.db, reconcile, new Date('2026-11-23T09:00:00Z'));
    expect(next.created).toBe(true);
    expect(await database.db.select().from(jobs).where(eq(jobs.kind, 'connector.reconcile'))).toHaveLength(2);
  });

  test('rejects an invalid pattern and duplicate names', () => {
    expect(() => startSchedule(database.db, [{ ...reconcile, cron: 'every hour' }])).toThrow(RangeError);
    expect(() => startSchedule(database.db, [reconcile, reconcile])).toThrow(RangeError);
  });

  test('two running schedules (two instances) enqueue each fired period once', async () => {
    const tick: PeriodicJob = { name: 'tick', cron: '* * * * * *', kind: 'test.tick' };
    const first = startSchedule(database.db, [tick]);
    const second = startSchedule(database.db, [tick]);
    let rows: (typeof jobs.$inferSelect)[] = [];
    try {
      for (let i = 0; i < 300 && rows.length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        rows = await database.db.select().from(jobs).where(eq(jobs.kind, 'test.tick'));
      }
    } finally {
      await first.stop();
      await second.stop();
    }
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const keys = rows.map((r) => r.onceKey);
    for (const key of keys) expect(key).toMatch(/^cron:tick:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
