/**
 * The Canvas REST API of the test platform (lms-channels.md §5), reached with a bearer
 * token from an API developer key (canvas-oauth.ts) and acting as the user who authorised
 * it: assignments, classic quizzes, submissions with history and comments, quiz
 * submissions, module progress and modules. Course ids accept the REST id and
 * `lti_context_id:<context id>`; user ids accept the REST id, `self` and `lti_1_3_id:<sub>`.
 * Students read only their own results; teachers, TAs and admins read everyone's. Enforced
 * key scopes (`url:GET|/api/v1/...`) are checked per route.
 */
import express, { type Request, type Response, type Router } from 'express';
import { CanvasData, seedCanvasCourse, type CanvasAssignment } from './canvas-data.js';
import {
  canvasOAuthRouter,
  ApiKeys,
  type ApiKeyInput,
  type OAuthGrant,
  type OAuthTokenRecord,
} from './canvas-oauth.js';
import { paginate, queryAll, queryOne, sendError, Throttle } from './canvas-http.js';
import {
  assignmentJson,
  moduleJson,
  progressJson,
  quizJson,
  quizSubmissionJson,
  submissionJson,
  userJson,
  type JsonContext,
} from './canvas-json.js';
import type { PlatformState } from './state.js';
import type { Course, User } from './types.js';

/** One REST call, for assertions (count retries, pages). */
export interface ApiRequestRecord {
  method: string;
  /** Path and query as requested. */
  url: string;
  status: number;
  /** Handle of the acting user, when the token was valid. */
  user?: string;
}

/** The credentials an admin copies from a new API developer key. */
export interface ApiKeyCredentials {
  clientId: string;
  clientSecret: string;
}

interface Call {
  req: Request;
  res: Response;
  user: User;
  grant: OAuthGrant;
}

const NO_PROGRESS =
  'no progress available because this course is not module based (has modules and module completion requirements) or the user is not enrolled as a student in this course';

/** Canvas' REST side of one platform: keys, grants, course data, throttle and request log. */
export class CanvasLms {
  readonly data: CanvasData;
  readonly keys = new ApiKeys();
  readonly throttle = new Throttle();
  readonly requests: ApiRequestRecord[] = [];

  /** @internal use `attachCanvasLms`. */
  constructor(private readonly state: PlatformState) {
    this.data = new CanvasData(state.directory);
  }

  /** Creates an API developer key (an account admin's job). */
  createApiKey(input: ApiKeyInput): ApiKeyCredentials {
    const key = this.keys.create(input);
    return { clientId: key.clientId, clientSecret: key.clientSecret };
  }
  /** Turns a key off: its tokens stop working and it cannot be used to authorise. */
  deactivateApiKey(clientId: string): void {
    const key = this.keys.get(clientId);
    if (key) key.active = false;
  }
  /** Lifetime of access tokens issued from now on (seconds; default 3600). */
  setTokenTtl(seconds: number): void {
    this.keys.ttlSeconds = seconds;
  }
  /** Expires access tokens now (all, or one person's); refresh tokens still work. */
  expireTokens(userHandle?: string): void {
    this.keys.expire(userHandle);
  }
  /** Revokes authorisations (all, or one person's): access and refresh tokens stop working. */
  revokeTokens(userHandle?: string): void {
    this.keys.revoke(userHandle);
  }
  /** Every token-endpoint call made with an API key. */
  get tokenRequests(): readonly OAuthTokenRecord[] {
    return this.keys.tokenLog;
  }
  /** Throttles the next `n` REST calls (403 "Rate Limit Exceeded" as Canvas, or 429), optionally with `Retry-After`. */
  throttleNext(n: number, options?: { status?: 403 | 429; retryAfter?: number }): void {
    this.throttle.throttleNext(n, options);
  }
  /** Makes the next `n` REST calls fail with a server error (default 503). */
  failNext(n: number, status?: number): void {
    this.throttle.failNext(n, status);
  }
  /** Cancels forced faults. */
  clearFaults(): void {
    this.throttle.clear();
  }
  /** Loads the default content (see `seedCanvasCourse`) into a course. */
  seedCourse(courseHandle: string): void {
    seedCanvasCourse(this.data, this.state.directory, courseHandle);
  }
  /** The assignment of a course with this name (throws if none). */
  findAssignment(courseHandle: string, name: string): CanvasAssignment {
    const a = this.data.assignmentsIn(courseHandle).find((x) => x.name === name);
    if (!a) throw new Error(`no assignment "${name}" in ${courseHandle}`);
    return a;
  }

