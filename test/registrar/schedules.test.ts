/**
 * Scheduled exports: the per-minute tick enqueues a schedule's period once however many
 * instances tick; two workers racing run it once; the file and its manifest land in the
 * schedule's folder with a checksum that matches; the next period exports only what is
 * new; a failed run is retried with back-off, shown on the run meanwhile, and marked
 * failed after the last attempt — never skipped silently.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../../src/config/index.js';
import { loadInstanceSecrets } from '../../src/crypto/secrets.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { jobs, registrarExportRuns } from '../../src/db/schema/index.js';
import { enqueuePeriodic, Worker } from '../../src/jobs/index.js';
import { createLogger } from '../../src/log.js';
import { registrarJobs, type RegistrarServices } from '../../src/registrar/jobs.js';
import { createSchedule, enqueueDue, SCHEDULED_KIND } from '../../src/registrar/schedules.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { seedAward, seedCourse, type SeededCourse } from './fixtures.js';

const TZ = 'America/Toronto';
let database: TestDatabase;
let second: Database | undefined;
let platformId: string;
let course: SeededCourse;
let dataDir: string;
let services: RegistrarServices;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function worker(db: Database['db'], id: string): Worker {
  return new Worker(db, {
    handlers: registrarJobs(services).handlers,
    workerId: id,
    backoff: { baseMs: 0, maxMs: 0 },
  });
}

async function race(): Promise<number> {
  const [a, b] = await Promise.all([
    worker(database.db, 'instance-a').runUntilIdle(),
    worker((second ?? database).db, 'instance-b').runUntilIdle(),
  ]);
  return a + b;
}

beforeAll(async () => {
  database = await createTestDatabase();
  if (database.url) second = await openDatabase({ url: database.url });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'jalon-registrar-'));
  const config = loadConfig({}, { dataDir, jobs: { workers: 0, pollMs: 50, timezone: TZ } });
  services = { config, database, log: createLogger('silent'), secrets: loadInstanceSecrets(config.dataDir) };
  platformId = await addPlatformRow(database.db);
  course = await seedCourse(database.db, platformId, 'math');
  for (let i = 0; i < 5; i++) await seedAward(database.db, platformId, course, { learner: `L${i}` });
}, 60_000);

afterAll(async () => {
  await second?.close();
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('scheduled exports', () => {
  let scheduleId: string;
  const twoAm = new Date('2026-03-10T06:00:00Z'); // 02:00 in Toronto (EDT)

  beforeAll(async () => {
    const s = await createSchedule(database.db, {
      platformId,
      name: 'Nightly SIS',
      cron: '0 2 * * *',
      format: 'csv',
      filters: { since: 'last' },
      targetDir: 'sis/nightly',
      createdBy: 'test',
    });
    scheduleId = s.id;
  });

  test('two instances ticking the same minute, two workers racing: the period runs once', async () => {
    const tick = registrarJobs(services).periodic[0]!;
    await Promise.all([
      enqueuePeriodic(database.db, tick, twoAm),
      enqueuePeriodic((second ?? database).db, tick, twoAm),
    ]);
    // And even if both instances' ticks ran, the period's job exists once.
    await Promise.all([enqueueDue(database.db, twoAm, TZ), enqueueDue((second ?? database).db, twoAm, TZ)]);
    expect(await race()).toBe(2); // the tick and the period
    const scheduled = await database.db.select().from(jobs).where(eq(jobs.kind, SCHEDULED_KIND));
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]).toMatchObject({ status: 'done', attempts: 1 });
    // A period's key need not outlive the day: the row may be pruned after it.
    expect(scheduled[0]!.onceUntil).toEqual(new Date(twoAm.getTime() + 86_400_000));
    const runs = await database.db
      .select()
      .from(registrarExportRuns)
      .where(eq(registrarExportRuns.scheduleId, scheduleId));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'done', rows: 5 });
  });

  test('the file and its manifest: row count, period, checksum that matches', () => {
    const dir = path.join(dataDir, 'exports', 'sis', 'nightly');
    const files = readdirSync(dir).sort();
    expect(files).toEqual([
      'Nightly-SIS-20260310T060000000Z.csv',
      'Nightly-SIS-20260310T060000000Z.csv.manifest.json',
    ]);
    const data = readFileSync(path.join(dir, files[0]!));
    const manifest = JSON.parse(readFileSync(path.join(dir, files[1]!), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      rows: 5,
      period: twoAm.toISOString(),
      format: 'csv',
      file: files[0],
      bytes: data.length,
    });
    expect(manifest.sha256).toBe(sha256(data));
    expect(parse(data, { columns: true })).toHaveLength(5);
  });

  test('a minute the pattern does not match enqueues nothing', async () => {
    expect(await enqueueDue(database.db, new Date('2026-03-10T06:01:00Z'), TZ)).toEqual([]);
  });

  test('the next period exports only what is new', async () => {
    await seedAward(database.db, platformId, course, { learner: 'late' });
    const next = new Date('2026-03-11T06:00:00Z');
    expect(await enqueueDue(database.db, next, TZ)).toEqual([scheduleId]);
    await race();
    const [run] = await database.db
      .select()
      .from(registrarExportRuns)
      .where(eq(registrarExportRuns.period, next.toISOString()));
    expect(run).toMatchObject({ status: 'done', rows: 1 });
    const rows = parse(readFileSync(run!.filePath!), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.learner_id)).toEqual(['late']);
  });

  test('a failed run is retried and shown, then failed after the last attempt', async () => {
    const s = await createSchedule(database.db, {
      platformId,
      name: 'Broken',
      cron: '30 3 * * *',
      format: 'jsonl',
      filters: {},
      targetDir: 'blocked/out',
      createdBy: 'test',
    });
    // A file where the folder should be: every attempt fails until it is removed.
    mkdirSync(path.join(dataDir, 'exports'), { recursive: true });
    writeFileSync(path.join(dataDir, 'exports', 'blocked'), 'not a folder');
    const at = new Date('2026-03-10T07:30:00Z');
    await enqueueDue(database.db, at, TZ);
    const runOf = async () =>
      (
        await database.db.select().from(registrarExportRuns).where(eq(registrarExportRuns.scheduleId, s.id))
      )[0]!;
    await worker(database.db, 'w').runOnce();
    const afterOne = await runOf();
    expect(afterOne.status).toBe('queued');
    expect(afterOne.error).toBeTruthy();
    expect(afterOne.attempts).toBe(1);
    const [job] = await database.db
      .select()
      .from(jobs)
      .where(eq(jobs.onceKey, `registrar:${s.id}:${at.toISOString()}`));
    expect(job).toMatchObject({ status: 'queued', attempts: 1 });
    // Fixed before the next try: the retry succeeds.
    rmSync(path.join(dataDir, 'exports', 'blocked'));
    await worker(database.db, 'w').runUntilIdle();
    expect(await runOf()).toMatchObject({ status: 'done', error: null, attempts: 2, rows: 6 });

    // Broken for good: after the last attempt the run says failed.
    const s2 = await createSchedule(database.db, {
      platformId,
      name: 'Doomed',
      cron: '45 3 * * *',
      format: 'csv',
      filters: {},
      targetDir: 'doomed/out',
      createdBy: 'test',
    });
    writeFileSync(path.join(dataDir, 'exports', 'doomed'), 'not a folder');
    await enqueueDue(database.db, new Date('2026-03-10T07:45:00Z'), TZ);
    await worker(database.db, 'w').runUntilIdle();
    const [failed] = await database.db
      .select()
      .from(registrarExportRuns)
      .where(eq(registrarExportRuns.scheduleId, s2.id));
    expect(failed).toMatchObject({ status: 'failed', attempts: 5 });
    expect(failed!.error).toMatch(/EEXIST|ENOTDIR/);
  });
});
