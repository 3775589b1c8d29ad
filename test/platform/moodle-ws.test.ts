import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ALL_WS_CAPABILITIES, ALL_WS_FUNCTIONS } from './moodle-ws-data.js';
import { startPlatform, type Platform } from './platform.js';

describe('Moodle web services on the test platform', () => {
  let platform: Platform;
  let token: string;
  const ws = async (
    fn: string,
    params: Record<string, string> = {},
    options: { token?: string; format?: string } = {},
  ) => {
    const res = await fetch(`${platform.url}/webservice/rest/server.php`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        wstoken: options.token ?? token,
        wsfunction: fn,
        ...(options.format === undefined ? { moodlewsrestformat: 'json' } : {}),
        ...params,
      }),
    });
    expect(res.status).toBe(200);
    return options.format === undefined
      ? ((await res.json()) as Record<string, unknown>)
      : { text: await res.text() };
  };
  const id = (h: string) => platform.user(h).restId;

  beforeAll(async () => {
    platform = await startPlatform({ family: 'moodle' });
    token = platform.createWsToken().token;
  });
  afterAll(async () => {
    await platform.close();
  });

  test('errors are HTTP 200 bodies {exception, errorcode, message}, checked in Moodle order', async () => {
    expect(await ws('core_webservice_get_site_info', {}, { token: 'nope' })).toEqual({
      exception: 'moodle_exception',
      errorcode: 'invalidtoken',
      message: 'Invalid token - token not found',
    });
    expect(await ws('no_such_function')).toEqual({
      exception: 'dml_missing_record_exception',
      errorcode: 'invalidrecord',
      message: "Can't find data record in database table external_functions.",
    });
    const limited = platform.createWsToken({ functions: ['core_webservice_get_site_info'] }).token;
    expect(await ws('mod_quiz_get_quizzes_by_courses', {}, { token: limited })).toEqual({
      exception: 'webservice_access_exception',
      errorcode: 'accessexception',
      message: 'Access control exception',
    });
    const noRest = platform.createWsToken({
      capabilities: ALL_WS_CAPABILITIES.filter((c) => c !== 'webservice/rest:use'),
    }).token;
    expect((await ws('core_webservice_get_site_info', {}, { token: noRest })).errorcode).toBe(
      'accessexception',
    );
    const quiz = String(platform.moodle.quizzesIn('math')[0]!.id);
    const noReports = platform.createWsToken({
      capabilities: ALL_WS_CAPABILITIES.filter((c) => c !== 'mod/quiz:viewreports'),
    }).token;
    expect(
      await ws('mod_quiz_get_user_quiz_attempts', { quizid: quiz, userid: id('ana') }, { token: noReports }),
    ).toEqual({
      exception: 'required_capability_exception',
      errorcode: 'nopermissions',
      message: 'Sorry, but you do not currently have permissions to do that (View quiz reports).',
    });
    // A scalar where PHP expects an array, a missing required parameter, a bad status value.
    expect(
      (await ws('mod_quiz_get_quizzes_by_courses', { courseids: platform.course('math').restId })).errorcode,
    ).toBe('invalidparameter');
    expect((await ws('mod_quiz_get_user_quiz_attempts')).errorcode).toBe('invalidparameter');
    expect((await ws('mod_quiz_get_user_quiz_attempts', { quizid: quiz, status: 'bogus' })).errorcode).toBe(
      'invalidparameter',
    );
    expect((await ws('mod_quiz_get_user_quiz_attempts', { quizid: '999999' })).message).toBe(
      "Can't find data record in database table quiz.",
    );
    // The record of calls never keeps the token.
    expect(JSON.stringify(platform.moodle.calls)).not.toContain(token);
  });

  test('site info lists the functions of the token service; XML without the JSON format; 403 when REST is off', async () => {
    const limited = platform.createWsToken({
      functions: ['core_webservice_get_site_info', 'core_course_get_contents'],
    });
    const info = await ws('core_webservice_get_site_info', {}, { token: limited.token });
    expect(info).toMatchObject({
      siteurl: platform.url,
      username: 'jalon_ws',
      release: '5.1.3 (Build: 20260216)',
    });
    expect((info.functions as { name: string }[]).map((f) => f.name)).toEqual([
      'core_webservice_get_site_info',
      'core_course_get_contents',
    ]);
    expect(((await ws('core_webservice_get_site_info')).functions as unknown[]).length).toBe(
      ALL_WS_FUNCTIONS.length,
    );
    const xml = await ws('core_webservice_get_site_info', {}, { format: 'xml' });
    expect(xml.text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8" \?>\n<RESPONSE><SINGLE><KEY name="sitename">/,
    );
    const get = await fetch(
      `${platform.url}/webservice/rest/server.php?wstoken=${token}&wsfunction=core_webservice_get_site_info&moodlewsrestformat=json`,
    );
    expect(((await get.json()) as { userid: number }).userid).toBeGreaterThan(0);
    platform.moodle.restEnabled = false;
    try {
      const off = await fetch(`${platform.url}/webservice/rest/server.php`, { method: 'POST' });
      expect(off.status).toBe(403);
      expect(await off.text()).toBe('');
    } finally {
      platform.moodle.restEnabled = true;
    }
  });

  test('assignments need includenotenrolledcourses for an unenrolled account; attempt history leaves out the current one', async () => {
    const math = platform.course('math').restId;
    const dropped = await ws('mod_assign_get_assignments', { 'courseids[0]': math });
    expect(dropped).toEqual({
      courses: [],
      warnings: [
        {
          item: 'course',
          itemid: Number(math),
          warningcode: '2',
          message: 'User is not enrolled or does not have requested capability',
        },
      ],
    });
    const listed = (await ws('mod_assign_get_assignments', {
      'courseids[0]': math,
      includenotenrolledcourses: '1',
    })) as {
      courses: { assignments: { name: string; maxattempts: number; attemptreopenmethod: string }[] }[];
    };
    expect(listed.courses[0]!.assignments[0]).toMatchObject({
      name: 'Essay',
      maxattempts: 2,
      attemptreopenmethod: 'untilpass',
    });

    const essay = String(platform.moodle.assignmentsIn('math')[0]!.id);
    const status = (await ws('mod_assign_get_submission_status', { assignid: essay, userid: id('ana') })) as {
      lastattempt: { submission: { attemptnumber: number; status: string } };
      feedback: { grade: { grade: string; attemptnumber: number } };
      previousattempts: { attemptnumber: number; grade: { grade: string }; feedbackplugins: unknown[] }[];
    };
    expect(status.lastattempt.submission).toMatchObject({ attemptnumber: 1, status: 'submitted' });
    expect(status.feedback.grade).toMatchObject({ attemptnumber: 1, grade: '86.00000' });
    expect(status.previousattempts.map((p) => [p.attemptnumber, p.grade.grade])).toEqual([[0, '48.00000']]);
    // A teacher has no "last attempt" (no mod/assign:submit).
    expect(await ws('mod_assign_get_submission_status', { assignid: essay, userid: id('prof') })).toEqual({
      warnings: [],
    });
    // List functions give the latest attempt only.
    const grades = (await ws('mod_assign_get_grades', { 'assignmentids[0]': essay })) as {
      assignments: { grades: { userid: number; attemptnumber: number; grade: string }[] }[];
    };
    expect(grades.assignments[0]!.grades.filter((g) => String(g.userid) === id('ana'))).toEqual([
      expect.objectContaining({ attemptnumber: 1, grade: '86.00000' }),
    ]);
    const subs = (await ws('mod_assign_get_submissions', { 'assignmentids[0]': essay })) as {
      assignments: { submissions: { userid: number; attemptnumber: number; gradingstatus: string }[] }[];
    };
    expect(
      subs.assignments[0]!.submissions.map((s) => [String(s.userid), s.attemptnumber, s.gradingstatus]),
    ).toEqual([
      [id('ana'), 1, 'graded'],
      [id('ben'), 0, 'graded'],
      [id('chloe'), 0, 'notgraded'],
    ]);
  });

  test('quiz marks are blanked unless finished and visible; helpers change what the services say', async () => {
    const quiz = platform.moodle.quizzesIn('math')[0]!;
    const noHidden = platform.createWsToken({
      capabilities: ALL_WS_CAPABILITIES.filter((c) => c !== 'moodle/grade:viewhidden'),
    }).token;
    const read = async (user: string, t = token, fn = 'mod_quiz_get_user_quiz_attempts') =>
      (
        (await ws(fn, { quizid: String(quiz.id), userid: id(user), status: 'all' }, { token: t })) as {
          attempts: { attempt: number; state: string; sumgrades: number | null }[];
        }
      ).attempts.map((a) => [a.attempt, a.state, a.sumgrades]);
    expect(await read('ana')).toEqual([
      [1, 'finished', 12],
      [2, 'finished', 17],
    ]);
    expect(await read('ana', noHidden)).toEqual([
      [1, 'finished', null],
      [2, 'finished', null],
    ]);
    expect(await read('dana')).toEqual([[1, 'submitted', null]]);
    expect(await read('dana', token, 'mod_quiz_get_user_attempts')).toEqual([[1, 'finished', null]]);
    platform.moodle.addQuizAttempt(quiz.id, 'chloe', { percent: 50, finishedAt: '2025-02-10T00:00:00Z' });
    expect(await read('chloe')).toEqual([
      [1, 'inprogress', null],
      [2, 'finished', 10],
    ]);
    const best = await ws('mod_quiz_get_user_best_grade', { quizid: String(quiz.id), userid: id('ana') });
    expect(best).toEqual({ hasgrade: true, grade: 8.5, gradetopass: 8, warnings: [] });
    // The native gradebook column follows the attempts (highest grade).
    expect(platform.lineItem(quiz.gradeItemId)?.grades.get(platform.user('ana').sub)?.scoreGiven).toBe(8.5);
    const report = (await ws('gradereport_user_get_grade_items', {
      courseid: platform.course('math').restId,
      userid: id('ana'),
    })) as {
      usergrades: { gradeitems: { itemmodule: string | null; graderaw: number | null; cmid?: number }[] }[];
    };
    expect(report.usergrades[0]!.gradeitems[0]).toMatchObject({
      itemmodule: 'quiz',
      graderaw: 8.5,
      cmid: quiz.cmid,
    });
    expect(
      (
        await ws('core_completion_get_course_completion_status', {
          courseid: platform.course('hist').restId,
          userid: id('ana'),
        })
      ).errorcode,
    ).toBe('nocriteriaset');
  });

  test('a Canvas platform has no Moodle web services', async () => {
    const canvas = await startPlatform({ family: 'canvas' });
    try {
      expect(() => canvas.createWsToken()).toThrow(/Moodle/);
      expect((await fetch(`${canvas.url}/webservice/rest/server.php`, { method: 'POST' })).status).toBe(404);
    } finally {
      await canvas.close();
    }
  });
});
