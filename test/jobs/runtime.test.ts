/**
 * The service's queue runtime: modules' catalogs merge without silent overrides, `drain`
 * runs chained work to the end, background workers pick jobs up and stop cleanly; and the
 * transcript writer it feeds never writes one award's event twice.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eq } from 'drizzle-orm';
import { awards, jobs, transcriptRecords } from '../../src/db/schema/index.js';
import { DefinitionRepository } from '../../src/definitions/repository.js';
import { JobRuntime, mergeCatalogs, type JobCatalog } from '../../src/jobs/runtime.js';
import { createLogger } from '../../src/log.js';
import { validateDefinition } from '../../src/microcredentials/index.js';
import { appendTranscriptRecord } from '../../src/transcripts/record.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { definitionInput } from '../microcredentials/fixtures.js';

let database: TestDatabase;
const log = createLogger('silent');

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const noop = async () => undefined;

describe('job catalogs', () => {
  test('merge handlers and schedules of several modules', () => {
    const a: JobCatalog = {
      handlers: { 'a.run': noop },
      periodic: [{ name: 'a', cron: '* * * * *', kind: 'a.run' }],
    };
    const b: JobCatalog = { handlers: { 'b.run': noop }, periodic: [] };
    const merged = mergeCatalogs(a, b);
    expect(Object.keys(merged.handlers).sort()).toEqual(['a.run', 'b.run']);
    expect(merged.periodic.map((p) => p.name)).toEqual(['a']);
  });

  test('refuse two handlers for one kind instead of keeping either silently', () => {
    const a: JobCatalog = { handlers: { 'x.run': noop }, periodic: [] };
    expect(() => mergeCatalogs(a, a)).toThrow(/x\.run has two handlers/);
  });
});

describe('job runtime', () => {
  test('drain runs queued jobs and the jobs they queue, then stops', async () => {
    const seen: string[] = [];
    const runtime = new JobRuntime(database.db, { workers: 0, pollMs: 10, timezone: 'UTC', log });
    runtime.setCatalog({
      handlers: {
        'chain.first': async (job) => {
          seen.push(`first:${(job.payload as { n: number }).n}`);
          await runtime.enqueue({ kind: 'chain.second', payload: { n: 2 } });
        },
        'chain.second': async (job) => {
          seen.push(`second:${(job.payload as { n: number }).n}`);
        },
      },
      periodic: [],
    });
    await runtime.enqueue({ kind: 'chain.first', payload: { n: 1 } });
    expect(await runtime.drain()).toBe(2);
    expect(seen).toEqual(['first:1', 'second:2']);
    expect(await runtime.drain()).toBe(0);
  });

  test('with no handlers, drain and start do nothing', async () => {
    const runtime = new JobRuntime(database.db, { workers: 2, pollMs: 10, timezone: 'UTC', log });
    expect(await runtime.drain()).toBe(0);
    runtime.start();
    await runtime.stop();
  });

  test('started workers run a job in the background and stop when asked', async () => {
    const runtime = new JobRuntime(database.db, { workers: 1, pollMs: 10, timezone: 'UTC', log });
    let done!: () => void;
    const ran = new Promise<void>((resolve) => (done = resolve));
    runtime.setCatalog({ handlers: { 'bg.run': async () => done() }, periodic: [] });
    const { job } = await runtime.enqueue({ kind: 'bg.run' });
    runtime.start();
    await ran;
    await runtime.stop();
    const [row] = await database.db.select().from(jobs).where(eq(jobs.id, job.id));
    expect(row?.status).toBe('done');
  });
});

describe('transcript records', () => {
  test('a replayed award event is a no-op, a revocation is a second row', async () => {
    const platformId = await addPlatformRow(database.db, 'transcripts');
    const repo = new DefinitionRepository(database.db);
    const mc = await repo.ensure({ platformId, contextId: '42', title: 'Statistics' });
    const v = validateDefinition(definitionInput());
    if (!v.ok) throw new Error(JSON.stringify(v.errors));
    const { version } = await repo.save(mc.id, v.definition, 'prof');
    await database.db.insert(awards).values({
      id: 'aw-1',
      microcredentialId: mc.id,
      definitionVersionId: version.id,
      userId: 'learner-1',
      decidedBy: 'policy',
    });
    const input = {
      event: 'awarded' as const,
      awardId: 'aw-1',
      microcredentialId: mc.id,
      definitionVersionId: version.id,
      platformId,
      contextId: '42',
      learnerId: 'learner-1',
      title: v.definition.title,
      essentials: {},
      decidedBy: 'policy',
      occurredAt: new Date('2026-11-30T12:00:00Z'),
    };
    const first = await appendTranscriptRecord(database.db, input);
    const replay = await appendTranscriptRecord(database.db, input);
    const revoked = await appendTranscriptRecord(database.db, {
      ...input,
      event: 'revoked',
      reason: 'Academic misconduct',
      occurredAt: new Date('2026-12-01T12:00:00Z'),
    });
    expect(first?.event).toBe('awarded');
    expect(replay).toBeNull();
    expect(revoked?.seq).toBeGreaterThan(first!.seq);
    const rows = await database.db
      .select()
      .from(transcriptRecords)
      .where(eq(transcriptRecords.awardId, 'aw-1'));
    expect(rows.map((r) => r.event).sort()).toEqual(['awarded', 'revoked']);
  });
});
