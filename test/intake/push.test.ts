/**
 * The push endpoints over HTTP on a real Jalon: Canvas Live Events (signed JWTs) and Moodle
 * logstore_xapi batches (Basic credentials). A valid event for a known course and learner
 * queues one targeted `results.sync`; bursts coalesce, replays and duplicates queue nothing
 * more; unknown courses are acknowledged and ignored; malformed, forged, stale, foreign and
 * oversize deliveries are refused with a reason in the answer and in the log, never a secret.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eq } from 'drizzle-orm';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { listAttempts } from '../../src/attempts/store.js';
import { jobs } from '../../src/db/schema/index.js';
import type { Microcredential } from '../../src/definitions/repository.js';
import { listLearners, upsertLearner } from '../../src/intake/facts-store.js';
import { createXapiCredentials, enableCanvasLiveEvents } from '../../src/intake/push-settings.js';
import { RESULTS_SYNC } from '../../src/intake/sync.js';
import { startJalon, type TestJalon } from '../helpers/jalon.js';
import { connectCanvas, connectMoodle, jobsOf, microcredentialFor, type ConnectedPlatform } from './setup.js';

let jalon: TestJalon;
let canvas: ConnectedPlatform;
let moodle: ConnectedPlatform;
let canvasMc: Microcredential;
let moodleMc: Microcredential;
let key: { privateKey: CryptoKey; publicKey: CryptoKey };
let stranger: { privateKey: CryptoKey; publicKey: CryptoKey };
let xapi: { username: string; password: string };

beforeAll(async () => {
  jalon = await startJalon();
  canvas = await connectCanvas(jalon);
  moodle = await connectMoodle(jalon);
  canvasMc = await microcredentialFor(jalon, canvas);
  moodleMc = await microcredentialFor(jalon, moodle);
  const db = jalon.database.db;
  await upsertLearner(db, canvasMc.id, {
    userId: canvas.platform.user('ben').sub,
    lmsUserId: canvas.platform.user('ben').restId,
  });
  await upsertLearner(db, moodleMc.id, {
    userId: moodle.platform.user('ana').sub,
    lmsUserId: moodle.platform.user('ana').restId,
  });
  key = await generateKeyPair('RS256');
  stranger = await generateKeyPair('RS256');
  await enableCanvasLiveEvents(db, canvas.platformId, 'test', {
    jwks: { keys: [{ ...(await exportJWK(key.publicKey)), kid: 'live-1', alg: 'RS256', use: 'sig' }] },
  });
  xapi = await createXapiCredentials(db, moodle.platformId, 'test');
});

afterAll(async () => {
  await canvas?.platform.close();
  await moodle?.platform.close();
  await jalon?.stop();
});

const nowS = () => Math.floor(Date.now() / 1000);
const host = () => new URL(canvas.platform.url).hostname;

async function sign(
  claims: JWTPayload,
  opts: { key?: CryptoKey; kid?: string; iat?: number; alg?: string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? 'live-1' })
    .setIssuedAt(opts.iat ?? nowS() - 5)
    .sign(opts.key ?? key.privateKey);
}

/** A Canvas-format grade_change for a learner in a course (REST ids). */
function gradeChange(over: { course?: string; student?: string; time?: string; hostname?: string } = {}) {
  return {
    metadata: {
      event_name: 'grade_change',
      event_time: over.time ?? '2026-01-10T10:00:00.000Z',
      context_type: 'Course',
      context_id: over.course ?? canvas.platform.course('math').restId,
      hostname: over.hostname ?? host(),
      producer: 'canvas',
    },
    body: {
      assignment_id: '355',
      grade: '86',
      score: 86,
      student_id: over.student ?? canvas.platform.user('ben').restId,
      submission_id: '9001',
      user_id: over.student ?? canvas.platform.user('ben').restId,
    },
  };
}

