/**
 * The connector factory and the activity source over a real database and the Moodle- and
 * Canvas-shaped test platforms: what an instructor is told when nothing is set up (per
 * family), the Canvas authorisation link bound to the launching person, live listings, and
 * failures turned into words (including a revoked Canvas authorisation).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { ConnectorActivitySource } from '../../src/connectors/activity-source.js';
import { exchangeCode } from '../../src/connectors/canvas/index.js';
import { ConnectorFactory, canvasRedirectUri, connectorKey } from '../../src/connectors/factory.js';
import { ConnectorSettingsStore } from '../../src/connectors/settings.js';
import { createSealer } from '../../src/crypto/seal.js';
import { oauthStates } from '../../src/db/schema/index.js';
import { translator } from '../../src/i18n/index.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { PlatformRegistry } from '../../src/platforms/registry.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { Browser } from '../platform/browser.js';
import { authorizeInBrowser } from '../platform/canvas-browser.js';
import { startPlatform, type Platform } from '../platform/platform.js';

const PUBLIC_URL = 'https://jalon.example.edu';
let database: TestDatabase;
let store: ConnectorSettingsStore;
let factory: ConnectorFactory;
let moodle: Platform;
let canvas: Platform;
const ids: Record<'moodle' | 'canvas' | 'other', string> = { moodle: '', canvas: '', other: '' };

beforeAll(async () => {
  database = await createTestDatabase();
  store = new ConnectorSettingsStore(database.db, createSealer(randomBytes(32), 'connectors'));
  factory = new ConnectorFactory({ settings: store, publicUrl: PUBLIC_URL });
  moodle = await startPlatform({ family: 'moodle' });
  canvas = await startPlatform({ family: 'canvas' });
  const registry = new PlatformRegistry(database.db);
  for (const family of ['moodle', 'canvas', 'other'] as const) {
    const { platform } = await registry.add(
      {
        issuer: `https://${family}.example.edu`,
        clientId: 'c1',
        authEndpoint: `https://${family}.example.edu/auth`,
        tokenEndpoint: `https://${family}.example.edu/token`,
        jwksUri: `https://${family}.example.edu/jwks`,
        deploymentIds: ['1'],
        productFamily: family,
      },
      'test',
      'manual',
    );
    ids[family] = platform.id;
  }
});

afterAll(async () => {
  await moodle?.close();
  await canvas?.close();
  await database?.close();
});

/** A launch as the LTI adapter describes it. */
function launchOf(family: 'moodle' | 'canvas' | 'other', over: Partial<LaunchContext> = {}): LaunchContext {
  const p = family === 'canvas' ? canvas : moodle;
  const user = p.user('prof');
  const course = p.course('math');
  return {
    platformId: ids[family],
    issuer: p.issuer,
    clientId: 'c1',
    deploymentId: '1',
    productFamily: family,
    userId: user.sub,
    roles: [],
    audience: 'instructor',
    isAdministrator: false,
    isInstructor: true,
    course: { id: course.contextId },
    custom: family === 'canvas' ? { canvas_user_id: user.restId, canvas_course_id: course.restId } : {},
    lang: 'en',
    messageType: 'LtiResourceLinkRequest',
    ltik: 'x',
    ...over,
  };
}

const readable = (key: string, params: Record<string, string | number> = {}) => {
  for (const lang of ['en', 'fr'] as const) {
    const s = translator(lang)(key, params);
    expect(s).not.toBe(key.split(':')[1]);
    expect(s).not.toContain('{{');
  }
  return translator('en')(key, params);
};

describe('without a connector', () => {
  test('each family is told what its administrator must set up', async () => {
    const texts: string[] = [];
    for (const family of ['moodle', 'canvas', 'other'] as const) {
      const r = await factory.forLaunch(launchOf(family));
      expect('problem' in r && r.problem.messageKey).toBe(`connectors:missing.${family}`);
      if ('problem' in r) texts.push(readable(r.problem.messageKey));
    }
    expect(texts[0]).toContain('web-service token');
    expect(texts[1]).toContain('API developer key');
    expect(new Set(texts).size).toBe(3);
  });

  test('a launch without a course gets no connector', async () => {
    const r = await factory.forLaunch(launchOf('moodle', { course: undefined }));
    expect(r).toEqual({ problem: { messageKey: 'connectors:missing.noCourse' } });
  });

  test('the activity source says it is not connected', async () => {
    const listing = await new ConnectorActivitySource(factory).list(launchOf('moodle'));
    expect(listing).toEqual({
      connected: false,
      activities: [],
      problem: { messageKey: 'connectors:missing.moodle' },
    });
  });
});

