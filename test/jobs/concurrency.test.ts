/**
 * Two workers side by side never process a job twice: on PostgreSQL with two separate
 * connection pools (as two instances would), on PGlite with two workers sharing it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/db/client.js';
import { jobs } from '../../src/db/schema/index.js';
import { enqueue, Worker } from '../../src/jobs/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { countEffects, createEffectsTable, EFFECT_KIND, effectHandler, rowsOf } from './effects.js';

const JOBS = 200;
const onServer = Boolean(process.env.DATABASE_URL);

let database: TestDatabase;
let second: Database | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  await createEffectsTable(database.db);
  // A second instance: its own pool on the same server database.
  if (database.url) second = await openDatabase({ url: database.url });
});
afterAll(async () => {
  await second?.close();
  await database?.close();
});

describe(onServer ? 'two workers with separate PostgreSQL pools' : 'two workers sharing one PGlite', () => {
  test(`${JOBS} jobs: each done exactly once, one effect each, no retries`, async () => {
    for (let i = 0; i < JOBS; i++) await enqueue(database.db, { kind: EFFECT_KIND, payload: { i } });
    const sleepMs = onServer ? 5 : 0;
    const options = {
      handlers: { [EFFECT_KIND]: effectHandler(sleepMs) },
      batchSize: 5,
      backoff: { baseMs: 0, maxMs: 0 },
    };
    const a = new Worker(database.db, { ...options, workerId: 'instance-a' });
    const b = new Worker((second ?? database).db, { ...options, workerId: 'instance-b' });
    const [ranA, ranB] = await Promise.all([a.runUntilIdle(), b.runUntilIdle()]);
    expect(ranA + ranB).toBe(JOBS);

    expect(await countEffects(database.db)).toBe(JOBS);
    const rows = await database.db.select().from(jobs);
    expect(rows).toHaveLength(JOBS);
    // A duplicate effect would have failed on the primary key and left an error and a retry.
    for (const row of rows) expect(row).toMatchObject({ status: 'done', attempts: 1, lastError: null });
    const perWorker = rowsOf<{ worker: string; n: number }>(
      await database.db.execute(
        sql`SELECT worker, count(*)::int AS n FROM job_effects GROUP BY worker ORDER BY worker`,
      ),
    );
    expect(perWorker.map((r) => r.worker)).toEqual(['instance-a', 'instance-b']);
  });
});
