import { describe, expect, test } from '@jest/globals';
import {
  PushError,
  parseXapiStatements,
  type MoodlePushTrigger,
} from '../../../src/connectors/push/index.js';

const SITE = 'http://www.example.org';
const actor = { account: { homePage: SITE, name: '1' }, name: 'test_fullname' };
const info = (event_name: string) => ({
  extensions: { 'http://lrs.learninglocker.net/define/extensions/info': { event_name } },
});

// Shaped like logstore_xapi's fixture tests/mod_quiz/attempt_submitted/truefalse/statements.json.
const quizAttempt = {
  actor,
  verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { en: 'Completed' } },
  object: {
    id: `${SITE}/mod/quiz/attempt.php?attempt=1&cmid=7`,
    definition: {
      name: { en: 'test_quiz_name Attempt 1' },
      type: 'http://adlnet.gov/expapi/activities/attempt',
    },
    objectType: 'Activity',
  },
  timestamp: '2024-05-01T10:00:00+00:00',
  context: {
    contextActivities: {
      parent: [
        {
          id: `${SITE}/mod/quiz/view.php?id=7`,
          definition: { type: 'http://adlnet.gov/expapi/activities/assessment' },
        },
        {
          id: `${SITE}/course/view.php?id=2`,
          definition: { type: 'https://w3id.org/xapi/cmi5/activitytype/course' },
        },
      ],
      category: [{ id: SITE }],
    },
    ...info('\\mod_quiz\\event\\attempt_submitted'),
    language: 'en',
  },
  result: {
    completion: true,
    duration: 'PT1S',
    score: { max: 100, min: 0, raw: 50, scaled: 0.0 },
    success: true,
  },
};

// The per-question statement the plugin sends alongside the attempt.
const questionAnswered = {
  actor,
  verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
  object: {
    id: `${SITE}/question/question.php?id=1`,
    definition: { type: 'http://adlnet.gov/expapi/activities/cmi.interaction' },
  },
};

const assignGraded = {
  actor: { account: { homePage: `${SITE}/`, name: '5' } },
  verb: { id: 'https://w3id.org/xapi/tla/verbs/scored' },
  object: { id: `${SITE}/mod/assign/view.php?id=3#submission`, objectType: 'Activity' },
  result: { score: { raw: 8, min: 0, max: 10 }, response: 'Well argued.' },
  context: {
    contextActivities: { grouping: [{ id: SITE }, { id: `${SITE}/course/view.php?id=2` }] },
    ...info('\\mod_assign\\event\\submission_graded'),
  },
  timestamp: '2024-05-01T11:00:00+00:00',
};

const moduleCompleted = {
  actor,
  verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
  object: {
    id: `${SITE}/mod/page/view.php?id=9`,
    definition: { type: 'http://id.tincanapi.com/activitytype/lms/module' },
  },
  context: { contextActivities: { grouping: [{ id: SITE }, { id: `${SITE}/course/view.php?id=2` }] } },
};

const courseCompleted = {
  id: '6f0b5b5e-3a9d-4a55-9b6e-8c2c3f4a1d10',
  actor,
  verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
  object: {
    id: `${SITE}/course/view.php?id=2`,
    definition: { type: 'https://w3id.org/xapi/cmi5/activitytype/course' },
  },
};

const only = (body: unknown): MoodlePushTrigger => {
  const { triggers, outcomes } = parseXapiStatements(body);
  expect(outcomes).toHaveLength(1);
  expect(triggers).toHaveLength(1);
  return triggers[0] as MoodlePushTrigger;
};

