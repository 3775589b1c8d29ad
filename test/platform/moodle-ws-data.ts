/**
 * What the Moodle-shaped platform knows beyond LTI: its quizzes, assignments, attempts,
 * submissions, grades, teacher feedback and completion, plus the web-service tokens an
 * administrator creates. `moodle-ws.ts` serves it over `/webservice/rest/server.php`
 * exactly as Moodle 5.1 does (lms-channels.md §3, moodle-observed.md "Web services").
 * Times are Unix seconds, as Moodle stores them.
 */
import { randomBytes } from 'node:crypto';
import type { Directory } from './fixtures.js';
import type { Gradebook } from './gradebook.js';
import { Sequence } from './ids.js';
import type { LineItem, User } from './types.js';

/** Quiz grade methods (`QUIZ_GRADEHIGHEST` … `QUIZ_ATTEMPTLAST`). */
export const QUIZ_GRADE_METHOD = { highest: 1, average: 2, first: 3, last: 4 } as const;

/** Quiz attempt states of Moodle 5.x (`submitted` = awaiting grading). */
export type QuizAttemptState =
  'notstarted' | 'inprogress' | 'overdue' | 'submitted' | 'finished' | 'abandoned';

/** A quiz instance and its course module. */
export interface MoodleQuiz {
  id: number;
  cmid: number;
  courseHandle: string;
  name: string;
  /** Maximum grade the quiz is scaled to (0 = not graded). */
  grade: number;
  /** Total raw marks of the questions. */
  sumgrades: number;
  /** Attempts allowed; 0 = unlimited. */
  attempts: number;
  grademethod: number;
  timeopen: number;
  timeclose: number;
  /** Gradebook pass mark (points on `grade`); 0 = none. */
  gradepass: number;
  /** Completion tracking: 0 none, 1 manual, 2 automatic. */
  completion: number;
  completionpass: number;
  /** Whether the review options show marks to people without report and hidden-grade rights. */
  reviewMarks: boolean;
  visible: boolean;
  gradeItemId: string;
}

/** One quiz attempt (`quiz_attempts` row). */
export interface MoodleQuizAttempt {
  id: number;
  quiz: number;
  userid: number;
  /** 1-based. */
  attempt: number;
  uniqueid: number;
  state: QuizAttemptState;
  preview: number;
  timestart: number;
  timefinish: number;
  timemodified: number;
  /** Raw marks out of the quiz's `sumgrades`; null until graded. */
  sumgrades: number | null;
}

/** An assignment instance and its course module. */
export interface MoodleAssignment {
  id: number;
  cmid: number;
  courseHandle: string;
  name: string;
  /** Points when > 0, scale id when < 0, 0 = no grade. */
  grade: number;
  duedate: number;
  cutoffdate: number;
  /** -1 = unlimited. */
  maxattempts: number;
  attemptreopenmethod: 'none' | 'manual' | 'untilpass';
  gradepass: number;
  completion: number;
  completionsubmit: number;
  visible: boolean;
  gradeItemId: string;
}

/** A submission (one per attempt, `assign_submission`); `attemptnumber` is 0-based. */
export interface MoodleSubmission {
  id: number;
  assignment: number;
  userid: number;
  attemptnumber: number;
  status: 'new' | 'draft' | 'submitted' | 'reopened';
  timecreated: number;
  timemodified: number;
  latest: boolean;
}

/** A grade on one attempt (`assign_grades`), with the teacher's feedback comment. */
export interface MoodleAssignGrade {
  id: number;
  assignment: number;
  userid: number;
  attemptnumber: number;
  /** -1 = no grade. */
  grade: number;
  grader: number;
  timecreated: number;
  timemodified: number;
  /** HTML of the "Feedback comments" plugin ('' when none). */
  feedback: string;
}

/** Activity completion of a person (`course_modules_completion`). */
export interface MoodleActivityCompletion {
  cmid: number;
  userid: number;
  /** 0 incomplete, 1 complete, 2 complete pass, 3 complete fail. */
  state: number;
  timecompleted: number;
}

/** Course completion set-up: the activities whose completion is required (aggregation ALL). */
export interface MoodleCourseCompletion {
  criteria: { cmid: number; title: string; requirement: string }[];
  completed: Map<number, number>;
}

/** A module listed by `core_course_get_contents` that is neither a quiz nor an assignment. */
export interface MoodleOtherModule {
  cmid: number;
  courseHandle: string;
  modname: string;
  instance: number;
  name: string;
  completion: number;
}

