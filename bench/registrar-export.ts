/**
 * `registrar-export` benchmark (issue 12 §7): a registrar CSV export of every transcript
 * record of a platform (1,000,000 generated records; 5,000 with --quick), Jalon's
 * streaming export (keyset pages by seq, status per record, CSV quoting in JS, written to
 * a Writable) beside PostgreSQL's own `COPY (SELECT … ORDER BY seq) TO STDOUT WITH CSV
 * HEADER` of the same rows, interleaved in the same run. One operation = one whole export.
 * Also reports the driver's peak heap and RSS growth during each export, the measure of
 * "memory stays flat".
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type Database } from '../src/db/client.js';
import { DefinitionRepository } from '../src/definitions/repository.js';
import { validateDefinition } from '../src/microcredentials/index.js';
import { PlatformRegistry } from '../src/platforms/registry.js';
import { streamExport } from '../src/registrar/export.js';
import { definitionInput } from '../test/microcredentials/fixtures.js';
import { runInterleaved, type Target } from './lib/interleave.js';
import type { BenchContext, BenchResult, Benchmark } from './lib/types.js';

const TZ = 'America/Toronto';

/** A Writable that counts and drops. */
function sink(): Writable & { bytes: number } {
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      w.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      cb();
    },
  }) as Writable & { bytes: number };
  w.bytes = 0;
  return w;
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Runs `fn` while sampling the heap and RSS; returns the peaks above the start and the heap
 * still held after a full GC at the end (what the export retained), in MB.
 */
async function withMemory<T>(
  fn: (sample: () => void) => Promise<T>,
): Promise<{ value: T; heapMB: number; rssMB: number; retainedMB: number }> {
  gc();
  const start = process.memoryUsage();
  let heap = start.heapUsed;
  let rss = start.rss;
  const sample = () => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed);
    rss = Math.max(rss, m.rss);
  };
  // PGlite may answer without ever yielding to timers: the export also samples per page.
  const timer = setInterval(sample, 20);
  try {
    const value = await fn(sample);
    sample();
    gc();
    const retainedMB = (process.memoryUsage().heapUsed - start.heapUsed) / 2 ** 20;
    return {
      value,
      heapMB: (heap - start.heapUsed) / 2 ** 20,
      rssMB: (rss - start.rss) / 2 ** 20,
      retainedMB,
    };
  } finally {
    clearInterval(timer);
  }
}

