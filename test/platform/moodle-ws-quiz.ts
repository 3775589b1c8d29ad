/**
 * `mod_quiz_*` web-service functions as Moodle 5.1's `mod_quiz_external` answers them: quiz
 * settings, a person's attempts (real states, or the deprecated function's mapped states) and
 * the best grade with the pass mark. Marks are blanked exactly when Moodle blanks them.
 */
import {
  courseWarning,
  missingRecord,
  WsError,
  type WsContext,
  type WsFunction,
  type WsParams,
} from './moodle-ws-context.js';
import type { MoodleQuiz, MoodleQuizAttempt } from './moodle-ws-data.js';
import type { Course } from './types.js';

/** `validate_quiz`: the quiz, its course, course access and `mod/quiz:view`. */
function validateQuiz(ctx: WsContext, quizid: number): { quiz: MoodleQuiz; course: Course } {
  const quiz = ctx.site.quizzes.get(quizid);
  if (!quiz) throw missingRecord('quiz');
  const course = ctx.site.directory.course(quiz.courseHandle);
  ctx.requireAccess(course);
  ctx.require('mod/quiz:view');
  return { quiz, course };
}

/** Whether review options show marks: everything for report viewers who see hidden grades. */
function marksVisible(ctx: WsContext, quiz: MoodleQuiz, attempt: MoodleQuizAttempt): boolean {
  if (attempt.preview === 0 && ctx.has('mod/quiz:viewreports') && ctx.has('moodle/grade:viewhidden'))
    return true;
  return quiz.reviewMarks;
}

const FINISHED_STATES = new Set(['finished', 'abandoned', 'submitted']);
const UNFINISHED_STATES = new Set(['inprogress', 'overdue']);

function selectAttempts(ctx: WsContext, params: WsParams) {
  const { quiz } = validateQuiz(ctx, params.int('quizid'));
  const status = params.alpha('status', 'finished');
  const includepreviews = params.bool('includepreviews', false);
  if (!['all', 'finished', 'unfinished'].includes(status))
    throw new WsError(
      'invalid_parameter_exception',
      'invalidparameter',
      'Invalid parameter value detected (Invalid status value)',
    );
  const { user, other } = ctx.target(params.int('userid', 0));
  if (other) ctx.require('mod/quiz:viewreports');
  const attempts = ctx.site
    .attemptsOf(quiz.id, Number(user.restId))
    .filter((a) => includepreviews || a.preview === 0)
    .filter((a) =>
      status === 'all'
        ? true
        : status === 'finished'
          ? FINISHED_STATES.has(a.state)
          : UNFINISHED_STATES.has(a.state),
    );
  return { quiz, attempts };
}

function attemptJson(a: MoodleQuizAttempt, sumgrades: number | null, state: string) {
  return {
    id: a.id,
    quiz: a.quiz,
    userid: a.userid,
    attempt: a.attempt,
    uniqueid: a.uniqueid,
    layout: '1,2,0,3,4,0',
    currentpage: 0,
    preview: a.preview,
    state,
    timestart: a.timestart,
    timefinish: a.timefinish,
    timemodified: a.timemodified,
    timemodifiedoffline: 0,
    timecheckstate: null,
    sumgrades,
    gradednotificationsenttime: state === 'finished' ? a.timefinish : null,
  };
}

const getQuizzesByCourses: WsFunction = (ctx, params) => {
  let ids = params.intArray('courseids', []);
  if (ids.length === 0)
    ids = ctx.site.directory
      .allCourses()
      .filter((c) => ctx.site.directory.enrolment(ctx.user.handle, c.handle)?.status === 'active')
      .map((c) => Number(c.restId));
  const warnings: ReturnType<typeof courseWarning>[] = [];
  const quizzes: Record<string, unknown>[] = [];
  for (const id of ids) {
    const course = ctx.site.directory.allCourses().find((c) => c.restId === String(id));
    if (!course || !ctx.canAccess(course)) {
      warnings.push(courseWarning(id));
      continue;
    }
    for (const q of ctx.site.quizzesIn(course.handle)) {
      if (!q.visible) continue;
      const entry: Record<string, unknown> = {
        id: q.id,
        coursemodule: q.cmid,
        course: Number(course.restId),
        name: q.name,
        intro: '',
        introformat: 1,
        introfiles: [],
        lang: '',
        section: 1,
        visible: 1,
        groupmode: 0,
        groupingid: 0,
      };
      if (ctx.has('mod/quiz:view'))
        Object.assign(entry, {
          timeopen: q.timeopen,
          timeclose: q.timeclose,
          timelimit: 0,
          attempts: q.attempts,
          grademethod: q.grademethod,
          decimalpoints: 2,
          questiondecimalpoints: -1,
          sumgrades: q.sumgrades,
          grade: q.grade,
          preferredbehaviour: 'deferredfeedback',
          hasfeedback: 0,
          hasquestions: 1,
          completionattemptsexhausted: 0,
          completionpass: q.completionpass,
          overduehandling: 'autosubmit',
          graceperiod: 0,
          navmethod: 'free',
        });
      quizzes.push(entry);
    }
  }
  return { quizzes, warnings };
};