/** Everything Jalon needs by default (lms-channels.md §3.3). */
export const ALL_WS_FUNCTIONS = [
  'core_webservice_get_site_info',
  'core_course_get_contents',
  'mod_quiz_get_quizzes_by_courses',
  'mod_quiz_get_user_quiz_attempts',
  'mod_quiz_get_user_attempts',
  'mod_quiz_get_user_best_grade',
  'core_course_check_updates',
  'mod_assign_get_assignments',
  'mod_assign_get_submission_status',
  'mod_assign_get_grades',
  'mod_assign_get_submissions',
  'gradereport_user_get_grade_items',
  'core_completion_get_activities_completion_status',
  'core_completion_get_course_completion_status',
  'core_enrol_get_enrolled_users',
] as const;

/** Capability → the words Moodle shows for it (`get_capability_string`). */
export const CAPABILITY_NAMES: Record<string, string> = {
  'webservice/rest:use': 'Use REST protocol',
  'moodle/course:view': 'View courses without participation',
  'mod/quiz:view': 'View quiz information',
  'mod/quiz:viewreports': 'View quiz reports',
  'moodle/grade:viewhidden': 'View hidden grades for owner',
  'moodle/grade:viewall': 'View grades of other users',
  'gradereport/user:view': 'View your own complete grade report',
  'mod/assign:view': 'View assignment',
  'mod/assign:viewgrades': 'View grades',
  'mod/assign:submit': 'Submit assignment',
  'report/progress:view': 'View activity completion reports',
  'report/completion:view': 'View course completion report',
  'moodle/course:viewparticipants': 'View participants',
};

/** The capabilities a default token's role holds at system level. */
export const ALL_WS_CAPABILITIES = Object.keys(CAPABILITY_NAMES).filter((c) => c !== 'mod/assign:submit');

/** What `createWsToken` takes. */
export interface WsTokenOptions {
  /** Functions of the external service; default {@link ALL_WS_FUNCTIONS}. */
  functions?: readonly string[];
  /** Capabilities of the token user's role; default {@link ALL_WS_CAPABILITIES}. */
  capabilities?: readonly string[];
  /** User handle; default a dedicated, unenrolled service account `jalon-ws`. */
  user?: string;
  /** Unix seconds after which the token is refused (`validuntil`); 0 = never. */
  validUntil?: number;
}

/** A web-service token as the administrator created it. */
export interface WsToken {
  token: string;
  userHandle: string;
  functions: Set<string>;
  capabilities: Set<string>;
  validUntil: number;
}

/** One call the REST server received (for assertions; never the token itself). */
export interface WsCallRecord {
  wsfunction: string;
  params: Record<string, string>;
  errorcode?: string;
}

const toSeconds = (at: Date | string | number | undefined, fallback: number): number =>
  at === undefined
    ? fallback
    : typeof at === 'number'
      ? at
      : Math.floor((at instanceof Date ? at.getTime() : Date.parse(at)) / 1000);

const SERVICE_USER = 'jalon-ws';

/** The Moodle site behind the web services: data, helpers for tests, tokens. */
export class MoodleSite {
  readonly quizzes = new Map<number, MoodleQuiz>();
  readonly quizAttempts: MoodleQuizAttempt[] = [];
  readonly assignments = new Map<number, MoodleAssignment>();
  readonly submissions: MoodleSubmission[] = [];
  readonly assignGrades: MoodleAssignGrade[] = [];
  readonly activityCompletion: MoodleActivityCompletion[] = [];
  readonly courseCompletion = new Map<string, MoodleCourseCompletion>();
  readonly otherModules: MoodleOtherModule[] = [];
  readonly tokens = new Map<string, WsToken>();
  /** Every REST call, in order. */
  readonly calls: WsCallRecord[] = [];
  /** Site administration › Server › Web services › Manage protocols: REST on/off. */
  restEnabled = true;
  release = '5.1.3 (Build: 20260216)';
  version = '2025100603';

  private readonly quizIds = new Sequence(14);
  private readonly assignIds = new Sequence(9);
  private readonly cmids = new Sequence(88);
  private readonly attemptIds = new Sequence(812);
  private readonly submissionIds = new Sequence(301);
  private readonly gradeIds = new Sequence(77);
  private readonly uniqueIds = new Sequence(2031);

