import { beforeAll, describe, expect, test } from '@jest/globals';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  SignJWT,
  base64url,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import {
  PushError,
  triggerFromCanvasEvent,
  verifyCanvasLiveEvent,
  type CanvasLiveEvent,
  type CanvasPushTrigger,
  type PushErrorCode,
} from '../../../src/connectors/push/index.js';

const NOW = new Date('2019-11-01T19:12:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
let stranger: { privateKey: CryptoKey; publicKey: CryptoKey };
let jwks: JSONWebKeySet;

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  ec = await generateKeyPair('ES256');
  stranger = await generateKeyPair('RS256');
  jwks = {
    keys: [
      { ...(await exportJWK(rsa.publicKey)), kid: 'canvas-2019-11', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'canvas-ec', alg: 'ES256', use: 'sig' },
    ],
  };
});

async function sign(
  claims: JWTPayload,
  opts: { key?: CryptoKey; alg?: string; kid?: string | null; iat?: number | null } = {},
): Promise<string> {
  const header: { alg: string; kid?: string } = { alg: opts.alg ?? 'RS256' };
  if (opts.kid !== null) header.kid = opts.kid ?? 'canvas-2019-11';
  const jwt = new SignJWT(claims).setProtectedHeader(header);
  if (opts.iat !== null) jwt.setIssuedAt(opts.iat ?? NOW_S - 30);
  return jwt.sign(opts.key ?? rsa.privateKey);
}

const metadata = (event_name: string, extra: Record<string, unknown> = {}) => ({
  event_name,
  event_time: '2019-11-01T19:11:05.222Z',
  context_type: 'Course',
  context_id: '21070000000000565',
  root_account_id: '21070000000000001',
  root_account_uuid: 'VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs',
  user_id: '21070000000000987',
  hostname: 'oxana.instructure.com',
  producer: 'canvas',
  ...extra,
});

const gradeChange = {
  metadata: metadata('grade_change', { context_role: 'TeacherEnrollment' }),
  body: {
    assignment_id: '21070000000000355',
    grade: '5',
    grader_id: '21070000000000987',
    score: 5,
    student_id: '21070000000000048',
    submission_id: '21070000000011086',
    user_id: '21070000000000048',
  },
};

const submissionCreated = {
  metadata: metadata('submission_created', { event_time: '2019-11-01T19:11:21.419Z' }),
  body: {
    assignment_id: '21070000001234012',
    attempt: 12,
    lti_user_id: 'a1b2c3c4z9x8a1s2q5w6p9o8i7u6y5t6a2s3d4f5',
    submission_id: '21070000012345567',
    user_id: '21070000000014012',
    workflow_state: 'submitted',
  },
};

async function roundTrip(claims: JWTPayload): Promise<CanvasPushTrigger> {
  const event = await verifyCanvasLiveEvent(await sign(claims), jwks, { now: NOW });
  const t = triggerFromCanvasEvent(event);
  if ('ignored' in t) throw new Error(`unexpectedly ignored: ${t.ignored}`);
  return t;
}

async function refusal(body: string | Buffer, keys: Parameters<typeof verifyCanvasLiveEvent>[1] = jwks) {
  try {
    await verifyCanvasLiveEvent(body, keys, { now: NOW });
  } catch (e) {
    if (e instanceof PushError) return { code: e.code, status: e.status };
    throw e;
  }
  throw new Error('accepted');
}

