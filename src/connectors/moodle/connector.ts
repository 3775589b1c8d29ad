/**
 * The Moodle connector: reads a course's quizzes and assignments, learners' attempts (with
 * teacher feedback) and completion through Moodle's web services, with the site URL and the
 * token an administrator created. It turns Moodle's answers into Jalon's records; it decides
 * no award (ARCHITECTURE.md).
 */
import { dedupeAttempts, type AttemptRecord } from '../../microcredentials/attempts.js';
import type { AssessmentKey } from '../../microcredentials/definition.js';
import type { CompletionRecord, FeedbackRecord } from '../../microcredentials/facts.js';
import {
  ConnectorError,
  type ChangesSince,
  type ConnectionReport,
  type CourseKey,
  type LmsActivity,
  type LmsConnector,
  type RosterEntry,
} from '../types.js';
import { assignAttemptRecords, isoFromSeconds, quizAttemptRecords } from './attempts.js';
import { MoodleClient, type MoodleClientOptions, type WsValue } from './client.js';
import { testMoodleConnection, type ConnectionTestOptions } from './connection-test.js';
import { moodleCourseId, readAssignments, readModuleCompletion, readQuizzes } from './course-data.js';
import { MoodleWsError } from './errors.js';
import { MOODLE_LEGACY_ATTEMPTS_FUNCTION } from './requirements.js';
import type { z } from 'zod';
import {
  activitiesCompletionSchema,
  assignChangesSchema,
  bestGradeSchema,
  checkUpdatesSchema,
  courseCompletionSchema,
  enrolledUsersSchema,
  parseAnswer,
  quizAttemptsSchema,
  submissionStatusSchema,
} from './schemas.js';

/** What {@link MoodleConnector.readAttempts} returns. */
export interface AttemptsRead {
  /** Normalised, deduplicated, in chronological order. */
  attempts: AttemptRecord[];
  /** Teacher feedback (origin `lms`) on those attempts. */
  feedback: FeedbackRecord[];
  /** Learners Moodle does not know (deleted, wrong id): skipped, with the reason. */
  unreadable: { userId: string; error: ConnectorError }[];
}

/** A learner's completion as Moodle reports it. */
export interface MoodleCompletion {
  /** Completed activities (state complete or complete-pass) and, if complete, the course. */
  records: CompletionRecord[];
  /** Every activity with completion tracking, whatever its state. */
  activities: {
    cmid: string;
    modname: string;
    instance: string;
    state: 'incomplete' | 'complete' | 'complete_pass' | 'complete_fail';
    completedAt: string | null;
  }[];
  /**
   * Course completion: `no_criteria` when the course has none set, `not_tracked` when the
   * person is not a tracked (enrolled, active) learner.
   */
  course: { status: 'complete' | 'incomplete' | 'no_criteria' | 'not_tracked'; completedAt: string | null };
}

const STATES = ['incomplete', 'complete', 'complete_pass', 'complete_fail'] as const;

/** Runs `fn` over `items`, at most `limit` at a time, keeping the order of results. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const isUnknownUser = (e: unknown) =>
  e instanceof MoodleWsError &&
  e.moodle.errorcode === 'invalidrecord' &&
  /table user\b/.test(e.moodle.message);

/** Reads course results from one Moodle site. */
export class MoodleConnector implements LmsConnector {
  readonly kind = 'moodle' as const;
  readonly client: MoodleClient;
  /** Set once the site turned out to lack `mod_quiz_get_user_quiz_attempts` (Moodle < 4.5). */
  private legacyAttempts = false;

  constructor(options: MoodleClientOptions | MoodleClient) {
    this.client = options instanceof MoodleClient ? options : new MoodleClient(options);
  }

  /**
   * Checks the token, each function Jalon needs and, for a course, the capabilities. Give
   * `probeUserId` (any other active user of the course, e.g. the instructor who asks) so that
   * the capabilities to read other people's data can be checked: Moodle only checks them
   * when the data is someone else's.
   */
  testConnection(course?: CourseKey, options: ConnectionTestOptions = {}): Promise<ConnectionReport> {
    return testMoodleConnection(this.client, course, options);
  }