  constructor(
    readonly directory: Directory,
    private readonly gradebook: Gradebook,
    readonly siteUrl: string,
  ) {}

  // Tokens -------------------------------------------------------------------

  /** Creates a token (Site administration › Server › Web services › Manage tokens). */
  createToken(options: WsTokenOptions = {}): WsToken {
    const userHandle = options.user ?? this.serviceUser().handle;
    this.directory.user(userHandle);
    const token: WsToken = {
      token: randomBytes(16).toString('hex'),
      userHandle,
      functions: new Set(options.functions ?? ALL_WS_FUNCTIONS),
      capabilities: new Set(options.capabilities ?? ALL_WS_CAPABILITIES),
      validUntil: options.validUntil ?? 0,
    };
    this.tokens.set(token.token, token);
    return token;
  }

  /** Deletes a token. */
  revokeToken(token: string): void {
    this.tokens.delete(token);
  }

  private serviceUser(): User {
    return (
      this.directory.allUsers().find((u) => u.handle === SERVICE_USER) ??
      this.directory.addUser({
        handle: SERVICE_USER,
        givenName: 'Jalon',
        familyName: 'Service',
        email: 'jalon-ws@example.edu',
        username: 'jalon_ws',
      })
    );
  }

  // Activities -----------------------------------------------------------------

  /** Adds a quiz (with its gradebook item) to a course. */
  addQuiz(
    courseHandle: string,
    options: Partial<Omit<MoodleQuiz, 'id' | 'cmid' | 'courseHandle' | 'gradeItemId'>> & {
      name: string;
      gradeItem?: LineItem;
    },
  ): MoodleQuiz {
    this.directory.course(courseHandle);
    const { gradeItem, ...rest } = options;
    const grade = rest.grade ?? 10;
    const item = this.gradeItem(courseHandle, gradeItem, rest.name, grade, 'quiz');
    const quiz: MoodleQuiz = {
      grade,
      sumgrades: 10,
      attempts: 0,
      grademethod: QUIZ_GRADE_METHOD.highest,
      timeopen: 0,
      timeclose: 0,
      gradepass: 0,
      completion: 0,
      completionpass: 0,
      reviewMarks: true,
      visible: true,
      ...rest,
      id: this.quizIds.take(),
      cmid: this.cmids.take(),
      courseHandle,
      gradeItemId: item.id,
    };
    this.quizzes.set(quiz.id, quiz);
    return quiz;
  }

  /** Adds an assignment (with its gradebook item) to a course. */
  addAssignment(
    courseHandle: string,
    options: Partial<Omit<MoodleAssignment, 'id' | 'cmid' | 'courseHandle' | 'gradeItemId'>> & {
      name: string;
      gradeItem?: LineItem;
    },
  ): MoodleAssignment {
    this.directory.course(courseHandle);
    const { gradeItem, ...rest } = options;
    const grade = rest.grade ?? 100;
    const item = this.gradeItem(courseHandle, gradeItem, rest.name, grade, 'assign');
    const assign: MoodleAssignment = {
      grade,
      duedate: 0,
      cutoffdate: 0,
      maxattempts: -1,
      attemptreopenmethod: 'untilpass',
      gradepass: 0,
      completion: 0,
      completionsubmit: 0,
      visible: true,
      ...rest,
      id: this.assignIds.take(),
      cmid: this.cmids.take(),
      courseHandle,
      gradeItemId: item.id,
    };
    this.assignments.set(assign.id, assign);
    return assign;
  }

  /** The activity's gradebook column: a given native item (relabelled, emptied) or a new one. */
  private gradeItem(
    course: string,
    given: LineItem | undefined,
    label: string,
    grade: number,
    module: string,
  ): LineItem {
    // A given native column keeps its seeded grades (AGS leak tests rely on them); attempts
    // added later overwrite the grade of their learner.
    return given ?? this.gradebook.create(course, null, { label, scoreMaximum: Math.max(grade, 0) }, module);
  }

  /** Adds a module that is neither a quiz nor an assignment (a forum, a page…). */
  addOtherModule(courseHandle: string, modname: string, name: string, completion = 0): MoodleOtherModule {
    const m: MoodleOtherModule = {
      cmid: this.cmids.take(),
      courseHandle,
      modname,
      instance: this.cmids.take(),
      name,
      completion,
    };
    this.otherModules.push(m);
    return m;
  }

