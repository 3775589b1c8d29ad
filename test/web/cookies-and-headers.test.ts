/**
 * Cookies and response headers as production runs them (COOKIE_SECURE=true): the state,
 * session and probe cookies are `SameSite=None; Secure; Partitioned; HttpOnly`; no CORS
 * anywhere, preflights included; CSP `frame-ancestors` names the registered platforms and
 * nobody else; a 404 is a page in the person's language; malformed and oversized bodies get
 * a 400/413 page. (The COOKIE_SECURE=false side is checked in admin-page.test.ts, whose
 * Jalon runs that way: ltijs allows one engine per test file.)
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadConfig } from '../../src/config/index.js';
import { translator, type Lang } from '../../src/i18n/index.js';
import { Browser, startPlatform, type Platform } from '../platform/index.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';

let jalon: TestJalon;
let moodle: Platform;
let canvas: Platform;
let canvasId: string;

beforeAll(async () => {
  jalon = await startJalon({ cookieSecure: true });
  moodle = await startPlatform({ family: 'moodle' });
  canvas = await startPlatform({ family: 'canvas' });
  await registerManually(jalon, moodle);
  // Canvas stays pending: its origin is known, but it may not launch yet.
  canvasId = (await registerManually(jalon, canvas, { activate: false })).platformId;
  await jalon.running.services.frameOrigins.refresh();
}, 120_000);

afterAll(async () => {
  await moodle?.close();
  await canvas?.close();
  await jalon?.stop();
});

function html(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

async function request(path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${jalon.url}${path}`, { redirect: 'manual', ...init });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

function expectPage(a: Answer, status: number, lang: Lang, key: string): void {
  expect(a.status).toBe(status);
  expect(a.headers.get('content-type')).toMatch(/^text\/html/);
  expect(a.body).toContain(`<html lang="${lang}">`);
  expect(a.body).toContain(html(translator(lang)(key)));
  expect(a.body).not.toMatch(/\n\s*at [\w.<>$]+ \(/);
  expect(a.body).not.toMatch(/\.(ts|js):\d+/);
}

/** The attributes of a Set-Cookie header, lower-cased, with values. */
function attributes(setCookie: string): Map<string, string> {
  const [, ...attrs] = setCookie.split(';');
  return new Map(
    attrs.map((a) => {
      const [k, ...v] = a.trim().split('=');
      return [k!.toLowerCase(), v.join('=')] as const;
    }),
  );
}

function expectCrossSiteCookie(setCookie: string): void {
  const a = attributes(setCookie);
  expect(a.get('samesite')?.toLowerCase()).toBe('none');
  expect(a.has('secure')).toBe(true);
  expect(a.has('partitioned')).toBe(true);
  expect(a.has('httponly')).toBe(true);
}

const frameAncestors = (csp: string | null): string[] => {
  const d = (csp ?? '').split(';').find((x) => x.trim().startsWith('frame-ancestors'));
  return d ? d.trim().split(/\s+/).slice(1) : [];
};

describe('cookies behind TLS (COOKIE_SECURE=true)', () => {
  test('the documented switch: secure by default, COOKIE_SECURE=false for plain-HTTP local runs', () => {
    expect(loadConfig({}).cookieSecure).toBe(true);
    expect(loadConfig({ COOKIE_SECURE: 'false' }).cookieSecure).toBe(false);
    expect(jalon.config.cookieSecure).toBe(true);
  });

  test('state and session cookies are SameSite=None; Secure; Partitioned; HttpOnly — and the launch works', async () => {
    const r = await new Browser().launch(moodle, { user: 'ana', course: 'math' });
    expect(r.final.status).toBe(200);
    expect(r.final.url).toContain('/lti/learner?ltik=');
    const state = r.login!.headers.getSetCookie().filter((c) => c.startsWith('state'));
    expect(state).toHaveLength(1);
    expectCrossSiteCookie(state[0]!);
    const atLaunch = r.launch!.headers.getSetCookie();
    const session = atLaunch.filter((c) => c.startsWith('lti'));
    expect(session).toHaveLength(1);
    expectCrossSiteCookie(session[0]!);
    // The state cookie is cleared with the same attributes, or a partitioned cookie would stay.
    const cleared = atLaunch.filter((c) => c.startsWith('state'));
    expect(cleared).toHaveLength(1);
    expectCrossSiteCookie(cleared[0]!);
    expect(r.steps.flatMap((s) => s.refusedCookies)).toEqual([]);
  });

  test('the iframe cookie probe is a cross-site cookie too', async () => {
    const prepared = await moodle.prepareLaunch({ user: 'ben', course: 'math' });
    const a = await request('/lti/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Sec-Fetch-Dest': 'iframe' },
      body: new URLSearchParams(prepared.loginParams).toString(),
    });
    expect(a.status).toBe(302);
    expect(a.headers.get('location')).toContain('jalon_probe=1');
    const probe = a.headers.getSetCookie().filter((c) => c.startsWith('jalon_probe='));
    expect(probe).toHaveLength(1);
    expectCrossSiteCookie(probe[0]!);
  });

  test('a browser that drops cross-site cookies gets the "new window" page, not a dead frame', async () => {
    const r = await new Browser({ blockThirdPartyCookies: true }).launch(moodle, {
      user: 'ben',
      course: 'math',
    });
    expectPage(r.final, 401, 'en', 'lti:error.cookiesBlocked');
    expect(r.final.body).toContain('target="_blank"');
  });
});

