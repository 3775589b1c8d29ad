/**
 * The attempt store on a real database: one row per attempt whatever the deliveries look
 * like (duplicates, replays, out of order, 20 at once), regrades update that row, invalid
 * batches write nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { listAttempts, recordAttempts } from '../../src/attempts/store.js';
import { DefinitionRepository } from '../../src/definitions/repository.js';
import type { AttemptRecord } from '../../src/microcredentials/attempts.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;
let platformId: string;
let course = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  platformId = await addPlatformRow(database.db);
});
afterAll(async () => {
  await database?.close();
});

/** A fresh micro-credential per test, so counts are the test's own. */
async function newMc(): Promise<string> {
  course += 1;
  return (await new DefinitionRepository(database.db).ensure({ platformId, contextId: `c${course}` })).id;
}

function attempt(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    learner: 'ana',
    assessment: { source: 'moodle-quiz', lmsId: '101' },
    attemptNumber: 1,
    score: 7,
    maxScore: 10,
    submittedAt: '2030-03-01T10:00:00Z',
    gradedAt: '2030-03-01T10:05:00Z',
    source: 'moodle-ws',
    sourceId: 'qa-1',
    ...overrides,
  };
}

describe('recordAttempts', () => {
  test('stores new attempts and reports them as inserted', async () => {
    const mc = await newMc();
    const r = await recordAttempts(database.db, mc, [
      attempt(),
      attempt({ attemptNumber: 2, sourceId: 'qa-2', submittedAt: '2030-03-02T10:00:00Z', score: 9 }),
    ]);
    expect(r).toEqual({ ok: true, inserted: 2, updated: 0, unchanged: 0 });
    const rows = await listAttempts(database.db, mc);
    expect(rows.map((x) => [x.attemptNumber, x.score, x.maxScore, x.source, x.sourceId])).toEqual([
      [1, 7, 10, 'moodle-ws', 'qa-1'],
      [2, 9, 10, 'moodle-ws', 'qa-2'],
    ]);
    expect(rows[0]!.submittedAt.toISOString()).toBe('2030-03-01T10:00:00.000Z');
  });

  test('duplicates within a call and replays of a call give one row', async () => {
    const mc = await newMc();
    const r = await recordAttempts(database.db, mc, [attempt(), attempt(), attempt()]);
    expect(r).toEqual({ ok: true, inserted: 1, updated: 0, unchanged: 0 });
    const again = await recordAttempts(database.db, mc, [attempt()]);
    expect(again).toEqual({ ok: true, inserted: 0, updated: 0, unchanged: 1 });
    expect(await listAttempts(database.db, mc)).toHaveLength(1);
  });

  test('the same attempt through another channel is not a second attempt', async () => {
    const mc = await newMc();
    await recordAttempts(database.db, mc, [attempt()]);
    // Same learner, assessment and number, another source and id.
    const r = await recordAttempts(database.db, mc, [attempt({ source: 'csv', sourceId: 'row-3' })]);
    expect(r).toMatchObject({ ok: true, inserted: 0 });
    // Same source id reported with a different number: still the same attempt.
    const s = await recordAttempts(database.db, mc, [attempt({ attemptNumber: 3 })]);
    expect(s).toMatchObject({ ok: true, inserted: 0 });
    expect(await listAttempts(database.db, mc)).toHaveLength(1);
  });

  test('a regrade updates the same row; an older grade delivered late does not undo it', async () => {
    const mc = await newMc();
    await recordAttempts(database.db, mc, [attempt({ score: null, gradedAt: null })]);
    const first = await recordAttempts(database.db, mc, [attempt({ score: 6 })]);
    expect(first).toEqual({ ok: true, inserted: 0, updated: 1, unchanged: 0 });
    const regrade = await recordAttempts(database.db, mc, [
      attempt({ score: 8, gradedAt: '2030-03-05T09:00:00Z' }),
    ]);
    expect(regrade).toEqual({ ok: true, inserted: 0, updated: 1, unchanged: 0 });
    // Out of order: the first grade arrives again after the regrade.
    const late = await recordAttempts(database.db, mc, [attempt({ score: 6 })]);
    expect(late).toEqual({ ok: true, inserted: 0, updated: 0, unchanged: 1 });
    // An ungraded report never erases a grade.
    await recordAttempts(database.db, mc, [attempt({ score: null, gradedAt: null })]);
    const rows = await listAttempts(database.db, mc);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.score).toBe(8);
    expect(rows[0]!.gradedAt?.toISOString()).toBe('2030-03-05T09:00:00.000Z');
  });

  test('out-of-order delivery of several attempts gives the same rows as in order', async () => {
    const mc = await newMc();
    const a1 = attempt();
    const a2 = attempt({ attemptNumber: 2, sourceId: 'qa-2', submittedAt: '2030-03-02T10:00:00Z' });
    await recordAttempts(database.db, mc, [a2]);
    await recordAttempts(database.db, mc, [a1, a2]);
    const rows = await listAttempts(database.db, mc);
    expect(rows.map((x) => x.sourceId)).toEqual(['qa-1', 'qa-2']);
  });

  test('an invalid record refuses the whole call with reasons, and nothing is written', async () => {
    const mc = await newMc();
    const r = await recordAttempts(database.db, mc, [
      attempt(),
      attempt({ attemptNumber: 0, sourceId: 'x' }),
      attempt({ sourceId: 'y', attemptNumber: 2, score: 11 }),
      attempt({ sourceId: 'z', attemptNumber: 3, score: -1 }),
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.refused.map((x) => [x.index, x.reason.key])).toEqual([
      [1, 'policy:invalid.attemptNumber'],
      [2, 'policy:invalid.scoreAboveMax'],
      [3, 'policy:invalid.scoreNegative'],
    ]);
    expect(await listAttempts(database.db, mc)).toHaveLength(0);
  });

  test('the database itself refuses an attempt number below 1', async () => {
    const mc = await newMc();
    const { attempts } = await import('../../src/db/schema/index.js');
    await expect(
      database.db.insert(attempts).values({
        id: 'at-bad',
        microcredentialId: mc,
        learner: 'ana',
        assessmentSource: 'moodle-quiz',
        assessmentLmsId: '101',
        attemptNumber: 0,
        submittedAt: new Date(),
        source: 'x',
        sourceId: 'y',
      }),
    ).rejects.toThrow();
  });

  test('20 parallel deliveries of the same records give exactly one row per attempt', async () => {
    const mc = await newMc();
    const batch = [
      attempt(),
      attempt({ attemptNumber: 2, sourceId: 'qa-2', submittedAt: '2030-03-02T10:00:00Z' }),
      attempt({ learner: 'ben', sourceId: 'qa-3' }),
    ];
    const results = await Promise.all(
      Array.from({ length: 20 }, () => recordAttempts(database.db, mc, batch)),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const inserted = results.reduce((n, r) => n + (r.ok ? r.inserted : 0), 0);
    expect(inserted).toBe(3);
    const rows = await listAttempts(database.db, mc);
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((x) => x.sourceId))).toEqual(new Set(['qa-1', 'qa-2', 'qa-3']));
  });

  test('20 parallel regrades of one attempt update it once', async () => {
    const mc = await newMc();
    await recordAttempts(database.db, mc, [attempt()]);
    const regrade = attempt({ score: 9, gradedAt: '2030-04-01T00:00:00Z' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => recordAttempts(database.db, mc, [regrade])),
    );
    expect(results.reduce((n, r) => n + (r.ok ? r.updated : 0), 0)).toBe(1);
    const rows = await listAttempts(database.db, mc);
    expect(rows.map((x) => x.score)).toEqual([9]);
  });
});