  /** A quiz by instance id (throws if unknown). */
  quiz(id: number): MoodleQuiz {
    const q = this.quizzes.get(id);
    if (!q) throw new Error(`unknown quiz ${id}`);
    return q;
  }

  /** An assignment by instance id (throws if unknown). */
  assignment(id: number): MoodleAssignment {
    const a = this.assignments.get(id);
    if (!a) throw new Error(`unknown assignment ${id}`);
    return a;
  }

  /** A course's quizzes, in creation order. */
  quizzesIn(courseHandle: string): MoodleQuiz[] {
    return [...this.quizzes.values()].filter((q) => q.courseHandle === courseHandle);
  }

  /** A course's assignments, in creation order. */
  assignmentsIn(courseHandle: string): MoodleAssignment[] {
    return [...this.assignments.values()].filter((a) => a.courseHandle === courseHandle);
  }

  // Quiz attempts --------------------------------------------------------------

  /**
   * Records a quiz attempt by a person. Give the raw marks (`sumgrades`) or a `percent` of
   * the quiz's total marks. The attempt number is the next one for that person.
   */
  addQuizAttempt(
    quizId: number,
    userHandle: string,
    options: {
      sumgrades?: number | null;
      percent?: number;
      state?: QuizAttemptState;
      startedAt?: Date | string | number;
      finishedAt?: Date | string | number;
      preview?: boolean;
    } = {},
  ): MoodleQuizAttempt {
    const quiz = this.quiz(quizId);
    const user = this.directory.user(userHandle);
    const userid = Number(user.restId);
    const state = options.state ?? 'finished';
    const done = state === 'finished' || state === 'submitted' || state === 'abandoned';
    const now = Math.floor(Date.now() / 1000);
    const timefinish = done ? toSeconds(options.finishedAt, now) : 0;
    const timestart = toSeconds(options.startedAt, (timefinish || now) - 1200);
    const sumgrades =
      options.sumgrades !== undefined
        ? options.sumgrades
        : options.percent !== undefined
          ? (options.percent * quiz.sumgrades) / 100
          : null;
    const previous = this.quizAttempts.filter(
      (a) => a.quiz === quiz.id && a.userid === userid && a.preview === (options.preview ? 1 : 0),
    );
    const attempt: MoodleQuizAttempt = {
      id: this.attemptIds.take(),
      quiz: quiz.id,
      userid,
      attempt: previous.length + 1,
      uniqueid: this.uniqueIds.take(),
      state,
      preview: options.preview ? 1 : 0,
      timestart,
      timefinish,
      timemodified: timefinish || timestart,
      sumgrades: state === 'finished' || state === 'submitted' ? sumgrades : null,
    };
    this.quizAttempts.push(attempt);
    this.syncQuizGrade(quiz, userid);
    return attempt;
  }

  /**
   * A teacher grades an attempt by hand (an essay question) or the attempt is otherwise
   * saved: its marks change and `timemodified` is the time of the change.
   */
  gradeQuizAttempt(
    attemptId: number,
    options: { sumgrades: number; at?: Date | string | number },
  ): MoodleQuizAttempt {
    const attempt = this.quizAttempts.find((a) => a.id === attemptId);
    if (!attempt) throw new Error(`unknown quiz attempt ${attemptId}`);
    attempt.state = 'finished';
    attempt.sumgrades = options.sumgrades;
    attempt.timemodified = toSeconds(options.at, Math.floor(Date.now() / 1000));
    this.syncQuizGrade(this.quiz(attempt.quiz), attempt.userid);
    return attempt;
  }

  /** A person's attempts at a quiz (previews included), by attempt number. */
  attemptsOf(quizId: number, userid: number): MoodleQuizAttempt[] {
    return this.quizAttempts
      .filter((a) => a.quiz === quizId && a.userid === userid)
      .sort((a, b) => a.preview - b.preview || a.attempt - b.attempt);
  }

  /** The overall quiz grade (`quiz_grades`) per the grade method, or null. */
  quizGrade(quiz: MoodleQuiz, userid: number): number | null {
    const graded = this.attemptsOf(quiz.id, userid).filter(
      (a) => a.preview === 0 && a.state === 'finished' && a.sumgrades !== null,
    );
    if (graded.length === 0 || quiz.sumgrades <= 0) return null;
    const scaled = graded.map((a) => ((a.sumgrades ?? 0) * quiz.grade) / quiz.sumgrades);
    switch (quiz.grademethod) {
      case QUIZ_GRADE_METHOD.average:
        return scaled.reduce((s, v) => s + v, 0) / scaled.length;
      case QUIZ_GRADE_METHOD.first:
        return scaled[0] ?? null;
      case QUIZ_GRADE_METHOD.last:
        return scaled[scaled.length - 1] ?? null;
      default:
        return Math.max(...scaled);
    }
  }