async function openTarget(
  postgresUrl: string | undefined,
): Promise<{ database: Database; url?: string; drop(): Promise<void> }> {
  if (!postgresUrl) {
    const database = await openDatabase({ memory: true });
    return { database, drop: () => database.close() };
  }
  const name = `jalon_b_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      const a = new pg.Client({ connectionString: postgresUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** Generates `n` awards and their `awarded` transcript records in bulk (a tenth of them revoked). */
export async function seed(database: Database, n: number): Promise<string> {
  const db = database.db;
  const { platform } = await new PlatformRegistry(db).add(
    {
      issuer: 'https://moodle.bench.example.edu',
      clientId: 'bench',
      authEndpoint: 'https://moodle.bench.example.edu/auth',
      tokenEndpoint: 'https://moodle.bench.example.edu/token',
      jwksUri: 'https://moodle.bench.example.edu/jwks',
      deploymentIds: ['1'],
    },
    'bench',
    'manual',
  );
  const repo = new DefinitionRepository(db);
  const mc = await repo.ensure({ platformId: platform.id, contextId: 'math', title: 'Mathematics 101' });
  const v = validateDefinition(definitionInput());
  if (!v.ok) throw new Error('bench definition is invalid');
  const { version } = await repo.save(mc.id, v.definition, 'bench');
  const essentials = JSON.stringify({
    code: 'MC-101',
    credits: 1.5,
    notionalHours: 15,
    deliveryMode: 'hybrid',
    assessmentTypes: ['test'],
    stacking: { kind: 'stackable', towards: { en: 'Certificate', fr: 'Certificat' } },
  });
  const title = JSON.stringify({ en: 'Workplace first aid', fr: 'Premiers soins en milieu de travail' });
  const institution = JSON.stringify({ name: { en: 'Example College' }, url: 'https://example.edu' });
  const step = 100_000;
  for (let from = 1; from <= n; from += step) {
    const to = Math.min(n, from + step - 1);
    await db.execute(sql`
      insert into awards (id, microcredential_id, definition_version_id, user_id, learner_name, score, decided_by, awarded_at)
      select 'aw-' || i, ${mc.id}, ${version.id}, 'u' || i, 'Learner "' || i || '", Jr.', 85.5, 'policy',
             timestamptz '2025-01-01' + (i || ' minutes')::interval
      from generate_series(${from}::int, ${to}::int) i`);
    await db.execute(sql`
      insert into transcript_records (id, event, award_id, microcredential_id, definition_version_id, platform_id,
        context_id, course_title, course_code, learner_id, sis_person_id, institution, learner_name, learner_email,
        title, essentials, score, decided_by, occurred_at, expires_at)
      select 'tr-' || i, 'awarded', 'aw-' || i, ${mc.id}, ${version.id}, ${platform.id}, 'math', 'Mathematics 101',
             'MATH-101', 'u' || i, 'SIS' || i, ${institution}::jsonb, 'Learner "' || i || '", Jr.',
             'u' || i || '@example.edu', ${title}::jsonb, ${essentials}::jsonb, 85.5, 'policy',
             timestamptz '2025-01-01' + (i || ' minutes')::interval, timestamptz '2029-01-01'
      from generate_series(${from}::int, ${to}::int) i`);
  }
  await db.execute(sql`
    insert into transcript_records (id, event, award_id, microcredential_id, definition_version_id, platform_id,
      context_id, learner_id, title, essentials, decided_by, occurred_at, reason)
    select 'tr-r-' || i, 'revoked', 'aw-' || i, ${mc.id}, ${version.id}, ${platform.id}, 'math', 'u' || i,
           ${title}::jsonb, ${essentials}::jsonb, 'manual', timestamptz '2026-01-01', 'error'
    from generate_series(1, ${Math.floor(n / 10)}::int) i`);
  await db.execute(sql`analyze transcript_records`);
  return platform.id;
}

const copySql = (platformId: string) =>
  `COPY (SELECT * FROM transcript_records WHERE platform_id = '${platformId.replace(/'/g, "''")}' ORDER BY seq) TO STDOUT WITH (FORMAT csv, HEADER)`;

