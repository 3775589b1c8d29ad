/**
 * Canvas Live Events over HTTPS: check the signed JWT Canvas Data Services posts, then turn the
 * event into a {@link CanvasPushTrigger}. Pure: the key set is passed in (a local JWKS in tests,
 * `createRemoteJWKSet` on Instructure's JWKS URL in production), nothing is stored or fetched here.
 *
 * Canvas documents the HTTPS body as "a signed JWT", RS256, `kid` matched against its published
 * JWKS (keys rotate monthly, so a signed event is checked on arrival, never later). The JWT
 * claims are the event itself: `{metadata, body}` in Canvas format, or an IMS Caliper 1.1
 * envelope/event. ⚠ Whether Canvas sets `exp`/`iat` is undocumented: they are checked when
 * present.
 */
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { canvasIdString, splitCanvasId } from './canvas-ids.js';
import { PushError } from './errors.js';
import type { CanvasPushTrigger, IgnoredPush, PushKind } from './types.js';

/** Signature algorithms Canvas's JWKS uses; anything else (HS*, none) is refused. */
export const CANVAS_LIVE_EVENT_ALGORITHMS = ['RS256', 'ES256'] as const;

/** Options for {@link verifyCanvasLiveEvent}. */
export interface VerifyCanvasLiveEventOptions {
  /** The current time (tests); defaults to the clock. */
  now?: Date;
  /** Tolerated clock difference for `exp`/`nbf`/`iat`; default 300 s. */
  clockSkewSeconds?: number;
  /**
   * Oldest accepted `iat`, when the token has one; default 86 400 s (Canvas gives up on an
   * endpoint after 24 h of failures, so an older event is a replay).
   */
  maxAgeSeconds?: number;
}

type Json = Record<string, unknown>;

/** A verified Live Event: the Canvas `{metadata, body}` format or one Caliper event. */
export type CanvasLiveEvent =
  { format: 'canvas'; metadata: Json; body: Json } | { format: 'caliper'; event: Json };

const obj = (x: unknown): Json | undefined =>
  x && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : undefined;
const str = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x : undefined);

function asText(body: string | Buffer): string {
  return (typeof body === 'string' ? body : body.toString('utf8')).trim();
}

/** The event inside verified claims, or undefined if they are neither format. */
function eventFromClaims(claims: JWTPayload): CanvasLiveEvent | undefined {
  const metadata = obj(claims.metadata);
  const body = obj(claims.body);
  if (metadata && body && str(metadata.event_name)) return { format: 'canvas', metadata, body };
  // Caliper: an envelope `{sensor, data: [event]}` or a bare event (`type`, `action`).
  const data = Array.isArray(claims.data) ? obj(claims.data[0]) : undefined;
  const event = data ?? (str(claims.type) && str(claims.action) ? (claims as Json) : undefined);
  return event && str(event.type) ? { format: 'caliper', event } : undefined;
}

function refuseJoseError(e: unknown): never {
  if (e instanceof errors.JWTExpired) throw new PushError('PUSH_EXPIRED', 'token expired (exp)');
  if (e instanceof errors.JWTClaimValidationFailed)
    throw new PushError('PUSH_EXPIRED', `token not valid now (${e.claim})`);
  if (e instanceof errors.JWSSignatureVerificationFailed)
    throw new PushError('PUSH_BAD_SIGNATURE', 'signature does not verify');
  if (e instanceof errors.JOSEAlgNotAllowed)
    throw new PushError('PUSH_BAD_SIGNATURE', 'signature algorithm not allowed');
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys)
    throw new PushError('PUSH_UNKNOWN_KID', 'no single key in the platform key set matches the kid');
  if (e instanceof errors.JWTInvalid) throw new PushError('PUSH_MALFORMED', 'claims are not a JSON object');
  if (e instanceof errors.JWSInvalid || e instanceof errors.JOSENotSupported)
    throw new PushError('PUSH_GARBAGE', 'not a compact JWS');
  // Key set unreachable (JWKSTimeout, network): not the sender's fault. Rethrow so the endpoint
  // answers 5xx and Canvas retries, rather than a 4xx that would count towards deactivation.
  throw e;
}

/**
 * Checks a Live Event delivery and returns the event it carries.
 *
 * @param body the raw HTTP request body (the compact JWT, possibly with surrounding whitespace).
 * @param keys Canvas's public keys: a JWKS document, or a jose key resolver (e.g. a remote set).
 * @throws {PushError} `PUSH_GARBAGE` (not a JWT), `PUSH_UNSIGNED` (`alg: none`, empty signature,
 *   or a plain JSON event), `PUSH_UNKNOWN_KID`, `PUSH_BAD_SIGNATURE`, `PUSH_EXPIRED`,
 *   `PUSH_MALFORMED` (verified, but not a Live Event). Other errors mean the key set could not
 *   be read and deserve a 5xx.
 */