  private syncQuizGrade(quiz: MoodleQuiz, userid: number): void {
    const grade = this.quizGrade(quiz, userid);
    const last = this.attemptsOf(quiz.id, userid).at(-1);
    this.syncGradeItem(quiz.gradeItemId, userid, grade, quiz.grade, (last?.timemodified ?? 0) * 1000);
  }

  private syncGradeItem(itemId: string, userid: number, grade: number | null, max: number, at: number): void {
    const item = this.gradebook.get(itemId);
    const user = this.directory.findUser(String(userid));
    if (!item || !user) return;
    item.grades.set(user.sub, {
      userSub: user.sub,
      scoreGiven: grade,
      scoreMaximum: max,
      activityProgress: 'Completed',
      gradingProgress: grade === null ? 'Pending' : 'FullyGraded',
      timestamp: at,
    });
  }

  // Assignments -------------------------------------------------------------------

  /** The latest submission of a person, if any. */
  latestSubmission(assignId: number, userid: number): MoodleSubmission | undefined {
    return this.submissions.find((s) => s.assignment === assignId && s.userid === userid && s.latest);
  }

  /** Every submission (attempt) of a person, oldest first. */
  submissionsOf(assignId: number, userid: number): MoodleSubmission[] {
    return this.submissions
      .filter((s) => s.assignment === assignId && s.userid === userid)
      .sort((a, b) => a.attemptnumber - b.attemptnumber);
  }

  /** The learner submits: the open attempt becomes `submitted` (attempt 0 is created if needed). */
  submitAssignment(
    assignId: number,
    userHandle: string,
    options: { at?: Date | string | number; status?: 'submitted' | 'draft' } = {},
  ): MoodleSubmission {
    this.assignment(assignId);
    const userid = Number(this.directory.user(userHandle).restId);
    const at = toSeconds(options.at, Math.floor(Date.now() / 1000));
    const latest = this.latestSubmission(assignId, userid);
    const status = options.status ?? 'submitted';
    if (latest && latest.status !== 'submitted') {
      latest.status = status;
      latest.timemodified = at;
      return latest;
    }
    if (latest) throw new Error('the latest attempt is already submitted: reopen it first');
    const s: MoodleSubmission = {
      id: this.submissionIds.take(),
      assignment: assignId,
      userid,
      attemptnumber: 0,
      status,
      timecreated: at,
      timemodified: at,
      latest: true,
    };
    this.submissions.push(s);
    return s;
  }

  /** The teacher grades an attempt (default: the latest), with an optional feedback comment. */
  gradeAssignment(
    assignId: number,
    userHandle: string,
    options: {
      grade: number;
      feedback?: string;
      at?: Date | string | number;
      attemptnumber?: number;
      grader?: string;
    },
  ): MoodleAssignGrade {
    const assign = this.assignment(assignId);
    const userid = Number(this.directory.user(userHandle).restId);
    const attemptnumber =
      options.attemptnumber ?? this.latestSubmission(assignId, userid)?.attemptnumber ?? 0;
    const at = toSeconds(options.at, Math.floor(Date.now() / 1000));
    const grader = Number(this.directory.user(options.grader ?? 'prof').restId);
    let g = this.assignGrades.find(
      (x) => x.assignment === assignId && x.userid === userid && x.attemptnumber === attemptnumber,
    );
    if (g) {
      g.grade = options.grade;
      g.timemodified = at;
      g.grader = grader;
      if (options.feedback !== undefined) g.feedback = options.feedback;
    } else {
      g = {
        id: this.gradeIds.take(),
        assignment: assignId,
        userid,
        attemptnumber,
        grade: options.grade,
        grader,
        timecreated: at,
        timemodified: at,
        feedback: options.feedback ?? '',
      };
      this.assignGrades.push(g);
    }
    const latest = this.latestSubmission(assignId, userid);
    if (!latest || latest.attemptnumber === attemptnumber)
      this.syncGradeItem(
        assign.gradeItemId,
        userid,
        options.grade >= 0 ? options.grade : null,
        assign.grade,
        at * 1000,
      );
    return g;
  }

