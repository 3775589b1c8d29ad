/**
 * Incremental reconciles against the Moodle- and Canvas-shaped test platforms: after a full
 * read, a whole-roster `results.sync` asks the LMS who changed since (Moodle
 * `mod_assign_get_submissions`/`mod_assign_get_grades` with `since`, Canvas
 * `students/submissions` with `submitted_since`/`graded_since`) and reads only them, plus
 * the learners that question cannot speak for; what it cannot see, the periodic full read
 * does. Counted in the LMS's own request logs.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { and, eq } from 'drizzle-orm';
import { listAttempts } from '../../src/attempts/store.js';
import { awards, intakeWatermarks, learners, standings } from '../../src/db/schema/index.js';
import type { Microcredential } from '../../src/definitions/repository.js';
import { listFeedback, upsertLearner } from '../../src/intake/facts-store.js';
import { DEFAULT_PACING } from '../../src/intake/watermarks.js';
import type { TestJalon } from '../helpers/jalon.js';
import { ALL_WS_FUNCTIONS } from '../platform/moodle-ws-data.js';
import { useBothLmss } from './both-lmss.js';
import { definitionFor, microcredentialFor, runSync, type ConnectedPlatform } from './setup.js';

let jalon: TestJalon;
let moodle: ConnectedPlatform;
let canvas: ConnectedPlatform;

useBothLmss((env) => ({ jalon, moodle, canvas } = env));

const db = () => jalon.database.db;
const sub = (cp: ConnectedPlatform, handle: string) => cp.platform.user(handle).sub;

const sync = (mc: Microcredential, learners?: string[]) => runSync(jalon, mc, learners);

async function marksOf(mc: Microcredential) {
  return db().select().from(intakeWatermarks).where(eq(intakeWatermarks.microcredentialId, mc.id));
}

/** Moves the last full read back past the pacing: "six hours later". */
async function ageFullRead(mc: Microcredential) {
  await db()
    .update(intakeWatermarks)
    .set({ fullReadAt: new Date(Date.now() - DEFAULT_PACING.fullEveryMs - 60_000) })
    .where(eq(intakeWatermarks.microcredentialId, mc.id));
}

async function scoresOf(mc: Microcredential, learner: string, source: string) {
  return (await listAttempts(db(), mc.id))
    .filter((a) => a.learner === learner && a.assessmentSource === source)
    .sort((a, b) => a.attemptNumber - b.attemptNumber)
    .map((a) => a.score);
}

/** Moodle web-service calls made from call `from` on (of one function, when named). */
function moodleCalls(from: number, fn?: string) {
  return moodle.platform.moodle.calls.slice(from).filter((c) => !fn || c.wsfunction === fn);
}

/** Whom a Moodle function was asked about, from call `from` on, sorted. */
const usersAsked = (fn: string, from: number) =>
  moodleCalls(from, fn)
    .map((c) => c.params.userid!)
    .sort();

