import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMoodleConnector,
  encodeWsParams,
  explainTokenEndpointFailure,
  MOODLE_REQUIRED_CAPABILITIES,
  MOODLE_REQUIRED_FUNCTIONS,
  MoodleClient,
  MoodleConnector,
  MoodleWsError,
  normaliseSiteUrl,
} from '../../src/connectors/moodle/index.js';
import { ConnectorError, type ConnectionReport, type CourseKey } from '../../src/connectors/types.js';
import { translator } from '../../src/i18n/index.js';
import { validateAttempt } from '../../src/microcredentials/attempts.js';
import { ALL_WS_CAPABILITIES, ALL_WS_FUNCTIONS } from '../platform/moodle-ws-data.js';
import { startPlatform, type Platform } from '../platform/platform.js';

/** Every i18n key a person may read must exist in both languages, with its parameters filled. */
function expectReadable(key: string, params: Record<string, string | number> = {}) {
  for (const lang of ['fr', 'en'] as const) {
    const text = translator(lang)(`connectors:${key}`, params);
    expect(text).not.toBe(key);
    expect(text).not.toContain('{{');
  }
}

function expectReport(report: ConnectionReport) {
  for (const c of report.checks) expectReadable(c.messageKey, c.params);
}

async function rejection(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorError);
    const err = e as ConnectorError;
    expectReadable(err.messageKey, err.params);
    return err;
  }
  throw new Error('expected a rejection');
}

