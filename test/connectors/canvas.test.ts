import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createCanvasConnector,
  type CanvasConnector,
  type CanvasConnectorConfig,
  type CanvasLearnerRef,
} from '../../src/connectors/canvas/connector.js';
import {
  authorizeUrl,
  createOAuthState,
  exchangeCode,
  readCallback,
  type CanvasTokens,
} from '../../src/connectors/canvas/oauth.js';
import { CANVAS_ENDPOINTS, CANVAS_REQUIRED_SCOPES, scopeOf } from '../../src/connectors/canvas/scopes.js';
import type { CanvasTokenProvider } from '../../src/connectors/canvas/tokens.js';
import { ConnectorError, type CourseKey } from '../../src/connectors/types.js';
import { dedupeAttempts, validateAttempt } from '../../src/microcredentials/attempts.js';
import { validateFeedback } from '../../src/microcredentials/facts.js';
import { Browser } from '../platform/browser.js';
import { authorizeInBrowser } from '../platform/canvas-browser.js';
import { startPlatform, type Platform } from '../platform/platform.js';

const REDIRECT = 'https://jalon.example/connectors/canvas/callback';

/** Tokens kept in memory, as the sealed DB storage would keep them. */
class MemoryTokens implements CanvasTokenProvider {
  saves = 0;
  constructor(public tokens: CanvasTokens | null) {}
  async get(): Promise<CanvasTokens | null> {
    return this.tokens;
  }
  async save(tokens: CanvasTokens): Promise<void> {
    this.tokens = tokens;
    this.saves++;
  }
}

async function rejection(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConnectorError) return e;
    throw e;
  }
  throw new Error('expected a ConnectorError');
}