describe('verifyCanvasLiveEvent + triggerFromCanvasEvent: accepted events', () => {
  test('grade_change → grade trigger for the student (not the grader), local and global ids', async () => {
    const t = await roundTrip(gradeChange);
    expect(t).toEqual({
      source: 'canvas-live-events',
      eventName: 'grade_change',
      eventTime: '2019-11-01T19:11:05.222Z',
      platformHint: {
        rootAccountUuid: 'VicYj3cu5BIFpoZhDVU4DZumnlBrWi1grgJEzADs',
        hostname: 'oxana.instructure.com',
      },
      course: { canvasGlobalId: '21070000000000565', canvasId: '565' },
      user: { canvasGlobalId: '21070000000000048', canvasId: '48' },
      assessment: { canvasAssignmentId: '355', canvasSubmissionId: '11086' },
      kind: 'grade',
      idempotencyKey: 'grade_change|21070000000011086||2019-11-01T19:11:05.222Z',
    });
  });

  test('submission_created → attempt trigger with attempt number and LTI user id', async () => {
    const t = await roundTrip(submissionCreated);
    expect(t.kind).toBe('attempt');
    expect(t.user).toEqual({
      canvasGlobalId: '21070000000014012',
      canvasId: '14012',
      ltiUserId: 'a1b2c3c4z9x8a1s2q5w6p9o8i7u6y5t6a2s3d4f5',
    });
    expect(t.assessment).toEqual({
      canvasAssignmentId: '1234012',
      canvasSubmissionId: '12345567',
      attempt: 12,
    });
    expect(t.idempotencyKey).toBe('submission_created|21070000012345567|12|2019-11-01T19:11:21.419Z');
  });

  test('submission_updated: attempt while submitted, grade once graded', async () => {
    const base = {
      metadata: metadata('submission_updated'),
      body: { ...submissionCreated.body, attempt: 1 },
    };
    expect((await roundTrip(base)).kind).toBe('attempt');
    const graded = await roundTrip({ ...base, body: { ...base.body, workflow_state: 'graded' } });
    expect(graded.kind).toBe('grade');
    expect(graded.eventName).toBe('submission_updated');
  });

  test('submission_comment_created → feedback, learner left to the submission lookup', async () => {
    const t = await roundTrip({
      metadata: metadata('submission_comment_created', { user_id: '21070000000012345' }),
      body: { submission_comment_id: '19811981', submission_id: '9987654', user_id: '12345' },
    });
    expect(t.kind).toBe('feedback');
    expect(t.user).toEqual({});
    expect(t.assessment).toEqual({ canvasSubmissionId: '9987654' });
    expect(t.course.canvasId).toBe('565');
  });

  test('quiz_submitted (classic) → attempt for the requesting student, quiz id on another shard', async () => {
    const t = await roundTrip({
      metadata: metadata('quiz_submitted', { context_id: '21070000000100123', user_id: '21070000000987123' }),
      body: { quiz_id: '11210000002223333', submission_id: '11210000013995723' },
    });
    expect(t.kind).toBe('attempt');
    expect(t.user).toEqual({ canvasGlobalId: '21070000000987123', canvasId: '987123' });
    expect(t.course).toEqual({ canvasGlobalId: '21070000000100123', canvasId: '100123' });
    expect(t.assessment).toEqual({ canvasQuizId: '2223333', canvasSubmissionId: '13995723' });
  });

  test.each(['course_progress', 'course_completed'])(
    '%s → completion from the body course and user',
    async (name) => {
      const t = await roundTrip({
        metadata: metadata(name, { context_id: undefined, context_type: undefined }),
        body: {
          course: { account_id: '1', id: '1234567', name: 'Diff Equations' },
          progress: { completed_at: null, requirement_completed_count: 101, requirement_count: 123 },
          user: { email: 'user@domain.tld', id: '1122', name: 'Gottfried Leibniz' },
        },
      });
      expect(t.kind).toBe('completion');
      expect(t.eventName).toBe(name);
      expect(t.course).toEqual({ canvasId: '1234567' });
      expect(t.user).toEqual({ canvasId: '1122' });
      expect(t.assessment).toBeUndefined();
    },
  );

  test('an ES256 key from the same JWKS is accepted too', async () => {
    const event = await verifyCanvasLiveEvent(
      await sign(gradeChange, { key: ec.privateKey, alg: 'ES256', kid: 'canvas-ec' }),
      jwks,
      { now: NOW },
    );
    expect(event.format).toBe('canvas');
  });

  test('a key resolver (as from createRemoteJWKSet) works like a JWKS, and a Buffer body like a string', async () => {
    const token = await sign(gradeChange);
    const event = await verifyCanvasLiveEvent(
      Buffer.from(`${token}\n`),
      { getKey: createLocalJWKSet(jwks) },
      { now: NOW },
    );
    expect(triggerFromCanvasEvent(event)).toMatchObject({ kind: 'grade', user: { canvasId: '48' } });
  });

  test('duplicate delivery of the same event → identical trigger (same idempotency key)', async () => {
    // Two separate signings (a redelivery is re-signed) of the same event.
    const a = await roundTrip(submissionCreated);
    const b = await verifyCanvasLiveEvent(await sign(submissionCreated, { iat: NOW_S - 5 }), jwks, {
      now: NOW,
    });
    expect(triggerFromCanvasEvent(b)).toEqual(a);
    const later = await roundTrip({ ...submissionCreated, body: { ...submissionCreated.body, attempt: 13 } });
    expect(later.idempotencyKey).not.toBe(a.idempotencyKey);
  });

  test('Caliper GradeEvent → same trigger key as the Canvas-format grade_change', async () => {
    const caliper = {
      sensor: 'http://oxana.instructure.com/',
      dataVersion: 'http://purl.imsglobal.org/ctx/caliper/v1p1',
      data: [
        {
          type: 'GradeEvent',
          action: 'Graded',
          actor: { id: 'urn:instructure:canvas:user:21070000000000987', type: 'Person' },
          object: {
            id: 'urn:instructure:canvas:submission:21070000000011086',
            type: 'Attempt',
            assignee: { id: 'urn:instructure:canvas:user:21070000000000048', type: 'Person' },
            assignable: {
              id: 'urn:instructure:canvas:assignment:21070000000000355',
              type: 'AssignableDigitalResource',
            },
          },
          eventTime: '2019-11-01T19:11:05.222Z',
          group: {
            id: 'urn:instructure:canvas:course:21070000000000565',
            type: 'CourseOffering',
            extensions: {
              'com.instructure.canvas': { context_type: 'Course', entity_id: '21070000000000565' },
            },
          },
          extensions: { 'com.instructure.canvas': { hostname: 'oxana.instructure.com' } },
        },
      ],
    };
    const t = await roundTrip(caliper);
    const c = await roundTrip(gradeChange);
    expect(t).toMatchObject({
      eventName: 'grade_change',
      kind: 'grade',
      user: { canvasId: '48' },
      course: { canvasId: '565' },
      assessment: { canvasAssignmentId: '355', canvasSubmissionId: '11086' },
      platformHint: { hostname: 'oxana.instructure.com' },
    });
    expect(t.idempotencyKey).toBe(c.idempotencyKey);
  });
});

