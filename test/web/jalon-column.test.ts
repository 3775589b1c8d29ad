/**
 * Jalon's own gradebook column: when the instructor picks it as the summative assessment,
 * saving the definition creates one AGS line item in the LMS course (found again by its
 * tag on later saves, never duplicated), as the instructor will grade it in the LMS. What the
 * instructor then types in that column (grades, comments) is read back through AGS results
 * and becomes attempts, feedback and, in the end, the award, with no connector at all.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { and, asc, eq } from 'drizzle-orm';
import { attempts, awards, feedback } from '../../src/db/schema/index.js';
import { RESULTS_SYNC, syncDedupeKey } from '../../src/intake/sync.js';
import type { Platform } from '../platform/index.js';
import type { TestJalon } from '../helpers/jalon.js';
import {
  completeForm,
  fakeActivities,
  jalonWithMoodle,
  launch,
  postDefinition,
  ROW,
} from './definition-fixtures.js';

let jalon: TestJalon;
let moodle: Platform;

beforeAll(async () => {
  ({ jalon, moodle } = await jalonWithMoodle());
  jalon.running.services.activities = fakeActivities();
});
afterAll(async () => {
  await moodle?.close();
  await jalon?.stop();
});

const jalonColumns = () => moodle.lineItems('math').filter((i) => i.tag === 'jalon-assessment');

describe("Jalon's own gradebook column", () => {
  test('is created through AGS on save, once, and only in the tool’s own items', async () => {
    expect(jalonColumns()).toHaveLength(0);
    const prof = await launch(moodle, 'prof', 'math');
    const fields = completeForm({
      [`items.${ROW.exam}.role`]: 'none',
      [`items.${ROW.jalon}.role`]: 'summative',
      'assessment.completion.course': '',
      'assessment.completion.activities': [],
    });
    const first = await postDefinition(jalon, prof, fields);
    expect(first.status).toBe(200);
    expect(first.body).not.toContain('columnFailed');
    expect(jalonColumns()).toHaveLength(1);
    expect(jalonColumns()[0]).toMatchObject({ scoreMaximum: 100 });

    const again = await postDefinition(jalon, prof, { ...fields, notionalHours: '16' });
    expect(again.status).toBe(200);
    expect(jalonColumns()).toHaveLength(1);
    // Not the column the award is written to: the instructor's grades there are never overwritten.
    expect(moodle.lineItems('math').filter((i) => i.tag === 'jalon-microcredential')).toHaveLength(0);
  });

  test('grades and comments typed in it become attempts, feedback and the award, through AGS alone', async () => {
    const { services } = jalon.running;
    const db = jalon.database.db;
    const prof = await launch(moodle, 'prof', 'math');
    const saved = await postDefinition(
      jalon,
      prof,
      completeForm({
        [`items.${ROW.exam}.role`]: 'none',
        [`items.${ROW.jalon}.role`]: 'summative',
        'assessment.completion.course': '',
        'assessment.completion.activities': [],
        'assessment.startAt': '2026-01-05',
      }),
    );
    expect(saved.status).toBe(200);
    // No learner has launched: the definition's save gave Jalon the course's AGS service.
    const column = jalonColumns()[0]!;
    const mc = (await services.definitions.find(
      (await services.registry.list())[0]!.id,
      moodle.course('math').contextId,
    ))!;
    const ana = moodle.user('ana').sub;
    const sync = async () => {
      await services.jobs.enqueue({
        kind: RESULTS_SYNC,
        payload: { microcredentialId: mc.id },
        dedupeKey: syncDedupeKey(mc.id),
      });
      await services.jobs.drain();
    };
    const anaAttempts = () =>
      db
        .select()
        .from(attempts)
        .where(and(eq(attempts.microcredentialId, mc.id), eq(attempts.learner, ana)))
        .orderBy(asc(attempts.attemptNumber));
    const anaAward = async () =>
      (
        await db
          .select()
          .from(awards)
          .where(and(eq(awards.microcredentialId, mc.id), eq(awards.userId, ana)))
      )[0];
    const hour = 3_600_000;
    const base = Date.now();

    moodle.gradeInGradebook(column.id, 'ana', { score: 60, at: new Date(base - 3 * hour) });
    await sync();
    expect(await anaAttempts()).toEqual([
      expect.objectContaining({ attemptNumber: 1, score: 60, maxScore: 100, source: 'lti-ags' }),
    ]);

    // A new grade with no feedback yet is a correction of attempt 1, not a second attempt.
    moodle.gradeInGradebook(column.id, 'ana', { score: 62, at: new Date(base - 2.5 * hour) });
    await sync();
    expect((await anaAttempts()).map((a) => [a.attemptNumber, a.score])).toEqual([[1, 62]]);

    // The comment typed in the gradebook is the feedback owed on attempt 1.
    moodle.gradeInGradebook(column.id, 'ana', {
      score: 62,
      comment: 'Revoir la partie 2',
      at: new Date(base - 2 * hour),
    });
    await sync();
    const given = await db.select().from(feedback).where(eq(feedback.microcredentialId, mc.id));
    expect(given).toEqual([expect.objectContaining({ learner: ana, origin: 'lms', attemptNumber: 1 })]);
    expect(JSON.stringify(given)).not.toContain('Revoir'); // the words stay in the LMS
    expect(await anaAward()).toBeUndefined();

    // The retry's grade: attempt 2, above the threshold, and the award follows.
    moodle.gradeInGradebook(column.id, 'ana', { score: 88, at: new Date(base - hour) });
    await sync();
    expect((await anaAttempts()).map((a) => [a.attemptNumber, a.score])).toEqual([
      [1, 62],
      [2, 88],
    ]);
    const award = await anaAward();
    expect(award).toMatchObject({ status: 'active', passingAttempt: 2 });

    // Read again and again: nothing new, one award.
    await sync();
    await sync();
    expect(await anaAttempts()).toHaveLength(2);
    expect(await db.select().from(awards).where(eq(awards.microcredentialId, mc.id))).toHaveLength(1);
  }, 60_000);
});