/** PostgreSQL's COPY of the same rows: psql on a server, PGlite's /dev/blob in process. */
function copyTarget(database: Database, url: string | undefined, platformId: string): () => Promise<number> {
  if (url) {
    return () =>
      new Promise<number>((resolve, reject) => {
        const child = spawn('psql', ['-X', '-q', '-d', url, '-c', copySql(platformId)], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let bytes = 0;
        let err = '';
        child.stdout.on('data', (d: Buffer) => (bytes += d.length));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(bytes) : reject(new Error(`psql: ${err.trim()}`))));
      });
  }
  const client = (database.db as unknown as { $client: PGlite }).$client;
  return async () => {
    const r = await client.query(copySql(platformId).replace('TO STDOUT', "TO '/dev/blob'"));
    return r.blob?.size ?? 0;
  };
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const n = ctx.quick ? 5_000 : 1_000_000;
  const target = await openTarget(ctx.postgresUrl);
  try {
    ctx.progress(`registrar-export: generating ${n.toLocaleString('en')} awards and transcript records…`);
    const t0 = Date.now();
    const platformId = await seed(target.database, n);
    const records = n + Math.floor(n / 10);
    ctx.progress(
      `  seeded ${records.toLocaleString('en')} records in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    const memory: Record<string, { heapMB: number; rssMB: number; retainedMB: number }> = {
      jalon: { heapMB: 0, rssMB: 0, retainedMB: 0 },
      copy: { heapMB: 0, rssMB: 0, retainedMB: 0 },
    };
    const copy = copyTarget(target.database, target.url, platformId);
    const subject: Target = {
      name: 'jalon',
      async op() {
        const out = sink();
        const m = await withMemory((sample) =>
          streamExport(
            target.database.db,
            {
              platformId,
              filters: {},
              format: 'csv',
              afterSeq: 0,
              timeZone: TZ,
              pageSize: 1000,
              onProgress: sample,
            },
            out,
          ),
        );
        if (m.value.rows !== records) throw new Error(`exported ${m.value.rows} rows, expected ${records}`);
        memory.jalon = {
          heapMB: Math.max(memory.jalon!.heapMB, m.heapMB),
          rssMB: Math.max(memory.jalon!.rssMB, m.rssMB),
          retainedMB: Math.max(memory.jalon!.retainedMB, m.retainedMB),
        };
        return { rows: m.value.rows, MB: out.bytes / 2 ** 20 };
      },
    };
    const baseline: Target = {
      name: 'copy',
      async op() {
        const m = await withMemory(() => copy());
        memory.copy = {
          heapMB: Math.max(memory.copy!.heapMB, m.heapMB),
          rssMB: Math.max(memory.copy!.rssMB, m.rssMB),
          retainedMB: Math.max(memory.copy!.retainedMB, m.retainedMB),
        };
        return { rows: records, MB: m.value / 2 ** 20 };
      },
    };
    const plan = {
      concurrency: 1,
      rounds: ctx.quick ? 2 : 3,
      opsPerSlice: 1,
      sliceTimeLimitMs: 900_000,
      opTimeoutMs: 900_000,
    };
    ctx.progress(`registrar-export: ${plan.rounds} rounds × 1 full export per target, interleaved…`);
    const m = await runInterleaved(subject, baseline, plan, (round, name, ops) =>
      ctx.progress(`  round ${round + 1} ${name}: ${Math.round(ops * records).toLocaleString('en')} rows/s`),
    );
    const rowsPerSecond = (ops: number) => Math.round(ops * records).toLocaleString('en');
    const mb = (v: number) => `${v.toFixed(0)} MB`;
    return {
      comparisons: [{ label: `${(records / 1000).toFixed(0)}k`, ...m }],
      notes: [
        `One op = one CSV export of all ${records.toLocaleString('en')} records of a platform (${n.toLocaleString('en')} awarded + a tenth revoked),`,
        `  on ${ctx.postgresUrl ? 'PostgreSQL (--postgres)' : 'in-memory PGlite (in the driver process)'}.`,
        `rows/s: jalon ${rowsPerSecond(m.subject.opsPerSecond)}, copy ${rowsPerSecond(m.baseline.opsPerSecond)}.`,
        '  jalon = streamExport: keyset pages of 1,000 by seq, status (revoked/expired) per record, 42 columns,',
        '  RFC 4180 CSV built in JS, written to a Writable with back-pressure and hashed (SHA-256).',
        `  copy = ${ctx.postgresUrl ? 'psql -c' : 'PGlite query'} "COPY (SELECT * … ORDER BY seq) TO ${ctx.postgresUrl ? 'STDOUT' : "'/dev/blob'"} WITH CSV HEADER" of the same rows.`,
        `Peak growth during an export (driver process): jalon heap ${mb(memory.jalon!.heapMB)}, RSS ${mb(memory.jalon!.rssMB)},`,
        `  heap still held after a full GC at the end ${mb(memory.jalon!.retainedMB)} (garbage awaiting GC, not a buffer of rows);`,
        `  copy heap ${mb(memory.copy!.heapMB)}, RSS ${mb(memory.copy!.rssMB)}${ctx.postgresUrl ? ' (psql is its own process)' : ' (PGlite holds the whole COPY output)'}.`,
      ],
    };
  } finally {
    await target.drop();
  }
}

/** The registrar export benchmark (see the file comment). */
export const benchmark: Benchmark = {
  name: 'registrar-export',
  description: 'registrar CSV export of every transcript record (1M), Jalon streaming vs PostgreSQL COPY',
  run,
};