describe('parseXapiStatements: statements Jalon uses', () => {
  test('quiz attempt_submitted → attempt trigger for the learner, quiz cmid and course', () => {
    expect(only([quizAttempt])).toEqual({
      source: 'moodle-xapi',
      siteUrl: SITE,
      userId: '1',
      cmid: '7',
      courseId: '2',
      kind: 'attempt',
      eventName: '\\mod_quiz\\event\\attempt_submitted',
      timestamp: '2024-05-01T10:00:00+00:00',
      idempotencyKey: expect.any(String),
    });
  });

  test('without a parent, the quiz cmid comes from the attempt IRI', () => {
    const { context: _c, ...bare } = quizAttempt;
    expect(only(bare)).toMatchObject({ cmid: '7', kind: 'attempt' });
    expect(only(bare).courseId).toBeUndefined();
  });

  test('assignment scored → grade trigger (trailing slash on homePage dropped)', () => {
    expect(only([assignGraded])).toMatchObject({
      siteUrl: SITE,
      userId: '5',
      cmid: '3',
      courseId: '2',
      kind: 'grade',
      eventName: '\\mod_assign\\event\\submission_graded',
    });
  });

  test('course module completion → completion with cmid; course completed → completion with course', () => {
    expect(only(moduleCompleted)).toMatchObject({
      kind: 'completion',
      cmid: '9',
      courseId: '2',
      eventName: '\\core\\event\\course_module_completion_updated',
    });
    const course = only(courseCompleted);
    expect(course).toMatchObject({
      kind: 'completion',
      courseId: '2',
      eventName: '\\core\\event\\course_completed',
    });
    expect(course.cmid).toBeUndefined();
    expect(course.idempotencyKey).toBe(courseCompleted.id);
  });

  test('a whole batch as the plugin sends it: attempt + per-question statement', () => {
    const { outcomes, triggers } = parseXapiStatements([quizAttempt, questionAnswered]);
    expect(triggers.map((t) => t.kind)).toEqual(['attempt']);
    expect(outcomes[1]).toEqual({ ignored: expect.stringContaining('answered') });
  });

  test('raw JSON text is read like parsed JSON', () => {
    expect(parseXapiStatements(JSON.stringify([quizAttempt]))).toEqual(parseXapiStatements([quizAttempt]));
    expect(parseXapiStatements(Buffer.from(JSON.stringify(quizAttempt))).triggers).toHaveLength(1);
  });

  test('duplicate delivery (a resent batch) → same idempotency keys; another statement → another key', () => {
    const a = parseXapiStatements([quizAttempt]).triggers[0];
    const b = parseXapiStatements(JSON.parse(JSON.stringify([quizAttempt])) as unknown).triggers[0];
    expect(b).toEqual(a);
    const other = parseXapiStatements([{ ...quizAttempt, timestamp: '2024-05-02T10:00:00+00:00' }])
      .triggers[0];
    expect(other?.idempotencyKey).not.toBe(a?.idempotencyKey);
  });
});

describe('parseXapiStatements: one odd statement never spoils the batch', () => {
  test('bad statements are ignored with a reason, good ones still trigger', () => {
    const batch = [
      quizAttempt,
      'not a statement',
      { ...quizAttempt, actor: { mbox: 'mailto:learner@example.org' } },
      { ...quizAttempt, actor: { account: { homePage: SITE, name: 'admin' } } },
      { ...assignGraded, object: { id: 'http://evil.example/mod/assign/view.php?id=3#submission' } },
      { actor, verb: {}, object: {} },
      { ...quizAttempt, verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' } },
      assignGraded,
    ];
    const { outcomes, triggers } = parseXapiStatements(batch);
    expect(outcomes).toHaveLength(batch.length);
    expect(triggers.map((t) => t.kind)).toEqual(['attempt', 'grade']);
    for (const i of [1, 2, 3, 4, 5, 6]) expect(outcomes[i]).toEqual({ ignored: expect.any(String) });
  });

  test('an empty batch is read as nothing to do', () => {
    expect(parseXapiStatements([])).toEqual({ outcomes: [], triggers: [] });
  });
});

describe('parseXapiStatements: malformed batches are refused', () => {
  test.each([
    ['a number', 42, 'PUSH_MALFORMED'],
    ['null', null, 'PUSH_MALFORMED'],
    ['a JSON string', '"statements"', 'PUSH_MALFORMED'],
    ['text that is not JSON', 'statements!', 'PUSH_GARBAGE'],
    ['an oversized batch', new Array(1001).fill(quizAttempt), 'PUSH_MALFORMED'],
  ])('%s → %s (400)', (_name, body, code) => {
    let caught: unknown;
    try {
      parseXapiStatements(body);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PushError);
    expect((caught as PushError).code).toBe(code);
    expect((caught as PushError).status).toBe(400);
  });
});
