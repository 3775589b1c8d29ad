/**
 * The facts store on a real database: upserts keep one row per fact under repeats and
 * concurrency, never blank what another source said, and the reads give the policy's shapes,
 * filtered by learner when asked.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { feedback } from '../../src/db/schema/index.js';
import { DefinitionRepository } from '../../src/definitions/repository.js';
import {
  deactivateMissingLearners,
  listCompletions,
  listFeedback,
  listLearners,
  replaceCompletions,
  upsertCompletions,
  upsertLearner,
  upsertLearners,
  upsertLmsFeedback,
} from '../../src/intake/facts-store.js';
import type { FeedbackRecord } from '../../src/microcredentials/facts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';

let database: TestDatabase;
let platformId: string;
let n = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  platformId = await addPlatformRow(database.db);
});
afterAll(async () => {
  await database?.close();
});

async function newMc(): Promise<string> {
  n += 1;
  return (await new DefinitionRepository(database.db).ensure({ platformId, contextId: `c${n}` })).id;
}

const lmsFeedback = (over: Partial<FeedbackRecord> = {}): FeedbackRecord => ({
  learner: 'ana',
  assessment: { source: 'moodle-assign', lmsId: '9' },
  attemptNumber: 1,
  givenAt: '2030-01-09T16:00:00.000Z',
  origin: 'lms',
  sourceId: 'assign-grade:77',
  ...over,
});

describe('learners', () => {
  test('an upsert fills in what is given and never blanks what is known', async () => {
    const mc = await newMc();
    await upsertLearner(database.db, mc, {
      userId: 'ana',
      name: 'Ana Martin',
      email: 'ana@example.edu',
      locale: 'fr',
    });
    await upsertLearner(database.db, mc, { userId: 'ana', lmsUserId: '42', name: null, sisPersonId: '' });
    const [ana] = await listLearners(database.db, mc);
    expect(ana).toMatchObject({
      userId: 'ana',
      lmsUserId: '42',
      name: 'Ana Martin',
      email: 'ana@example.edu',
      locale: 'fr',
      sisPersonId: null,
      path: 'regular',
      status: 'active',
    });
  });

  test('a roster of many learners is upserted in batches, keeping what each source said', async () => {
    const mc = await newMc();
    await upsertLearner(database.db, mc, { userId: 'u7', email: 'u7@launch.example.edu', locale: 'fr' });
    await upsertLearner(database.db, mc, { userId: 'u8', lmsUserId: '8' });
    await deactivateMissingLearners(database.db, mc, []);
    const roster = Array.from({ length: 1200 }, (_, i) => ({
      userId: `u${i}`,
      lmsUserId: String(i),
      name: `Learner ${i}`,
      email: i === 7 ? null : `u${i}@lms.example.edu`,
      sisPersonId: '',
    }));
    await upsertLearners(database.db, mc, [...roster, { userId: 'u3', name: 'Renamed' }]);
    const rows = await listLearners(database.db, mc);
    expect(rows).toHaveLength(1200);
    const by = new Map(rows.map((r) => [r.userId, r]));
    expect(by.get('u7')).toMatchObject({ email: 'u7@launch.example.edu', locale: 'fr', name: 'Learner 7' });
    expect(by.get('u8')).toMatchObject({ status: 'active', lmsUserId: '8' });
    expect(by.get('u3')).toMatchObject({ name: 'Renamed', lmsUserId: null, sisPersonId: null });
  });

  test('concurrent upserts of one learner give one row', async () => {
    const mc = await newMc();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => upsertLearner(database.db, mc, { userId: 'ben', name: `B${i}` })),
    );
    expect(await listLearners(database.db, mc)).toHaveLength(1);
  });

  test('learners the roster no longer lists become inactive, and active again when listed', async () => {
    const mc = await newMc();
    await upsertLearner(database.db, mc, { userId: 'a', lmsUserId: '1' });
    await upsertLearner(database.db, mc, { userId: 'b', lmsUserId: '2' });
    await upsertLearner(database.db, mc, { userId: 'c' }); // launched, no LMS id: left alone
    expect(await deactivateMissingLearners(database.db, mc, ['1'])).toBe(1);
    const status = async () => (await listLearners(database.db, mc)).map((l) => [l.userId, l.status]);
    expect(await status()).toEqual([
      ['a', 'active'],
      ['b', 'inactive'],
      ['c', 'active'],
    ]);
    await upsertLearner(database.db, mc, { userId: 'b', lmsUserId: '2' });
    expect((await status())[1]).toEqual(['b', 'active']);
  });
});

describe('feedback', () => {
  test('LMS feedback is one row per source id however often it is reported', async () => {
    const mc = await newMc();
    await upsertLmsFeedback(database.db, mc, [lmsFeedback(), lmsFeedback()]);
    await Promise.all([1, 2, 3].map(() => upsertLmsFeedback(database.db, mc, [lmsFeedback()])));
    await upsertLmsFeedback(database.db, mc, [lmsFeedback({ givenAt: '2030-01-10T10:00:00.000Z' })]);
    expect(await listFeedback(database.db, mc)).toEqual([
      { ...lmsFeedback({ givenAt: '2030-01-10T10:00:00.000Z' }) },
    ]);
  });

  test('console feedback is not written here, but is listed with the rest; filters by learner', async () => {
    const mc = await newMc();
    expect(await upsertLmsFeedback(database.db, mc, [lmsFeedback({ origin: 'jalon' })])).toBe(0);
    await database.db.insert(feedback).values({
      id: 'fb-console-1',
      microcredentialId: mc,
      learner: 'ben',
      assessmentSource: 'moodle-quiz',
      assessmentLmsId: '14',
      givenAt: new Date('2030-01-05T10:00:00Z'),
      origin: 'jalon',
      sourceId: 'fb-console-1',
      body: 'Revoir le chapitre 3',
      givenBy: 'prof',
    });
    await upsertLmsFeedback(database.db, mc, [
      lmsFeedback(),
      lmsFeedback({ learner: 'chloe', sourceId: 'x' }),
    ]);
    const all = await listFeedback(database.db, mc);
    expect(all.map((f) => [f.learner, f.origin])).toEqual([
      ['ben', 'jalon'],
      ['ana', 'lms'],
      ['chloe', 'lms'],
    ]);
    expect(all[0]).not.toHaveProperty('attemptNumber');
    expect((await listFeedback(database.db, mc, ['ana', 'ben'])).map((f) => f.learner)).toEqual([
      'ben',
      'ana',
    ]);
    expect(await listFeedback(database.db, mc, [])).toEqual([]);
  });
});

describe('completions', () => {
  test('one row per learner and scope; a later read replaces what the LMS no longer reports', async () => {
    const mc = await newMc();
    await upsertCompletions(database.db, mc, [
      { learner: 'ana', scope: { kind: 'course' }, completedAt: '2030-01-20T15:30:00.000Z' },
      { learner: 'ana', scope: { kind: 'activity', lmsId: '88' }, completedAt: null },
      { learner: 'ben', scope: { kind: 'activity', lmsId: '88' }, completedAt: '2030-01-12T09:00:00.000Z' },
    ]);
    await upsertCompletions(database.db, mc, [
      { learner: 'ana', scope: { kind: 'course' }, completedAt: '2030-01-20T15:30:00.000Z' },
    ]);
    expect(await listCompletions(database.db, mc, ['ana'])).toEqual([
      { learner: 'ana', scope: { kind: 'activity', lmsId: '88' }, completedAt: null },
      { learner: 'ana', scope: { kind: 'course' }, completedAt: '2030-01-20T15:30:00.000Z' },
    ]);
    await replaceCompletions(database.db, mc, 'ana', [
      { learner: 'ana', scope: { kind: 'course' }, completedAt: '2030-01-20T15:30:00.000Z' },
    ]);
    expect(await listCompletions(database.db, mc)).toEqual([
      { learner: 'ana', scope: { kind: 'course' }, completedAt: '2030-01-20T15:30:00.000Z' },
      { learner: 'ben', scope: { kind: 'activity', lmsId: '88' }, completedAt: '2030-01-12T09:00:00.000Z' },
    ]);
  });
});