describe('no CORS', () => {
  const evil = 'https://evil.example';
  const paths = [
    '/',
    '/health',
    '/lti',
    '/lti/login',
    '/lti/keys',
    '/lti/learner',
    '/lti/register/x',
    '/nope',
  ];

  test.each(paths)(
    '%s: no Access-Control-Allow-Origin, on GET/POST with an Origin or on a preflight',
    async (path) => {
      const answers = [
        await request(path, { headers: { Origin: evil } }),
        await request(path, {
          method: 'POST',
          headers: { Origin: evil, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'a=1',
        }),
        await request(path, {
          method: 'OPTIONS',
          headers: {
            Origin: evil,
            'Access-Control-Request-Method': 'POST',
            'Access-Control-Request-Headers': 'authorization,content-type',
          },
        }),
      ];
      for (const a of answers) {
        expect(a.headers.get('access-control-allow-origin')).toBeNull();
        expect(a.headers.get('access-control-allow-credentials')).toBeNull();
        expect(a.headers.get('access-control-allow-methods')).toBeNull();
        expect(a.headers.get('access-control-allow-headers')).toBeNull();
      }
    },
  );

  test('not on a launched page either, even when the LMS origin asks', async () => {
    const browser = new Browser();
    const r = await browser.launch(moodle, { user: 'ana', course: 'math' });
    const page = await browser.get(r.final.url, { Origin: new URL(moodle.url).origin });
    expect(page.status).toBe(200);
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('frame-ancestors', () => {
  const moodleOrigin = () => new URL(moodle.url).origin;
  const canvasOrigins = () => [new URL(canvas.url).origin, 'https://canvas.instructure.com'];

  test('lists exactly the registered platforms’ origins, never a wildcard', async () => {
    for (const path of ['/', '/nope', '/lti/keys']) {
      const fa = frameAncestors((await request(path)).headers.get('content-security-policy'));
      expect(new Set(fa)).toEqual(new Set(["'self'", moodleOrigin(), ...canvasOrigins()]));
      expect(fa.some((s) => s.includes('*'))).toBe(false);
    }
  });

  test('on launched pages too', async () => {
    const r = await new Browser().launch(moodle, { user: 'ben', course: 'math' });
    const fa = frameAncestors(r.final.headers.get('content-security-policy'));
    expect(fa).toContain(moodleOrigin());
    expect(fa).not.toContain('https://evil.example');
  });

  test('a disabled platform’s origins leave the list', async () => {
    await jalon.running.services.registry.disable(canvasId, 'test');
    await jalon.running.services.frameOrigins.refresh();
    const fa = frameAncestors((await request('/')).headers.get('content-security-policy'));
    expect(new Set(fa)).toEqual(new Set(["'self'", moodleOrigin()]));
  });

  test('pages forbid MIME sniffing and send no referrer', async () => {
    const a = await request('/');
    expect(a.headers.get('x-content-type-options')).toBe('nosniff');
    expect(a.headers.get('referrer-policy')).toBe('no-referrer');
    expect(a.headers.get('x-powered-by')).toBeNull();
  });
});

describe('error pages', () => {
  test.each([
    ['fr-CA,fr;q=0.9', 'fr'],
    ['en-GB', 'en'],
    ['de-DE', 'en'],
  ] as const)('a 404 with Accept-Language %s is a page in %s', async (acceptLanguage, lang) => {
    const a = await request('/no/such/page', { headers: { 'Accept-Language': acceptLanguage } });
    expectPage(a, 404, lang, 'error.notFound');
  });

  test('?lang= wins over the browser', async () => {
    expectPage(
      await request('/no/such/page?lang=fr', { headers: { 'Accept-Language': 'en' } }),
      404,
      'fr',
      'error.notFound',
    );
  });

  test('malformed JSON to the LTI endpoints: 400 page', async () => {
    for (const path of ['/lti', '/lti/login']) {
      const a = await request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Accept-Language': 'fr' },
        body: '{"id_token": "not-echoed-back",',
      });
      expectPage(a, 400, 'fr', 'error.badRequest');
      expect(a.body).not.toContain('SyntaxError');
      // A marker no hex reference can contain ("abc" could: the page's reference is random hex).
      expect(a.body).not.toContain('not-echoed-back');
    }
  });

  test('oversized bodies: 413 page', async () => {
    const big = 'x'.repeat(600 * 1024);
    const launch = await request('/lti', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept-Language': 'en' },
      body: `id_token=${big}&state=s`,
    });
    expectPage(launch, 413, 'en', 'error.tooLarge');
    const json = await request('/lti/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': 'fr' },
      body: JSON.stringify({ iss: big }),
    });
    expectPage(json, 413, 'fr', 'error.tooLarge');
    const registration = await request(new URL(jalon.registrationUrl).pathname, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept-Language': 'fr' },
      body: `openid_configuration=${'y'.repeat(20 * 1024)}`,
    });
    expectPage(registration, 413, 'fr', 'error.tooLarge');
  });

  test('a path that cannot be decoded: 400 page, not JSON', async () => {
    for (const path of ['/lti/%E0%A4%A', '/%E0%A4%A']) {
      const a = await request(path, { headers: { 'Accept-Language': 'fr' } });
      expect([400, 404]).toContain(a.status);
      expect(a.headers.get('content-type')).toMatch(/^text\/html/);
      expect(a.body).toContain('<html lang="fr">');
      expect(a.body).not.toContain('URIError');
    }
  });
});