  /** OAuth and REST routes. */
  router(): Router {
    const router = express.Router();
    router.use(canvasOAuthRouter(this.state, this.keys));
    router.use('/api/v1', (req, res, next) => this.gate(req, res, next));
    this.routes(router);
    router.use('/api/v1', (_req, res) => sendError(res, 'notFound'));
    return router;
  }

  private gate(req: Request, res: Response, next: () => void): void {
    const record: ApiRequestRecord = { method: req.method, url: req.originalUrl, status: 0 };
    this.requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (this.throttle.intercept(m?.[1] ?? req.ip ?? '', res)) return;
    if (!m) return sendError(res, 'authRequired');
    const grant = this.keys.byAccessToken(m[1]!);
    if (!grant) return sendError(res, 'invalidToken');
    record.user = grant.userHandle;
    res.locals.grant = grant;
    next();
  }

  private json(): JsonContext {
    return { base: this.state.urls.base, data: this.data, directory: this.state.directory };
  }

  private course(param: string): Course | undefined {
    const courses = this.state.directory.allCourses();
    if (param.startsWith('lti_context_id:')) return courses.find((c) => c.contextId === param.slice(15));
    if (param.startsWith('sis_course_id:')) return courses.find((c) => c.sourcedId === param.slice(14));
    return /^\d+$/.test(param) ? this.state.directory.findCourseByRestId(param) : undefined;
  }

  private userParam(param: string, self: User): User | undefined {
    if (param === 'self') return self;
    if (param.startsWith('lti_1_3_id:'))
      return this.state.directory.allUsers().find((u) => u.sub === param.slice(11));
    return /^\d+$/.test(param) ? this.state.directory.allUsers().find((u) => u.restId === param) : undefined;
  }

  private member(course: Course, user: User): boolean {
    return !!user.admin || this.state.directory.enrolment(user.handle, course.handle)?.status === 'active';
  }

  private canGrade(course: Course, user: User): boolean {
    if (user.admin) return true;
    const e = this.state.directory.enrolment(user.handle, course.handle);
    return e?.status === 'active' && (e.role === 'instructor' || e.role === 'ta');
  }

  private students(course: Course): User[] {
    return this.state.directory
      .activeMembers(course.handle)
      .filter((m) => m.enrolment.role === 'learner')
      .map((m) => m.user);
  }

  private isStudent(course: Course, user: User): boolean {
    return this.students(course).some((u) => u.handle === user.handle);
  }

  /** Registers a GET route with its scope check, course lookup and membership check. */
  private get(
    router: Router,
    pattern: string,
    handler: (call: Call & { course: Course }) => void,
    options: { course?: boolean } = {},
  ): void {
    const scope = `url:GET|${pattern}`;
    router.get(pattern, (req, res) => {
      const grant = res.locals.grant as OAuthGrant | undefined;
      if (!grant) return sendError(res, 'invalidToken');
      if (this.keys.get(grant.clientId)?.scopes && !grant.scopes.includes(scope))
        return sendError(res, 'insufficientScopes');
      const user = this.state.directory.user(grant.userHandle);
      if (options.course === false) return handler({ req, res, user, grant, course: undefined as never });
      const course = this.course(String(req.params.course_id));
      if (!course) return sendError(res, 'notFound');
      if (!this.member(course, user)) return sendError(res, 'unauthorized');
      handler({ req, res, user, grant, course });
    });
  }

  private assignmentIn(course: Course, id: string, user: User): CanvasAssignment | undefined {
    const a = /^\d+$/.test(id) ? this.data.assignments.get(Number(id)) : undefined;
    if (!a || a.courseHandle !== course.handle) return undefined;
    return a.published || this.canGrade(course, user) ? a : undefined;
  }

