/**
 * Canvas through Jalon end to end, against the Canvas-shaped test platform and a real
 * database: the administrator saves the API developer key, an instructor's definition page
 * asks them to authorise Jalon, the new window goes start → Canvas authorize → callback,
 * tokens are sealed; replayed or forged states, a refusal, and another person's Canvas
 * account store nothing; then the course's Canvas assignments are listed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { and, eq } from 'drizzle-orm';
import { ConnectorActivitySource } from '../../src/connectors/activity-source.js';
import { lmsConnectors, lmsUserTokens, oauthStates } from '../../src/db/schema/index.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { startJalon, type TestJalon } from '../helpers/jalon.js';
import { authorizeInBrowser } from '../platform/canvas-browser.js';
import { Browser, startPlatform, type Platform } from '../platform/index.js';
import { adminLaunch, countRows, getPage, launch, text, type Session } from './definition-fixtures.js';

let jalon: TestJalon;
let canvas: Platform;
let platformId: string;
let key: { clientId: string; clientSecret: string };
let admin: Session;

beforeAll(async () => {
  jalon = await startJalon();
  canvas = await startPlatform({ family: 'canvas' });
  const { clientId, deploymentId } = canvas.addTool({
    loginUrl: `${jalon.url}/lti/login`,
    redirectUris: [`${jalon.url}/lti`],
    jwksUrl: `${jalon.url}/lti/keys`,
  });
  const { registry } = jalon.running.services;
  const { platform } = await registry.add(
    {
      issuer: canvas.issuer,
      clientId,
      authEndpoint: canvas.endpoints.auth,
      tokenEndpoint: canvas.endpoints.token,
      jwksUri: canvas.endpoints.jwks,
      deploymentIds: [deploymentId],
      productFamily: 'canvas',
    },
    'test',
    'manual',
  );
  await registry.activate(platform.id, 'test');
  platformId = platform.id;
  key = canvas.createApiKey({ redirectUri: `${jalon.url}/oauth/canvas/callback` });
  admin = await adminLaunch(canvas);
});

afterAll(async () => {
  await canvas?.close();
  await jalon?.stop();
});

const adminPost = (path: string, fields: Record<string, string>) =>
  admin.browser.request('POST', `${jalon.url}/lti/admin/connectors/${platformId}${path}`, {
    ltik: admin.ltik,
    ...fields,
  });
const tokenRow = async (sub: string) =>
  (
    await jalon.database.db
      .select()
      .from(lmsUserTokens)
      .where(and(eq(lmsUserTokens.platformId, platformId), eq(lmsUserTokens.userId, sub)))
  )[0];
const startUrl = (state: string, lang = 'en') =>
  `${jalon.url}/oauth/canvas/start?state=${encodeURIComponent(state)}&lang=${lang}`;

/** Follows Jalon's start address into Canvas and back to Jalon's callback, as a new window does. */
async function authorise(
  browser: Browser,
  state: string,
  options: Parameters<typeof authorizeInBrowser>[3] = {},
) {
  const start = await browser.request('GET', startUrl(state, 'fr'));
  expect(start.status).toBe(302);
  expect(start.location!.startsWith(`${canvas.url}/login/oauth2/auth?`)).toBe(true);
  const run = await authorizeInBrowser(canvas, browser, start.location!, options);
  expect(run.callback?.toString().startsWith(`${jalon.url}/oauth/canvas/callback?`)).toBe(true);
  const callback = await browser.request('GET', run.callback!.toString());
  return { callback, url: run.callback!.toString() };
}

