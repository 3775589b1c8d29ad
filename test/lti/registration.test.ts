/**
 * Dynamic registration cannot be abused: the invite is required, platform URLs are checked
 * before any call, the platform's refusals are shown to the administrator, re-registration
 * updates instead of duplicating (and a changed key set needs activation again), pending
 * registrations are capped, each address is rate-limited, no key is generated before an
 * administrator activates, and a pending platform cannot launch.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'drizzle-orm';
import express from 'express';
import { translator, type Lang } from '../../src/i18n/index.js';
import { Browser, startPlatform, type Platform } from '../platform/index.js';
import { startJalon, type TestJalon } from '../helpers/jalon.js';

const PER_IP_PER_HOUR = 5;
const MAX_PENDING = 8;

let jalon: TestJalon;
let moodle: Platform;
let canvas: Platform;

beforeAll(async () => {
  jalon = await startJalon({
    registration: { requireInvite: true, maxPendingPlatforms: MAX_PENDING, perIpPerHour: PER_IP_PER_HOUR },
  });
  moodle = await startPlatform({ family: 'moodle' });
  canvas = await startPlatform({ family: 'canvas' });
});

afterAll(async () => {
  await moodle?.close();
  await canvas?.close();
  await jalon?.stop();
});

// Helpers ------------------------------------------------------------------

async function count(table: string, where = ''): Promise<number> {
  const r = await jalon.database.db.execute(sql.raw(`select count(*)::int as n from ${table} ${where}`));
  const rows = (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as Array<{ n: number }>;
  return Number(rows[0]!.n);
}

const countAll = async () => ({
  platforms: await count('platforms'),
  deployments: await count('platform_deployments'),
  keys: await count('lti_publickey'),
});

/**
 * The JWKS Jalon publishes, on a connection of its own: activation generates an RSA key
 * synchronously in this very process, and a pooled keep-alive socket can time out on the
 * server's side while the event loop is busy (a reset, however often fetch retries it).
 */
function publishedKeys(): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    http
      .get(`${jalon.url}/lti/keys`, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { keys: unknown[] }).keys);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Each test speaks from its own address (trusted proxy header), so the rate limit is per test. */
let lastIp = 10;
const newIp = () => `198.51.100.${lastIp++}`;

interface Page {
  status: number;
  headers: Headers;
  body: string;
}