describe('Canvas connector over the test platform', () => {
  let platform: Platform;
  let key: { clientId: string; clientSecret: string };
  let prof: MemoryTokens;
  const sleeps: number[] = [];

  const math = (): CourseKey => ({
    contextId: platform.course('math').contextId,
    lmsCourseId: platform.course('math').restId,
  });
  const essay = () => ({
    source: 'canvas-assignment' as const,
    lmsId: String(platform.canvas.findAssignment('math', 'Essay – summative').id),
  });
  const ref = (handle: string, by: 'id' | 'sub' = 'id'): CanvasLearnerRef =>
    by === 'id'
      ? { learner: `L-${handle}`, canvasUserId: platform.user(handle).restId }
      : { learner: `L-${handle}`, ltiSub: platform.user(handle).sub };
  const client = (k = key) => ({ baseUrl: platform.url, clientId: k.clientId, clientSecret: k.clientSecret });
  const connector = (
    tokens: CanvasTokenProvider,
    extra: Partial<CanvasConnectorConfig> = {},
  ): CanvasConnector =>
    createCanvasConnector({
      ...client(),
      tokens,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 60_000 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...extra,
    });
  const requestsSince = (n: number) => platform.canvas.requests.slice(n);

  /** The whole dance: authorize URL → login → Authorize → callback → code exchange. */
  async function authorise(
    user: string,
    options: { k?: typeof key; scopes?: readonly string[] } = {},
  ): Promise<MemoryTokens> {
    const k = options.k ?? key;
    const state = createOAuthState();
    const url = authorizeUrl({
      baseUrl: platform.url,
      clientId: k.clientId,
      redirectUri: REDIRECT,
      state,
      ...(options.scopes ? { scopes: options.scopes } : {}),
    });
    const run = await authorizeInBrowser(platform, new Browser(), url, { user });
    const code = readCallback(run.callback!.searchParams, state);
    const grant = await exchangeCode(client(k), { code, redirectUri: REDIRECT });
    return new MemoryTokens({
      accessToken: grant.accessToken,
      refreshToken: grant.refreshToken!,
      expiresAt: grant.expiresAt,
    });
  }

  beforeAll(async () => {
    platform = await startPlatform({ family: 'canvas' });
    key = platform.createApiKey({ redirectUri: REDIRECT, name: 'Jalon' });
    prof = await authorise('prof');
  });
  afterAll(() => platform.close());

  test('the full OAuth dance: login, Authorize page, code, tokens, then every endpoint works', async () => {
    const state = createOAuthState();
    const url = authorizeUrl({ baseUrl: platform.url, clientId: key.clientId, redirectUri: REDIRECT, state });
    const run = await authorizeInBrowser(platform, new Browser(), url, { user: 'prof' });
    expect(run.steps.some((s) => new URL(s.url).pathname === '/login/canvas')).toBe(true);
    expect(run.steps.some((s) => s.body.includes('Jalon is requesting access to your account'))).toBe(true);
    expect(run.callback?.origin + run.callback!.pathname).toBe(REDIRECT);
    const code = readCallback(run.callback!.searchParams, state);
    const grant = await exchangeCode(client(), { code, redirectUri: REDIRECT });
    expect(grant.user.id).toBe(platform.user('prof').restId);
    expect(grant.refreshToken).toBeTruthy();
    expect(Date.parse(grant.expiresAt)).toBeGreaterThan(Date.now() + 3000 * 1000);
    // The code is single use, and the secret must match.
    expect(await rejection(exchangeCode(client(), { code, redirectUri: REDIRECT }))).toMatchObject({
      code: 'AUTH',
      messageKey: 'connectors:canvas.oauth.codeRejected',
    });
    const bad = { ...key, clientSecret: 'wrong' };
    expect(await rejection(exchangeCode(client(bad), { code: 'x', redirectUri: REDIRECT }))).toMatchObject({
      code: 'AUTH',
      messageKey: 'connectors:canvas.oauth.invalidClient',
    });
    const report = await connector(new MemoryTokens(grant)).testConnection(math());
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name).sort()).toEqual(['oauth', ...CANVAS_REQUIRED_SCOPES].sort());
  });

  test('refusal gives access_denied; a callback whose state does not match is refused first', async () => {
    const state = createOAuthState();
    const url = authorizeUrl({ baseUrl: platform.url, clientId: key.clientId, redirectUri: REDIRECT, state });
    const denied = await authorizeInBrowser(platform, new Browser(), url, { user: 'prof', decision: 'deny' });
    expect(denied.callback?.searchParams.get('error')).toBe('access_denied');
    expect(denied.callback?.searchParams.get('code')).toBeNull();
    expect(
      await rejection(Promise.resolve().then(() => readCallback(denied.callback!.searchParams, state))),
    ).toMatchObject({
      code: 'NEEDS_AUTHORIZATION',
      messageKey: 'connectors:canvas.oauth.denied',
    });
    const accepted = await authorizeInBrowser(platform, new Browser(), url, { user: 'prof' });
    for (const expected of [createOAuthState(), '']) {
      expect(() => readCallback(accepted.callback!.searchParams, expected)).toThrow(
        expect.objectContaining({ messageKey: 'connectors:canvas.oauth.badState' }),
      );
    }
    const forged = new URLSearchParams({ error: 'access_denied', state: 'guess' });
    expect(() => readCallback(forged, state)).toThrow(expect.objectContaining({ code: 'AUTH' }));
    const noState = new URLSearchParams({ code: accepted.callback!.searchParams.get('code')! });
    expect(() => readCallback(noState, state)).toThrow(
      expect.objectContaining({ messageKey: 'connectors:canvas.oauth.badState' }),
    );
  });

  test('an instructor who never authorised: NEEDS_AUTHORIZATION, and nothing is sent to Canvas', async () => {
    const before = platform.canvas.requests.length;
    const c = connector(new MemoryTokens(null));
    expect(await rejection(c.listActivities(math()))).toMatchObject({
      code: 'NEEDS_AUTHORIZATION',
      messageKey: 'connectors:canvas.error.needsAuthorization',
    });
    const report = await c.testConnection(math());
    expect(report.ok).toBe(false);
    expect(report.checks).toEqual([
      { name: 'oauth', ok: false, messageKey: 'connectors:canvas.error.needsAuthorization' },
    ]);
    expect(platform.canvas.requests.length).toBe(before);
  });

  test('token refresh: after Canvas expires the token, before expiry, and once for concurrent calls', async () => {
    const tokens = await authorise('prof');
    const c = connector(tokens);
    const old = tokens.tokens!.accessToken;
    platform.canvas.expireTokens('prof');
    const t0 = platform.canvas.tokenRequests.length;
    const r0 = platform.canvas.requests.length;
    expect((await c.listActivities(math())).length).toBeGreaterThan(0);
    expect(platform.canvas.tokenRequests.slice(t0)).toEqual([
      { grantType: 'refresh_token', clientId: key.clientId, status: 200 },
    ]);
    expect(requestsSince(r0).filter((r) => r.status === 401)).toHaveLength(1);
    expect(tokens.saves).toBe(1);
    expect(tokens.tokens!.accessToken).not.toBe(old);
    expect(tokens.tokens!.refreshToken).toBeTruthy();

    // Stored expiry already past: refreshed first, no 401 on the way.
    tokens.tokens = { ...tokens.tokens!, expiresAt: new Date(Date.now() - 1000).toISOString() };
    const r1 = platform.canvas.requests.length;
    await c.listActivities(math());
    expect(tokens.saves).toBe(2);
    expect(requestsSince(r1).filter((r) => r.status === 401)).toHaveLength(0);

    // Two calls meeting an expired token share one refresh.
    platform.canvas.expireTokens('prof');
    const t2 = platform.canvas.tokenRequests.length;
    await Promise.all([c.listActivities(math()), c.readAttempts(math(), essay(), [ref('ben')])]);
    expect(platform.canvas.tokenRequests.slice(t2)).toHaveLength(1);
    prof = tokens;
  });

  test('pagination: 25 students at per_page 10 are read across 3 pages by following rel="next"', async () => {
    platform.addCourse({ handle: 'big', label: 'BIG100', title: 'Big class' });
    platform.enrol('prof', 'big', 'instructor');
    const a = platform.canvas.data.addAssignment('big', { name: 'Project', allowedAttempts: 2 });
    const refs: CanvasLearnerRef[] = [];
    for (let i = 1; i <= 25; i++) {
      const handle = `s${String(i).padStart(2, '0')}`;
      const u = platform.addUser({
        handle,
        givenName: 'S',
        familyName: handle,
        email: `${handle}@example.edu`,
      });
      platform.enrol(handle, 'big', 'learner');
      platform.canvas.data.submit(a.id, handle, { at: '2025-03-01T10:00:00Z' });
      platform.canvas.data.grade(a.id, handle, { score: 50 + i, grader: 'prof', at: '2025-03-02T10:00:00Z' });
      refs.push({ learner: `L-${handle}`, canvasUserId: u.restId });
    }
    const big: CourseKey = { contextId: platform.course('big').contextId };
    const c = connector(prof, { perPage: 10 });
    const r0 = platform.canvas.requests.length;
    const all = await c.readAttempts(big, { source: 'canvas-assignment', lmsId: String(a.id) });
    const pages = requestsSince(r0).filter((r) => r.url.includes(`/assignments/${a.id}/submissions`));
    expect(pages).toHaveLength(3);
    expect(pages.slice(1).every((r) => r.url.includes('page=bookmark'))).toBe(true);
    expect(all.attempts).toHaveLength(25);
    expect(new Set(all.attempts.map((x) => x.learner))).toEqual(new Set(refs.map((r) => r.canvasUserId)));

    const r1 = platform.canvas.requests.length;
    const mapped = await c.readAttempts(big, { source: 'canvas-assignment', lmsId: String(a.id) }, refs);
    expect(requestsSince(r1).filter((r) => r.url.includes('/students/submissions'))).toHaveLength(3);
    expect(mapped.attempts.map((x) => x.learner).sort()).toEqual(refs.map((r) => r.learner).sort());
    expect(mapped.attempts.find((x) => x.learner === 'L-s25')).toMatchObject({ score: 75, maxScore: 100 });
  });

  test('rate limiting: backs off (honouring Retry-After) and succeeds; gives up after the bound', async () => {
    const c = connector(prof);
    const path = `/courses/${platform.course('math').restId}/assignments`;
    sleeps.length = 0;
    platform.canvas.throttleNext(2, { retryAfter: 2 });
    const r0 = platform.canvas.requests.length;
    expect((await c.listActivities(math())).length).toBeGreaterThan(0);
    const throttled = requestsSince(r0).filter((r) => r.status === 403);
    expect(throttled).toHaveLength(2);
    expect(sleeps).toEqual([2000, 2000]);

    sleeps.length = 0;
    platform.canvas.throttleNext(1, { status: 429 });
    const r1 = platform.canvas.requests.length;
    await c.listActivities(math());
    expect(requestsSince(r1).filter((r) => r.status === 429)).toHaveLength(1);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(0);

    platform.canvas.throttleNext(10);
    const r2 = platform.canvas.requests.length;
    expect(await rejection(c.readAttempts(math(), essay()))).toMatchObject({ code: 'RATE_LIMITED' });
    expect(requestsSince(r2)).toHaveLength(3);
    expect(requestsSince(r2).every((r) => r.status === 403 && r.url.includes(path))).toBe(true);
    platform.canvas.clearFaults();

    // Low quota left (X-Rate-Limit-Remaining): the next request waits before Canvas refuses.
    platform.canvas.throttle.capacity = 80;
    try {
      sleeps.length = 0;
      const r3 = platform.canvas.requests.length;
      await connector(prof).listActivities(math());
      expect(requestsSince(r3).map((r) => r.status)).toEqual([200, 200]);
      expect(sleeps).toHaveLength(1);
    } finally {
      platform.canvas.throttle.capacity = 700;
      platform.canvas.clearFaults();
    }
  });

  test('server errors are retried, then UNAVAILABLE after the bound', async () => {
    const c = connector(prof);
    platform.canvas.failNext(1, 503);
    const r0 = platform.canvas.requests.length;
    await c.readAttempts(math(), essay(), [ref('ben')]);
    expect(requestsSince(r0).map((r) => r.status)[0]).toBe(503);
    expect(requestsSince(r0)[1]!.url).toBe(requestsSince(r0)[0]!.url);

    platform.canvas.failNext(10, 500);
    const r1 = platform.canvas.requests.length;
    const e = await rejection(c.listActivities(math()));
    expect(e).toMatchObject({ code: 'UNAVAILABLE', params: { status: 500 } });
    expect(requestsSince(r1).filter((r) => r.status === 500)).toHaveLength(3);
    platform.canvas.clearFaults();
  });

  test('a revoked authorisation or a disabled key gives AUTH, and the report stops there', async () => {
    const ta = await authorise('ta');
    const c = connector(ta);
    await c.listActivities(math());
    platform.canvas.revokeTokens('ta');
    expect(await rejection(c.listActivities(math()))).toMatchObject({
      code: 'AUTH',
      messageKey: 'connectors:canvas.error.reauthorize',
    });
    const report = await c.testConnection(math());
    expect(report.ok).toBe(false);
    expect(report.checks).toEqual([
      { name: 'oauth', ok: true, messageKey: 'connectors:canvas.check.authorized' },
      { name: scopeOf(CANVAS_ENDPOINTS.self), ok: false, messageKey: 'connectors:canvas.error.reauthorize' },
    ]);

    const other = platform.createApiKey({ redirectUri: REDIRECT });
    const tokens = await authorise('prof', { k: other });
    platform.canvas.deactivateApiKey(other.clientId);
    const e = await rejection(createCanvasConnector({ ...client(other), tokens }).listActivities(math()));
    expect(e).toMatchObject({ code: 'AUTH', messageKey: 'connectors:canvas.oauth.invalidClient' });
  });

  test('a student’s token: PERMISSION for the class (not mistaken for a bad token), own results readable', async () => {
    const ben = await authorise('ben');
    const c = connector(ben);
    const t0 = platform.canvas.tokenRequests.length;
    expect(await rejection(c.readAttempts(math(), essay()))).toMatchObject({
      code: 'PERMISSION',
      messageKey: 'connectors:canvas.error.permission',
    });
    expect(platform.canvas.tokenRequests.length).toBe(t0);
    const own = await c.readAttempts(math(), essay(), [ref('ben')]);
    expect(own.attempts.map((a) => a.score)).toEqual([52, 86]);
    expect(await rejection(c.readAttempts(math(), essay(), [ref('ana')]))).toMatchObject({
      code: 'PERMISSION',
    });
    const report = await c.testConnection(math());
    expect(report.ok).toBe(false);
    expect(report.checks.find((x) => x.name === scopeOf(CANVAS_ENDPOINTS.studentSubmissions))).toMatchObject({
      ok: false,
      messageKey: 'connectors:canvas.check.notAllowed',
    });
    expect(report.checks.find((x) => x.name === scopeOf(CANVAS_ENDPOINTS.assignments))?.ok).toBe(true);
  });

  test('a key enforcing scopes without one Jalon needs: the report names it', async () => {
    const missing = scopeOf(CANVAS_ENDPOINTS.studentSubmissions);
    const scopes = CANVAS_REQUIRED_SCOPES.filter((s) => s !== missing);
    const scoped = platform.createApiKey({ redirectUri: REDIRECT, scopes });
    const tokens = await authorise('prof', { k: scoped, scopes });
    const c = createCanvasConnector({ ...client(scoped), tokens });
    const report = await c.testConnection(math());
    expect(report.ok).toBe(false);
    expect(report.checks.filter((x) => !x.ok)).toEqual([
      {
        name: missing,
        ok: false,
        messageKey: 'connectors:canvas.check.scopeMissing',
        params: { scope: missing },
      },
    ]);
    expect(await rejection(c.readAttempts(math(), essay(), [ref('ben')]))).toMatchObject({
      code: 'PERMISSION',
      messageKey: 'connectors:canvas.error.scope',
      params: { scope: missing },
    });
    // Endpoints inside the scopes still work.
    expect((await c.listActivities(math())).length).toBeGreaterThan(0);
  });

  test('a course addressed only by its LTI context id (lti_context_id:)', async () => {
    const c = connector(prof);
    const r0 = platform.canvas.requests.length;
    const byContext = await c.listActivities({ contextId: platform.course('math').contextId });
    expect(byContext).toEqual(await c.listActivities(math()));
    expect(requestsSince(r0)[0]!.url).toContain(`lti_context_id:${platform.course('math').contextId}`);
    expect(await rejection(c.listActivities({ contextId: 'f'.repeat(40) }))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  test('attempts normalised from submission_history (1-based, ungraded resubmission, lti_1_3_id)', async () => {
    const c = connector(prof);
    const { attempts } = await c.readAttempts(math(), essay(), [
      ref('ben'),
      ref('ana', 'sub'),
      ref('chloe'),
      ref('dana'),
      { learner: 'L-ghost', ltiSub: '00000000-0000-4000-8000-000000000000' },
    ]);
    const s = (h: string) => platform.canvas.data.submission(Number(essay().lmsId), h).id;
    const key = essay();
    expect(attempts.filter((a) => a.learner === 'L-ben')).toEqual([
      {
        learner: 'L-ben',
        assessment: key,
        attemptNumber: 1,
        score: 52,
        maxScore: 100,
        submittedAt: '2025-02-20T10:00:00Z',
        gradedAt: '2025-02-21T08:00:00Z',
        source: 'canvas-api',
        sourceId: `${s('ben')}:1`,
      },
      {
        learner: 'L-ben',
        assessment: key,
        attemptNumber: 2,
        score: 86,
        maxScore: 100,
        submittedAt: '2025-03-02T10:00:00Z',
        gradedAt: '2025-03-03T09:00:00Z',
        source: 'canvas-api',
        sourceId: `${s('ben')}:2`,
      },
    ]);
    expect(attempts.filter((a) => a.learner === 'L-ana').map((a) => a.score)).toEqual([91]);
    expect(attempts.filter((a) => a.learner === 'L-chloe')).toMatchObject([
      { attemptNumber: 1, score: null, gradedAt: null },
    ]);
    expect(attempts.filter((a) => ['L-dana', 'L-ghost'].includes(a.learner))).toEqual([]);
    expect(attempts.every((a) => validateAttempt(a).ok)).toBe(true);
    expect(dedupeAttempts(attempts)).toHaveLength(attempts.length);

    // A resubmission still shows the old grade in Canvas: Jalon reads it as ungraded.
    const lab = platform.canvas.data.addAssignment('math', {
      name: 'Lab report',
      pointsPossible: 20,
      allowedAttempts: 2,
    });
    platform.canvas.data.submit(lab.id, 'ana', { at: '2025-03-05T10:00:00Z' });
    platform.canvas.data.grade(lab.id, 'ana', { score: 8, grader: 'prof', at: '2025-03-06T10:00:00Z' });
    platform.canvas.data.submit(lab.id, 'ana', { at: '2025-03-08T10:00:00Z' });
    const lab2 = await c.readAttempts(math(), { source: 'canvas-assignment', lmsId: String(lab.id) }, [
      ref('ana'),
    ]);
    expect(lab2.attempts.map((a) => [a.attemptNumber, a.score, a.maxScore])).toEqual([
      [1, 8, 20],
      [2, null, 20],
    ]);
  });

  test('who changed since: submitted or graded after the instant, every page, only this assignment', async () => {
    const c = connector(prof, { perPage: 1 });
    const all = await c.changedLearners(math(), essay(), new Date('2025-01-01T00:00:00Z'));
    expect([...all.learners].sort()).toEqual(
      ['ana', 'ben', 'chloe'].map((h) => platform.user(h).restId).sort(),
    );
    expect(all.attempts).toEqual(new Set());
    // Graded on 2025-03-03 (Ben, attempt 2); nobody submitted after that.
    const late = await c.changedLearners(math(), essay(), new Date('2025-03-02T12:00:00Z'));
    expect([...late.learners]).toEqual([platform.user('ben').restId]);
    const from = platform.canvas.requests.length;
    expect((await c.changedLearners(math(), essay(), new Date('2099-01-01T00:00:00Z'))).learners).toEqual(
      new Set(),
    );
    const asked = requestsSince(from).map((r) => new URL(r.url, platform.url).searchParams);
    expect(asked.filter((q) => q.has('submitted_since') || q.has('graded_since'))).toHaveLength(2);
    for (const q of asked.filter((x) => x.has('student_ids[]'))) {
      expect(q.getAll('student_ids[]')).toEqual(['all']);
      expect(q.getAll('assignment_ids[]')).toEqual([essay().lmsId]);
    }
    // A classic quiz is asked about through its assignment; another LMS's item is refused.
    const quiz = platform.canvas.data.quizzesIn('math').find((q) => q.title === 'Quiz – summative')!;
    const quizChanged = await c.changedLearners(
      math(),
      { source: 'canvas-quiz', lmsId: String(quiz.id) },
      new Date(0),
    );
    expect(quizChanged.learners.size).toBeGreaterThan(0);
    expect(
      await rejection(c.changedLearners(math(), { source: 'moodle-assign', lmsId: '1' }, new Date(0))),
    ).toMatchObject({ code: 'BAD_RESPONSE' });
  });

  test('a teacher comment between attempts is feedback; the student’s own comment is not', async () => {
    const { attempts, feedback } = await connector(prof).readAttempts(math(), essay(), [ref('ben')]);
    const comments = platform.canvas.data.submission(Number(essay().lmsId), 'ben').comments;
    expect(comments).toHaveLength(2);
    expect(feedback).toEqual([
      {
        learner: 'L-ben',
        assessment: essay(),
        givenAt: '2025-02-21T08:05:00Z',
        origin: 'lms',
        sourceId: `comment:${comments[0]!.id}`,
      },
    ]);
    expect(validateFeedback(feedback[0]!)).toBeNull();
    const given = Date.parse(feedback[0]!.givenAt);
    expect(given).toBeGreaterThan(Date.parse(attempts[0]!.submittedAt));
    expect(given).toBeLessThan(Date.parse(attempts[1]!.submittedAt));
  });

  test('classic quizzes are listed (practice quizzes are not) and read through their assignment', async () => {
    const c = connector(prof);
    const list = await c.listActivities(math());
    const quiz = list.find((a) => a.ref.source === 'canvas-quiz' && a.ref.label === 'Quiz – summative');
    expect(quiz).toMatchObject({
      kind: 'quiz',
      maxScore: 10,
      attemptsAllowed: 2,
      dueAt: '2025-04-15T03:59:59Z',
    });
    expect(quiz!.url).toContain(`/quizzes/${quiz!.ref.lmsId}`);
    expect(list.some((a) => a.ref.label === 'Practice quiz')).toBe(false);
    expect(list.filter((a) => a.ref.source === 'canvas-assignment').map((a) => a.ref.label)).not.toContain(
      'Quiz – summative',
    );
    expect(list.find((a) => a.ref.label === 'Essay – summative')).toMatchObject({
      ref: { source: 'canvas-assignment' },
      kind: 'assignment',
      maxScore: 100,
      attemptsAllowed: 2,
    });
    expect(list.find((a) => a.ref.label === 'Reflection journal')?.attemptsAllowed).toBeNull();
    const read = await c.readAttempts(math(), quiz!.ref, [ref('ben')]);
    expect(read.attempts.map((a) => [a.attemptNumber, a.score, a.maxScore])).toEqual([
      [1, 6, 10],
      [2, 9, 10],
    ]);
    const practice = platform.canvas.data.quizzesIn('math').find((q) => q.quizType === 'practice_quiz')!;
    expect(
      await rejection(c.readAttempts(math(), { source: 'canvas-quiz', lmsId: String(practice.id) })),
    ).toMatchObject({ code: 'NOT_FOUND', messageKey: 'connectors:canvas.error.quizNotGraded' });
  });

  test('completion from user progress and modules', async () => {
    const c = connector(prof);
    const ben = await c.readCompletion(math(), ref('ben'));
    expect(ben[0]).toEqual({
      learner: 'L-ben',
      scope: { kind: 'course' },
      completedAt: '2025-03-03T09:00:00Z',
    });
    expect(ben.filter((r) => r.scope.kind === 'activity')).toHaveLength(3);
    const ana = await c.readCompletion(math(), ref('ana', 'sub'));
    expect(ana.some((r) => r.scope.kind === 'course')).toBe(false);
    expect(ana).toHaveLength(2);
    expect(await c.readCompletion(math(), ref('dana'))).toEqual([]);
    expect(await rejection(c.readCompletion(math(), { learner: 'x' }))).toMatchObject({
      messageKey: 'connectors:canvas.error.unknownUser',
    });
  });

  test('never follows a next link off the Canvas origin (the token stays home)', async () => {
    let elsewhere = 0;
    const other = http.createServer((_req, res) => {
      elsewhere++;
      res.end('[]');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherPort = (other.address() as AddressInfo).port;
    const canvas = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader(
        'Link',
        `<http://localhost:${otherPort}/api/v1/courses/1/assignments?page=2>; rel="next"`,
      );
      res.end('[]');
    });
    await new Promise<void>((r) => canvas.listen(0, '127.0.0.1', r));
    try {
      const c = createCanvasConnector({
        baseUrl: `http://127.0.0.1:${(canvas.address() as AddressInfo).port}`,
        clientId: '1',
        clientSecret: 's',
        tokens: new MemoryTokens({
          accessToken: 't',
          expiresAt: new Date(Date.now() + 3600_000).toISOString(),
        }),
      });
      expect(await rejection(c.listActivities({ contextId: 'c', lmsCourseId: '1' }))).toMatchObject({
        code: 'BAD_RESPONSE',
        messageKey: 'connectors:canvas.error.pagination',
      });
      expect(elsewhere).toBe(0);
    } finally {
      canvas.closeAllConnections();
      other.closeAllConnections();
      await Promise.all([new Promise((r) => canvas.close(r)), new Promise((r) => other.close(r))]);
    }
  });
});