describe('the administrator sets up the Canvas developer key', () => {
  test('the page lists the redirect URI, the custom fields and the scopes to allow', async () => {
    const page = await admin.browser.request(
      'GET',
      `${jalon.url}/lti/admin/connectors?ltik=${encodeURIComponent(admin.ltik)}`,
    );
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<code id="canvas-redirect-uri">${jalon.url}/oauth/canvas/callback</code>`);
    expect(page.body).toContain('canvas_user_id=$Canvas.user.id');
    expect(page.body).toContain('url:GET|/api/v1/courses/:course_id/assignments');
  });

  test('a wrong secret is saved but Test connection says Canvas refuses the key', async () => {
    const r = await adminPost('/canvas', {
      baseUrl: canvas.url,
      clientId: key.clientId,
      clientSecret: 'x'.repeat(40),
    });
    expect(r.status).toBe(200);
    const t = await adminPost('/test', {});
    expect(text(t.body)).toContain('Canvas refused the developer key: check its client id and secret');
  });

  test('the right key: secret sealed, never shown back, and Test connection accepts it', async () => {
    const r = await adminPost('/canvas', {
      baseUrl: canvas.url,
      clientId: key.clientId,
      clientSecret: key.clientSecret,
    });
    expect(r.status).toBe(200);
    expect(r.body).not.toContain(key.clientSecret);
    const [row] = await jalon.database.db
      .select()
      .from(lmsConnectors)
      .where(eq(lmsConnectors.platformId, platformId));
    expect(row).toMatchObject({ kind: 'canvas', baseUrl: canvas.url, clientId: key.clientId });
    expect(row!.secret).not.toContain(key.clientSecret);
    const t = await adminPost('/test', {});
    const body = text(t.body);
    expect(body).toContain('Connection test passed');
    expect(body).toContain("Canvas accepts the developer key's client id and secret.");
    expect(body).toContain('Each instructor authorises Jalon once');
  });
});

describe('an instructor authorises Jalon', () => {
  let prof: Session;
  let state: string;

  test('the definition page asks the instructor to authorise Jalon, bound to their Canvas id', async () => {
    prof = await launch(canvas, 'prof', 'math', 'en');
    const page = await getPage(jalon, prof, 'definition');
    expect(page.status).toBe(200);
    expect(text(page.body)).toContain(
      "To list this course's Canvas assignments and quizzes, authorise Jalon once to read Canvas on your behalf.",
    );
    const states = await jalon.database.db
      .select()
      .from(oauthStates)
      .where(eq(oauthStates.userId, canvas.user('prof').sub));
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({ platformId, lmsUserId: canvas.user('prof').restId });
    // The button opens Canvas outside the LMS iframe, with this very state.
    expect(page.body).toContain(
      `href="${jalon.url}/oauth/canvas/start?state=${states[0]!.state}&amp;lang=en" target="_blank" rel="noopener"`,
    );
    state = states[0]!.state;
  });

  test('the listing carries a link to Jalon’s start address, opened outside the iframe', async () => {
    const source = new ConnectorActivitySource(jalon.running.services.connectors);
    const listing = await source.list(profContext());
    expect(listing.connected).toBe(false);
    expect(listing.activities).toEqual([]);
    expect(listing.problem?.authorizeUrl).toMatch(
      new RegExp(`^${jalon.url.replace(/[.]/g, '\\.')}/oauth/canvas/start\\?state=[A-Za-z0-9_-]+&lang=en$`),
    );
  });

  test('a forged state is refused at start and at the callback; nothing stored', async () => {
    const b = new Browser();
    const forged = 'A'.repeat(32);
    expect((await b.request('GET', startUrl(forged))).status).toBe(400);
    expect((await b.request('GET', startUrl('<script>'))).status).toBe(400);
    const cb = await b.request('GET', `${jalon.url}/oauth/canvas/callback?code=abc&state=${forged}`);
    expect(cb.status).toBe(400);
    expect(text(cb.body)).toContain('This authorisation link is not valid');
    expect(await countRows(jalon, 'lms_user_tokens')).toBe(0);
    expect(jalon.logs.some((l) => l.reason === 'OAUTH_CALLBACK_BAD_STATE')).toBe(true);
  });

  test('someone signed in to Canvas as another person is refused, and nothing is stored', async () => {
    const s = await jalon.running.services.connectorSettings.createOAuthState(
      platformId,
      canvas.user('prof').sub,
      canvas.user('prof').restId,
    );
    const { callback } = await authorise(new Browser(), s, { user: 'ta' });
    expect(callback.status).toBe(403);
    expect(text(callback.body)).toContain('Vous vous êtes connecté à Canvas avec un autre compte');
    expect(await countRows(jalon, 'lms_user_tokens')).toBe(0);
    expect(jalon.logs.some((l) => l.reason === 'OAUTH_CALLBACK_OTHER_CANVAS_USER')).toBe(true);
  });

  test('declining on Canvas stores nothing and says so', async () => {
    const s = await jalon.running.services.connectorSettings.createOAuthState(
      platformId,
      canvas.user('prof').sub,
      canvas.user('prof').restId,
    );
    const { callback } = await authorise(new Browser(), s, { user: 'prof', decision: 'deny' });
    expect(callback.status).toBe(403);
    expect(await countRows(jalon, 'lms_user_tokens')).toBe(0);
  });

  test('start → Canvas authorize → callback: tokens sealed with the Canvas user id, page in French', async () => {
    // The launch browser already holds prof's Canvas session, as the real browser would.
    const { callback, url } = await authorise(prof.browser, state);
    expect(callback.status).toBe(200);
    expect(text(callback.body)).toContain('Jalon est maintenant autorisé');
    expect(text(callback.body)).toContain('Fermez cette fenêtre et rechargez Jalon dans votre cours.');
    const row = (await tokenRow(canvas.user('prof').sub))!;
    expect(row.lmsUserId).toBe(canvas.user('prof').restId);
    const opened = (await jalon.running.services.connectorSettings.userTokens(
      platformId,
      canvas.user('prof').sub,
    ))!;
    expect(opened.accessToken.length).toBeGreaterThan(10);
    expect(row.token).not.toContain(opened.accessToken);
    expect(row.token).not.toContain(opened.refreshToken!);

    // The same callback again (replayed state): refused, nothing changed.
    const replay = await prof.browser.request('GET', url);
    expect(replay.status).toBe(400);
    const after = (await tokenRow(canvas.user('prof').sub))!;
    expect(after.token).toBe(row.token);
    expect(await countRows(jalon, 'lms_user_tokens')).toBe(1);
  });

  test('then the definition form lists the course’s Canvas assignments and quizzes', async () => {
    const page = await getPage(jalon, prof, 'definition');
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('id="connector-notice"');
    const body = text(page.body);
    expect(body).toContain('Essay – summative');
    expect(body).toContain('Quiz – summative');
    expect(page.body).toContain('data-key="canvas-assignment:');
    // Another instructor of the same platform still has to authorise for themself.
    const ta = await launch(canvas, 'ta', 'math', 'en');
    expect(text((await getPage(jalon, ta, 'definition')).body)).toContain('authorise Jalon once');
  });

  function profContext(): LaunchContext {
    const prof = canvas.user('prof');
    const math = canvas.course('math');
    return {
      platformId,
      issuer: canvas.issuer,
      clientId: 'x',
      deploymentId: 'x',
      productFamily: 'canvas',
      userId: prof.sub,
      roles: [],
      audience: 'instructor',
      isAdministrator: false,
      isInstructor: true,
      course: { id: math.contextId },
      custom: { canvas_user_id: prof.restId, canvas_course_id: math.restId },
      lang: 'en',
      messageType: 'LtiResourceLinkRequest',
      ltik: 'x',
    };
  }
});
