/**
 * The Canvas connector: reads a course through the REST API as the instructor who
 * authorised Jalon (an API developer key + OAuth 2), and turns what Canvas says into
 * activities, attempt records, feedback and completions. It renders no page and decides no
 * award; token storage stays with the caller ({@link CanvasTokenProvider}).
 */
import type { AttemptRecord } from '../../microcredentials/attempts.js';
import type { AssessmentKey } from '../../microcredentials/definition.js';
import type { CompletionRecord, FeedbackRecord } from '../../microcredentials/facts.js';
import {
  ConnectorError,
  type ChangesSince,
  type ConnectionCheck,
  type ConnectionReport,
  type CourseKey,
  type LmsActivity,
  type LmsConnector,
  type RosterEntry,
} from '../types.js';
import { CanvasClient, type RetryPolicy } from './client.js';
import {
  assignmentActivity,
  attemptsFromSubmission,
  courseCompletion,
  feedbackFromSubmission,
  idOf,
  itemCompletions,
  obj,
  quizActivity,
} from './normalise.js';
import type { CanvasOAuthClient } from './oauth.js';
import { CANVAS_ENDPOINTS, scopeOf } from './scopes.js';
import { TokenKeeper, type CanvasTokenProvider } from './tokens.js';

/** What the connector needs: the developer key, the acting user's tokens, and HTTP knobs. */
export interface CanvasConnectorConfig extends CanvasOAuthClient {
  tokens: CanvasTokenProvider;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  timeoutMs?: number;
  /** Quota left (`X-Rate-Limit-Remaining`) under which requests slow down (default 100). */
  lowQuota?: number;
  /** Page size asked of Canvas (≤ 100; default 100). */
  perPage?: number;
  now?: () => number;
}

/** A learner as Jalon knows them, with what Canvas can be asked about. */
export interface CanvasLearnerRef {
  /** Jalon's stable learner id, copied into every record. */
  learner: string;
  /** Canvas REST user id (`$Canvas.user.id`, custom `canvas_user_id`). */
  canvasUserId?: string;
  /** LTI `sub`, used as `lti_1_3_id:<sub>` when the REST id is unknown. */
  ltiSub?: string;
}

/** What reading one assessment yields. */
export interface CanvasResults {
  attempts: AttemptRecord[];
  feedback: FeedbackRecord[];
  /**
   * REST user ids learnt while reading learners asked for by LTI `sub` alone (a learner
   * known from NRPS, never launched), by Jalon id: what lets their Live Events (REST ids)
   * be matched later.
   */
  restIds?: Map<string, string>;
}

const INCLUDE = ['submission_history', 'submission_comments'];
/** Canvas accepts at most 100 explicit `student_ids[]`. */
const STUDENT_BATCH = 100;

/** Course path segment: the REST id when known, else `lti_context_id:<context id>`. */
export function courseSegment(course: CourseKey): string {
  if (course.lmsCourseId && /^\d+$/.test(course.lmsCourseId)) return course.lmsCourseId;
  return `lti_context_id:${encodeURIComponent(course.contextId)}`;
}

function userSegment(ref: CanvasLearnerRef): string | undefined {
  if (ref.canvasUserId && /^\d+$/.test(ref.canvasUserId)) return ref.canvasUserId;
  return ref.ltiSub ? `lti_1_3_id:${encodeURIComponent(ref.ltiSub)}` : undefined;
}

function checkFor(template: string, e: unknown): ConnectionCheck {
  const name = scopeOf(template);
  if (!(e instanceof ConnectorError))
    return { name, ok: false, messageKey: 'connectors:canvas.check.badResponse' };
  switch (e.code) {
    case 'PERMISSION':
      return e.messageKey === 'connectors:canvas.error.scope'
        ? { name, ok: false, messageKey: 'connectors:canvas.check.scopeMissing', params: { scope: name } }
        : { name, ok: false, messageKey: 'connectors:canvas.check.notAllowed' };
    case 'NOT_FOUND':
      return { name, ok: false, messageKey: 'connectors:canvas.check.courseNotFound' };
    case 'AUTH':
    case 'NEEDS_AUTHORIZATION':
      return { name, ok: false, messageKey: e.messageKey };
    case 'RATE_LIMITED':
    case 'UNAVAILABLE':
      return { name, ok: false, messageKey: 'connectors:canvas.check.unavailable' };
    default:
      return { name, ok: false, messageKey: 'connectors:canvas.check.badResponse' };
  }
}