async function open(url: string, ip: string, lang: Lang = 'en', init: RequestInit = {}): Promise<Page> {
  const res = await fetch(url, {
    redirect: 'manual',
    ...init,
    headers: {
      'X-Forwarded-For': ip,
      'Accept-Language': lang === 'fr' ? 'fr-CA,fr;q=0.9' : 'en-CA,en;q=0.9',
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** A `Getter` for `runDynamicRegistration` that speaks from `ip`. */
const from = (ip: string, lang: Lang = 'en') => ({
  async get(url: string) {
    return { ...(await open(url, ip, lang)), url };
  },
});

function html(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function expectPage(
  page: Page,
  want: { status: number; lang: Lang; key: string; params?: Record<string, string | number> },
): void {
  expect(page.status).toBe(want.status);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.body).toContain(`<html lang="${want.lang}">`);
  expect(page.body).toContain(html(translator(want.lang)(want.key, want.params ?? {})));
  expect(page.body).not.toMatch(/\n\s*at [\w.<>$]+ \(/);
  expect(page.body).not.toMatch(/\.(ts|js):\d+/);
}

const reasonsSince = (from: number) =>
  jalon.logs
    .slice(from)
    .map((l) => l.reason)
    .filter((r): r is string => typeof r === 'string');

/** The registration URL without its invite, and with another one. */
const baseRegisterUrl = () => `${jalon.url}/lti/register`;
const invite = () => jalon.registrationUrl.split('/').pop()!;

function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
  return u.toString();
}

/**
 * A platform whose every answer the test scripts, and which counts every request it gets:
 * it shows whether Jalon called out at all.
 */
interface Script {
  clientId: string;
  deploymentId?: unknown;
  jwksPath?: string;
  openidStatus?: number;
  openidOverrides?: Record<string, unknown>;
  registrationStatus?: number;
  registrationBody?: unknown;
}

class ScriptedPlatform {
  readonly requests: Array<{ method: string; path: string; authorization?: string }> = [];
  script: Script = { clientId: 'scripted-client', deploymentId: '7' };
  private server!: http.Server;
  url = '';

  async start(): Promise<this> {
    const app = express();
    app.use(express.json());
    app.use((req, _res, next) => {
      this.requests.push({
        method: req.method,
        path: req.path,
        ...(req.get('authorization') ? { authorization: req.get('authorization')! } : {}),
      });
      next();
    });
    app.get('/openid', (_req, res) => {
      const s = this.script;
      res.status(s.openidStatus ?? 200).json({
        issuer: this.url,
        authorization_endpoint: `${this.url}/auth`,
        token_endpoint: `${this.url}/token`,
        jwks_uri: `${this.url}${s.jwksPath ?? '/jwks'}`,
        registration_endpoint: `${this.url}/register`,
        'https://purl.imsglobal.org/spec/lti-platform-configuration': { product_family_code: 'moodle' },
        ...s.openidOverrides,
      });
    });
    app.post('/register', (_req, res) => {
      const s = this.script;
      const body = s.registrationBody ?? {
        client_id: s.clientId,
        'https://purl.imsglobal.org/spec/lti-tool-configuration': { deployment_id: s.deploymentId ?? '7' },
      };
      if (typeof body === 'string')
        res
          .status(s.registrationStatus ?? 200)
          .type('text/plain')
          .send(body);
      else res.status(s.registrationStatus ?? 200).json(body);
    });
    this.server = http.createServer(app);
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

let scripted: ScriptedPlatform;
beforeAll(async () => {
  scripted = await new ScriptedPlatform().start();
});
afterAll(async () => {
  await scripted?.close();
});

const registerScripted = (ip: string, extra: Record<string, string> = {}, lang: Lang = 'en') =>
  open(
    withParams(jalon.registrationUrl, {
      openid_configuration: `${scripted.url}/openid`,
      registration_token: 'scripted-token',
      ...extra,
    }),
    ip,
    lang,
  );

// Tests --------------------------------------------------------------------

describe('before anything is registered', () => {
  test('no key exists: the JWKS is empty and there are no key rows', async () => {
    expect(await count('lti_publickey')).toBe(0);
    const keys = await publishedKeys();
    expect(keys).toEqual([]);
  });
});

describe('the invite', () => {
  const bad = [
    ['no invite', () => baseRegisterUrl()],
    ['a wrong invite', () => `${baseRegisterUrl()}/not-the-invite`],
    [
      'the invite with one character changed',
      // Never the same character (an invite ending in "x" once made this case pass as valid).
      () => `${baseRegisterUrl()}/${invite().slice(0, -1)}${invite().endsWith('x') ? 'y' : 'x'}`,
    ],
    ['the invite with a character more', () => `${baseRegisterUrl()}/${invite()}x`],
  ] as const;

  test.each(bad)('%s: 403 page, no call to the platform, nothing stored', async (_name, url) => {
    for (const lang of ['fr', 'en'] as const) {
      const before = await countAll();
      const calls = scripted.requests.length;
      const logFrom = jalon.logs.length;
      const page = await open(
        withParams(url(), { openid_configuration: `${scripted.url}/openid`, registration_token: 't' }),
        newIp(),
        lang,
      );
      expectPage(page, { status: 403, lang, key: 'lti:registration.invite' });
      expect(reasonsSince(logFrom)).toContain('DR_BAD_INVITE');
      expect(scripted.requests.length).toBe(calls);
      expect(await countAll()).toEqual(before);
    }
  });

  test('a POSTed form with a wrong invite is refused the same way', async () => {
    const before = await countAll();
    const page = await open(`${baseRegisterUrl()}/nope`, newIp(), 'fr', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ openid_configuration: `${scripted.url}/openid` }).toString(),
    });
    expectPage(page, { status: 403, lang: 'fr', key: 'lti:registration.invite' });
    expect(await countAll()).toEqual(before);
  });
});

describe('refused before any outbound call', () => {
  test('missing openid_configuration', async () => {
    const logFrom = jalon.logs.length;
    const page = await open(jalon.registrationUrl, newIp(), 'fr');
    expectPage(page, { status: 400, lang: 'fr', key: 'lti:registration.missingParams' });
    expect(reasonsSince(logFrom)).toContain('DR_MISSING_OPENID_CONFIGURATION');
  });

  test('openid_configuration given twice', async () => {
    const u = `${jalon.registrationUrl}?openid_configuration=${encodeURIComponent(`${scripted.url}/openid`)}&openid_configuration=x`;
    const calls = scripted.requests.length;
    const page = await open(u, newIp(), 'en');
    expectPage(page, { status: 400, lang: 'en', key: 'lti:registration.missingParams' });
    expect(scripted.requests.length).toBe(calls);
  });

  // Each of these (but the last) would reach the scripted platform if Jalon called it.
  const insecure = [
    ['plain http to 0.0.0.0', () => `http://0.0.0.0:${scripted.port}/openid`, 'insecureUrl'],
    [
      'plain http to an IPv4-mapped IPv6 loopback',
      () => `http://[::ffff:127.0.0.1]:${scripted.port}/openid`,
      'insecureUrl',
    ],
    [
      'loopback with credentials in the URL',
      () => `http://user:pw@127.0.0.1:${scripted.port}/openid`,
      'insecureUrl',
    ],
    ['plain http to a remote host', () => 'http://lms.example.org/openid', 'insecureUrl'],
    ['another scheme', () => `ftp://127.0.0.1:${scripted.port}/openid`, 'insecureUrl'],
    ['not a URL', () => 'openid please', 'badConfiguration'],
  ] as const;

  test.each(insecure)('%s', async (_name, url, key) => {
    const before = await countAll();
    const calls = scripted.requests.length;
    const logFrom = jalon.logs.length;
    const page = await open(
      withParams(jalon.registrationUrl, { openid_configuration: url() }),
      newIp(),
      'fr',
    );
    expectPage(page, {
      status: 400,
      lang: 'fr',
      key: `lti:registration.${key}`,
      params: { what: 'OPENID_CONFIGURATION' },
    });
    expect(reasonsSince(logFrom).some((r) => r.endsWith('_OPENID_CONFIGURATION'))).toBe(true);
    expect(scripted.requests.length).toBe(calls);
    expect(await countAll()).toEqual(before);
  });

  test.each([
    ['registration_endpoint', 'REGISTRATION_ENDPOINT', 'http://203.0.113.9/register'],
    ['jwks_uri', 'JWKS_URI', 'http://203.0.113.9/jwks'],
    ['token_endpoint', 'TOKEN_ENDPOINT', 'http://lms.example.org/token'],
    ['issuer', 'ISSUER', 'javascript:alert(1)'],
  ])(
    'a configuration naming an insecure %s: only the configuration is read, nothing posted',
    async (field, what, value) => {
      scripted.script = { clientId: 'c-insecure', openidOverrides: { [field]: value } };
      const before = await countAll();
      const calls = scripted.requests.length;
      const logFrom = jalon.logs.length;
      const page = await registerScripted(newIp());
      expectPage(page, { status: 400, lang: 'en', key: 'lti:registration.insecureUrl', params: { what } });
      expect(reasonsSince(logFrom)).toContain(`DR_INSECURE_URL_${what}`);
      expect(scripted.requests.slice(calls).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /openid']);
      expect(await countAll()).toEqual(before);
    },
  );
});

describe("the platform's answers", () => {
  test('a configuration that is not there: the page shows the HTTP status', async () => {
    scripted.script = { clientId: 'c-404', openidStatus: 404 };
    const before = await countAll();
    const page = await registerScripted(newIp(), {}, 'fr');
    expectPage(page, {
      status: 502,
      lang: 'fr',
      key: 'lti:registration.platformError',
      params: { status: 404 },
    });
    expect(await countAll()).toEqual(before);
  });

  test('Moodle: a used registration token (401 token_already_used) is shown with its reason', async () => {
    const first = await moodle.runDynamicRegistration(jalon.registrationUrl, { browser: from(newIp()) });
    expect(first.status).toBe(200);
    const before = await countAll();
    const logFrom = jalon.logs.length;
    const again = await moodle.runDynamicRegistration(jalon.registrationUrl, {
      browser: from(newIp(), 'fr'),
      registrationToken: first.registrationToken,
    });
    expectPage(again, {
      status: 502,
      lang: 'fr',
      key: 'lti:registration.platformRefused',
      params: { status: 401, body: 'token_already_used' },
    });
    expect(reasonsSince(logFrom)).toContain('DR_REGISTRATION_HTTP');
    expect(await countAll()).toEqual(before);
  });

  test('Moodle: an expired registration token (401 invalid_registration_token)', async () => {
    const before = await countAll();
    const page = await moodle.runDynamicRegistration(jalon.registrationUrl, {
      browser: from(newIp()),
      ttlSeconds: -60,
    });
    expectPage(page, {
      status: 502,
      lang: 'en',
      key: 'lti:registration.platformRefused',
      params: { status: 401, body: 'invalid_registration_token' },
    });
    expect(await countAll()).toEqual(before);
  });

  test('Canvas: no registration token (401 with a JSON error list) is shown, escaped', async () => {
    const before = await countAll();
    const page = await open(
      withParams(jalon.registrationUrl, { openid_configuration: canvas.endpoints.openidConfiguration }),
      newIp(),
    );
    expect(page.status).toBe(502);
    expect(page.body).toContain('HTTP 401');
    expect(page.body).toContain('missing_registration_token');
    expect(page.body).toContain('&quot;errors&quot;');
    expect(await countAll()).toEqual(before);
  });

  test.each([
    ['no deployment id', undefined],
    ['an empty deployment id', ''],
    ['a deployment id that is an object', { id: 1 }],
    ['an absurdly long deployment id', 'd'.repeat(300)],
  ])('an answer with %s: readable page, nothing stored', async (_name, deploymentId) => {
    scripted.script = {
      clientId: 'c-nodep',
      registrationBody: {
        client_id: 'c-nodep',
        'https://purl.imsglobal.org/spec/lti-tool-configuration':
          deploymentId === undefined ? {} : { deployment_id: deploymentId },
      },
    };
    const before = await countAll();
    const logFrom = jalon.logs.length;
    const page = await registerScripted(newIp());
    expectPage(page, { status: 502, lang: 'en', key: 'lti:registration.noDeployment' });
    expect(reasonsSince(logFrom)).toContain('DR_NO_DEPLOYMENT_ID');
    expect(await countAll()).toEqual(before);
  });

  test('an answer that is not JSON', async () => {
    scripted.script = { clientId: 'c-text', registrationBody: 'ok, registered' };
    const before = await countAll();
    const page = await registerScripted(newIp());
    expectPage(page, {
      status: 502,
      lang: 'en',
      key: 'lti:registration.platformRefused',
      params: { status: 200, body: 'ok, registered' },
    });
    expect(await countAll()).toEqual(before);
  });

  test('an answer the registry cannot take (an over-long account name): a page, not a 500', async () => {
    scripted.script = {
      clientId: 'c-longname',
      openidOverrides: { 'https://canvas.instructure.com/lti/account_name': 'N'.repeat(300) },
    };
    const before = await countAll();
    const logFrom = jalon.logs.length;
    const page = await registerScripted(newIp());
    expect(page.status).toBe(502);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).not.toContain(html(translator('en')('error.internal')));
    expect(reasonsSince(logFrom)).toContain('DR_INVALID_PLATFORM');
    expect(await countAll()).toEqual(before);
  });
});

describe('a successful registration', () => {
  test('creates a pending platform, shows how to activate it, may be framed by the LMS, makes no key', async () => {
    const logFrom = jalon.logs.length;
    const reg = await canvas.runDynamicRegistration(jalon.registrationUrl, { browser: from(newIp(), 'fr') });
    expect(reg.status).toBe(200);
    expect(reg.headers.get('content-type')).toMatch(/^text\/html/);
    expect(reg.body).toContain('<html lang="fr">');
    expect(reg.body).toContain('org.imsglobal.lti.close');
    const p = await jalon.running.services.registry.find(canvas.issuer, reg.tool!.clientId);
    expect(p?.status).toBe('pending'); // even though Canvas itself considers the tool active
    expect(reg.body).toContain(p!.id);
    // Canvas frames the registration page: its origin must be allowed for this response.
    const csp = reg.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(
      new RegExp(`frame-ancestors [^;]*${new URL(canvas.url).origin.replace(/\./g, '\\.')}`),
    );
    expect(reasonsSince(logFrom)).toEqual([]);
    expect(await count('lti_publickey')).toBe(0);
    const keys = await publishedKeys();
    expect(keys).toEqual([]);
  });

  test('a launch from the pending platform gets a readable 403, and nothing is stored', async () => {
    const before = { tokens: await count('lti_idtoken'), nonces: await count('lti_nonce') };
    const logFrom = jalon.logs.length;
    const r = await new Browser().launch(canvas, { user: 'ben', course: 'math' });
    expectPage(r.final, { status: 403, lang: 'en', key: 'lti:error.platformPending' });
    expect(reasonsSince(logFrom)).toContain('LTI_PLATFORM_INACTIVE');
    expect({ tokens: await count('lti_idtoken'), nonces: await count('lti_nonce') }).toEqual(before);
  });

  test('Moodle: pending in Jalon while active in Moodle, a launch is refused with 403', async () => {
    const reg = await moodle.runDynamicRegistration(jalon.registrationUrl, { browser: from(newIp()) });
    expect(reg.status).toBe(200);
    moodle.activateTool(reg.tool!.clientId);
    const r = await new Browser().launch(moodle, { user: 'ben', course: 'math', tool: reg.tool!.clientId });
    expectPage(r.final, { status: 403, lang: 'en', key: 'lti:error.platformPending' });
    expect(await count('lti_publickey')).toBe(0);
  });
});

describe('re-registration', () => {
  let platformId: string;

  test('the same issuer and client id again is an update, not a duplicate', async () => {
    scripted.script = { clientId: 'c-re', deploymentId: '7' };
    const first = await registerScripted(newIp());
    expect(first.status).toBe(200);
    const p = await jalon.running.services.registry.find(scripted.url, 'c-re');
    expect(p).toBeDefined();
    platformId = p!.id;
    const before = await countAll();
    scripted.script = { clientId: 'c-re', deploymentId: '8' };
    const second = await registerScripted(newIp());
    expect(second.status).toBe(200);
    expect(second.body).toContain(html(translator('en')('lti:registration.updated')));
    expect(await count('platforms', `where issuer = '${scripted.url}' and client_id = 'c-re'`)).toBe(1);
    expect((await countAll()).platforms).toBe(before.platforms);
    expect((await jalon.running.services.registry.get(platformId))!.deploymentIds.sort()).toEqual(['7', '8']);
    expect(await count('audit_log', `where action = 'platform.update' and subject = '${platformId}'`)).toBe(
      1,
    );
  });

  test('the same registration twice at once still leaves one record', async () => {
    scripted.script = { clientId: 'c-race', deploymentId: '1' };
    const pages = await Promise.all([registerScripted(newIp()), registerScripted(newIp())]);
    expect(pages.map((p) => p.status)).toEqual([200, 200]);
    expect(await count('platforms', `where client_id = 'c-race'`)).toBe(1);
  });

  test('activation makes exactly one key; re-registering with the same keys keeps it active', async () => {
    await jalon.running.services.registry.activate(platformId, 'test');
    expect(await count('lti_publickey')).toBe(1);
    const keys = await publishedKeys();
    expect(keys).toHaveLength(1);
    scripted.script = { clientId: 'c-re', deploymentId: '8' };
    expect((await registerScripted(newIp())).status).toBe(200);
    expect((await jalon.running.services.registry.get(platformId))!.status).toBe('active');
    expect(await count('lti_publickey')).toBe(1);
  });

  test('a re-registration that changes the key set goes back to pending and drops the key', async () => {
    scripted.script = { clientId: 'c-re', deploymentId: '8', jwksPath: '/other-jwks' };
    const page = await registerScripted(newIp(), {}, 'fr');
    expect(page.status).toBe(200);
    expect(page.body).toContain(html(translator('fr')('lti:registration.pending')));
    const p = await jalon.running.services.registry.get(platformId);
    expect(p!.status).toBe('pending');
    expect(p!.jwksUri).toBe(`${scripted.url}/other-jwks`);
    expect(await count('lti_publickey')).toBe(0);
    const keys = await publishedKeys();
    expect(keys).toEqual([]);
  });
});

describe('the pending cap', () => {
  test('at the cap, a registration is refused before any call and nothing is stored', async () => {
    const { registry } = jalon.running.services;
    const fillers: string[] = [];
    for (let i = await registry.countPending(); i < MAX_PENDING; i++) {
      const { platform } = await registry.add(
        {
          issuer: `https://filler-${i}.example`,
          clientId: 'x',
          authEndpoint: `https://filler-${i}.example/auth`,
          tokenEndpoint: `https://filler-${i}.example/token`,
          jwksUri: `https://filler-${i}.example/jwks`,
          deploymentIds: ['1'],
        },
        'test',
        'manual',
      );
      fillers.push(platform.id);
    }
    expect(await registry.countPending()).toBe(MAX_PENDING);
    scripted.script = { clientId: 'c-capped' };
    const before = await countAll();
    const calls = scripted.requests.length;
    const logFrom = jalon.logs.length;
    const page = await registerScripted(newIp(), {}, 'fr');
    expectPage(page, { status: 429, lang: 'fr', key: 'lti:registration.tooManyPending' });
    expect(reasonsSince(logFrom)).toContain('DR_TOO_MANY_PENDING');
    expect(scripted.requests.length).toBe(calls);
    expect(await countAll()).toEqual(before);
    for (const id of fillers) await registry.remove(id, 'test');
  });
});

describe('the rate limit', () => {
  test(`after ${PER_IP_PER_HOUR} requests an address is turned away, even with the invite; others are not`, async () => {
    const ip = newIp();
    for (let i = 0; i < PER_IP_PER_HOUR; i++) {
      const page = await open(`${baseRegisterUrl()}/guess-${i}`, ip);
      expect(page.status).toBe(403);
    }
    const before = await countAll();
    const calls = scripted.requests.length;
    const logFrom = jalon.logs.length;
    scripted.script = { clientId: 'c-limited' };
    for (const lang of ['fr', 'en'] as const) {
      const page = await registerScripted(ip, {}, lang);
      expectPage(page, { status: 429, lang, key: 'lti:registration.rateLimited' });
    }
    expect(reasonsSince(logFrom)).toContain('DR_RATE_LIMITED');
    expect(scripted.requests.length).toBe(calls);
    expect(await countAll()).toEqual(before);
    // Another address is unaffected (the invite check answers, not the limiter).
    expect((await open(`${baseRegisterUrl()}/guess`, newIp())).status).toBe(403);
  });

  test('a storm of anonymous registrations generates no key', async () => {
    const ip = newIp();
    const pages = await Promise.all(
      Array.from({ length: PER_IP_PER_HOUR * 3 }, () =>
        open(withParams(baseRegisterUrl(), { openid_configuration: `${scripted.url}/openid` }), ip),
      ),
    );
    expect(new Set(pages.map((p) => p.status))).toEqual(new Set([403, 429]));
    expect(pages.filter((p) => p.status === 429).length).toBe(PER_IP_PER_HOUR * 2);
    expect(await count('lti_publickey')).toBe(0);
  });
});