const getUserQuizAttempts: WsFunction = (ctx, params) => {
  const { quiz, attempts } = selectAttempts(ctx, params);
  const graded = quiz.grade > 0 && quiz.sumgrades > 0;
  return {
    attempts: attempts.map((a) =>
      attemptJson(
        a,
        graded && marksVisible(ctx, quiz, a) && a.state === 'finished' ? a.sumgrades : null,
        a.state,
      ),
    ),
    warnings: [],
  };
};

/** Deprecated since 5.0: `submitted` shows as `finished` without marks, `notstarted` is hidden. */
const getUserAttempts: WsFunction = (ctx, params) => {
  const { quiz, attempts } = selectAttempts(ctx, params);
  return {
    attempts: attempts
      .filter((a) => a.state !== 'notstarted')
      .map((a) => {
        const hidden =
          a.state === 'submitted' ||
          (!ctx.has('mod/quiz:viewreports') && (!quiz.reviewMarks || a.state !== 'finished'));
        return attemptJson(a, hidden ? null : a.sumgrades, a.state === 'submitted' ? 'finished' : a.state);
      }),
    warnings: [],
  };
};

const getUserBestGrade: WsFunction = (ctx, params) => {
  const { quiz } = validateQuiz(ctx, params.int('quizid'));
  const { user, other } = ctx.target(params.int('userid', 0));
  if (other) ctx.require('mod/quiz:viewreports');
  const userid = Number(user.restId);
  const attempts = ctx.site.attemptsOf(quiz.id, userid).filter((a) => a.preview === 0);
  const canView = attempts.length > 0 && (other || quiz.reviewMarks);
  const grade = canView ? ctx.site.quizGrade(quiz, userid) : null;
  return {
    hasgrade: grade !== null,
    ...(grade !== null ? { grade } : {}),
    ...(quiz.gradepass ? { gradetopass: quiz.gradepass } : {}),
    warnings: [],
  };
};

/**
 * `core_course_check_updates` (`course_check_updates` → `quiz_check_updates_since`) for the
 * course's quizzes: per course module asked, the areas updated after `since` (strictly, on
 * `timemodified`) — the caller's own `attempts` and, with `mod/quiz:viewreports`, everyone's
 * `userattempts` — listing only areas that changed. Other modules report no area here.
 */
const checkUpdates: WsFunction = (ctx, params) => {
  const course = ctx.course(params.int('courseid'));
  ctx.requireAccess(course);
  const instances: Record<string, unknown>[] = [];
  const warnings: Record<string, unknown>[] = [];
  for (const t of params.objects('tocheck')) {
    const id = Number(t.id);
    if (t.contextlevel !== 'module') {
      warnings.push({
        item: t.contextlevel,
        itemid: id,
        warningcode: 'contextlevelnotsupported',
        message: 'Context level not yet supported ' + t.contextlevel,
      });
      continue;
    }
    if (!/^\d+$/.test(t.since ?? ''))
      throw new WsError(
        'invalid_parameter_exception',
        'invalidparameter',
        'Invalid parameter value detected',
      );
    const since = Number(t.since);
    const quiz = ctx.site.quizzesIn(course.handle).find((q) => q.cmid === id);
    const other = ctx.site.assignmentsIn(course.handle).some((a) => a.cmid === id);
    if (!quiz && !other) {
      warnings.push({
        item: 'module',
        itemid: id,
        warningcode: 'missingcm',
        message: 'Course module not found',
      });
      continue;
    }
    const updates: Record<string, unknown>[] = [];
    const area = (name: string, rows: MoodleQuizAttempt[]) => {
      if (rows.length === 0) return;
      updates.push({
        name,
        timeupdated: Math.max(...rows.map((a) => a.timemodified)),
        itemids: rows.map((a) => a.id),
      });
    };
    if (quiz) {
      const changed = ctx.site.quizAttempts.filter((a) => a.quiz === quiz.id && a.timemodified > since);
      area(
        'attempts',
        changed.filter((a) => a.userid === ctx.userid),
      );
      if (ctx.has('mod/quiz:viewreports')) area('userattempts', changed);
    }
    instances.push({ contextlevel: 'module', id, updates });
  }
  return { instances, warnings };
};

/** The quiz functions by name. */
export const QUIZ_FUNCTIONS: Record<string, WsFunction> = {
  core_course_check_updates: checkUpdates,
  mod_quiz_get_quizzes_by_courses: getQuizzesByCourses,
  mod_quiz_get_user_quiz_attempts: getUserQuizAttempts,
  mod_quiz_get_user_attempts: getUserAttempts,
  mod_quiz_get_user_best_grade: getUserBestGrade,
};