export async function verifyCanvasLiveEvent(
  body: string | Buffer,
  keys: { getKey: JWTVerifyGetKey } | JSONWebKeySet,
  opts: VerifyCanvasLiveEventOptions = {},
): Promise<CanvasLiveEvent> {
  const text = asText(body);
  if (text.startsWith('{') || text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new PushError('PUSH_GARBAGE', 'body is neither a JWT nor JSON');
    }
    // A readable but unsigned event: the subscription is not set to "signed JWT".
    if (obj(parsed)) throw new PushError('PUSH_UNSIGNED', 'plain JSON event; a signed JWT is required');
    throw new PushError('PUSH_GARBAGE', 'body is not a JWT');
  }
  const parts = text.split('.');
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p)) || !parts[0] || !parts[1])
    throw new PushError('PUSH_GARBAGE', 'body is not a compact JWT');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(text);
  } catch {
    throw new PushError('PUSH_GARBAGE', 'JWT header is not readable');
  }
  if (header.alg === undefined || header.alg.toLowerCase() === 'none' || parts[2] === '')
    throw new PushError('PUSH_UNSIGNED', 'JWT is not signed');
  if (!(CANVAS_LIVE_EVENT_ALGORITHMS as readonly string[]).includes(header.alg))
    throw new PushError('PUSH_BAD_SIGNATURE', `algorithm ${header.alg} not allowed`);
  // Canvas's guide says to match the kid; without one the key choice would be a guess.
  if (!str(header.kid)) throw new PushError('PUSH_UNKNOWN_KID', 'JWT header has no kid');

  const getKey = 'getKey' in keys ? keys.getKey : createLocalJWKSet(keys);
  const skew = opts.clockSkewSeconds ?? 300;
  const now = opts.now ?? new Date();
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(text, getKey, {
      algorithms: [...CANVAS_LIVE_EVENT_ALGORITHMS],
      clockTolerance: skew,
      currentDate: now,
    }));
  } catch (e) {
    refuseJoseError(e);
  }
  if (claims.iat !== undefined) {
    const nowS = Math.floor(now.getTime() / 1000);
    if (claims.iat > nowS + skew) throw new PushError('PUSH_EXPIRED', 'token issued in the future (iat)');
    if (nowS - claims.iat > (opts.maxAgeSeconds ?? 86_400) + skew)
      throw new PushError('PUSH_EXPIRED', 'token too old (iat)');
  }
  const event = eventFromClaims(claims);
  if (!event) throw new PushError('PUSH_MALFORMED', 'claims are not a Canvas or Caliper Live Event');
  return event;
}

/** Live Events Jalon acts on, and what each one reports. */
const CANVAS_EVENT_KINDS: Record<string, PushKind> = {
  grade_change: 'grade',
  submission_created: 'attempt',
  submission_updated: 'attempt',
  submission_comment_created: 'feedback',
  quiz_submitted: 'attempt',
  course_progress: 'completion',
  course_completed: 'completion',
};

function local(x: unknown): string | undefined {
  return splitCanvasId(x).canvasId;
}

function compact<T extends Json>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function key(...parts: (string | number | undefined)[]): string {
  return parts.map((p) => (p === undefined ? '' : String(p))).join('|');
}