describe('incremental reconcile on Moodle', () => {
  let mc: Microcredential;
  let essayId: number;
  const calls = () => moodle.platform.moodle.calls;
  /** Learners whose assignment history, or quiz attempts, were read from call `from` on. */
  const historyReads = (from: number) => usersAsked('mod_assign_get_submission_status', from);
  const quizReads = (from: number) => usersAsked('mod_quiz_get_user_quiz_attempts', from);
  const everyone = () => ['ana', 'ben', 'chloe', 'dana'].map((h) => sub(moodle, h)).sort();

  beforeAll(async () => {
    mc = await microcredentialFor(jalon, moodle, 'math');
    essayId = moodle.platform.moodle.assignmentsIn('math').find((a) => a.name === 'Essay')!.id;
  });

  test('the first reconcile reads everyone; the next asks who changed and reads no one else', async () => {
    let from = calls().length;
    await sync(mc);
    expect(historyReads(from)).toEqual(everyone());
    const marks = await marksOf(mc);
    const quizId = moodle.platform.moodle.quizzesIn('math').find((q) => q.name === 'Quiz – summative')!.id;
    expect(marks.map((m) => m.itemKey).sort()).toEqual([`moodle-assign:${essayId}`, `moodle-quiz:${quizId}`]);
    for (const m of marks) expect(m.fullReadAt).toEqual(m.readFrom);

    from = calls().length;
    await sync(mc);
    const asked = [
      ...moodleCalls(from, 'mod_assign_get_submissions'),
      ...moodleCalls(from, 'mod_assign_get_grades'),
    ];
    expect(asked.map((c) => c.wsfunction).sort()).toEqual([
      'mod_assign_get_grades',
      'mod_assign_get_submissions',
    ]);
    const readFrom = marks.find((m) => m.itemKey.startsWith('moodle-assign'))!.readFrom.getTime();
    for (const c of asked) {
      expect(c.params['assignmentids[0]']).toBe(String(essayId));
      // From the last read's start, less the margin for clocks and late commits.
      expect(Number(c.params.since)).toBe(Math.floor((readFrom - DEFAULT_PACING.marginMs) / 1000));
    }
    expect(historyReads(from)).toEqual([]);
    // The quiz: Moodle lists the attempts changed since (none), and nobody's attempts are read.
    const checked = moodleCalls(from, 'core_course_check_updates');
    expect(checked).toHaveLength(1);
    expect(Number(checked[0]!.params['tocheck[0][since]'])).toBe(
      Math.floor((readFrom - DEFAULT_PACING.marginMs) / 1000),
    );
    expect(quizReads(from)).toEqual([]);
    const after = await marksOf(mc);
    for (const m of after) {
      expect(m.readFrom.getTime()).toBeGreaterThan(readFrom);
      expect(m.fullReadAt.getTime()).toBe(readFrom);
    }
  });

  test('a quiz attempt saved since is read for its learner alone; one Jalon never saw reads the quiz in full', async () => {
    const quiz = moodle.platform.moodle.quizzesIn('math').find((q) => q.name === 'Quiz – summative')!;
    const ana = sub(moodle, 'ana');
    const [first] = moodle.platform.moodle.attemptsOf(quiz.id, Number(ana)).filter((a) => a.preview === 0);
    // A teacher regrades Ana's first attempt by hand: Moodle names that attempt, Jalon knows whose.
    moodle.platform.moodle.gradeQuizAttempt(first!.id, { sumgrades: 16 });
    let from = calls().length;
    await sync(mc);
    expect(quizReads(from)).toEqual([ana]);
    expect((await scoresOf(mc, ana, 'moodle-quiz'))[0]).toBe(8);
    // Ben starts and finishes a new attempt: an attempt Jalon never stored, so whose is unknown.
    moodle.platform.moodle.addQuizAttempt(quiz.id, 'ben', { percent: 100 });
    from = calls().length;
    await sync(mc);
    expect(quizReads(from)).toEqual(everyone());
    expect(await scoresOf(mc, sub(moodle, 'ben'), 'moodle-quiz')).toEqual([9, 10]);
    // Known now: a reconcile within the margin reads only those two again.
    from = calls().length;
    await sync(mc);
    expect(quizReads(from)).toEqual([ana, sub(moodle, 'ben')].sort());
  });

  test('a grade and feedback saved since are read, for that learner alone', async () => {
    expect(await scoresOf(mc, sub(moodle, 'chloe'), 'moodle-assign')).toEqual([null]);
    moodle.platform.moodle.gradeAssignment(essayId, 'chloe', {
      grade: 85,
      feedback: '<p>Clear and complete</p>',
    });
    const from = calls().length;
    await sync(mc);
    expect(historyReads(from)).toEqual([sub(moodle, 'chloe')]);
    expect(await scoresOf(mc, sub(moodle, 'chloe'), 'moodle-assign')).toEqual([85]);
    const fb = await listFeedback(db(), mc.id);
    expect(fb.some((f) => f.learner === sub(moodle, 'chloe') && f.origin === 'lms')).toBe(true);
  });

  test('a learner who joins is read in full, even for work Moodle stamped long ago', async () => {
    moodle.platform.addUser({ handle: 'fay', givenName: 'Fay', familyName: 'Roy', email: 'fay@example.org' });
    moodle.platform.enrol('fay', 'math', 'learner');
    moodle.platform.moodle.submitAssignment(essayId, 'fay', { at: '2025-01-09T10:00:00Z' });
    moodle.platform.moodle.gradeAssignment(essayId, 'fay', { grade: 90, at: '2025-01-10T10:00:00Z' });
    const from = calls().length;
    await sync(mc);
    // Chloé again: her grade of a moment ago is within the margin of the last read's start.
    expect(historyReads(from)).toEqual([sub(moodle, 'chloe'), sub(moodle, 'fay')].sort());
    expect(await scoresOf(mc, sub(moodle, 'fay'), 'moodle-assign')).toEqual([90]);
  });

  test('a regrade of an earlier attempt, which Moodle does not report as a change, waits for the full read', async () => {
    const ana = sub(moodle, 'ana');
    expect(await scoresOf(mc, ana, 'moodle-assign')).toEqual([48, 86]);
    moodle.platform.moodle.gradeAssignment(essayId, 'ana', { grade: 60, attemptnumber: 0 });
    let from = calls().length;
    await sync(mc);
    expect(historyReads(from)).not.toContain(ana);
    expect(await scoresOf(mc, ana, 'moodle-assign')).toEqual([48, 86]);

    await ageFullRead(mc);
    from = calls().length;
    const before = Date.now();
    await sync(mc);
    expect(historyReads(from)).toEqual([...everyone(), sub(moodle, 'fay')].sort());
    expect(await scoresOf(mc, ana, 'moodle-assign')).toEqual([60, 86]);
    for (const m of await marksOf(mc)) expect(m.fullReadAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  test('a push reads its learner in full and leaves the marks alone', async () => {
    const marks = await marksOf(mc);
    const from = calls().length;
    await sync(mc, [sub(moodle, 'ben')]);
    expect(historyReads(from)).toEqual([sub(moodle, 'ben')]);
    expect(await marksOf(mc)).toEqual(marks);
  });

  test('a service without the functions that say who changed is read in full, not wrongly', async () => {
    const { token } = moodle.platform.createWsToken({
      functions: ALL_WS_FUNCTIONS.filter((f) => f !== 'mod_assign_get_grades'),
    });
    const settings = jalon.running.services.connectorSettings;
    const { token: original } = moodle.platform.createWsToken();
    await settings.save(moodle.platformId, { baseUrl: moodle.platform.url, token }, 'test');
    try {
      moodle.platform.moodle.gradeAssignment(essayId, 'ben', { grade: 94 });
      const from = calls().length;
      await sync(mc);
      expect(historyReads(from)).toEqual([...everyone(), sub(moodle, 'fay')].sort());
      expect(await scoresOf(mc, sub(moodle, 'ben'), 'moodle-assign')).toEqual([94]);
    } finally {
      await settings.save(moodle.platformId, { baseUrl: moodle.platform.url, token: original }, 'test');
    }
  });
});

describe('completion between full reads (Moodle)', () => {
  let mc: Microcredential;
  let essayId: number;
  const completionReads = (from: number) => usersAsked('core_completion_get_course_completion_status', from);
  const statusOf = async (learner: string) =>
    (
      await db()
        .select()
        .from(standings)
        .where(and(eq(standings.microcredentialId, mc.id), eq(standings.learner, learner)))
    )[0]?.status;

  beforeAll(async () => {
    const p = moodle.platform;
    const essay = p.moodle.assignmentsIn('hist').find((a) => a.name === 'Essay')!;
    essayId = essay.id;
    p.moodle.setCourseCompletionCriteria('hist', [essay.cmid]);
    p.addUser({ handle: 'gil', givenName: 'Gil', familyName: 'Roy', email: 'gil@example.org' });
    p.enrol('gil', 'hist', 'learner');
    // Ana passed an hour ago; the course says she has not completed it.
    const hourAgo = new Date(Date.now() - 3600_000);
    p.moodle.submitAssignment(essayId, 'ana', { at: hourAgo });
    p.moodle.gradeAssignment(essayId, 'ana', { grade: 90, at: hourAgo });
    const { definitions } = jalon.running.services;
    const course = p.course('hist');
    mc = await definitions.ensure({
      platformId: moodle.platformId,
      contextId: course.contextId,
      title: course.title,
      label: course.label,
    });
    await definitions.save(
      mc.id,
      definitionFor(
        [{ source: 'moodle-assign', lmsId: String(essayId), label: 'Essay' }],
        { course: true, activities: [] },
        // Still open: completion can still decide the award.
        {
          summativeDueAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          endAt: new Date(Date.now() + 60 * 86_400_000).toISOString(),
        },
      ),
      'test',
    );
  });

  test('read for everyone in a full read; then only for learners it can decide for', async () => {
    const ana = sub(moodle, 'ana');
    const gil = sub(moodle, 'gil');
    let from = moodle.platform.moodle.calls.length;
    await sync(mc);
    expect(completionReads(from)).toEqual([ana, gil].sort());
    expect(await statusOf(ana)).toBe('awaiting_completion');
    expect(await statusOf(gil)).toBe('not_started');

    // Nothing changed: Gil has not started, so his completion decides nothing; Ana's does.
    from = moodle.platform.moodle.calls.length;
    await sync(mc);
    expect(completionReads(from)).toEqual([ana]);

    // Ana completes the course, and no push says so: the next reconcile awards her.
    moodle.platform.moodle.completeCourse('hist', 'ana');
    await sync(mc);
    expect(await statusOf(ana)).toBe('achieved');
    const [award] = await db()
      .select()
      .from(awards)
      .where(and(eq(awards.microcredentialId, mc.id), eq(awards.userId, ana)));
    expect(award?.status).toBe('active');

    // Six hours on, a full read reads everyone's again.
    await ageFullRead(mc);
    from = moodle.platform.moodle.calls.length;
    await sync(mc);
    expect(completionReads(from)).toEqual([ana, gil].sort());
    from = moodle.platform.moodle.calls.length;
    await sync(mc);
    expect(completionReads(from)).toEqual([]);

    // The instructor changes the definition: what it asks may not have been read, so in full.
    const latest = (await jalon.running.services.definitions.latest(mc.id))!;
    await jalon.running.services.definitions.save(
      mc.id,
      { ...latest.definition, assessment: { ...latest.definition.assessment, passThreshold: 75 } },
      'test',
    );
    from = moodle.platform.moodle.calls.length;
    await sync(mc);
    expect(completionReads(from)).toEqual([ana, gil].sort());
    expect(usersAsked('mod_assign_get_submission_status', from)).toEqual([ana, gil].sort());
  });
});

describe('incremental reconcile on Canvas', () => {
  let mc: Microcredential;
  let essayId: number;
  const requests = () => canvas.platform.canvas.requests;
  const submissionReads = (from: number) =>
    requests()
      .slice(from)
      .filter((r) => r.url.includes('/students/submissions'))
      .map((r) => new URL(r.url, canvas.platform.url).searchParams);

  beforeAll(async () => {
    mc = await microcredentialFor(jalon, canvas);
    essayId = canvas.platform.canvas.data
      .assignmentsIn('math')
      .find((a) => a.name === 'Essay – summative')!.id;
    // Learners Canvas REST can be matched to (as after their launches).
    for (const h of ['ana', 'ben', 'chloe'])
      await upsertLearner(db(), mc.id, { userId: sub(canvas, h), lmsUserId: canvas.platform.user(h).restId });
    // They launched last week (a launch just before a read is read in full twice, by the margin).
    await db()
      .update(learners)
      .set({ activeSince: new Date(Date.now() - 7 * 24 * 3600_000) })
      .where(eq(learners.microcredentialId, mc.id));
  });

  test('after a full read, a reconcile asks what was submitted or graded since, not for everyone', async () => {
    let from = requests().length;
    await sync(mc);
    const full = submissionReads(from);
    expect(full.length).toBeGreaterThan(0);
    for (const q of full)
      expect(q.getAll('student_ids[]').sort()).toEqual(
        ['ana', 'ben', 'chloe'].map((h) => canvas.platform.user(h).restId).sort(),
      );

    from = requests().length;
    await sync(mc);
    const asked = submissionReads(from);
    // Two questions per item (Canvas ANDs the two filters), none naming learners.
    expect(asked).toHaveLength(4);
    for (const q of asked) expect(q.getAll('student_ids[]')).toEqual(['all']);
    expect(asked.filter((q) => q.has('submitted_since'))).toHaveLength(2);
    expect(asked.filter((q) => q.has('graded_since'))).toHaveLength(2);
    expect(
      requests()
        .slice(from)
        .some((r) => /\/submissions\/\d+/.test(r.url)),
    ).toBe(false);
  });

  test('a grade given since is read', async () => {
    const chloe = sub(canvas, 'chloe');
    expect(await scoresOf(mc, chloe, 'canvas-assignment')).toEqual([null]);
    canvas.platform.canvas.data.grade(essayId, 'chloe', { score: 88, grader: 'prof' });
    await sync(mc);
    expect(await scoresOf(mc, chloe, 'canvas-assignment')).toEqual([88]);
  });

  test('a comment with no regrade is not a change to Canvas: the full read brings it', async () => {
    const ana = sub(canvas, 'ana');
    const count = async () => (await listFeedback(db(), mc.id)).filter((f) => f.learner === ana).length;
    const before = await count();
    canvas.platform.canvas.data.comment(essayId, 'ana', { author: 'prof', text: 'Well argued' });
    await sync(mc);
    expect(await count()).toBe(before);
    await ageFullRead(mc);
    await sync(mc);
    expect(await count()).toBe(before + 1);
  });
});