/** A throw-away HTTP server on 127.0.0.1, for answers a real Moodle gives when misconfigured. */
async function serve(app: express.Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const without = (list: readonly string[], ...drop: string[]) => list.filter((x) => !drop.includes(x));

describe('Moodle connector over web services', () => {
  let platform: Platform;
  let math: CourseKey;
  let hist: CourseKey;
  let connector: MoodleConnector;
  const id = (handle: string) => platform.user(handle).restId;
  const connectorWith = (options: Parameters<Platform['createWsToken']>[0] = {}) =>
    createMoodleConnector({ siteUrl: platform.url, token: platform.createWsToken(options).token });

  beforeAll(async () => {
    platform = await startPlatform({ family: 'moodle' });
    math = { contextId: platform.course('math').contextId };
    hist = { contextId: platform.course('hist').contextId };
    connector = connectorWith();
  });
  afterAll(async () => {
    await platform.close();
  });

  describe('test connection', () => {
    test('all green with every function and capability, naming the site', async () => {
      const report = await connector.testConnection(math, { probeUserId: id('ana') });
      expectReport(report);
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.checks[0]).toMatchObject({
        name: 'connection',
        messageKey: 'moodle.check.connected',
        params: { site: 'Example University', release: '5.1.3 (Build: 20260216)', user: 'jalon_ws' },
      });
      const names = report.checks.map((c) => c.name);
      for (const fn of MOODLE_REQUIRED_FUNCTIONS) expect(names).toContain(fn);
      for (const cap of MOODLE_REQUIRED_CAPABILITIES) expect(names).toContain(cap);
      expect(report.checks.find((c) => c.name === 'moodle/grade:viewhidden')?.messageKey).toBe(
        'moodle.check.capabilityOk',
      );
    });

    test('without a course only the token and the functions are checked; with an instructor probe, hidden marks stay unverified', async () => {
      const bare = await connector.testConnection();
      expect(bare.ok).toBe(true);
      expect(bare.checks.map((c) => c.name)).toEqual([
        'connection',
        'webservice/rest:use',
        ...MOODLE_REQUIRED_FUNCTIONS,
      ]);
      const noProbe = await connector.testConnection(math);
      expect(noProbe.checks.find((c) => c.name === 'mod/quiz:viewreports')?.messageKey).toBe(
        'moodle.check.capabilityNotChecked',
      );
      const prof = await connector.testConnection(math, { probeUserId: id('prof') });
      expectReport(prof);
      expect(prof.ok).toBe(true);
      expect(prof.checks.find((c) => c.name === 'moodle/grade:viewhidden')?.messageKey).toBe(
        'moodle.check.viewHiddenUnverified',
      );
    });

    test('a function missing from the service is named', async () => {
      const c = connectorWith({ functions: without(ALL_WS_FUNCTIONS, 'mod_assign_get_submission_status') });
      const report = await c.testConnection(math, { probeUserId: id('ana') });
      expectReport(report);
      expect(report.ok).toBe(false);
      expect(report.checks.filter((x) => !x.ok)).toEqual([
        {
          name: 'mod_assign_get_submission_status',
          ok: false,
          messageKey: 'moodle.check.functionMissing',
          params: { function: 'mod_assign_get_submission_status' },
        },
      ]);
      const err = await rejection(
        c.readAttempts(math, { source: 'moodle-assign', lmsId: essayId() }, [id('ana')]),
      );
      expect(err).toMatchObject({
        code: 'PERMISSION',
        messageKey: 'moodle.error.accessException',
        params: { function: 'mod_assign_get_submission_status' },
      });
      expect(translator('en')('connectors:moodle.error.accessException', err.params)).toContain(
        'mod_assign_get_submission_status',
      );
    });

    test('missing capabilities are named with the function that needs them', async () => {
      const c = connectorWith({
        capabilities: without(ALL_WS_CAPABILITIES, 'mod/quiz:viewreports', 'report/completion:view'),
      });
      const report = await c.testConnection(math, { probeUserId: id('ana') });
      expectReport(report);
      expect(report.ok).toBe(false);
      const failed = report.checks.filter((x) => !x.ok);
      expect(failed).toEqual([
        {
          name: 'mod/quiz:viewreports',
          ok: false,
          messageKey: 'moodle.check.capabilityMissing',
          params: { capability: 'mod/quiz:viewreports', function: 'mod_quiz_get_user_quiz_attempts' },
        },
        {
          name: 'report/completion:view',
          ok: false,
          messageKey: 'moodle.check.capabilityMissing',
          params: {
            capability: 'report/completion:view',
            function: 'core_completion_get_course_completion_status',
          },
        },
      ]);
      const err = await rejection(
        c.readAttempts(math, { source: 'moodle-quiz', lmsId: quizId() }, [id('ana')]),
      );
      expect(err).toMatchObject({
        code: 'PERMISSION',
        messageKey: 'moodle.error.missingCapability',
        params: { capability: 'mod/quiz:viewreports', function: 'mod_quiz_get_user_quiz_attempts' },
      });
    });

    test('hidden marks, a course the account cannot enter and a missing protocol capability are each explained', async () => {
      const hidden = await connectorWith({
        capabilities: without(ALL_WS_CAPABILITIES, 'moodle/grade:viewhidden'),
      }).testConnection(math, { probeUserId: id('ana') });
      expect(hidden.checks.filter((x) => !x.ok).map((x) => x.name)).toEqual(['moodle/grade:viewhidden']);

      const outside = await connectorWith({
        capabilities: without(ALL_WS_CAPABILITIES, 'moodle/course:view'),
      }).testConnection(math, { probeUserId: id('ana') });
      expectReport(outside);
      expect(outside.checks.filter((x) => !x.ok)).toEqual([
        expect.objectContaining({
          name: 'moodle/course:view',
          messageKey: 'moodle.check.courseAccessMissing',
        }),
      ]);

      // A teacher's own token: enrolled, so the course is open to it without moodle/course:view.
      const teacher = await connectorWith({
        user: 'prof',
        capabilities: without(ALL_WS_CAPABILITIES, 'moodle/course:view'),
      }).testConnection(math, { probeUserId: id('ana') });
      expect(teacher.ok).toBe(true);

      const noRest = await connectorWith({
        capabilities: without(ALL_WS_CAPABILITIES, 'webservice/rest:use'),
      }).testConnection(math);
      expectReport(noRest);
      expect(noRest.ok).toBe(false);
      expect(noRest.checks).toEqual([
        expect.objectContaining({
          name: 'core_webservice_get_site_info',
          messageKey: 'moodle.check.siteInfoDenied',
          params: expect.objectContaining({ capability: 'webservice/rest:use' }),
        }),
      ]);
    });

    test('an invalid, expired or revoked token is an AUTH error', async () => {
      const bad = createMoodleConnector({ siteUrl: platform.url, token: 'f'.repeat(32) });
      const report = await bad.testConnection(math);
      expectReport(report);
      expect(report).toMatchObject({
        ok: false,
        checks: [{ name: 'connection', ok: false, messageKey: 'moodle.error.invalidToken' }],
      });
      expect(await rejection(bad.listActivities(math))).toMatchObject({
        code: 'AUTH',
        messageKey: 'moodle.error.invalidToken',
      });
      const expired = connectorWith({ validUntil: Math.floor(Date.now() / 1000) - 60 });
      expect(await rejection(expired.listActivities(math))).toMatchObject({
        code: 'AUTH',
        messageKey: 'moodle.error.tokenExpired',
      });
      const token = platform.createWsToken();
      const revoked = createMoodleConnector({ siteUrl: platform.url, token: token.token });
      await revoked.listActivities(math);
      platform.moodle.revokeToken(token.token);
      expect((await rejection(revoked.listActivities(math))).code).toBe('AUTH');
    });

    test('a Moodle older than 4.5 works through the deprecated attempts function', async () => {
      const c = connectorWith({ functions: without(ALL_WS_FUNCTIONS, 'mod_quiz_get_user_quiz_attempts') });
      const report = await c.testConnection(math, { probeUserId: id('ana') });
      expect(report.ok).toBe(true);
      expect(report.checks.find((x) => x.name === 'mod_quiz_get_user_quiz_attempts')).toMatchObject({
        ok: true,
        messageKey: 'moodle.check.legacyAttemptsFunction',
      });
      const before = platform.moodle.calls.length;
      const { attempts } = await c.readAttempts(math, { source: 'moodle-quiz', lmsId: quizId() }, [
        id('ana'),
        id('dana'),
      ]);
      expect(attempts.map((a) => [a.learner, a.attemptNumber, a.score])).toEqual([
        [id('ana'), 1, 6],
        [id('ana'), 2, 8.5],
        [id('dana'), 1, null],
      ]);
      expect(platform.moodle.calls.slice(before).map((x) => x.wsfunction)).toContain(
        'mod_quiz_get_user_attempts',
      );
    });
  });

  const quizId = () => String(platform.moodle.quizzesIn('math')[0]!.id);
  const essayId = () => String(platform.moodle.assignmentsIn('math')[0]!.id);

  describe('activities', () => {
    test('quizzes and assignments with max grades, attempts (unlimited → null), due dates, pass marks and links', async () => {
      const site = platform.moodle;
      const [summative, practice] = site.quizzesIn('math');
      const essay = site.assignmentsIn('math')[0]!;
      const activities = await connector.listActivities(math);
      expect(activities).toEqual([
        {
          ref: { source: 'moodle-quiz', lmsId: String(summative!.id), label: 'Quiz – summative' },
          kind: 'quiz',
          maxScore: 10,
          dueAt: '2025-03-31T23:59:00.000Z',
          attemptsAllowed: 2,
          gradeToPass: 8,
          cmid: String(summative!.cmid),
          completionTracked: true,
          url: `${platform.url}/mod/quiz/view.php?id=${summative!.cmid}`,
        },
        {
          ref: { source: 'moodle-quiz', lmsId: String(practice!.id), label: 'Practice quiz' },
          kind: 'quiz',
          maxScore: 10,
          attemptsAllowed: null,
          cmid: String(practice!.cmid),
          completionTracked: true,
          url: `${platform.url}/mod/quiz/view.php?id=${practice!.cmid}`,
        },
        {
          ref: { source: 'moodle-assign', lmsId: String(essay.id), label: 'Essay' },
          kind: 'assignment',
          maxScore: 100,
          dueAt: '2025-03-31T23:59:00.000Z',
          attemptsAllowed: 2,
          cmid: String(essay.cmid),
          completionTracked: true,
          url: `${platform.url}/mod/assign/view.php?id=${essay.cmid}`,
        },
      ]);
      // The forum is not an assessment.
      expect(activities.map((a) => a.ref.label)).not.toContain('Announcements');
    });

    test('assignment attempts: unlimited → null, "never reopened" → 1; a new quiz shows up live', async () => {
      const site = platform.moodle;
      const open = site.addAssignment('hist', {
        name: 'Journal',
        maxattempts: -1,
        attemptreopenmethod: 'manual',
      });
      const once = site.addAssignment('hist', { name: 'Oral', maxattempts: 5, attemptreopenmethod: 'none' });
      const quiz = site.addQuiz('hist', {
        name: 'Quiz 2',
        grade: 20,
        sumgrades: 40,
        attempts: 3,
        completion: 0,
      });
      const byLabel = new Map((await connector.listActivities(hist)).map((a) => [a.ref.label, a]));
      expect(byLabel.get('Journal')).toMatchObject({ attemptsAllowed: null, completionTracked: false });
      expect(byLabel.get('Oral')?.attemptsAllowed).toBe(1);
      expect(byLabel.get('Quiz 2')).toMatchObject({
        maxScore: 20,
        attemptsAllowed: 3,
        completionTracked: false,
      });
      expect(byLabel.get('Quiz 2')?.gradeToPass).toBeUndefined();
      expect([open.id, once.id, quiz.id].every((x) => x > 0)).toBe(true);
    });

    test('a quiz list without settings (no mod/quiz:view) or assignments hidden by warnings are errors, not empty lists', async () => {
      const noQuizView = connectorWith({ capabilities: without(ALL_WS_CAPABILITIES, 'mod/quiz:view') });
      expect(await rejection(noQuizView.listActivities(math))).toMatchObject({
        code: 'PERMISSION',
        params: expect.objectContaining({ capability: 'mod/quiz:view' }),
      });
      const noAssignView = connectorWith({ capabilities: without(ALL_WS_CAPABILITIES, 'mod/assign:view') });
      expect(await rejection(noAssignView.listActivities(math))).toMatchObject({
        code: 'PERMISSION',
        params: expect.objectContaining({ capability: 'mod/assign:view' }),
      });
      expect(await rejection(connector.listActivities({ contextId: '999' }))).toMatchObject({
        code: 'PERMISSION',
        messageKey: 'moodle.error.courseNotAccessible',
      });
      expect(await rejection(connector.listActivities({ contextId: 'abc' }))).toMatchObject({
        code: 'NOT_FOUND',
        messageKey: 'moodle.error.badCourseId',
      });
    });
  });

  describe('attempts', () => {
    test('quiz marks are scaled to the quiz grade, numbered from 1, unfinished and preview attempts left out, no duplicates', async () => {
      const learners = ['ana', 'ben', 'chloe', 'dana', 'prof'].map(id);
      const { attempts, feedback, unreadable } = await connector.readAttempts(
        math,
        { source: 'moodle-quiz', lmsId: quizId() },
        [...learners, id('ana'), id('ben')],
      );
      expect(unreadable).toEqual([]);
      expect(feedback).toEqual([]);
      expect(attempts.map((a) => [a.learner, a.attemptNumber, a.score, a.maxScore, a.submittedAt])).toEqual([
        [id('ana'), 1, 6, 10, '2025-01-10T14:00:00.000Z'],
        [id('ben'), 1, 9, 10, '2025-01-12T09:00:00.000Z'],
        [id('ana'), 2, 8.5, 10, '2025-01-20T15:30:00.000Z'],
        // Submitted, awaiting grading: an attempt without a score, never a zero.
        [id('dana'), 1, null, 10, '2025-01-22T11:00:00.000Z'],
      ]);
      for (const a of attempts) {
        expect(validateAttempt(a).ok).toBe(true);
        expect(a).toMatchObject({
          source: 'moodle-ws',
          assessment: { source: 'moodle-quiz', lmsId: quizId() },
        });
      }
      expect(new Set(attempts.map((a) => a.sourceId)).size).toBe(attempts.length);
      expect(attempts[0]!.sourceId).toMatch(/^quiz-attempt:\d+$/);
      expect(attempts[0]!.gradedAt).toBe('2025-01-10T14:00:00.000Z');
      expect(attempts[3]!.gradedAt).toBeNull();
    });

    test('attempts added later are read; an abandoned or in-progress attempt never counts', async () => {
      const site = platform.moodle;
      const quiz = site.addQuiz('math', { name: 'Retake quiz', grade: 20, sumgrades: 7, attempts: 0 });
      site.addQuizAttempt(quiz.id, 'chloe', { sumgrades: 3.5, finishedAt: '2025-02-01T10:00:00Z' });
      site.addQuizAttempt(quiz.id, 'chloe', { state: 'abandoned', finishedAt: '2025-02-02T10:00:00Z' });
      site.addQuizAttempt(quiz.id, 'chloe', { sumgrades: 7, finishedAt: '2025-02-03T10:00:00Z' });
      site.addQuizAttempt(quiz.id, 'chloe', { state: 'inprogress' });
      const { attempts } = await connector.readAttempts(
        math,
        { source: 'moodle-quiz', lmsId: String(quiz.id) },
        [id('chloe')],
      );
      expect(attempts.map((a) => [a.attemptNumber, a.score, a.maxScore])).toEqual([
        [1, 10, 20],
        [3, 20, 20],
      ]);
    });

    test('marks hidden from the token are a clear error, not a zero', async () => {
      const c = connectorWith({ capabilities: without(ALL_WS_CAPABILITIES, 'moodle/grade:viewhidden') });
      const err = await rejection(
        c.readAttempts(math, { source: 'moodle-quiz', lmsId: quizId() }, [id('ana')]),
      );
      expect(err).toMatchObject({
        code: 'PERMISSION',
        messageKey: 'moodle.error.marksHidden',
        params: { quiz: 'Quiz – summative', capability: 'moodle/grade:viewhidden' },
      });
      // A quiz whose review options show marks needs no hidden-grade right.
      const { attempts } = await c.readAttempts(
        math,
        { source: 'moodle-quiz', lmsId: String(platform.moodle.quizzesIn('math')[1]!.id) },
        [id('ana')],
      );
      expect(attempts.map((a) => a.score)).toEqual([4, 7, 10]);
    });

    test('assignment: the reopened first attempt and its teacher feedback, the second attempt, numbers from 1', async () => {
      const { attempts, feedback } = await connector.readAttempts(
        math,
        { source: 'moodle-assign', lmsId: essayId() },
        ['ana', 'ben', 'chloe', 'dana'].map(id),
      );
      expect(attempts.map((a) => [a.learner, a.attemptNumber, a.score, a.submittedAt, a.gradedAt])).toEqual([
        [id('ana'), 1, 48, '2025-01-08T12:00:00.000Z', '2025-01-09T16:00:00.000Z'],
        [id('ben'), 1, 92, '2025-01-11T08:00:00.000Z', '2025-01-12T08:00:00.000Z'],
        [id('ana'), 2, 86, '2025-01-15T12:00:00.000Z', '2025-01-16T09:00:00.000Z'],
        [id('chloe'), 1, null, '2025-01-20T08:00:00.000Z', null],
      ]);
      for (const a of attempts) expect(validateAttempt(a).ok && a.maxScore === 100).toBe(true);
      expect(new Set(attempts.map((a) => a.sourceId)).size).toBe(4);
      // Ben's grade has an empty comment: no feedback record for it.
      expect(feedback).toEqual([
        {
          learner: id('ana'),
          assessment: { source: 'moodle-assign', lmsId: essayId() },
          attemptNumber: 1,
          givenAt: '2025-01-09T16:00:00.000Z',
          origin: 'lms',
          sourceId: expect.stringMatching(/^assign-grade:\d+$/),
        },
        expect.objectContaining({
          learner: id('ana'),
          attemptNumber: 2,
          givenAt: '2025-01-16T09:00:00.000Z',
        }),
      ]);
    });

    test('a reopened attempt not yet submitted does not count; feedback then regrade after resubmission', async () => {
      const site = platform.moodle;
      const a = site.addAssignment('math', { name: 'Lab report', grade: 50, maxattempts: 2 });
      site.submitAssignment(a.id, 'ben', { at: '2025-02-01T10:00:00Z' });
      site.gradeAssignment(a.id, 'ben', { grade: 20, feedback: '<p>&nbsp;</p>', at: '2025-02-02T10:00:00Z' });
      site.reopenAssignment(a.id, 'ben', { at: '2025-02-02T10:00:00Z' });
      const key = { source: 'moodle-assign' as const, lmsId: String(a.id) };
      let read = await connector.readAttempts(math, key, [id('ben')]);
      expect(read.attempts.map((x) => [x.attemptNumber, x.score, x.maxScore])).toEqual([[1, 20, 50]]);
      // A comment of white space only is not feedback.
      expect(read.feedback).toEqual([]);
      site.gradeAssignment(a.id, 'ben', {
        grade: 20,
        feedback: '<p>Show your calculations.</p>',
        attemptnumber: 0,
        at: '2025-02-03T10:00:00Z',
      });
      site.submitAssignment(a.id, 'ben', { at: '2025-02-05T10:00:00Z' });
      read = await connector.readAttempts(math, key, [id('ben')]);
      expect(read.attempts.map((x) => [x.attemptNumber, x.score])).toEqual([
        [1, 20],
        [2, null],
      ]);
      expect(read.feedback).toEqual([
        expect.objectContaining({ attemptNumber: 1, givenAt: '2025-02-03T10:00:00.000Z', origin: 'lms' }),
      ]);
      site.gradeAssignment(a.id, 'ben', { grade: 45, at: '2025-02-06T10:00:00Z' });
      read = await connector.readAttempts(math, key, [id('ben')]);
      expect(read.attempts.map((x) => [x.attemptNumber, x.score])).toEqual([
        [1, 20],
        [2, 45],
      ]);
    });

    test('unknown learners are skipped with a reason; malformed ids, unknown activities and scale grading are refused', async () => {
      const r = await connector.readAttempts(math, { source: 'moodle-quiz', lmsId: quizId() }, [
        '99999',
        id('ben'),
      ]);
      expect(r.attempts.map((a) => a.learner)).toEqual([id('ben')]);
      expect(r.unreadable).toEqual([{ userId: '99999', error: expect.any(MoodleWsError) }]);
      expect(
        await rejection(
          connector.readAttempts(math, { source: 'moodle-quiz', lmsId: quizId() }, ['1 OR 1=1']),
        ),
      ).toMatchObject({ code: 'NOT_FOUND', messageKey: 'moodle.error.badUserId' });
      expect(
        await rejection(
          connector.readAttempts(math, { source: 'moodle-quiz', lmsId: '424242' }, [id('ana')]),
        ),
      ).toMatchObject({ code: 'NOT_FOUND', messageKey: 'moodle.error.activityNotFound' });
      // A quiz of another course is not found in this one.
      const histQuiz = String(platform.moodle.quizzesIn('hist')[0]!.id);
      expect(
        (
          await rejection(
            connector.readAttempts(math, { source: 'moodle-quiz', lmsId: histQuiz }, [id('ana')]),
          )
        ).messageKey,
      ).toBe('moodle.error.activityNotFound');
      const scale = platform.moodle.addAssignment('math', { name: 'Scaled', grade: -3 });
      expect(
        await rejection(
          connector.readAttempts(math, { source: 'moodle-assign', lmsId: String(scale.id) }, [id('ana')]),
        ),
      ).toMatchObject({ code: 'BAD_RESPONSE', messageKey: 'moodle.error.notPointGraded' });
      expect(
        await rejection(
          connector.readAttempts(math, { source: 'canvas-assignment', lmsId: '1' }, [id('ana')]),
        ),
      ).toMatchObject({ messageKey: 'moodle.error.unsupportedSource' });
    });
  });

  describe('who changed since (incremental reads)', () => {
    const essay = () => ({ source: 'moodle-assign' as const, lmsId: essayId() });

    test('learners whose latest submission or grade is stamped at or after `since`', async () => {
      const all = await connector.changedLearners(math, essay(), new Date('2025-01-01T00:00:00Z'));
      expect([...all!.learners].sort()).toEqual(['ana', 'ben', 'chloe'].map(id).sort());
      expect(all!.attempts).toEqual(new Set());
      // Nothing since: Moodle warns "No … found" (code 3), which is an empty answer.
      expect(await connector.changedLearners(math, essay(), new Date('2099-01-01T00:00:00Z'))).toEqual({
        learners: new Set(),
        attempts: new Set(),
      });
      const before = platform.moodle.calls.length;
      platform.moodle.gradeAssignment(Number(essayId()), 'ben', { grade: 93 });
      const changed = await connector.changedLearners(math, essay(), new Date(Date.now() - 60_000));
      expect([...changed!.learners]).toEqual([id('ben')]);
      const asked = platform.moodle.calls.slice(before);
      expect(asked.map((c) => c.wsfunction)).toEqual(['mod_assign_get_submissions', 'mod_assign_get_grades']);
      // Unix seconds, as Moodle compares `timemodified`.
      for (const c of asked) expect(c.params.since).toMatch(/^\d{10}$/);
    });

    test('quizzes: the attempts changed since, named by attempt (Moodle does not say whose)', async () => {
      const quiz = { source: 'moodle-quiz' as const, lmsId: quizId() };
      const seeded = platform.moodle.quizAttempts.filter((a) => String(a.quiz) === quizId());
      const all = await connector.changedLearners(math, quiz, new Date('2025-01-01T00:00:00Z'));
      expect(all!.learners).toEqual(new Set());
      expect([...all!.attempts].sort()).toEqual(seeded.map((a) => `quiz-attempt:${a.id}`).sort());
      expect(await connector.changedLearners(math, quiz, new Date('2099-01-01T00:00:00Z'))).toEqual({
        learners: new Set(),
        attempts: new Set(),
      });
      // A teacher grades an attempt by hand: that attempt, and only it, changed.
      const before = platform.moodle.calls.length;
      const graded = platform.moodle.gradeQuizAttempt(seeded[0]!.id, { sumgrades: 15 });
      const changed = await connector.changedLearners(math, quiz, new Date(Date.now() - 60_000));
      expect([...changed!.attempts]).toEqual([`quiz-attempt:${graded.id}`]);
      const asked = platform.moodle.calls
        .slice(before)
        .filter((c) => c.wsfunction === 'core_course_check_updates');
      expect(asked).toHaveLength(1);
      const cm = platform.moodle.quizzesIn('math').find((q) => String(q.id) === quizId())!.cmid;
      expect(asked[0]!.params).toMatchObject({
        'tocheck[0][contextlevel]': 'module',
        'tocheck[0][id]': String(cm),
        'tocheck[0][since]': expect.stringMatching(/^\d{10}$/),
      });
    });

    test('undefined, so the caller reads in full, when Moodle cannot say', async () => {
      // A service without core_course_check_updates, for a quiz.
      const noCheck = connectorWith({ functions: without(ALL_WS_FUNCTIONS, 'core_course_check_updates') });
      expect(
        await noCheck.changedLearners(math, { source: 'moodle-quiz', lmsId: quizId() }, new Date(0)),
      ).toBeUndefined();
      // A service without one of the two functions.
      const lacking = connectorWith({ functions: without(ALL_WS_FUNCTIONS, 'mod_assign_get_grades') });
      expect(await lacking.changedLearners(math, essay(), new Date(0))).toBeUndefined();
      // A role that may not view grades: Moodle answers with a warning, not an error.
      const blind = connectorWith({ capabilities: without(ALL_WS_CAPABILITIES, 'mod/assign:viewgrades') });
      expect(await blind.changedLearners(math, essay(), new Date(0))).toBeUndefined();
    });

    test('an answer of another shape is an error, never "nobody changed"', async () => {
      const app = express();
      app.use(express.urlencoded({ extended: true }));
      app.post('/odd/webservice/rest/server.php', (_req, res) => {
        res.status(200).json({ assignments: [{ assignmentid: 9, grades: [{ userid: 'x' }] }], warnings: [] });
      });
      const s = await serve(app);
      try {
        const odd = createMoodleConnector({ siteUrl: `${s.url}/odd/`, token: 'secret-token-123' });
        expect(
          await rejection(odd.changedLearners(math, { source: 'moodle-assign', lmsId: '9' }, new Date(0))),
        ).toMatchObject({ code: 'BAD_RESPONSE' });
      } finally {
        await s.close();
      }
    });
  });

  describe('completion', () => {
    test('activity and course completion of a learner who completed, one who did not, and a non-learner', async () => {
      const site = platform.moodle;
      const [quiz, practice] = site.quizzesIn('math');
      const essay = site.assignmentsIn('math')[0]!;
      const ana = await connector.readCompletion(math, id('ana'));
      expect(ana.course).toEqual({ status: 'complete', completedAt: '2025-01-20T15:30:00.000Z' });
      expect(ana.records).toEqual(
        expect.arrayContaining([
          {
            learner: id('ana'),
            scope: { kind: 'activity', lmsId: String(quiz!.cmid) },
            completedAt: '2025-01-20T15:30:00.000Z',
          },
          {
            learner: id('ana'),
            scope: { kind: 'activity', lmsId: String(essay.cmid) },
            completedAt: '2025-01-16T09:00:00.000Z',
          },
          {
            learner: id('ana'),
            scope: { kind: 'activity', lmsId: String(practice!.cmid) },
            completedAt: '2025-01-09T10:00:00.000Z',
          },
          { learner: id('ana'), scope: { kind: 'course' }, completedAt: '2025-01-20T15:30:00.000Z' },
        ]),
      );
      expect(ana.records).toHaveLength(4);
      expect(ana.activities.find((a) => a.cmid === String(quiz!.cmid))?.state).toBe('complete_pass');

      site.setActivityCompletion(quiz!.cmid, 'chloe', 3, '2025-02-01T00:00:00Z');
      const chloe = await connector.readCompletion(math, id('chloe'));
      expect(chloe.course).toEqual({ status: 'incomplete', completedAt: null });
      expect(chloe.records).toEqual([]);
      expect(chloe.activities.find((a) => a.cmid === String(quiz!.cmid))?.state).toBe('complete_fail');

      expect((await connector.readCompletion(math, id('prof'))).course.status).toBe('not_tracked');
      expect((await connector.readCompletion(hist, id('ana'))).course).toEqual({
        status: 'no_criteria',
        completedAt: null,
      });
    });

    test('without report/completion:view the read fails instead of saying "incomplete"', async () => {
      const c = connectorWith({ capabilities: without(ALL_WS_CAPABILITIES, 'report/completion:view') });
      expect(await rejection(c.readCompletion(math, id('ana')))).toMatchObject({
        code: 'PERMISSION',
        params: expect.objectContaining({ capability: 'report/completion:view' }),
      });
    });
  });

  describe('HTTP', () => {
    test('an unreachable site and a site that never answers are UNAVAILABLE', async () => {
      // Port 1 on loopback: nothing listens there (a closed server's port could be reused).
      const err = await rejection(
        createMoodleConnector({ siteUrl: 'http://127.0.0.1:1', token: 'x' }).listActivities(math),
      );
      expect(err).toMatchObject({ code: 'UNAVAILABLE', messageKey: 'error.unreachable' });
      const stuck = express();
      stuck.post('/webservice/rest/server.php', () => undefined);
      const slow = await serve(stuck);
      const c = new MoodleConnector(new MoodleClient({ siteUrl: slow.url, token: 'x', timeoutMs: 300 }));
      const report = await c.testConnection();
      expect(report.checks).toEqual([
        expect.objectContaining({ name: 'connection', ok: false, messageKey: 'error.timeout' }),
      ]);
      expect(await rejection(c.listActivities(math))).toMatchObject({
        code: 'UNAVAILABLE',
        messageKey: 'error.timeout',
      });
      await slow.close();
    });

    test('a connection dropped once is sent again; dropped every time, the site is unreachable', async () => {
      let seen = 0;
      let dropEvery = false;
      const app = express();
      app.post('/webservice/rest/server.php', (req, res) => {
        seen++;
        // As a site closing a kept-alive connection just as it is reused: no answer at all.
        if (dropEvery || seen === 1) return req.socket.destroy();
        res.json({ sitename: 'S', username: 'u', userid: 2, siteurl: 'http://x', functions: [] });
      });
      const s = await serve(app);
      try {
        const client = new MoodleClient({ siteUrl: s.url, token: 'x' });
        await expect(client.call('core_webservice_get_site_info')).resolves.toMatchObject({ sitename: 'S' });
        expect(seen).toBe(2);
        dropEvery = true;
        seen = 0;
        expect(await rejection(client.call('core_webservice_get_site_info'))).toMatchObject({
          code: 'UNAVAILABLE',
          messageKey: 'error.unreachable',
        });
        expect(seen).toBe(2);
      } finally {
        await s.close();
      }
    });

    test('HTTP-200 exception bodies are errors, never data; HTML, 403, 404, 5xx and redirects are explained', async () => {
      const seen: { method: string; url: string; body: Record<string, unknown> }[] = [];
      const app = express();
      app.use(express.urlencoded({ extended: false }));
      app.post('/moodle/webservice/rest/server.php', (req, res) => {
        seen.push({ method: req.method, url: req.url, body: req.body as Record<string, unknown> });
        res.status(200).json({
          exception: 'moodle_exception',
          errorcode: 'sitemaintenance',
          message: 'Site is being upgraded',
        });
      });
      app.post('/html/webservice/rest/server.php', (_req, res) => {
        res.status(200).type('html').send('<html><body>Log in</body></html>');
      });
      app.post('/forbidden/webservice/rest/server.php', (_req, res) => {
        res.status(403).end();
      });
      app.post('/broken/webservice/rest/server.php', (_req, res) => {
        res.status(503).send('down');
      });
      app.post('/moved/webservice/rest/server.php', (_req, res) => {
        res.redirect(301, 'https://moodle.example.edu/webservice/rest/server.php');
      });
      app.post('/odd/webservice/rest/server.php', (_req, res) => {
        res.status(200).json({ quizzes: [{ id: 'x' }], warnings: [] });
      });
      const s = await serve(app);
      try {
        const at = (path: string) =>
          createMoodleConnector({ siteUrl: `${s.url}${path}/`, token: 'secret-token-123' });
        const maint = await rejection(at('/moodle').listActivities(math));
        expect(maint).toBeInstanceOf(MoodleWsError);
        expect(maint).toMatchObject({ code: 'UNAVAILABLE', messageKey: 'moodle.error.maintenance' });
        // The token travels in the POST body only, never in the URL.
        expect(seen[0]).toMatchObject({
          method: 'POST',
          body: expect.objectContaining({ wstoken: 'secret-token-123' }),
        });
        expect(seen.every((x) => !x.url.includes('secret'))).toBe(true);
        expect(seen.map((x) => x.body['courseids[0]'])).toContain(math.contextId);
        expect(await rejection(at('/html').listActivities(math))).toMatchObject({
          messageKey: 'moodle.error.notJson',
        });
        expect(await rejection(at('/forbidden').listActivities(math))).toMatchObject({
          code: 'PERMISSION',
          messageKey: 'moodle.error.restDisabled',
        });
        expect(await rejection(at('/nowhere').listActivities(math))).toMatchObject({
          code: 'NOT_FOUND',
          messageKey: 'moodle.error.notMoodle',
        });
        expect(await rejection(at('/broken').listActivities(math))).toMatchObject({
          code: 'UNAVAILABLE',
          messageKey: 'error.serverError',
          params: expect.objectContaining({ status: 503 }),
        });
        expect(await rejection(at('/moved').listActivities(math))).toMatchObject({
          messageKey: 'moodle.error.redirected',
          params: expect.objectContaining({
            location: 'https://moodle.example.edu/webservice/rest/server.php',
          }),
        });
        expect(await rejection(at('/odd').listActivities(math))).toMatchObject({
          code: 'BAD_RESPONSE',
          messageKey: 'moodle.error.unexpectedShape',
        });
      } finally {
        await s.close();
      }
      platform.moodle.restEnabled = false;
      try {
        expect((await rejection(connector.listActivities(math))).messageKey).toBe(
          'moodle.error.restDisabled',
        );
      } finally {
        platform.moodle.restEnabled = true;
      }
    });

    test('parameters are encoded as PHP arrays; site URLs are normalised; bad ones refused', () => {
      expect(
        encodeWsParams({
          courseids: [17, 18],
          options: [{ name: 'x', value: true }],
          flag: false,
        }).toString(),
      ).toBe(
        'courseids%5B0%5D=17&courseids%5B1%5D=18&options%5B0%5D%5Bname%5D=x&options%5B0%5D%5Bvalue%5D=1&flag=0',
      );
      expect(normaliseSiteUrl(' https://lms.example.edu/moodle/webservice/rest/server.php ')).toBe(
        'https://lms.example.edu/moodle',
      );
      expect(normaliseSiteUrl('https://lms.example.edu/')).toBe('https://lms.example.edu');
      for (const bad of ['ftp://lms.example.edu', 'https://admin:pw@lms.example.edu', 'not a url'])
        expect(() => normaliseSiteUrl(bad)).toThrow(ConnectorError);
    });

    test("Moodle's LTI token endpoint answering 404 HTML is explained as its HTTP security settings", () => {
      const e = explainTokenEndpointFailure(404, 'text/html; charset=utf-8');
      expect(e).toMatchObject({ code: 'PERMISSION', messageKey: 'moodle.error.httpSecurityBlocked' });
      expectReadable(e.messageKey);
      expect(translator('en')(`connectors:${e.messageKey}`)).toMatch(/HTTP security/);
      expect(explainTokenEndpointFailure(401, 'application/json').code).toBe('AUTH');
      expect(explainTokenEndpointFailure(502, 'text/html').code).toBe('UNAVAILABLE');
    });
  });
});