describe('triggerFromCanvasEvent: ignored events', () => {
  const canvas = (m: Record<string, unknown>, body: Record<string, unknown>): CanvasLiveEvent => ({
    format: 'canvas',
    metadata: m,
    body,
  });

  test('event types Jalon does not use are ignored with a reason', async () => {
    const event = await verifyCanvasLiveEvent(
      await sign({ metadata: metadata('logged_in'), body: { redirect_url: null } }),
      jwks,
      { now: NOW },
    );
    expect(triggerFromCanvasEvent(event)).toEqual({ ignored: expect.stringContaining('logged_in') });
  });

  test('a grade_change without a learner, or without a course, is ignored', () => {
    expect(triggerFromCanvasEvent(canvas(metadata('grade_change'), { assignment_id: '1' }))).toHaveProperty(
      'ignored',
    );
    const noCourse = canvas(metadata('grade_change', { context_type: 'Account' }), gradeChange.body);
    expect(triggerFromCanvasEvent(noCourse)).toEqual({ ignored: expect.stringContaining('course') });
  });

  test('a Caliper event other than GradeEvent is ignored', () => {
    expect(triggerFromCanvasEvent({ format: 'caliper', event: { type: 'NavigationEvent' } })).toHaveProperty(
      'ignored',
    );
  });

  test('ids that are not ids are dropped, not guessed', () => {
    const t = triggerFromCanvasEvent(
      canvas(metadata('grade_change'), { student_id: '48; DROP', user_id: -3, submission_id: '1' }),
    );
    expect(t).toHaveProperty('ignored');
  });
});