  private routes(router: Router): void {
    const base = this.state.urls.base;
    const include = (req: Request) => new Set(queryAll(req, 'include'));

    this.get(
      router,
      '/api/v1/users/:id',
      ({ req, res, user }) => {
        const target = this.userParam(String(req.params.id), user);
        if (!target) return sendError(res, 'notFound');
        if (target.handle !== user.handle && !user.admin) return sendError(res, 'unauthorized');
        res.json(userJson(target));
      },
      { course: false },
    );

    // Course users (`CoursesController#users`): `enrollment_type[]=student` narrows to
    // learners; `include[]=email`; teachers see everyone, students only need to be members.
    this.get(router, '/api/v1/courses/:course_id/users', ({ req, res, user, course }) => {
      const types = queryAll(req, 'enrollment_type');
      const roleOf: Record<string, string> = { learner: 'student', instructor: 'teacher', ta: 'ta' };
      const members = this.state.directory
        .activeMembers(course.handle)
        .filter((m) => types.length === 0 || types.includes(roleOf[m.enrolment.role] ?? 'designer'));
      if (!this.canGrade(course, user) && types.includes('student') && !user.admin)
        return sendError(res, 'unauthorized');
      const withEmail = include(req).has('email');
      res.json(
        paginate(req, res, base, members).map(({ user: u }) => ({
          ...userJson(u),
          sis_user_id: u.sourcedId || null,
          login_id: u.username,
          ...(withEmail ? { email: u.email } : {}),
        })),
      );
    });

    this.get(router, '/api/v1/courses/:course_id/assignments', ({ req, res, user, course }) => {
      const visible = this.data
        .assignmentsIn(course.handle)
        .filter((a) => a.published || this.canGrade(course, user));
      res.json(paginate(req, res, base, visible).map((a) => assignmentJson(this.json(), a)));
    });

    this.get(router, '/api/v1/courses/:course_id/assignments/:id', ({ req, res, user, course }) => {
      const a = this.assignmentIn(course, String(req.params.id), user);
      if (!a) return sendError(res, 'notFound');
      res.json(assignmentJson(this.json(), a));
    });

    this.get(router, '/api/v1/courses/:course_id/quizzes', ({ req, res, user, course }) => {
      const visible = this.data
        .quizzesIn(course.handle)
        .filter((q) => q.published || this.canGrade(course, user));
      res.json(paginate(req, res, base, visible).map((q) => quizJson(this.json(), q)));
    });

    this.get(router, '/api/v1/courses/:course_id/quizzes/:id', ({ req, res, course }) => {
      const q = this.data.quizzes.get(Number(req.params.id));
      if (!q || q.courseHandle !== course.handle) return sendError(res, 'notFound');
      res.json(quizJson(this.json(), q));
    });

    this.get(
      router,
      '/api/v1/courses/:course_id/assignments/:assignment_id/submissions',
      ({ req, res, user, course }) => {
        const a = this.assignmentIn(course, String(req.params.assignment_id), user);
        if (!a) return sendError(res, 'notFound');
        if (!this.canGrade(course, user)) return sendError(res, 'unauthorized');
        const subs = this.students(course).map((u) => this.data.submission(a.id, u.handle));
        const inc = include(req);
        res.json(paginate(req, res, base, subs, true).map((s) => submissionJson(this.json(), s, inc)));
      },
    );

    this.get(
      router,
      '/api/v1/courses/:course_id/assignments/:assignment_id/submissions/:user_id',
      ({ req, res, user, course }) => {
        const a = this.assignmentIn(course, String(req.params.assignment_id), user);
        const target = this.userParam(String(req.params.user_id), user);
        if (!a || !target || !this.isStudent(course, target)) return sendError(res, 'notFound');
        if (target.handle !== user.handle && !this.canGrade(course, user))
          return sendError(res, 'unauthorized');
        res.json(submissionJson(this.json(), this.data.submission(a.id, target.handle), include(req)));
      },
    );

    this.get(router, '/api/v1/courses/:course_id/students/submissions', ({ req, res, user, course }) => {
      const requested = queryAll(req, 'student_ids');
      const students = this.students(course);
      let targets: User[];
      if (requested.length === 0) targets = students.filter((s) => s.handle === user.handle);
      else if (requested.includes('all')) targets = students;
      else
        targets = requested
          .map((id) => this.userParam(id, user))
          .filter((u): u is User => !!u && students.some((s) => s.handle === u.handle));
      if (
        !this.canGrade(course, user) &&
        (requested.includes('all') || targets.some((t) => t.handle !== user.handle))
      )
        return sendError(res, 'unauthorized');
      const assignmentIds = queryAll(req, 'assignment_ids');
      const assignments = this.data
        .assignmentsIn(course.handle)
        .filter((a) => assignmentIds.length === 0 || assignmentIds.includes(String(a.id)));
      const gradedSince = Date.parse(queryOne(req, 'graded_since') ?? '');
      const submittedSince = Date.parse(queryOne(req, 'submitted_since') ?? '');
      const state = queryOne(req, 'workflow_state');
      const inc = include(req);
      const all = assignments
        .flatMap((a) => targets.map((t) => this.data.submission(a.id, t.handle)))
        .map((s) => ({ s, json: submissionJson(this.json(), s, new Set()) }))
        .filter(({ json }) => {
          if (!Number.isNaN(gradedSince) && !(Date.parse(String(json.graded_at)) > gradedSince)) return false;
          if (!Number.isNaN(submittedSince) && !(Date.parse(String(json.submitted_at)) > submittedSince))
            return false;
          return state === undefined || json.workflow_state === state;
        });
      res.json(paginate(req, res, base, all, true).map(({ s }) => submissionJson(this.json(), s, inc)));
    });

    this.get(
      router,
      '/api/v1/courses/:course_id/quizzes/:quiz_id/submissions',
      ({ req, res, user, course }) => {
        const q = this.data.quizzes.get(Number(req.params.quiz_id));
        if (!q || q.courseHandle !== course.handle || q.assignmentId === null)
          return sendError(res, 'notFound');
        const who = this.canGrade(course, user) ? this.students(course) : [user];
        const list = who
          .map((u) => quizSubmissionJson(this.json(), q, this.data.submission(q.assignmentId!, u.handle)))
          .filter((x): x is Record<string, unknown> => x !== undefined);
        res.json({ quiz_submissions: paginate(req, res, base, list) });
      },
    );

    this.get(router, '/api/v1/courses/:course_id/users/:user_id/progress', ({ req, res, user, course }) => {
      const target = this.userParam(String(req.params.user_id), user);
      if (!target || !this.member(course, target)) return sendError(res, 'notFound');
      if (target.handle !== user.handle && !this.canGrade(course, user))
        return sendError(res, 'unauthorized');
      const moduleBased = this.data.modulesIn(course.handle).some((m) => m.items.some((i) => i.requirement));
      if (!moduleBased || !this.isStudent(course, target)) {
        res.json({ error: { message: NO_PROGRESS } });
        return;
      }
      res.json(progressJson(this.json(), course, target.handle));
    });

    this.get(router, '/api/v1/courses/:course_id/modules', ({ req, res, user, course }) => {
      const studentParam = queryOne(req, 'student_id');
      let student: User | undefined;
      if (studentParam !== undefined) {
        student = this.userParam(studentParam, user);
        if (!student || !this.isStudent(course, student)) return sendError(res, 'notFound');
        if (student.handle !== user.handle && !this.canGrade(course, user))
          return sendError(res, 'unauthorized');
      } else if (this.isStudent(course, user)) student = user;
      const items = include(req).has('items');
      const modules = paginate(req, res, base, this.data.modulesIn(course.handle));
      res.json(
        modules.map((m) =>
          moduleJson(this.json(), course, m, { items, ...(student ? { student: student.handle } : {}) }),
        ),
      );
    });
  }
}

const attached = new WeakMap<PlatformState, CanvasLms>();

/** Creates the Canvas REST side of a platform (with the default course content when `seed`). */
export function attachCanvasLms(state: PlatformState, options: { seed: boolean }): CanvasLms {
  const lms = new CanvasLms(state);
  if (options.seed) for (const c of state.directory.allCourses()) lms.seedCourse(c.handle);
  attached.set(state, lms);
  return lms;
}

/** The Canvas REST side of a platform (throws on a Moodle platform). */
export function canvasLmsOf(state: PlatformState): CanvasLms {
  const lms = attached.get(state);
  if (!lms) throw new Error('the Canvas REST API exists only on Canvas platforms');
  return lms;
}
