/**
 * What every LMS connector offers, in Jalon's words. A connector turns what Moodle's web
 * services or Canvas's REST API say into these shapes; it renders no page and decides no
 * award (ARCHITECTURE.md).
 */
import type { ConnectorKind } from '../db/schema/connectors.js';
import type { AssessmentRef } from '../microcredentials/definition.js';

export type { ConnectorKind };

/** A course as the connector addresses it. */
export interface CourseKey {
  /** LTI context id (Moodle: the course id; Canvas: opaque, usable as `lti_context_id:<id>`). */
  contextId: string;
  /** The LMS REST id when known (Canvas `$Canvas.course.id`). */
  lmsCourseId?: string;
}

/** An assessment activity of the course, listed live from the LMS. */
export interface LmsActivity {
  ref: AssessmentRef;
  kind: 'quiz' | 'assignment';
  /** Maximum grade/points of the activity in the LMS. */
  maxScore?: number;
  /** The LMS's own due date (ISO 8601), if any. */
  dueAt?: string;
  /** Attempts the LMS allows: a number, or null for unlimited. */
  attemptsAllowed?: number | null;
  /** The LMS's own pass mark in points (Moodle `gradepass`), if any. */
  gradeToPass?: number;
  /** Moodle course-module id (completion is keyed by it). */
  cmid?: string;
  /** Whether the LMS tracks completion for the activity. */
  completionTracked?: boolean;
  /** Link to the activity in the LMS, for instructors. */
  url?: string;
}

/** A learner of a course as the LMS roster lists them. */
export interface RosterEntry {
  /** The id the LMS's web services/REST know them by (Moodle user id, Canvas REST id). */
  lmsUserId: string;
  /** The LTI `sub` when the roster gives it (Moodle: the user id); absent on Canvas REST. */
  ltiUserId?: string;
  name?: string;
  email?: string;
  /** SIS id (Moodle `idnumber`, Canvas `sis_user_id`). */
  sisPersonId?: string;
  locale?: string;
}

/**
 * What an LMS says changed since an instant, for one assessment: learners it names (LMS user
 * ids), and attempts it names without their learner (Jalon source ids, e.g. Moodle's
 * `quiz-attempt:812`), which the caller matches to the attempts it stored.
 */
export interface ChangesSince {
  learners: Set<string>;
  attempts: Set<string>;
}

/** One line of a "test connection" report. */
export interface ConnectionCheck {
  /** What was checked: a web-service function, a capability, an API endpoint. */
  name: string;
  ok: boolean;
  /** i18n key (namespace `connectors`) explaining the result in plain words. */
  messageKey: string;
  params?: Record<string, string | number>;
}

/** The result of "test connection". */
export interface ConnectionReport {
  ok: boolean;
  checkedAt: string;
  checks: ConnectionCheck[];
}

/** Why a connector call failed, in a form the console can explain. */
export type ConnectorErrorCode =
  | 'AUTH' // token invalid, expired or revoked
  | 'PERMISSION' // a function or capability is missing
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE' // network, 5xx, timeouts
  | 'BAD_RESPONSE' // unexpected shape
  | 'NEEDS_AUTHORIZATION'; // Canvas: this user has not authorised Jalon yet

/** A connector failure with a reason a person can act on. */
export class ConnectorError extends Error {
  constructor(
    readonly code: ConnectorErrorCode,
    /** i18n key (namespace `connectors`). */
    readonly messageKey: string,
    readonly params: Record<string, string | number> = {},
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${messageKey} ${JSON.stringify(params)}`, options);
    this.name = 'ConnectorError';
  }
}

/** The part of a connector the definition form needs (issue 9); reading results comes next. */
export interface LmsConnector {
  readonly kind: ConnectorKind;
  /** Calls each function/endpoint Jalon needs and says in plain words what is missing. */
  testConnection(course?: CourseKey): Promise<ConnectionReport>;
  /** The course's quizzes and assignments, live. */
  listActivities(course: CourseKey): Promise<LmsActivity[]>;
}