  /** The teacher (or "until pass") reopens: a new attempt in state `reopened` becomes the latest. */
  reopenAssignment(
    assignId: number,
    userHandle: string,
    options: { at?: Date | string | number } = {},
  ): MoodleSubmission {
    this.assignment(assignId);
    const userid = Number(this.directory.user(userHandle).restId);
    const latest = this.latestSubmission(assignId, userid);
    if (!latest) throw new Error('nothing to reopen');
    const at = toSeconds(options.at, latest.timemodified + 1);
    latest.latest = false;
    const s: MoodleSubmission = {
      id: this.submissionIds.take(),
      assignment: assignId,
      userid,
      attemptnumber: latest.attemptnumber + 1,
      status: 'reopened',
      timecreated: at,
      timemodified: at,
      latest: true,
    };
    this.submissions.push(s);
    return s;
  }

  /** The grade record of an attempt, if any. */
  gradeOf(assignId: number, userid: number, attemptnumber: number): MoodleAssignGrade | undefined {
    return this.assignGrades.find(
      (g) => g.assignment === assignId && g.userid === userid && g.attemptnumber === attemptnumber,
    );
  }

  /** A learner's grade in a gradebook column (score in points, time in seconds), if any. */
  gradeItemGrade(itemId: string, sub: string): { score: number | null; at: number } | undefined {
    const g = this.gradebook.get(itemId)?.grades.get(sub);
    if (!g) return undefined;
    const max = this.gradebook.get(itemId)?.scoreMaximum ?? 0;
    const score =
      g.scoreGiven === null
        ? null
        : g.scoreMaximum && g.scoreMaximum !== max
          ? (g.scoreGiven * max) / g.scoreMaximum
          : g.scoreGiven;
    return { score, at: Math.floor(g.timestamp / 1000) };
  }

  /** Columns tools created or own in a course (the user report shows them as manual items). */
  toolColumns(courseHandle: string): LineItem[] {
    return this.gradebook.allInCourse(courseHandle).filter((i) => i.clientId !== null);
  }

  // Completion ---------------------------------------------------------------------

  /** Sets a person's completion state of an activity (by course-module id). */
  setActivityCompletion(
    cmid: number,
    userHandle: string,
    state: 0 | 1 | 2 | 3,
    at?: Date | string | number,
  ): void {
    const userid = Number(this.directory.user(userHandle).restId);
    const timecompleted = state === 0 ? 0 : toSeconds(at, Math.floor(Date.now() / 1000));
    const existing = this.activityCompletion.find((c) => c.cmid === cmid && c.userid === userid);
    if (existing) Object.assign(existing, { state, timecompleted });
    else this.activityCompletion.push({ cmid, userid, state, timecompleted });
  }

  /** Sets the course completion criteria (activity completion of the given modules); null removes them. */
  setCourseCompletionCriteria(courseHandle: string, cmids: number[] | null): void {
    if (cmids === null) {
      this.courseCompletion.delete(courseHandle);
      return;
    }
    const criteria = cmids.map((cmid) => ({
      cmid,
      title: this.moduleName(cmid),
      requirement: 'Marking yourself complete',
    }));
    for (const c of criteria) {
      const quiz = [...this.quizzes.values()].find((q) => q.cmid === c.cmid);
      const assign = [...this.assignments.values()].find((a) => a.cmid === c.cmid);
      if ((quiz && quiz.gradepass > 0) || (assign && assign.gradepass > 0)) c.requirement = 'Achieving grade';
    }
    this.courseCompletion.set(courseHandle, { criteria, completed: new Map() });
  }

  /** Marks a person's course as completed (the criteria must exist). */
  completeCourse(courseHandle: string, userHandle: string, at?: Date | string | number): void {
    const cc = this.courseCompletion.get(courseHandle);
    if (!cc) throw new Error(`course ${courseHandle} has no completion criteria`);
    cc.completed.set(
      Number(this.directory.user(userHandle).restId),
      toSeconds(at, Math.floor(Date.now() / 1000)),
    );
  }

  /** The name of any module of the site by course-module id. */
  moduleName(cmid: number): string {
    return (
      [...this.quizzes.values()].find((q) => q.cmid === cmid)?.name ??
      [...this.assignments.values()].find((a) => a.cmid === cmid)?.name ??
      this.otherModules.find((m) => m.cmid === cmid)?.name ??
      `cm ${cmid}`
    );
  }
}