async function postCanvas(body: string | Buffer, platformId = canvas.platformId) {
  const res = await fetch(`${jalon.url}/push/canvas/${platformId}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/jwt' },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> | null };
}

const queuedSyncs = async (mc: Microcredential) =>
  (await jobsOf(jalon, RESULTS_SYNC)).filter(
    (j) => j.status === 'queued' && (j.payload as { microcredentialId: string }).microcredentialId === mc.id,
  );

const refusalLogged = (code: string) =>
  jalon.logs.some((l) => l.msg === 'push refused' && l.code === code && typeof l.detail === 'string');

describe('POST /push/canvas/:platformId', () => {
  test('a valid event for a known learner queues one targeted sync, which reads the truth', async () => {
    const r = await postCanvas(await sign(gradeChange()));
    expect(r).toEqual({ status: 202, json: { status: 'enqueued' } });
    const jobs = await queuedSyncs(canvasMc);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.payload).toEqual({
      microcredentialId: canvasMc.id,
      learners: [canvas.platform.user('ben').sub],
    });
    await jalon.running.services.jobs.drain();
    const attempts = await listAttempts(jalon.database.db, canvasMc.id);
    const ben = canvas.platform.user('ben').sub;
    expect(attempts.map((a) => [a.learner, a.assessmentSource, a.attemptNumber, a.score]).sort()).toEqual([
      [ben, 'canvas-assignment', 1, 52],
      [ben, 'canvas-assignment', 2, 86],
      [ben, 'canvas-quiz', 1, 6],
      [ben, 'canvas-quiz', 2, 9],
    ]);
  });

  test('a replayed or duplicated delivery queues nothing more', async () => {
    const before = (await jobsOf(jalon, RESULTS_SYNC)).length;
    const token = await sign(gradeChange());
    expect((await postCanvas(token)).json).toEqual({ status: 'duplicate' });
    // Canvas re-signs a redelivery: same event, new token, still a duplicate.
    expect((await postCanvas(await sign(gradeChange(), { iat: nowS() - 1 }))).json).toEqual({
      status: 'duplicate',
    });
    expect((await jobsOf(jalon, RESULTS_SYNC)).length).toBe(before);
  });

  test('a burst of events for one learner gives one queued sync', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(async (i) =>
        postCanvas(await sign(gradeChange({ time: `2026-01-11T10:00:0${i}.000Z` }))),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(await queuedSyncs(canvasMc)).toHaveLength(1);
    await jalon.running.services.jobs.drain();
  });

  test("news arriving while that learner's sync is running gets one follow-up sync", async () => {
    const db = jalon.database.db;
    expect((await postCanvas(await sign(gradeChange({ time: '2026-01-11T11:00:00.000Z' })))).status).toBe(
      202,
    );
    const [held] = await queuedSyncs(canvasMc);
    await db
      .update(jobs)
      .set({ status: 'running', lockedBy: 'elsewhere', lockedUntil: new Date(Date.now() + 60_000) })
      .where(eq(jobs.id, held!.id));
    for (const t of ['2026-01-11T11:00:01.000Z', '2026-01-11T11:00:02.000Z'])
      expect((await postCanvas(await sign(gradeChange({ time: t })))).status).toBe(202);
    const next = await queuedSyncs(canvasMc);
    expect(next.map((j) => j.dedupeKey)).toEqual([`${held!.dedupeKey}:next`]);
    await db
      .update(jobs)
      .set({ status: 'done', lockedBy: null, lockedUntil: null })
      .where(eq(jobs.id, held!.id));
    await jalon.running.services.jobs.drain();
  });

  test('a learner known by LTI id alone (NRPS) is matched by REST id once a sync has read them', async () => {
    const db = jalon.database.db;
    const chloe = canvas.platform.user('chloe');
    // As the NRPS roster gives her: her LTI `sub`, no Canvas REST id.
    await upsertLearner(db, canvasMc.id, { userId: chloe.sub, lmsUserId: null });
    const event = (time: string) => gradeChange({ student: chloe.restId, time });
    const before = await postCanvas(await sign(event('2026-01-11T08:00:00.000Z')));
    expect(before).toEqual({ status: 200, json: { status: 'ignored' } });
    // A sync reads her submissions by `lti_1_3_id:`; Canvas's answer names her REST id.
    await jalon.running.services.jobs.enqueue({
      kind: RESULTS_SYNC,
      payload: { microcredentialId: canvasMc.id, learners: [chloe.sub] },
      dedupeKey: `test-chloe`,
    });
    await jalon.running.services.jobs.drain();
    const [row] = (await listLearners(db, canvasMc.id)).filter((l) => l.userId === chloe.sub);
    expect(row?.lmsUserId).toBe(chloe.restId);
    const after = await postCanvas(await sign(event('2026-01-11T09:00:00.000Z')));
    expect(after).toEqual({ status: 202, json: { status: 'enqueued' } });
    expect((await queuedSyncs(canvasMc)).map((j) => j.payload)).toContainEqual({
      microcredentialId: canvasMc.id,
      learners: [chloe.sub],
    });
    await jalon.running.services.jobs.drain();
  });

  test('an event for a course without a micro-credential is acknowledged and ignored', async () => {
    const before = (await jobsOf(jalon, RESULTS_SYNC)).length;
    const r = await postCanvas(await sign(gradeChange({ course: '424242', time: '2026-01-12T10:00:00Z' })));
    expect(r).toEqual({ status: 200, json: { status: 'ignored' } });
    expect((await jobsOf(jalon, RESULTS_SYNC)).length).toBe(before);
    expect(
      jalon.logs.some((l) => l.msg === 'push ignored' && String(l.reason).includes('no micro-credential')),
    ).toBe(true);
  });

  test('an event type Jalon does not use is acknowledged', async () => {
    const claims = { metadata: { event_name: 'logged_in', event_time: '2026-01-12T10:00:00Z' }, body: {} };
    expect((await postCanvas(await sign(claims))).status).toBe(200);
  });

  test('forged, unsigned and stale events are refused with 401 and a logged reason', async () => {
    const forged = await postCanvas(
      await sign(gradeChange({ time: '2026-01-13T10:00:00Z' }), { key: stranger.privateKey }),
    );
    expect(forged).toEqual({
      status: 401,
      json: { error: 'PUSH_BAD_SIGNATURE', detail: expect.any(String) },
    });
    const unknownKid = await postCanvas(
      await sign(gradeChange(), { key: stranger.privateKey, kid: 'other' }),
    );
    expect(unknownKid.status).toBe(401);
    expect(unknownKid.json?.error).toBe('PUSH_UNKNOWN_KID');
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: 'live-1' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(gradeChange())).toString('base64url');
    expect((await postCanvas(`${header}.${payload}.`)).json?.error).toBe('PUSH_UNSIGNED');
    expect((await postCanvas(JSON.stringify(gradeChange()))).json?.error).toBe('PUSH_UNSIGNED');
    const stale = await postCanvas(await sign(gradeChange(), { iat: nowS() - 3 * 86_400 }));
    expect(stale).toEqual({ status: 401, json: { error: 'PUSH_EXPIRED', detail: expect.any(String) } });
    const future = await postCanvas(await sign(gradeChange(), { iat: nowS() + 3600 }));
    expect(future.json?.error).toBe('PUSH_EXPIRED');
    for (const code of ['PUSH_BAD_SIGNATURE', 'PUSH_UNKNOWN_KID', 'PUSH_UNSIGNED', 'PUSH_EXPIRED'])
      expect(refusalLogged(code)).toBe(true);
  });

  test('an event signed for another Canvas institution is refused', async () => {
    const r = await postCanvas(
      await sign(gradeChange({ hostname: 'other.instructure.com', time: '2026-01-14T10:00:00Z' })),
    );
    expect(r.status).toBe(401);
    expect(r.json?.error).toBe('PUSH_WRONG_PLATFORM');
  });

  test('malformed and oversize bodies are refused with 400 and 413', async () => {
    expect(await postCanvas('not a jwt')).toEqual({
      status: 400,
      json: { error: 'PUSH_GARBAGE', detail: expect.any(String) },
    });
    expect((await postCanvas('')).status).toBe(400);
    const notEvent = await postCanvas(await sign({ hello: 'world' }));
    expect(notEvent.json?.error).toBe('PUSH_MALFORMED');
    const big = await postCanvas(Buffer.alloc(300 * 1024, 'a'));
    expect(big).toEqual({ status: 413, json: { error: 'PUSH_TOO_LARGE', detail: expect.any(String) } });
  });

  test('unknown platforms, and platforms of the other family, are 404', async () => {
    expect((await postCanvas(await sign(gradeChange()), 'nope')).status).toBe(404);
    expect((await postCanvas(await sign(gradeChange()), moodle.platformId)).status).toBe(404);
    expect((await postCanvas('x', '..%2f..%2fetc')).status).toBe(404);
  });

  test('the log never holds a token', () => {
    const text = JSON.stringify(jalon.logs);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/);
  });
});

describe('POST /push/xapi/:platformId/statements', () => {
  const site = () => moodle.platform.url;
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

  function quizAttempt(user: string, course: string, timestamp = '2026-01-10T10:00:00+00:00') {
    return {
      actor: { account: { homePage: site(), name: user } },
      verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
      object: {
        id: `${site()}/mod/quiz/attempt.php?attempt=900&cmid=88`,
        definition: { type: 'http://adlnet.gov/expapi/activities/attempt' },
      },
      timestamp,
      context: {
        contextActivities: {
          parent: [
            { id: `${site()}/mod/quiz/view.php?id=88` },
            { id: `${site()}/course/view.php?id=${course}` },
          ],
        },
      },
    };
  }
  const assignGraded = (user: string, course: string) => ({
    actor: { account: { homePage: site(), name: user } },
    verb: { id: 'https://w3id.org/xapi/tla/verbs/scored' },
    object: { id: `${site()}/mod/assign/view.php?id=90#submission` },
    timestamp: '2026-01-10T11:00:00+00:00',
    context: { contextActivities: { grouping: [{ id: `${site()}/course/view.php?id=${course}` }] } },
  });
  const answered = {
    actor: { account: { homePage: 'x', name: '1' } },
    verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
  };

  async function postXapi(body: string | Buffer, auth?: string, platformId = moodle.platformId) {
    const res = await fetch(`${jalon.url}/push/xapi/${platformId}/statements`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Experience-API-Version': '1.0.3',
        ...(auth !== undefined ? { Authorization: auth } : {}),
      },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    return {
      status: res.status,
      wwwAuthenticate: res.headers.get('www-authenticate'),
      json: (await res.json().catch(() => null)) as unknown,
    };
  }

  test('wrong or missing credentials are 401, and the password is never logged', async () => {
    const body = JSON.stringify([
      quizAttempt(moodle.platform.user('ana').sub, moodle.platform.course('math').restId),
    ]);
    const none = await postXapi(body);
    expect(none.status).toBe(401);
    expect(none.wwwAuthenticate).toMatch(/^Basic realm=/);
    expect((none.json as { error: string }).error).toBe('PUSH_BAD_CREDENTIALS');
    expect((await postXapi(body, basic(xapi.username, 'wrong-password'))).status).toBe(401);
    expect((await postXapi(body, basic('someone', xapi.password))).status).toBe(401);
    expect(refusalLogged('PUSH_BAD_CREDENTIALS')).toBe(true);
    expect(JSON.stringify(jalon.logs)).not.toContain(xapi.password);
  });

  test('a batch queues one sync per learner, ignores what Jalon does not use, and answers 200', async () => {
    const ana = moodle.platform.user('ana').sub;
    const course = moodle.platform.course('math').restId;
    const batch = [{ id: 'st-1', ...quizAttempt(ana, course) }, answered, assignGraded(ana, course)];
    const r = await postXapi(JSON.stringify(batch), basic(xapi.username, xapi.password));
    expect(r).toMatchObject({ status: 200, json: ['st-1'] });
    const jobs = await queuedSyncs(moodleMc);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.payload).toEqual({ microcredentialId: moodleMc.id, learners: [ana] });
    expect(jalon.logs.some((l) => l.msg === 'xAPI batch received' && l.enqueued === 2)).toBe(true);
  });

  test('a batch re-sent by logstore_xapi queues nothing more', async () => {
    const ana = moodle.platform.user('ana').sub;
    const course = moodle.platform.course('math').restId;
    await jalon.running.services.jobs.drain();
    const before = (await jobsOf(jalon, RESULTS_SYNC)).length;
    const batch = [{ id: 'st-1', ...quizAttempt(ana, course) }, answered, assignGraded(ana, course)];
    const r = await postXapi(JSON.stringify(batch), basic(xapi.username, xapi.password));
    expect(r.status).toBe(200);
    expect((await jobsOf(jalon, RESULTS_SYNC)).length).toBe(before);
  });

  test('unknown courses, unknown learners and other sites are acknowledged and ignored', async () => {
    const before = (await jobsOf(jalon, RESULTS_SYNC)).length;
    const batch = [
      quizAttempt(moodle.platform.user('ana').sub, '777', '2026-01-15T10:00:00+00:00'),
      quizAttempt('999', moodle.platform.course('math').restId, '2026-01-15T10:00:00+00:00'),
      {
        ...quizAttempt('5', '2', '2026-01-15T10:00:00+00:00'),
        actor: { account: { homePage: 'https://evil.example', name: '5' } },
      },
    ];
    const r = await postXapi(JSON.stringify(batch), basic(xapi.username, xapi.password));
    expect(r.status).toBe(200);
    expect((await jobsOf(jalon, RESULTS_SYNC)).length).toBe(before);
  });

  test('malformed, oversize and over-long batches are refused', async () => {
    const auth = basic(xapi.username, xapi.password);
    expect(await postXapi('{not json', auth)).toMatchObject({ status: 400, json: { error: 'PUSH_GARBAGE' } });
    expect(await postXapi('"a string"', auth)).toMatchObject({
      status: 400,
      json: { error: 'PUSH_MALFORMED' },
    });
    expect(await postXapi(JSON.stringify(new Array(1001).fill(answered)), auth)).toMatchObject({
      status: 400,
      json: { error: 'PUSH_MALFORMED' },
    });
    expect(await postXapi(Buffer.alloc(3 * 1024 * 1024, 'a'), auth)).toMatchObject({
      status: 413,
      json: { error: 'PUSH_TOO_LARGE' },
    });
  });

  test('a platform without xAPI credentials, or of the other family, is 404', async () => {
    expect((await postXapi('[]', basic('a', 'b'), canvas.platformId)).status).toBe(404);
    expect((await postXapi('[]', basic('a', 'b'), 'unknown')).status).toBe(404);
  });
});