describe('verifyCanvasLiveEvent: refusals', () => {
  const cases: [string, () => Promise<string | Buffer>, PushErrorCode, number][] = [
    [
      'tampered payload',
      async () => {
        const [h, , s] = (await sign(gradeChange)).split('.');
        const forged = { ...gradeChange, body: { ...gradeChange.body, student_id: '21070000000000049' } };
        return `${h}.${base64url.encode(JSON.stringify({ ...forged, iat: NOW_S }))}.${s}`;
      },
      'PUSH_BAD_SIGNATURE',
      401,
    ],
    [
      'signed by a key not in the set, under a known kid',
      () => sign(gradeChange, { key: stranger.privateKey }),
      'PUSH_BAD_SIGNATURE',
      401,
    ],
    ['unknown kid', () => sign(gradeChange, { kid: 'rotated-away' }), 'PUSH_UNKNOWN_KID', 401],
    ['no kid', () => sign(gradeChange, { kid: null }), 'PUSH_UNKNOWN_KID', 401],
    [
      'alg none',
      async () =>
        `${base64url.encode(JSON.stringify({ alg: 'none', kid: 'canvas-2019-11' }))}.${base64url.encode(JSON.stringify(gradeChange))}.`,
      'PUSH_UNSIGNED',
      401,
    ],
    [
      'RS256 header with the signature stripped',
      async () => (await sign(gradeChange)).split('.').slice(0, 2).join('.') + '.',
      'PUSH_UNSIGNED',
      401,
    ],
    [
      'HS256 (algorithm confusion)',
      async () =>
        `${base64url.encode(JSON.stringify({ alg: 'HS256', kid: 'canvas-2019-11' }))}.${base64url.encode(JSON.stringify(gradeChange))}.c2ln`,
      'PUSH_BAD_SIGNATURE',
      401,
    ],
    [
      'expired (exp)',
      () =>
        new SignJWT(gradeChange)
          .setProtectedHeader({ alg: 'RS256', kid: 'canvas-2019-11' })
          .setExpirationTime(NOW_S - 3600)
          .sign(rsa.privateKey),
      'PUSH_EXPIRED',
      401,
    ],
    [
      'replayed (iat two days old)',
      () => sign(gradeChange, { iat: NOW_S - 2 * 86_400 }),
      'PUSH_EXPIRED',
      401,
    ],
    ['issued in the future', () => sign(gradeChange, { iat: NOW_S + 3600 }), 'PUSH_EXPIRED', 401],
    ['garbage', async () => 'hello, this is not a token', 'PUSH_GARBAGE', 400],
    ['broken JSON', async () => '{"metadata":', 'PUSH_GARBAGE', 400],
    ['empty body', async () => Buffer.alloc(0), 'PUSH_GARBAGE', 400],
    ['three dots of nonsense', async () => 'a.b.c', 'PUSH_GARBAGE', 400],
    [
      'plain JSON event (unsigned subscription)',
      async () => JSON.stringify(gradeChange),
      'PUSH_UNSIGNED',
      401,
    ],
    ['validly signed but not an event', () => sign({ hello: 'world' }), 'PUSH_MALFORMED', 400],
  ];

  test.each(cases)('%s → %s', async (_name, make, code, status) => {
    expect(await refusal(await make())).toEqual({ code, status });
  });

  test('a refusal is an HttpError carrying its code as the log reason', async () => {
    const e = await verifyCanvasLiveEvent('nope', jwks).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PushError);
    expect((e as PushError).reason).toBe('PUSH_GARBAGE');
    expect((e as PushError).detail).not.toContain('nope');
  });

  test('the time window follows opts.now and maxAgeSeconds', async () => {
    const token = await sign(gradeChange, { iat: NOW_S - 600 });
    await expect(verifyCanvasLiveEvent(token, jwks, { now: NOW })).resolves.toMatchObject({
      format: 'canvas',
    });
    expect(
      await verifyCanvasLiveEvent(token, jwks, { now: NOW, maxAgeSeconds: 60, clockSkewSeconds: 0 }).catch(
        (e: unknown) => (e as PushError).code,
      ),
    ).toBe('PUSH_EXPIRED');
  });
});
