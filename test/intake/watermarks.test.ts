/**
 * The marks of incremental reads: when a reconcile may ask only for what changed, which
 * learners it must still read in full, and how the marks are kept on a real database (they
 * only move forward, and go with the items the definition drops). Also the learners'
 * `active_since`, which says who joined since a read.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { and, eq } from 'drizzle-orm';
import { learners } from '../../src/db/schema/index.js';
import { DefinitionRepository } from '../../src/definitions/repository.js';
import { deactivateLearnersNotListed, upsertLearner, upsertLearners } from '../../src/intake/facts-store.js';
import {
  DEFAULT_PACING,
  loadWatermarks,
  planItemRead,
  readInFull,
  saveWatermarks,
} from '../../src/intake/watermarks.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';

const H = 3600_000;
const at = (iso: string) => new Date(iso);

describe('planItemRead', () => {
  const now = at('2026-12-04T12:00:00Z');

  test('an item never read on the whole roster is read in full', () => {
    expect(planItemRead(undefined, now, DEFAULT_PACING)).toEqual({ mode: 'full' });
  });

  test('after a recent full read, from the last read less the margin', () => {
    const mark = { readFrom: at('2026-12-04T11:45:00Z'), fullReadAt: at('2026-12-04T08:00:00Z') };
    expect(planItemRead(mark, now, DEFAULT_PACING)).toEqual({
      mode: 'incremental',
      since: at('2026-12-04T11:35:00Z'),
    });
  });

  test('a full read again once the last one is as old as the pacing says', () => {
    const mark = { readFrom: at('2026-12-04T11:45:00Z'), fullReadAt: at('2026-12-04T06:00:00Z') };
    expect(planItemRead(mark, now, DEFAULT_PACING)).toEqual({ mode: 'full' });
    expect(planItemRead(mark, now, { ...DEFAULT_PACING, fullEveryMs: 7 * H }).mode).toBe('incremental');
  });

  test('a definition changed since the last full read is read in full once', () => {
    const mark = { readFrom: at('2026-12-04T11:45:00Z'), fullReadAt: at('2026-12-04T08:00:00Z') };
    expect(planItemRead(mark, now, DEFAULT_PACING, at('2026-12-04T09:00:00Z'))).toEqual({ mode: 'full' });
    expect(planItemRead(mark, now, DEFAULT_PACING, at('2026-12-04T07:59:00Z')).mode).toBe('incremental');
  });

  test('a clock gone back (a read "from the future") is not trusted', () => {
    const mark = { readFrom: at('2026-12-04T12:30:00Z'), fullReadAt: at('2026-12-04T11:00:00Z') };
    expect(planItemRead(mark, now, DEFAULT_PACING)).toEqual({ mode: 'full' });
  });

  test('never asks from later than the last read began', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 48 * H }),
        fc.integer({ min: 0, max: 48 * H }),
        fc.integer({ min: 0, max: H }),
        (sinceRead, sinceFull, margin) => {
          const mark = {
            readFrom: new Date(now.getTime() - sinceRead),
            fullReadAt: new Date(now.getTime() - sinceFull),
          };
          const plan = planItemRead(mark, now, { fullEveryMs: 6 * H, marginMs: margin });
          if (plan.mode === 'incremental') {
            expect(plan.since.getTime()).toBeLessThanOrEqual(mark.readFrom.getTime());
            expect(sinceFull).toBeLessThan(6 * H);
          } else expect(sinceFull).toBeGreaterThanOrEqual(6 * H);
        },
      ),
    );
  });
});

describe('readInFull', () => {
  const since = at('2026-12-04T11:35:00Z');
  test('a learner Jalon did not have, or had as inactive, is read in full', () => {
    expect(readInFull(undefined, since)).toBe(true);
    expect(readInFull({ status: 'inactive', activeSince: at('2026-01-01T00:00:00Z') }, since)).toBe(true);
  });
  test('an active learner is read in full only if they became active after the read began', () => {
    expect(readInFull({ status: 'active', activeSince: at('2026-12-04T11:40:00Z') }, since)).toBe(true);
    expect(readInFull({ status: 'active', activeSince: since }, since)).toBe(false);
    expect(readInFull({ status: 'active', activeSince: at('2026-11-01T00:00:00Z') }, since)).toBe(false);
  });
});

describe('marks and active_since on the database', () => {
  let database: TestDatabase;
  let mc: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    const platformId = await addPlatformRow(database.db);
    mc = (await new DefinitionRepository(database.db).ensure({ platformId, contextId: 'wm' })).id;
  });
  afterAll(async () => {
    await database?.close();
  });

  test('a mark only moves forward, and a full read is remembered until a later one', async () => {
    const db = database.db;
    await saveWatermarks(
      db,
      mc,
      [{ itemKey: 'moodle-assign:9', startedAt: at('2026-12-04T10:00:00Z'), full: true }],
      ['moodle-assign:9'],
    );
    // An incremental read that started later.
    await saveWatermarks(
      db,
      mc,
      [{ itemKey: 'moodle-assign:9', startedAt: at('2026-12-04T10:15:00Z'), full: false }],
      ['moodle-assign:9'],
    );
    // A slower sync that started earlier, finishing last.
    await saveWatermarks(
      db,
      mc,
      [{ itemKey: 'moodle-assign:9', startedAt: at('2026-12-04T09:50:00Z'), full: true }],
      ['moodle-assign:9'],
    );
    expect((await loadWatermarks(db, mc)).get('moodle-assign:9')).toEqual({
      readFrom: at('2026-12-04T10:15:00Z'),
      fullReadAt: at('2026-12-04T10:00:00Z'),
    });
  });

  test('an incremental read of an item with no mark leaves it due for a full read', async () => {
    const db = database.db;
    await saveWatermarks(
      db,
      mc,
      [{ itemKey: 'moodle-quiz:3', startedAt: at('2026-12-04T10:20:00Z'), full: false }],
      ['moodle-assign:9', 'moodle-quiz:3'],
    );
    const mark = (await loadWatermarks(db, mc)).get('moodle-quiz:3')!;
    expect(planItemRead(mark, at('2026-12-04T10:30:00Z'), DEFAULT_PACING)).toEqual({ mode: 'full' });
  });

  test('marks of items the definition dropped are removed', async () => {
    await saveWatermarks(database.db, mc, [], ['moodle-quiz:3']);
    expect([...(await loadWatermarks(database.db, mc)).keys()]).toEqual(['moodle-quiz:3']);
    await saveWatermarks(database.db, mc, [], []);
    expect((await loadWatermarks(database.db, mc)).size).toBe(0);
  });

  test('active_since: set when a learner is added or comes back, kept while they stay', async () => {
    const db = database.db;
    const row = async (userId: string) =>
      (
        await db
          .select()
          .from(learners)
          .where(and(eq(learners.microcredentialId, mc), eq(learners.userId, userId)))
      )[0]!;
    const covered = at('2026-12-01T00:00:00Z');
    await upsertLearners(db, mc, [{ userId: 'a' }, { userId: 'b' }], { activeSince: covered });
    expect((await row('a')).activeSince).toEqual(covered);
    // Listed again while active: the date stays.
    await upsertLearners(db, mc, [{ userId: 'a', name: 'A' }], { activeSince: at('2026-12-02T00:00:00Z') });
    await upsertLearner(db, mc, { userId: 'a', email: 'a@example.org' });
    expect((await row('a')).activeSince).toEqual(covered);
    // Leaves, then comes back through a launch: active from now.
    await deactivateLearnersNotListed(db, mc, ['a']);
    const before = Date.now();
    await upsertLearner(db, mc, { userId: 'b' });
    expect((await row('b')).activeSince.getTime()).toBeGreaterThanOrEqual(before - 5000);
    // Leaves, then a sync lists them again: active from what that sync covered.
    await deactivateLearnersNotListed(db, mc, ['a']);
    await upsertLearners(db, mc, [{ userId: 'b' }], { activeSince: at('2026-12-03T00:00:00Z') });
    expect((await row('b')).activeSince).toEqual(at('2026-12-03T00:00:00Z'));
  });
});