describe('Moodle', () => {
  test('lists the course’s quizzes and assignments live', async () => {
    await store.save(ids.moodle, { baseUrl: moodle.url, token: moodle.createWsToken().token }, 'test');
    const listing = await new ConnectorActivitySource(factory).list(launchOf('moodle'));
    expect(listing.connected).toBe(true);
    expect(listing.activities.map((a) => a.ref.source).sort()).toEqual(
      expect.arrayContaining(['moodle-assign', 'moodle-quiz']),
    );
  });

  test('a revoked token: not connected, and the reason in words', async () => {
    await store.save(ids.moodle, { baseUrl: moodle.url, token: 'f'.repeat(32) }, 'test');
    const listing = await new ConnectorActivitySource(factory).list(launchOf('moodle'));
    expect(listing.connected).toBe(false);
    expect(listing.problem?.messageKey).toBe('connectors:moodle.error.invalidToken');
    expect(readable(listing.problem!.messageKey, listing.problem!.params)).toContain(
      'Moodle does not know this web-service token',
    );
  });

  test('settings sealed under another key: a plain problem, not a crash', async () => {
    const other = new ConnectorSettingsStore(database.db, createSealer(randomBytes(32), 'connectors'));
    await other.save(ids.moodle, { baseUrl: moodle.url, token: moodle.createWsToken().token }, 'test');
    const r = await factory.forLaunch(launchOf('moodle'));
    expect(r).toEqual({ problem: { messageKey: 'connectors:missing.unreadable' } });
    await store.remove(ids.moodle, 'test');
  });
});

describe('Canvas', () => {
  let key: { clientId: string; clientSecret: string };
  const redirectUri = canvasRedirectUri(PUBLIC_URL);

  beforeAll(async () => {
    key = canvas.createApiKey({ redirectUri });
    await store.save(
      ids.canvas,
      { baseUrl: canvas.url, clientId: key.clientId, clientSecret: key.clientSecret },
      'test',
    );
  });

  test('an instructor who has not authorised Jalon gets a link bound to them', async () => {
    const r = await factory.forLaunch(launchOf('canvas', { lang: 'fr' }));
    expect('problem' in r).toBe(true);
    if (!('problem' in r)) return;
    expect(r.problem.messageKey).toBe('connectors:missing.authorize');
    const url = new URL(r.problem.authorizeUrl!);
    expect(`${url.origin}${url.pathname}`).toBe(`${PUBLIC_URL}/oauth/canvas/start`);
    expect(url.searchParams.get('lang')).toBe('fr');
    const [row] = await database.db
      .select()
      .from(oauthStates)
      .where(eq(oauthStates.state, url.searchParams.get('state')!));
    expect(row).toMatchObject({
      platformId: ids.canvas,
      userId: canvas.user('prof').sub,
      lmsUserId: canvas.user('prof').restId,
    });
  });

  test('a launch without $Canvas.user.id cannot be bound: the admin is told which custom field to add', async () => {
    const before = (await database.db.select().from(oauthStates)).length;
    const r = await factory.forLaunch(launchOf('canvas', { custom: {} }));
    expect(r).toEqual({ problem: { messageKey: 'connectors:missing.canvasUserId' } });
    expect(readable('connectors:missing.canvasUserId')).toContain('canvas_user_id=$Canvas.user.id');
    expect((await database.db.select().from(oauthStates)).length).toBe(before);
  });

  test('with stored tokens: the assignments are listed, and a refresh keeps the Canvas user id', async () => {
    const start = new URL(`${canvas.url}/login/oauth2/auth`);
    start.search = new URLSearchParams({
      client_id: key.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      state: 's',
    }).toString();
    const run = await authorizeInBrowser(canvas, new Browser(), start.toString(), { user: 'prof' });
    const grant = await exchangeCode(
      { baseUrl: canvas.url, ...key },
      { code: run.callback!.searchParams.get('code')!, redirectUri },
    );
    const sub = canvas.user('prof').sub;
    await store.saveUserTokens(
      ids.canvas,
      sub,
      { ...grant, expiresAt: new Date(0).toISOString() },
      grant.user.id,
    );
    const listing = await new ConnectorActivitySource(factory).list(launchOf('canvas'));
    expect(listing.connected).toBe(true);
    expect(listing.activities.map((a) => a.ref.label)).toEqual(
      expect.arrayContaining(['Essay – summative', 'Quiz – summative']),
    );
    // The stored token had expired: it was refreshed and saved back, still bound.
    const after = (await store.userTokens(ids.canvas, sub))!;
    expect(after.accessToken).not.toBe(grant.accessToken);
    expect(after.lmsUserId).toBe(canvas.user('prof').restId);
  });

  test('an authorisation revoked in Canvas: tokens forgotten and a new link offered', async () => {
    const sub = canvas.user('prof').sub;
    canvas.canvas.revokeTokens('prof');
    const listing = await new ConnectorActivitySource(factory).list(launchOf('canvas'));
    expect(listing.connected).toBe(false);
    expect(listing.problem?.messageKey).toBe('connectors:missing.reauthorize');
    expect(listing.problem?.authorizeUrl).toContain('/oauth/canvas/start?state=');
    expect(await store.userTokens(ids.canvas, sub)).toBeUndefined();
  });

  test('the admin test checks the developer key without anyone’s authorisation, and records it', async () => {
    const report = (await factory.testPlatform(ids.canvas))!;
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(['developer-key', 'oauth']);
    expect((await store.get(ids.canvas))!.lastCheck).toEqual(report);
    expect(await factory.testPlatform(ids.other)).toBeUndefined();
  });
});

test('connector keys always carry their namespace', () => {
  expect(connectorKey('moodle.error.invalidToken')).toBe('connectors:moodle.error.invalidToken');
  expect(connectorKey('connectors:canvas.error.auth')).toBe('connectors:canvas.error.auth');
});