function fromCanvasFormat(metadata: Json, body: Json): CanvasPushTrigger | IgnoredPush {
  const eventName = str(metadata.event_name) ?? '';
  const kindBase = CANVAS_EVENT_KINDS[eventName];
  if (!kindBase) return { ignored: `event type ${eventName} is not used by Jalon` };
  const eventTime = str(metadata.event_time);
  const platformHint = compact({
    rootAccountUuid: str(metadata.root_account_uuid),
    hostname: str(metadata.hostname),
  });
  const courseInContext = metadata.context_type === 'Course' ? metadata.context_id : undefined;

  let userRaw: unknown;
  let courseRaw: unknown = courseInContext;
  let ltiUserId: string | undefined;
  let assessment: CanvasPushTrigger['assessment'];
  let kind = kindBase;
  let subject: string | undefined;
  switch (eventName) {
    case 'grade_change':
      // metadata.user_id is whoever graded; the learner is the student.
      userRaw = body.student_id ?? body.user_id;
      assessment = {
        canvasAssignmentId: local(body.assignment_id),
        canvasSubmissionId: local(body.submission_id),
      };
      subject = canvasIdString(body.submission_id);
      break;
    case 'submission_created':
    case 'submission_updated': {
      userRaw = body.user_id;
      ltiUserId = str(body.lti_user_id);
      const attempt =
        typeof body.attempt === 'number' && Number.isInteger(body.attempt) ? body.attempt : undefined;
      assessment = {
        canvasAssignmentId: local(body.assignment_id),
        canvasSubmissionId: local(body.submission_id),
        attempt,
      };
      // Canvas fires submission_updated when a teacher grades, too.
      if (body.workflow_state === 'graded') kind = 'grade';
      subject = canvasIdString(body.submission_id);
      break;
    }
    case 'submission_comment_created':
      // body.user_id is the comment's author; the learner comes from the submission.
      if (!canvasIdString(body.submission_id)) return { ignored: 'comment without a submission id' };
      assessment = { canvasSubmissionId: local(body.submission_id) };
      subject = canvasIdString(body.submission_comment_id) ?? canvasIdString(body.submission_id);
      break;
    case 'quiz_submitted':
      // Classic quizzes: the submitting student is the request's user.
      userRaw = metadata.user_id;
      assessment = { canvasQuizId: local(body.quiz_id), canvasSubmissionId: local(body.submission_id) };
      subject = canvasIdString(body.submission_id);
      break;
    default: {
      // course_progress, course_completed
      userRaw = obj(body.user)?.id;
      courseRaw = obj(body.course)?.id ?? courseInContext;
      const progress = obj(body.progress);
      subject = key(
        canvasIdString(userRaw),
        str(progress?.completed_at),
        String(progress?.requirement_completed_count ?? ''),
      );
    }
  }
  const user = compact({ ...splitCanvasId(userRaw), shard: undefined, ltiUserId });
  const course = compact({ ...splitCanvasId(courseRaw), shard: undefined });
  if (eventName !== 'submission_comment_created' && !user.canvasId && !user.ltiUserId)
    return { ignored: `${eventName} without a learner id` };
  if (!course.canvasId && eventName !== 'submission_comment_created' && eventName !== 'quiz_submitted')
    return { ignored: `${eventName} without a course id` };
  const trigger: CanvasPushTrigger = {
    source: 'canvas-live-events',
    eventName,
    eventTime,
    platformHint,
    course,
    user,
    assessment: assessment && compact(assessment),
    kind,
    idempotencyKey: key(
      eventName,
      subject ?? user.canvasGlobalId ?? user.canvasId,
      assessment?.attempt,
      eventTime,
    ),
  };
  return compact(trigger as unknown as Json) as unknown as CanvasPushTrigger;
}

/** The trailing id of a Canvas Caliper URN (`urn:instructure:canvas:user:2107…48`). */
function urnId(x: unknown, type: string): string | undefined {
  const s = str(x);
  const prefix = `urn:instructure:canvas:${type}:`;
  return s?.startsWith(prefix) ? canvasIdString(s.slice(prefix.length)) : undefined;
}

function fromCaliper(event: Json): CanvasPushTrigger | IgnoredPush {
  // Only the grade event is mapped; Jalon's Canvas subscriptions should use the Canvas format.
  if (event.type !== 'GradeEvent') return { ignored: `Caliper ${String(event.type)} is not used by Jalon` };
  const object = obj(event.object);
  const ext = obj(obj(event.extensions)?.['com.instructure.canvas']);
  const group = obj(event.group);
  const userRaw = urnId(obj(object?.assignee)?.id, 'user');
  const courseRaw =
    canvasIdString(obj(obj(group?.extensions)?.['com.instructure.canvas'])?.entity_id) ??
    urnId(group?.id, 'course');
  const submissionRaw = urnId(object?.id, 'submission');
  const user = compact({ ...splitCanvasId(userRaw), shard: undefined });
  const course = compact({ ...splitCanvasId(courseRaw), shard: undefined });
  if (!user.canvasId) return { ignored: 'GradeEvent without a learner id' };
  if (!course.canvasId) return { ignored: 'GradeEvent without a course id' };
  const eventTime = str(event.eventTime);
  const trigger: CanvasPushTrigger = {
    source: 'canvas-live-events',
    eventName: 'grade_change',
    eventTime,
    platformHint: compact({ hostname: str(ext?.hostname) }),
    course,
    user,
    assessment: compact({
      canvasAssignmentId: local(urnId(obj(object?.assignable)?.id, 'assignment')),
      canvasSubmissionId: local(submissionRaw),
    }),
    kind: 'grade',
    // Same key as the Canvas-format grade_change, so a double subscription is one trigger.
    idempotencyKey: key(
      'grade_change',
      submissionRaw ?? user.canvasGlobalId ?? user.canvasId,
      undefined,
      eventTime,
    ),
  };
  return compact(trigger as unknown as Json) as unknown as CanvasPushTrigger;
}

/**
 * The re-read a verified Live Event asks for, or why it is ignored (an event type Jalon does
 * not use, or one that names no learner or course). Ids are given in both global and local
 * form (see `canvas-ids.ts`); the endpoint matches `platformHint` and `course` to a registered
 * platform and course, and acknowledges events for unknown courses without acting.
 */
export function triggerFromCanvasEvent(event: CanvasLiveEvent): CanvasPushTrigger | IgnoredPush {
  return event.format === 'canvas' ? fromCanvasFormat(event.metadata, event.body) : fromCaliper(event.event);
}
