import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Browser } from './browser.js';
import { authorizeInBrowser } from './canvas-browser.js';
import { startPlatform, type Platform } from './platform.js';

const REDIRECT = 'https://jalon.example/connectors/canvas/callback';

function authorizeUrl(platform: Platform, clientId: string, extra: Record<string, string> = {}): string {
  const u = new URL('/login/oauth2/auth', platform.url);
  for (const [k, v] of Object.entries({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    state: 's1',
    ...extra,
  }))
    u.searchParams.set(k, v);
  return u.toString();
}

async function token(
  platform: Platform,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${platform.url}/login/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('Canvas REST API and OAuth 2 of the test platform', () => {
  let platform: Platform;
  let key: { clientId: string; clientSecret: string };
  let profToken: { access: string; refresh: string };
  let benToken: string;
  let course: string;

  const api = (path: string, bearer?: string) =>
    fetch(`${platform.url}${path}`, bearer ? { headers: { Authorization: `Bearer ${bearer}` } } : {});

  async function authorise(user: string): Promise<{ access: string; refresh: string }> {
    const run = await authorizeInBrowser(platform, new Browser(), authorizeUrl(platform, key.clientId), {
      user,
    });
    const code = run.callback?.searchParams.get('code');
    expect(code).toBeTruthy();
    const t = await token(platform, {
      grant_type: 'authorization_code',
      client_id: key.clientId,
      client_secret: key.clientSecret,
      redirect_uri: REDIRECT,
      code: code!,
    });
    expect(t.status).toBe(200);
    return { access: String(t.body.access_token), refresh: String(t.body.refresh_token) };
  }

  beforeAll(async () => {
    platform = await startPlatform({ family: 'canvas' });
    key = platform.createApiKey({ redirectUri: REDIRECT });
    profToken = await authorise('prof');
    benToken = (await authorise('ben')).access;
    course = platform.course('math').restId;
  });
  afterAll(() => platform.close());

  test('a Moodle platform has no Canvas REST side', async () => {
    const moodle = await startPlatform({ family: 'moodle', seed: false });
    try {
      expect(() => moodle.canvas).toThrow(/only on Canvas/);
      expect((await fetch(`${moodle.url}/login/oauth2/auth?client_id=x`)).status).toBe(404);
    } finally {
      await moodle.close();
    }
  });

  test('authorize refuses unknown clients and unregistered redirect URIs without redirecting', async () => {
    const unknown = await fetch(authorizeUrl(platform, '10000000000999'), { redirect: 'manual' });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_client' });
    const evil = await fetch(
      authorizeUrl(platform, key.clientId, { redirect_uri: 'https://evil.example/cb' }),
      {
        redirect: 'manual',
      },
    );
    expect(evil.status).toBe(400);
    expect(evil.headers.get('location')).toBeNull();
  });

  test('without a session the login page comes first; a wrong password is refused', async () => {
    const browser = new Browser();
    const noUser = await authorizeInBrowser(platform, browser, authorizeUrl(platform, key.clientId));
    expect(new URL(noUser.final.url).pathname).toBe('/login/canvas');
    expect(noUser.callback).toBeUndefined();
    const wrong = await authorizeInBrowser(platform, browser, authorizeUrl(platform, key.clientId), {
      user: 'prof',
      password: 'nope',
    });
    expect(wrong.final.status).toBe(400);
    expect(wrong.callback).toBeUndefined();
  });

  test('the token endpoint: single-use codes, client secret, refresh, revocation', async () => {
    const run = await authorizeInBrowser(platform, new Browser(), authorizeUrl(platform, key.clientId), {
      user: 'prof',
    });
    expect(run.callback?.searchParams.get('state')).toBe('s1');
    const code = run.callback!.searchParams.get('code')!;
    const base = { client_id: key.clientId, redirect_uri: REDIRECT, code };
    const badSecret = await token(platform, {
      ...base,
      grant_type: 'authorization_code',
      client_secret: 'x',
    });
    expect(badSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const ok = await token(platform, {
      ...base,
      grant_type: 'authorization_code',
      client_secret: key.clientSecret,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      user: { id: Number(platform.user('prof').restId) },
    });
    expect(typeof ok.body.refresh_token).toBe('string');
    const replay = await token(platform, {
      ...base,
      grant_type: 'authorization_code',
      client_secret: key.clientSecret,
    });
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const refreshed = await token(platform, {
      grant_type: 'refresh_token',
      client_id: key.clientId,
      client_secret: key.clientSecret,
      refresh_token: String(ok.body.refresh_token),
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBeUndefined();
    expect((await api('/api/v1/users/self', String(ok.body.access_token))).status).toBe(401);
    expect((await api('/api/v1/users/self', String(refreshed.body.access_token))).status).toBe(200);
    const del = await fetch(`${platform.url}/login/oauth2/token`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${String(refreshed.body.access_token)}` },
    });
    expect(del.status).toBe(200);
    expect((await api('/api/v1/users/self', String(refreshed.body.access_token))).status).toBe(401);
    const afterRevoke = await token(platform, {
      grant_type: 'refresh_token',
      client_id: key.clientId,
      client_secret: key.clientSecret,
      refresh_token: String(ok.body.refresh_token),
    });
    expect(afterRevoke).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  test('401s as Canvas sends them: bad token with WWW-Authenticate, "not authorized" and scopes without', async () => {
    const essayId = platform.canvas.findAssignment('math', 'Essay – summative').id;
    const none = await api(`/api/v1/courses/${course}/assignments`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const bad = await api(`/api/v1/courses/${course}/assignments`, 'nope');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('Bearer');
    expect(await bad.json()).toEqual({ errors: [{ message: 'Invalid access token.' }] });
    const student = await api(`/api/v1/courses/${course}/assignments/${essayId}/submissions`, benToken);
    expect(student.status).toBe(401);
    expect(student.headers.get('www-authenticate')).toBeNull();
    expect(await student.json()).toEqual({
      status: 'unauthorized',
      errors: [{ message: 'user not authorized to perform that action' }],
    });
    const other = platform.user('ana').restId;
    expect(
      (await api(`/api/v1/courses/${course}/assignments/${essayId}/submissions/${other}`, benToken)).status,
    ).toBe(401);
    const own = platform.user('ben').restId;
    expect(
      (await api(`/api/v1/courses/${course}/assignments/${essayId}/submissions/${own}`, benToken)).status,
    ).toBe(200);
    const missing = await api(`/api/v1/courses/99999/assignments`, profToken.access);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ errors: [{ message: 'The specified resource does not exist.' }] });

    const scoped = platform.createApiKey({
      redirectUri: REDIRECT,
      scopes: ['url:GET|/api/v1/courses/:course_id/assignments', 'url:GET|/api/v1/users/:id'],
    });
    const tooMuch = await authorizeInBrowser(
      platform,
      new Browser(),
      authorizeUrl(platform, scoped.clientId, { scope: 'url:GET|/api/v1/courses/:course_id/modules' }),
      { user: 'prof' },
    );
    expect(tooMuch.callback?.searchParams.get('error')).toBe('invalid_scope');
    const run = await authorizeInBrowser(
      platform,
      new Browser(),
      authorizeUrl(platform, scoped.clientId, { scope: 'url:GET|/api/v1/courses/:course_id/assignments' }),
      { user: 'prof' },
    );
    const t = await token(platform, {
      grant_type: 'authorization_code',
      client_id: scoped.clientId,
      client_secret: scoped.clientSecret,
      redirect_uri: REDIRECT,
      code: run.callback!.searchParams.get('code')!,
    });
    const access = String(t.body.access_token);
    expect((await api(`/api/v1/courses/${course}/assignments`, access)).status).toBe(200);
    const outside = await api(`/api/v1/courses/${course}/quizzes`, access);
    expect(outside.status).toBe(401);
    expect(outside.headers.get('www-authenticate')).toBeNull();
    expect(await outside.json()).toEqual({ errors: [{ message: 'Insufficient scopes on access token.' }] });
  });

  test('Ben’s essay: two attempts in submission_history, a teacher comment, lti ids accepted', async () => {
    const math = platform.course('math');
    const ben = platform.user('ben');
    const essay = platform.canvas.findAssignment('math', 'Essay – summative');
    const res = await api(
      `/api/v1/courses/lti_context_id:${math.contextId}/assignments/${essay.id}/submissions/lti_1_3_id:${ben.sub}?include[]=submission_history&include[]=submission_comments`,
      profToken.access,
    );
    expect(res.status).toBe(200);
    const s = (await res.json()) as {
      attempt: number;
      score: number;
      user_id: number;
      submission_history: { attempt: number; score: number; grader_id: number; submitted_at: string }[];
      submission_comments: { author_id: number; created_at: string }[];
    };
    expect(s).toMatchObject({ attempt: 2, score: 86, user_id: Number(ben.restId) });
    expect(s.submission_history.map((v) => [v.attempt, v.score])).toEqual([
      [1, 52],
      [2, 86],
    ]);
    expect(s.submission_history[0]!.grader_id).toBe(Number(platform.user('prof').restId));
    expect(s.submission_comments.map((c) => c.author_id)).toEqual([
      Number(platform.user('prof').restId),
      Number(ben.restId),
    ]);
    // Without include[] the history and comments stay out, as in Canvas.
    const plain = (await (
      await api(
        `/api/v1/courses/${math.restId}/assignments/${essay.id}/submissions/${ben.restId}`,
        profToken.access,
      )
    ).json()) as Record<string, unknown>;
    expect(plain.submission_history).toBeUndefined();
    expect(plain.submission_comments).toBeUndefined();
  });

  test('a resubmission shows the previous grade with grade_matches_current_submission false', async () => {
    const essay = platform.canvas.findAssignment('hist', 'Essay – summative');
    platform.canvas.data.submit(essay.id, 'ana', { at: '2025-03-10T10:00:00Z' });
    const hist = platform.course('hist').restId;
    const ana = platform.user('ana').restId;
    const s = (await (
      await api(
        `/api/v1/courses/${hist}/assignments/${essay.id}/submissions/${ana}?include[]=submission_history`,
        profToken.access,
      )
    ).json()) as Record<string, unknown> & { submission_history: Record<string, unknown>[] };
    expect(s).toMatchObject({
      attempt: 2,
      score: 91,
      workflow_state: 'submitted',
      grade_matches_current_submission: false,
    });
    expect(s.submission_history[0]).toMatchObject({ attempt: 1, score: 91, workflow_state: 'graded' });
  });

  test('classic quiz: negative grader_id, quiz_submissions wrapper, practice quiz has no assignment', async () => {
    const quizzes = (await (await api(`/api/v1/courses/${course}/quizzes`, profToken.access)).json()) as {
      id: number;
      quiz_type: string;
      assignment_id: number | null;
    }[];
    const graded = quizzes.find((q) => q.quiz_type === 'assignment')!;
    expect(quizzes.find((q) => q.quiz_type === 'practice_quiz')?.assignment_id).toBeNull();
    const ben = platform.user('ben').restId;
    const sub = (await (
      await api(
        `/api/v1/courses/${course}/assignments/${graded.assignment_id}/submissions/${ben}?include[]=submission_history`,
        profToken.access,
      )
    ).json()) as { submission_history: { grader_id: number; score: number }[] };
    expect(sub.submission_history.map((v) => v.grader_id)).toEqual([-graded.id, -graded.id]);
    const qs = (await (
      await api(`/api/v1/courses/${course}/quizzes/${graded.id}/submissions`, profToken.access)
    ).json()) as { quiz_submissions: { user_id: number; attempt: number; kept_score: number }[] };
    expect(qs.quiz_submissions.find((q) => q.user_id === Number(ben))).toMatchObject({
      attempt: 2,
      kept_score: 9,
    });
  });

  test('pagination: Link with rel="next", per_page default 10 and at most 100', async () => {
    platform.addCourse({ handle: 'paged', label: 'PAGE1', title: 'Paged' });
    platform.enrol('prof', 'paged', 'instructor');
    for (let i = 0; i < 23; i++) platform.canvas.data.addAssignment('paged', { name: `A${i}` });
    const id = platform.course('paged').restId;
    const first = await api(`/api/v1/courses/${id}/assignments`, profToken.access);
    expect(((await first.json()) as unknown[]).length).toBe(10);
    const link = first.headers.get('link')!;
    expect(link).toMatch(/rel="next"/);
    expect(link).toMatch(/rel="last"/);
    const next = /<([^>]+)>; rel="next"/.exec(link)![1]!;
    const second = await api(new URL(next).pathname + new URL(next).search, profToken.access);
    expect(((await second.json()) as unknown[]).length).toBe(10);
    const big = await api(`/api/v1/courses/${id}/assignments?per_page=500`, profToken.access);
    expect(((await big.json()) as unknown[]).length).toBe(23);
    expect(big.headers.get('link')).not.toMatch(/rel="next"/);
  });

  test('throttling: cost headers, forced 403 "Rate Limit Exceeded" and 429 with Retry-After, 5xx', async () => {
    const path = `/api/v1/courses/${course}/assignments`;
    const ok = await api(path, profToken.access);
    expect(Number(ok.headers.get('x-rate-limit-remaining'))).toBeGreaterThan(0);
    expect(Number(ok.headers.get('x-request-cost'))).toBeGreaterThan(0);
    platform.canvas.throttleNext(1);
    const t403 = await api(path, profToken.access);
    expect(t403.status).toBe(403);
    expect(await t403.text()).toContain('Rate Limit Exceeded');
    platform.canvas.throttleNext(1, { status: 429, retryAfter: 7 });
    const t429 = await api(path, profToken.access);
    expect(t429.status).toBe(429);
    expect(t429.headers.get('retry-after')).toBe('7');
    platform.canvas.failNext(1, 502);
    expect((await api(path, profToken.access)).status).toBe(502);
    expect((await api(path, profToken.access)).status).toBe(200);
  });

  test('progress and modules: Ben completed the module, Ana has not, teachers have no progress', async () => {
    const ben = platform.user('ben').restId;
    const progress = await (
      await api(`/api/v1/courses/${course}/users/${ben}/progress`, profToken.access)
    ).json();
    expect(progress).toMatchObject({
      requirement_count: 3,
      requirement_completed_count: 3,
      completed_at: '2025-03-03T09:00:00Z',
    });
    const ana = await (await api(`/api/v1/courses/${course}/users/self/progress`, profToken.access)).json();
    expect(ana).toMatchObject({ error: { message: expect.stringContaining('no progress available') } });
    const anaId = platform.user('ana').restId;
    const modules = (await (
      await api(`/api/v1/courses/${course}/modules?include[]=items&student_id=${anaId}`, profToken.access)
    ).json()) as { state: string; items: { completion_requirement: { completed: boolean } }[] }[];
    expect(modules[0]!.state).toBe('started');
    expect(modules[0]!.items.map((i) => i.completion_requirement.completed)).toEqual([false, true, true]);
    expect((await api(`/api/v1/courses/${course}/users/${anaId}/progress`, benToken)).status).toBe(401);
  });
});
