/**
 * A worker process killed mid-way (SIGKILL, no clean-up) loses nothing and duplicates
 * nothing: its uncommitted transaction rolls back, its lease expires, and another worker
 * finishes the rest. Needs a server: PGlite is embedded in one process.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { ROOT_DIR } from '../../src/config/index.js';
import { jobs } from '../../src/db/schema/index.js';
import { enqueue, Worker } from '../../src/jobs/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { countEffects, createEffectsTable, EFFECT_KIND, effectHandler, rowsOf } from './effects.js';

const JOBS = 200;
const KILL_AFTER = 30;
const onServer = Boolean(process.env.DATABASE_URL);
const describeOnServer = onServer ? describe : describe.skip;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let database: TestDatabase;

beforeAll(async () => {
  if (!onServer) return;
  database = await createTestDatabase();
  await createEffectsTable(database.db);
});
afterAll(async () => {
  await database?.close();
});

describeOnServer('kill test on PostgreSQL (skipped on PGlite: one process, nothing to kill)', () => {
  test(`a worker process SIGKILLed after ${KILL_AFTER} effects; another finishes; each job once`, async () => {
    for (let i = 0; i < JOBS; i++) await enqueue(database.db, { kind: EFFECT_KIND, payload: { i } });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT_DIR, 'test/jobs/worker-child.ts')],
      {
        cwd: ROOT_DIR,
        env: { ...process.env, DATABASE_URL: database.url },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );

    let seen = 0;
    for (let i = 0; i < 6000 && seen < KILL_AFTER && child.exitCode === null; i++) {
      await sleep(10);
      seen = await countEffects(database.db);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    if (seen < KILL_AFTER) throw new Error(`child made ${seen} effects before stopping: ${stderr}`);

    const atKill = await countEffects(database.db);
    expect(atKill).toBeLessThan(JOBS); // killed mid-way, not after the end
    const [left] = rowsOf<{ n: number }>(
      await database.db.execute(sql`SELECT count(*)::int AS n FROM jobs WHERE status <> 'done'`),
    );
    expect(left?.n).toBe(JOBS - atKill); // an effect exists exactly for each job done

    // The survivor: waits out the dead child's 1 s lease by polling, then finishes.
    const survivor = new Worker(database.db, {
      workerId: 'survivor',
      handlers: { [EFFECT_KIND]: effectHandler() },
      batchSize: 20,
      backoff: { baseMs: 0, maxMs: 0 },
    });
    let ran = 0;
    for (let i = 0; i < 1000 && (await countEffects(database.db)) < JOBS; i++) {
      ran += await survivor.runUntilIdle();
      await sleep(20);
    }
    expect(ran).toBe(JOBS - atKill);

    expect(await countEffects(database.db)).toBe(JOBS);
    const rows = await database.db.select().from(jobs);
    for (const row of rows) expect(row).toMatchObject({ status: 'done', lastError: null });
    const [missing] = rowsOf<{ n: number }>(
      await database.db.execute(
        sql`SELECT count(*)::int AS n FROM jobs j LEFT JOIN job_effects e ON e.job_id = j.id WHERE e.job_id IS NULL`,
      ),
    );
    expect(missing?.n).toBe(0);
  });
});