  /** The course's quizzes and assignments, in course order. */
  async listActivities(course: CourseKey): Promise<LmsActivity[]> {
    const courseId = moodleCourseId(course);
    const [quizzes, assignments, completion] = await Promise.all([
      readQuizzes(this.client, courseId),
      readAssignments(this.client, courseId),
      readModuleCompletion(this.client, courseId),
    ]);
    const passMarks = await pool(quizzes, 4, (q) => this.gradeToPass(q.id));
    const site = this.client.siteUrl;
    const activities: (LmsActivity & { order: number })[] = [
      ...quizzes.map((q, i) => ({
        order: q.coursemodule,
        ref: { source: 'moodle-quiz' as const, lmsId: String(q.id), label: q.name },
        kind: 'quiz' as const,
        ...(q.grade && q.grade > 0 ? { maxScore: q.grade } : {}),
        ...(q.timeclose ? { dueAt: isoFromSeconds(q.timeclose) } : {}),
        attemptsAllowed: q.attempts ? q.attempts : null,
        ...(passMarks[i] !== undefined ? { gradeToPass: passMarks[i] } : {}),
        cmid: String(q.coursemodule),
        completionTracked: (completion.get(q.coursemodule) ?? 0) > 0,
        url: `${site}/mod/quiz/view.php?id=${q.coursemodule}`,
      })),
      ...assignments.map((a) => ({
        order: a.cmid,
        ref: { source: 'moodle-assign' as const, lmsId: String(a.id), label: a.name },
        kind: 'assignment' as const,
        ...(a.grade > 0 ? { maxScore: a.grade } : {}),
        ...(a.duedate ? { dueAt: isoFromSeconds(a.duedate) } : {}),
        // "Attempts reopened: never" means one attempt whatever the maximum says.
        attemptsAllowed: a.attemptreopenmethod === 'none' ? 1 : a.maxattempts < 0 ? null : a.maxattempts,
        cmid: String(a.cmid),
        completionTracked: (completion.get(a.cmid) ?? 0) > 0,
        url: `${site}/mod/assign/view.php?id=${a.cmid}`,
      })),
    ];
    return activities.sort((a, b) => a.order - b.order).map(({ order: _o, ...a }) => a);
  }

  /** The quiz's pass mark (gradebook `gradepass`), read as the token user's own best grade. */
  private async gradeToPass(quizId: number): Promise<number | undefined> {
    const fn = 'mod_quiz_get_user_best_grade';
    try {
      const r = parseAnswer(bestGradeSchema, await this.client.call(fn, { quizid: quizId }), fn);
      return r.gradetopass && r.gradetopass > 0 ? r.gradetopass : undefined;
    } catch (e) {
      // The pass mark is optional information: a service without the function still lists.
      if (e instanceof MoodleWsError && e.moodle.errorcode === 'accessexception') return undefined;
      throw e;
    }
  }

  /**
   * Learners' attempts at one quiz or assignment (learner ids are Moodle user ids, i.e. LTI
   * `sub`s), normalised and deduplicated, with teacher feedback. Any failure that makes the
   * whole read untrustworthy (token, capability, site) rejects; an unknown learner is skipped.
   */
  async readAttempts(
    course: CourseKey,
    activity: AssessmentKey,
    userIds: readonly string[],
  ): Promise<AttemptsRead> {
    const courseId = moodleCourseId(course);
    const users = [...new Set(userIds)];
    const bad = users.find((u) => !/^\d+$/.test(u));
    if (bad !== undefined) throw new ConnectorError('NOT_FOUND', 'moodle.error.badUserId', { user: bad });
    const unreadable: AttemptsRead['unreadable'] = [];
    const guard = async <T>(userId: string, read: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await read();
      } catch (e) {
        if (!isUnknownUser(e)) throw e;
        unreadable.push({ userId, error: e as ConnectorError });
        return undefined;
      }
    };
    const notFound = () =>
      new ConnectorError('NOT_FOUND', 'moodle.error.activityNotFound', {
        activity: activity.lmsId,
        course: courseId,
      });