/** The Canvas implementation of {@link LmsConnector}, plus the read side. */
export class CanvasConnector implements LmsConnector {
  readonly kind = 'canvas' as const;
  private readonly keeper: TokenKeeper;
  private readonly client: CanvasClient;
  private readonly perPage: number;
  private readonly now: () => number;

  constructor(config: CanvasConnectorConfig) {
    this.now = config.now ?? Date.now;
    this.keeper = new TokenKeeper(config.tokens, config, this.now);
    this.client = new CanvasClient({
      baseUrl: config.baseUrl,
      bearer: this.keeper,
      ...(config.fetch ? { fetch: config.fetch } : {}),
      ...(config.retry ? { retry: config.retry } : {}),
      ...(config.sleep ? { sleep: config.sleep } : {}),
      ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.lowQuota !== undefined ? { lowQuota: config.lowQuota } : {}),
    });
    this.perPage = Math.min(100, Math.max(1, Math.floor(config.perPage ?? 100)));
  }

  /**
   * Checks the authorisation, then each endpoint Jalon needs in the course, and says in
   * plain words (i18n keys, namespace `connectors`) what is missing. Endpoints probed with a
   * placeholder id count as reachable when Canvas answers 404 (scopes are checked first).
   */
  async testConnection(course?: CourseKey): Promise<ConnectionReport> {
    const checks: ConnectionCheck[] = [];
    const report = (): ConnectionReport => ({
      ok: checks.length > 0 && checks.every((c) => c.ok),
      checkedAt: new Date(this.now()).toISOString(),
      checks,
    });
    let stop = false;
    const probe = async (
      template: string,
      call: () => Promise<unknown>,
      options: { notFoundOk?: boolean } = {},
    ): Promise<unknown> => {
      if (stop) return undefined;
      try {
        const body = await call();
        checks.push({ name: scopeOf(template), ok: true, messageKey: 'connectors:canvas.check.ok' });
        return body;
      } catch (e) {
        if (options.notFoundOk && e instanceof ConnectorError && e.code === 'NOT_FOUND') {
          checks.push({
            name: scopeOf(template),
            ok: true,
            messageKey: 'connectors:canvas.check.okScopeOnly',
          });
          return undefined;
        }
        const check = checkFor(template, e);
        checks.push(check);
        // Without a working token every later check would say the same thing.
        if (e instanceof ConnectorError && (e.code === 'AUTH' || e.code === 'NEEDS_AUTHORIZATION'))
          stop = true;
        return undefined;
      }
    };
    try {
      await this.keeper.current();
      checks.push({ name: 'oauth', ok: true, messageKey: 'connectors:canvas.check.authorized' });
    } catch (e) {
      checks.push({
        name: 'oauth',
        ok: false,
        messageKey: e instanceof ConnectorError ? e.messageKey : 'connectors:canvas.error.auth',
      });
      return report();
    }
    await probe(CANVAS_ENDPOINTS.self, () => this.client.get('api/v1/users/self'));
    if (!course) return report();
    const c = `api/v1/courses/${courseSegment(course)}`;
    const assignments = await probe(CANVAS_ENDPOINTS.assignments, () =>
      this.client.get(`${c}/assignments`, { per_page: 1 }),
    );
    const quizzes = await probe(CANVAS_ENDPOINTS.quizzes, () =>
      this.client.get(`${c}/quizzes`, { per_page: 1 }),
    );
    await probe(CANVAS_ENDPOINTS.studentSubmissions, () =>
      this.client.get(`${c}/students/submissions`, { 'student_ids[]': 'all', per_page: 1 }),
    );
    const firstId = (list: unknown, key: string) =>
      Array.isArray(list) ? idOf(obj(list[0])?.[key]) : undefined;
    const assignmentId = firstId(assignments, 'id') ?? '0';
    const quizId = firstId(quizzes, 'id') ?? '0';
    const nf = { notFoundOk: true };
    await probe(CANVAS_ENDPOINTS.assignment, () => this.client.get(`${c}/assignments/${assignmentId}`), nf);
    await probe(
      CANVAS_ENDPOINTS.submissions,
      () => this.client.get(`${c}/assignments/${assignmentId}/submissions`, { per_page: 1 }),
      nf,
    );
    await probe(
      CANVAS_ENDPOINTS.submission,
      () => this.client.get(`${c}/assignments/${assignmentId}/submissions/self`),
      nf,
    );
    await probe(CANVAS_ENDPOINTS.quiz, () => this.client.get(`${c}/quizzes/${quizId}`), nf);
    await probe(
      CANVAS_ENDPOINTS.quizSubmissions,
      () => this.client.get(`${c}/quizzes/${quizId}/submissions`, { per_page: 1 }),
      nf,
    );
    // A teacher has no progress of their own: Canvas answers `{ error }`, which proves access.
    await probe(CANVAS_ENDPOINTS.progress, () => this.client.get(`${c}/users/self/progress`), nf);
    await probe(CANVAS_ENDPOINTS.modules, () => this.client.get(`${c}/modules`, { per_page: 1 }));
    return report();
  }

  /** Assignments and graded classic quizzes of the course (`canvas-assignment` / `canvas-quiz`). */
  async listActivities(course: CourseKey): Promise<LmsActivity[]> {
    const c = `api/v1/courses/${courseSegment(course)}`;
    // One after the other: Canvas throttles per token, and parallel calls cost more.
    const assignments = await this.client.getAll(`${c}/assignments`, { per_page: this.perPage });
    const quizzes = await this.client.getAll(`${c}/quizzes`, { per_page: this.perPage });
    return [
      ...assignments.map(assignmentActivity).filter((a): a is LmsActivity => a !== undefined),
      ...quizzes.map(quizActivity).filter((a): a is LmsActivity => a !== undefined),
    ];
  }

  /** The assignment behind an assessment and its points. */
  private async target(
    c: string,
    activity: AssessmentKey,
  ): Promise<{ assignmentId: string; maxScore: number | null }> {
    if (!/^\d+$/.test(activity.lmsId))
      throw new ConnectorError('NOT_FOUND', 'connectors:canvas.error.notFound', { path: activity.lmsId });
    const points = (x: unknown) => {
      const p = obj(x)?.points_possible;
      return typeof p === 'number' && Number.isFinite(p) && p > 0 ? p : null;
    };
    if (activity.source === 'canvas-assignment') {
      const a = await this.client.get(`${c}/assignments/${activity.lmsId}`);
      return { assignmentId: activity.lmsId, maxScore: points(a) };
    }
    if (activity.source === 'canvas-quiz') {
      const q = await this.client.get(`${c}/quizzes/${activity.lmsId}`);
      const assignmentId = idOf(obj(q)?.assignment_id);
      if (!assignmentId) throw new ConnectorError('NOT_FOUND', 'connectors:canvas.error.quizNotGraded');
      return { assignmentId, maxScore: points(q) };
    }
    throw new ConnectorError('BAD_RESPONSE', 'connectors:canvas.error.notCanvas', {
      source: activity.source,
    });
  }

  /**
   * Every attempt at an assessment, and the teacher feedback on it. With `learners`, only
   * those learners are read (by REST id in batches, else one by one as `lti_1_3_id:`) and
   * records carry their Jalon id; without, every student of the course is read and `learner`
   * is the Canvas REST user id.
   */
  async readAttempts(
    course: CourseKey,
    activity: AssessmentKey,
    learners?: readonly CanvasLearnerRef[],
  ): Promise<CanvasResults> {
    const c = `api/v1/courses/${courseSegment(course)}`;
    const { assignmentId, maxScore } = await this.target(c, activity);
    const query = { 'include[]': INCLUDE, per_page: this.perPage };
    const found: { learner: string; json: unknown }[] = [];
    let restIds: Map<string, string> | undefined;
    if (!learners) {
      for (const json of await this.client.getAll(`${c}/assignments/${assignmentId}/submissions`, query)) {
        const user = idOf(obj(json)?.user_id);
        if (user) found.push({ learner: user, json });
      }
    } else {
      const byId = new Map<string, string>();
      const bySub: CanvasLearnerRef[] = [];
      for (const ref of learners) {
        const seg = userSegment(ref);
        if (seg && /^\d+$/.test(seg)) byId.set(seg, ref.learner);
        else if (seg) bySub.push(ref);
      }
      const ids = [...byId.keys()];
      for (let i = 0; i < ids.length; i += STUDENT_BATCH) {
        const batch = await this.client.getAll(`${c}/students/submissions`, {
          ...query,
          'student_ids[]': ids.slice(i, i + STUDENT_BATCH),
          'assignment_ids[]': assignmentId,
        });
        for (const json of batch) {
          const learner = byId.get(idOf(obj(json)?.user_id) ?? '');
          if (learner !== undefined && idOf(obj(json)?.assignment_id) === assignmentId)
            found.push({ learner, json });
        }
      }
      for (const ref of bySub) {
        try {
          const json = await this.client.get(
            `${c}/assignments/${assignmentId}/submissions/${userSegment(ref)}`,
            {
              'include[]': INCLUDE,
            },
          );
          found.push({ learner: ref.learner, json });
          const rest = idOf(obj(json)?.user_id);
          if (rest) (restIds ??= new Map()).set(ref.learner, rest);
        } catch (e) {
          // Not (or no longer) a student of the course: nothing to read.
          if (!(e instanceof ConnectorError && e.code === 'NOT_FOUND')) throw e;
        }
      }
    }
    const results: CanvasResults = { attempts: [], feedback: [], ...(restIds ? { restIds } : {}) };
    for (const { learner, json } of found) {
      results.attempts.push(...attemptsFromSubmission(json, { learner, assessment: activity, maxScore }));
      results.feedback.push(...feedbackFromSubmission(json, { learner, assessment: activity }));
    }
    return results;
  }

  /**
   * The students (Canvas REST ids) whose submission to an assessment was submitted or graded
   * after `since` (`students/submissions` with `submitted_since`, then `graded_since`: Canvas
   * applies both filters together, so they are two reads). A teacher's comment without a
   * regrade changes neither time: Live Events (`submission_comment_created`) and the
   * periodic full read catch those.
   */
  async changedLearners(course: CourseKey, activity: AssessmentKey, since: Date): Promise<ChangesSince> {
    const c = `api/v1/courses/${courseSegment(course)}`;
    const { assignmentId } = await this.target(c, activity);
    const changed = new Set<string>();
    for (const filter of ['submitted_since', 'graded_since'] as const) {
      const list = await this.client.getAll(`${c}/students/submissions`, {
        'student_ids[]': 'all',
        'assignment_ids[]': assignmentId,
        [filter]: since.toISOString(),
        per_page: this.perPage,
      });
      for (const json of list) {
        const user = idOf(obj(json)?.user_id);
        if (user && idOf(obj(json)?.assignment_id) === assignmentId) changed.add(user);
      }
    }
    return { learners: changed, attempts: new Set() };
  }

  /**
   * The course's students (`GET courses/:c/users?enrollment_type[]=student`, every page).
   * Canvas REST does not give the LTI `sub`: entries carry the REST id only, matched to
   * learners Jalon knows from their launches (custom `canvas_user_id`).
   */
  async readRoster(course: CourseKey): Promise<RosterEntry[]> {
    const c = `api/v1/courses/${courseSegment(course)}`;
    const users = await this.client.getAll(`${c}/users`, {
      'enrollment_type[]': 'student',
      'include[]': 'email',
      per_page: this.perPage,
    });
    const out: RosterEntry[] = [];
    for (const u of users) {
      const o = obj(u);
      const id = idOf(o?.id);
      if (!o || !id) continue;
      const text = (x: unknown) => (typeof x === 'string' && x !== '' ? x : undefined);
      const name = text(o.name);
      const email = text(o.email);
      const sis = text(o.sis_user_id);
      const locale = text(o.locale);
      out.push({
        lmsUserId: id,
        ...(name ? { name } : {}),
        ...(email ? { email } : {}),
        ...(sis ? { sisPersonId: sis } : {}),
        ...(locale ? { locale } : {}),
      });
    }
    return out;
  }

  /** Course completion (module requirements all met) and the module items the learner completed. */
  async readCompletion(course: CourseKey, learner: CanvasLearnerRef): Promise<CompletionRecord[]> {
    const user = userSegment(learner);
    if (!user) throw new ConnectorError('NOT_FOUND', 'connectors:canvas.error.unknownUser');
    const c = `api/v1/courses/${courseSegment(course)}`;
    const progress = await this.client.get(`${c}/users/${user}/progress`);
    const modules = await this.client.getAll(`${c}/modules`, {
      'include[]': 'items',
      student_id: user,
      per_page: this.perPage,
    });
    const records = itemCompletions(modules, learner.learner);
    const done = courseCompletion(progress, learner.learner);
    return done ? [done, ...records] : records;
  }
}

/** Creates a Canvas connector acting as the user whose tokens `config.tokens` holds. */
export function createCanvasConnector(config: CanvasConnectorConfig): CanvasConnector {
  return new CanvasConnector(config);
}