    if (activity.source === 'moodle-quiz') {
      const quiz = (await readQuizzes(this.client, courseId)).find((q) => String(q.id) === activity.lmsId);
      if (!quiz) throw notFound();
      const per = await pool(users, 4, (u) =>
        guard(u, async () => {
          const { attempts, legacy } = await this.quizAttempts(quiz.id, Number(u));
          return quizAttemptRecords(quiz, u, attempts, legacy);
        }),
      );
      return { attempts: dedupeAttempts(per.flatMap((r) => r ?? [])), feedback: [], unreadable };
    }
    if (activity.source === 'moodle-assign') {
      const assign = (await readAssignments(this.client, courseId)).find(
        (a) => String(a.id) === activity.lmsId,
      );
      if (!assign) throw notFound();
      if (assign.grade <= 0)
        throw new ConnectorError('BAD_RESPONSE', 'moodle.error.notPointGraded', { activity: assign.name });
      const fn = 'mod_assign_get_submission_status';
      const per = await pool(users, 4, (u) =>
        guard(u, async () => {
          const status = parseAnswer(
            submissionStatusSchema,
            await this.client.call(fn, { assignid: assign.id, userid: Number(u) }),
            fn,
          );
          return assignAttemptRecords(assign, u, status);
        }),
      );
      return {
        attempts: dedupeAttempts(per.flatMap((r) => r?.attempts ?? [])),
        feedback: per.flatMap((r) => r?.feedback ?? []),
        unreadable,
      };
    }
    throw new ConnectorError('NOT_FOUND', 'moodle.error.unsupportedSource', { source: activity.source });
  }

  /**
   * What changed in an activity since `since`, or undefined when Moodle cannot say (a
   * service without the functions, a warning about the activity): the caller then reads in
   * full.
   * - Assignment: learners whose submission was made or reopened, or whose latest attempt was
   *   graded or had its feedback saved (`mod_assign_get_submissions` and
   *   `mod_assign_get_grades`, both on `timemodified >= since`). A grade changed on an
   *   earlier attempt is not seen here.
   * - Quiz: attempts started, saved, finished or graded by hand after `since` (the
   *   `userattempts` area of `core_course_check_updates`, which Moodle fills for holders of
   *   `mod/quiz:viewreports`), as attempt source ids: Moodle names the attempt, not its
   *   learner. A quiz regrade does not touch `timemodified`, so it is not seen here. Without
   *   that capability Moodle leaves the area out, as when nothing changed; but the first
   *   read of an item is always full, and reading attempts needs the same capability, so a
   *   role without it fails there (and at each later full read), never silently.
   *
   * Both gaps are why a full read still runs now and then.
   */
  async changedLearners(
    course: CourseKey,
    activity: AssessmentKey,
    since: Date,
  ): Promise<ChangesSince | undefined> {
    const courseId = moodleCourseId(course);
    if (!/^\d+$/.test(activity.lmsId)) return undefined;
    const sinceSeconds = Math.floor(since.getTime() / 1000);
    const lmsId = Number(activity.lmsId);
    /** An answer, or undefined when the service lacks the function or the role the right. */
    const ask = async <T>(fn: string, schema: z.ZodType<T>, params: Record<string, WsValue>) => {
      try {
        return parseAnswer(schema, await this.client.call(fn, params), fn);
      } catch (e) {
        if (e instanceof MoodleWsError && e.code === 'PERMISSION') return undefined;
        throw e;
      }
    };
    if (activity.source === 'moodle-quiz') {
      const quiz = (await readQuizzes(this.client, courseId)).find((q) => q.id === lmsId);
      if (!quiz) return undefined;
      const answer = await ask('core_course_check_updates', checkUpdatesSchema, {
        courseid: courseId,
        tocheck: [{ contextlevel: 'module', id: quiz.coursemodule, since: sinceSeconds }],
      });
      const instance = answer?.instances.find(
        (i) => i.contextlevel === 'module' && i.id === quiz.coursemodule,
      );
      if (!answer || !instance || answer.warnings.some((w) => w.itemid === quiz.coursemodule))
        return undefined;
      const ids = instance.updates.find((u) => u.name === 'userattempts')?.itemids ?? [];
      return { learners: new Set(), attempts: new Set(ids.map((i) => `quiz-attempt:${i}`)) };
    }
    if (activity.source !== 'moodle-assign') return undefined;
    const changed: ChangesSince = { learners: new Set(), attempts: new Set() };
    const params = { assignmentids: [lmsId], since: sinceSeconds };
    for (const fn of ['mod_assign_get_submissions', 'mod_assign_get_grades'] as const) {
      const answer = await ask(fn, assignChangesSchema, params);
      // "No grades/submissions found" (code 3) is an empty answer; any other warning about
      // this assignment (no access) means the answer cannot be trusted to be complete.
      if (!answer || answer.warnings.some((w) => w.itemid === lmsId && w.warningcode !== '3'))
        return undefined;
      for (const a of answer.assignments) {
        if (a.assignmentid !== lmsId) continue;
        for (const x of [...(a.grades ?? []), ...(a.submissions ?? [])])
          changed.learners.add(String(x.userid));
      }
    }
    return changed;
  }

  /** A learner's attempts at a quiz, with the function Moodle 4.5+ offers or its predecessor. */
  private async quizAttempts(quizid: number, userid: number) {
    const params = { quizid, userid, status: 'all', includepreviews: false };
    if (!this.legacyAttempts) {
      const fn = 'mod_quiz_get_user_quiz_attempts';
      try {
        return {
          attempts: parseAnswer(quizAttemptsSchema, await this.client.call(fn, params), fn).attempts,
          legacy: false,
        };
      } catch (e) {
        const missing =
          e instanceof MoodleWsError &&
          (e.moodle.errorcode === 'accessexception' || e.messageKey === 'moodle.error.unknownFunction');
        if (!missing) throw e;
        this.legacyAttempts = true;
      }
    }
    const fn = MOODLE_LEGACY_ATTEMPTS_FUNCTION;
    return {
      attempts: parseAnswer(quizAttemptsSchema, await this.client.call(fn, params), fn).attempts,
      legacy: true,
    };
  }

  /**
   * The course's students (`core_enrol_get_enrolled_users`, active enrolments only, role
   * `student`): on Moodle the user id is also the LTI `sub`. Needs
   * `moodle/course:viewparticipants`; callers treat a refusal as "roster unavailable".
   */
  async readRoster(course: CourseKey): Promise<RosterEntry[]> {
    const fn = 'core_enrol_get_enrolled_users';
    const courseid = moodleCourseId(course);
    const users = parseAnswer(
      enrolledUsersSchema,
      await this.client.call(fn, { courseid, options: [{ name: 'onlyactive', value: 1 }] }),
      fn,
    );
    return users
      .filter((u) => (u.roles ?? []).some((r) => r.shortname === 'student'))
      .map((u) => ({
        lmsUserId: String(u.id),
        ltiUserId: String(u.id),
        ...(u.fullname ? { name: u.fullname } : {}),
        ...(u.email ? { email: u.email } : {}),
        ...(u.idnumber ? { sisPersonId: u.idnumber } : {}),
        ...(u.lang ? { locale: u.lang } : {}),
      }));
  }

  /** A learner's activity and course completion. */
  async readCompletion(course: CourseKey, userId: string): Promise<MoodleCompletion> {
    const courseId = moodleCourseId(course);
    if (!/^\d+$/.test(userId))
      throw new ConnectorError('NOT_FOUND', 'moodle.error.badUserId', { user: userId });
    const params = { courseid: courseId, userid: Number(userId) };
    const fa = 'core_completion_get_activities_completion_status';
    const statuses = parseAnswer(activitiesCompletionSchema, await this.client.call(fa, params), fa).statuses;
    const activities = statuses.map((s) => ({
      cmid: String(s.cmid),
      modname: s.modname,
      instance: String(s.instance),
      state: STATES[s.state] ?? 'incomplete',
      completedAt: s.timecompleted ? isoFromSeconds(s.timecompleted) : null,
    }));
    const records: CompletionRecord[] = activities
      .filter((a) => a.state === 'complete' || a.state === 'complete_pass')
      .map((a) => ({
        learner: userId,
        scope: { kind: 'activity', lmsId: a.cmid },
        completedAt: a.completedAt,
      }));

    const fc = 'core_completion_get_course_completion_status';
    let courseStatus: MoodleCompletion['course'];
    try {
      const cs = parseAnswer(courseCompletionSchema, await this.client.call(fc, params), fc).completionstatus;
      // The WS gives no course completion time: the last criterion met is the closest fact.
      const times = cs.completions.flatMap((c) => (c.complete && c.timecompleted ? [c.timecompleted] : []));
      const completedAt = cs.completed && times.length ? isoFromSeconds(Math.max(...times)) : null;
      courseStatus = { status: cs.completed ? 'complete' : 'incomplete', completedAt };
      if (cs.completed) records.push({ learner: userId, scope: { kind: 'course' }, completedAt });
    } catch (e) {
      const code = e instanceof MoodleWsError ? e.moodle.errorcode : '';
      if (code === 'nocriteriaset') courseStatus = { status: 'no_criteria', completedAt: null };
      else if (code === 'usernotenroled' || code === 'notenroled')
        courseStatus = { status: 'not_tracked', completedAt: null };
      else throw e;
    }
    return { records, activities, course: courseStatus };
  }
}

/** Creates a Moodle connector for a site URL and token. */
export function createMoodleConnector(options: MoodleClientOptions): MoodleConnector {
  return new MoodleConnector(options);
}
