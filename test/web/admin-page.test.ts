/**
 * The administration area, reached by an LTI administrator launch: list, manual add (with
 * validation errors shown and nothing written), activate, disable, add a deployment,
 * remove. Anyone else — learners, instructors, a browser without the session, a request
 * without an ltik — gets a refusal page and changes nothing. Also: on a plain-HTTP local
 * run (COOKIE_SECURE=false, this file's Jalon) cookies do not claim Secure.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { translator, type Lang } from '../../src/i18n/index.js';
import {
  Browser,
  CLAIM,
  startPlatform,
  type BrowserStep,
  type Navigation,
  type Platform,
} from '../platform/index.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';

const ADMIN_ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator';

let jalon: TestJalon;
let moodle: Platform;
let canvas: Platform;
let moodleId: string;
let canvasId: string;

beforeAll(async () => {
  jalon = await startJalon();
  moodle = await startPlatform({ family: 'moodle' });
  canvas = await startPlatform({ family: 'canvas' });
  moodleId = (await registerManually(jalon, moodle)).platformId;
  canvasId = (await registerManually(jalon, canvas)).platformId;
}, 120_000);

afterAll(async () => {
  await moodle?.close();
  await canvas?.close();
  await jalon?.stop();
});

async function count(table: string, where = ''): Promise<number> {
  const r = await jalon.database.db.execute(sql.raw(`select count(*)::int as n from ${table} ${where}`));
  const rows = (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as Array<{ n: number }>;
  return Number(rows[0]!.n);
}

const snapshot = async () => ({
  platforms: await count('platforms'),
  deployments: await count('platform_deployments'),
  audit: await count('audit_log'),
  keys: await count('lti_publickey'),
  statuses: (await jalon.running.services.registry.list()).map((p) => `${p.id}:${p.status}`).join(','),
});

function html(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const t = (lang: Lang, key: string, params: Record<string, string> = {}) =>
  html(translator(lang)(key, params));

function expectRefusal(page: BrowserStep, status: number, lang: Lang, key: string): void {
  expect(page.status).toBe(status);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.body).toContain(`<html lang="${lang}">`);
  expect(page.body).toContain(t(lang, key));
  expect(page.body).not.toMatch(/\n\s*at [\w.<>$]+ \(/);
}

const reasonsSince = (from: number) =>
  jalon.logs
    .slice(from)
    .map((l) => l.reason)
    .filter((r): r is string => typeof r === 'string');

/** An admin session: a browser that launched as an institution administrator. */
interface Session {
  browser: Browser;
  ltik: string;
  lang: Lang;
  page: Navigation;
}

async function launchAs(
  user: string,
  options: { locale?: string; admin?: boolean; platform?: Platform } = {},
): Promise<Session> {
  const browser = new Browser();
  const r = await browser.launch(options.platform ?? moodle, {
    user,
    course: 'math',
    ...(options.locale ? { locale: options.locale } : {}),
    ...(options.admin ? { claims: { [CLAIM.roles]: [ADMIN_ROLE] } } : {}),
  });
  expect(r.final.status).toBe(200);
  const ltik = new URL(r.final.url).searchParams.get('ltik');
  expect(ltik).toBeTruthy();
  return {
    browser,
    ltik: ltik!,
    lang: r.final.body.includes('<html lang="fr">') ? 'fr' : 'en',
    page: { ...r.final, steps: r.steps },
  };
}

const adminUrl = (path = '') => `${jalon.url}/lti/admin${path}`;
const post = (s: Session, path: string, form: Record<string, string> = {}) =>
  s.browser.post(adminUrl(path), { ltik: s.ltik, ...form });

const validForm = (n: string) => ({
  issuer: `https://lms-${n}.example.edu`,
  clientId: `client-${n}`,
  name: `LMS ${n}`,
  productFamily: 'moodle',
  authEndpoint: `https://lms-${n}.example.edu/mod/lti/auth.php`,
  tokenEndpoint: `https://lms-${n}.example.edu/mod/lti/token.php`,
  jwksUri: `https://lms-${n}.example.edu/mod/lti/certs.php`,
  deploymentId: '3',
});

describe('an administrator', () => {
  let en: Session;
  let fr: Session;
  let addedId: string;

  beforeAll(async () => {
    en = await launchAs('dean', { admin: true });
    fr = await launchAs('dean', { admin: true, locale: 'fr' });
    expect(en.page.url).toContain('/lti/admin?ltik=');
  });

  test('sees every platform, in their language', async () => {
    for (const s of [en, fr]) {
      const page = await s.browser.get(`${adminUrl()}?ltik=${encodeURIComponent(s.ltik)}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`<html lang="${s.lang}">`);
      expect(page.body).toContain(t(s.lang, 'admin:title'));
      expect(page.body).toContain(moodle.issuer);
      expect(page.body).toContain(canvas.issuer);
      expect(page.body).toContain(moodleId);
      expect(page.body).toContain(t(s.lang, 'admin:status.active'));
    }
    expect(fr.lang).toBe('fr');
    expect(en.lang).toBe('en');
  });

  test.each([
    ['an issuer that is not a URL', { issuer: 'not a url' }, 'issuer'],
    ['a javascript: key set URL', { jwksUri: 'javascript:alert(1)' }, 'jwksUri'],
    ['no client id', { clientId: '' }, 'clientId'],
    ['no deployment id', { deploymentId: '' }, 'deploymentIds'],
    ['an over-long client id', { clientId: 'c'.repeat(300) }, 'clientId'],
  ])(
    'adding a platform with %s: the error is shown, the form kept, nothing written',
    async (_n, bad, field) => {
      for (const s of [fr, en]) {
        const before = await snapshot();
        const form = { ...validForm('bad'), ...bad };
        const page = await post(s, '/platforms', form);
        expect(page.status).toBe(400);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.body).toContain(`<html lang="${s.lang}">`);
        expect(page.body).toContain(translator(s.lang)('admin:errors.INVALID', { detail: '' }).trim());
        expect(page.body).toContain(`${field}:`);
        // What the administrator typed is still in the form.
        expect(page.body).toContain(`value="${html(form.tokenEndpoint)}"`);
        expect(await snapshot()).toEqual(before);
      }
    },
  );

  test('adding a platform that already exists is refused, nothing written', async () => {
    const before = await snapshot();
    const existing = await jalon.running.services.registry.get(moodleId);
    const page = await post(en, '/platforms', {
      ...validForm('dup'),
      issuer: existing!.issuer,
      clientId: existing!.clientId,
    });
    expect(page.status).toBe(400);
    expect(page.body).toContain(t('en', 'admin:errors.EXISTS'));
    expect(await snapshot()).toEqual(before);
  });

  test('adds a valid platform as pending, once', async () => {
    const before = await snapshot();
    const page = await post(fr, '/platforms', validForm('new'));
    expect(page.status).toBe(200);
    const p = (await jalon.running.services.registry.list()).find((x) => x.clientId === 'client-new');
    expect(p).toBeDefined();
    addedId = p!.id;
    expect(p!.status).toBe('pending');
    expect(p!.source).toBe('manual');
    expect(page.body).toContain(t('fr', 'admin:done.added', { id: addedId }));
    expect(await count('platforms')).toBe(before.platforms + 1);
    expect(await count('audit_log', `where action = 'platform.add' and subject = '${addedId}'`)).toBe(1);
    expect(await count('lti_publickey')).toBe(before.keys);
    // The same form again is a duplicate, not a second platform.
    const again = await post(fr, '/platforms', validForm('new'));
    expect(again.status).toBe(400);
    expect(await count('platforms')).toBe(before.platforms + 1);
  });

  test('activates it (one key is made), and activating again changes nothing', async () => {
    const keys = await count('lti_publickey');
    const page = await post(en, `/platforms/${addedId}/activate`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(t('en', 'admin:done.activated', { id: addedId }));
    expect((await jalon.running.services.registry.get(addedId))!.status).toBe('active');
    expect(await count('lti_publickey')).toBe(keys + 1);
    const before = await snapshot();
    await post(en, `/platforms/${addedId}/activate`);
    expect({ ...(await snapshot()), audit: before.audit }).toEqual(before);
  });

  test('adds a deployment; an empty or over-long one is refused with nothing written', async () => {
    const ok = await post(en, `/platforms/${addedId}/deployments`, { deploymentId: '42' });
    expect(ok.status).toBe(200);
    expect((await jalon.running.services.registry.get(addedId))!.deploymentIds.sort()).toEqual(['3', '42']);
    for (const deploymentId of ['', '   ', 'd'.repeat(256)]) {
      const before = await snapshot();
      const page = await post(fr, `/platforms/${addedId}/deployments`, { deploymentId });
      expect(page.status).toBe(400);
      expect(page.body).toContain(translator('fr')('admin:errors.INVALID', { detail: '' }).trim());
      expect(await snapshot()).toEqual(before);
    }
    // The same deployment twice is one record.
    await post(en, `/platforms/${addedId}/deployments`, { deploymentId: '42' });
    expect(await count('platform_deployments', `where platform_id = '${addedId}'`)).toBe(2);
  });

  test('disables a platform: its launches stop with a readable page', async () => {
    const page = await post(en, `/platforms/${canvasId}/disable`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(t('en', 'admin:done.disabled', { id: canvasId }));
    expect((await jalon.running.services.registry.get(canvasId))!.status).toBe('disabled');
    const logFrom = jalon.logs.length;
    const tokens = await count('lti_idtoken');
    const r = await new Browser().launch(canvas, { user: 'ben', course: 'math' });
    expectRefusal(r.final, 403, 'en', 'lti:error.platformDisabled');
    expect(reasonsSince(logFrom)).toContain('LTI_PLATFORM_INACTIVE');
    expect(await count('lti_idtoken')).toBe(tokens);
  });

  test('actions on a platform that does not exist say so (404), nothing written', async () => {
    for (const action of ['activate', 'disable', 'remove', 'deployments']) {
      const before = await snapshot();
      const page = await post(fr, `/platforms/p-nope/${action}`, { deploymentId: '1' });
      expect(page.status).toBe(404);
      expect(page.body).toContain(t('fr', 'admin:errors.NOT_FOUND'));
      expect(await snapshot()).toEqual(before);
    }
  });

  test('removes a platform (its key goes too); removing it again is a 404', async () => {
    const keys = await count('lti_publickey');
    const page = await post(en, `/platforms/${addedId}/remove`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(t('en', 'admin:done.removed', { id: addedId }));
    expect(await jalon.running.services.registry.get(addedId)).toBeUndefined();
    expect(await count('platform_deployments', `where platform_id = '${addedId}'`)).toBe(0);
    expect(await count('lti_publickey')).toBe(keys - 1);
    const again = await post(en, `/platforms/${addedId}/remove`);
    expect(again.status).toBe(404);
  });
});

describe('anyone else', () => {
  let learner: Session;
  let instructor: Session;
  let admin: Session;

  beforeAll(async () => {
    learner = await launchAs('ana');
    instructor = await launchAs('prof');
    admin = await launchAs('dean', { admin: true });
    expect(learner.lang).toBe('fr');
  });

  const writes = () =>
    [
      ['/platforms', validForm('intruder')],
      [`/platforms/${moodleId}/disable`, {}],
      [`/platforms/${moodleId}/remove`, {}],
      [`/platforms/${moodleId}/deployments`, { deploymentId: 'intruder' }],
      [`/platforms/${canvasId}/activate`, {}],
    ] as Array<[string, Record<string, string>]>;

  test.each([
    ['a learner', () => learner],
    ['an instructor', () => instructor],
  ])('%s with their own ltik: 403 on every admin route, nothing written', async (_who, who) => {
    const s = who();
    const before = await snapshot();
    const logFrom = jalon.logs.length;
    expectRefusal(
      await s.browser.get(`${adminUrl()}?ltik=${encodeURIComponent(s.ltik)}`),
      403,
      'fr',
      'lti:error.forbidden',
    );
    for (const [path, form] of writes()) {
      expectRefusal(await post(s, path, form), 403, 'fr', 'lti:error.forbidden');
    }
    expect(reasonsSince(logFrom).filter((r) => r === 'LTI_FORBIDDEN_ROUTE')).toHaveLength(
      1 + writes().length,
    );
    expect(await snapshot()).toEqual(before);
  });

  test("a learner's ltik on the course console: 403", async () => {
    const logFrom = jalon.logs.length;
    const page = await learner.browser.get(
      `${jalon.url}/lti/console?ltik=${encodeURIComponent(learner.ltik)}`,
    );
    expectRefusal(page, 403, 'fr', 'lti:error.forbidden');
    expect(reasonsSince(logFrom)).toContain('LTI_FORBIDDEN_ROUTE');
  });

  test('no ltik: 401 on reads and writes, nothing written', async () => {
    const before = await snapshot();
    const logFrom = jalon.logs.length;
    const browser = new Browser();
    expectRefusal(await browser.get(adminUrl()), 401, 'en', 'lti:error.invalidLaunch');
    for (const [path, form] of writes()) {
      expectRefusal(await browser.post(adminUrl(path), form), 401, 'en', 'lti:error.invalidLaunch');
    }
    expect(reasonsSince(logFrom)).toContain('LTI_ENGINE_NO_LTIK_OR_IDTOKEN_FOUND');
    expect(await snapshot()).toEqual(before);
  });

  test("an administrator's ltik replayed from another browser (no session cookie): 401, nothing written", async () => {
    const before = await snapshot();
    const logFrom = jalon.logs.length;
    const stranger = new Browser();
    for (const [path, form] of writes()) {
      expectRefusal(
        await stranger.post(
          adminUrl(path),
          { ltik: admin.ltik, ...form },
          { Origin: 'https://evil.example' },
        ),
        401,
        'en',
        'lti:error.sessionExpired',
      );
    }
    expect(reasonsSince(logFrom)).toContain('LTI_SESSION_EXPIRED');
    expect(await snapshot()).toEqual(before);
  });

  test('a forged ltik: 401, nothing written', async () => {
    const before = await snapshot();
    const [h, , s] = admin.ltik.split('.');
    const forged = `${h}.${Buffer.from('{"user":"1","platformUrl":"x"}').toString('base64url')}.${s}`;
    expectRefusal(
      await admin.browser.post(adminUrl('/platforms'), { ...validForm('f'), ltik: forged }),
      401,
      'en',
      'lti:error.invalidLaunch',
    );
    expect(await snapshot()).toEqual(before);
  });
});

describe('plain-HTTP local run cookies (COOKIE_SECURE=false, as this Jalon runs)', () => {
  test('the state and session cookies are HttpOnly, SameSite=Lax, and claim neither Secure nor Partitioned', async () => {
    expect(jalon.config.cookieSecure).toBe(false);
    const r = await new Browser().launch(moodle, { user: 'ben', course: 'math' });
    expect(r.final.status).toBe(200);
    const set = r.steps.flatMap((s) => s.headers.getSetCookie()).filter((c) => /^(state|lti)/.test(c));
    expect(set.some((c) => c.startsWith('state'))).toBe(true);
    expect(set.some((c) => c.startsWith('lti'))).toBe(true);
    for (const c of set) {
      expect(c).toMatch(/;\s*HttpOnly/i);
      expect(c).toMatch(/;\s*SameSite=Lax/i);
      expect(c).not.toMatch(/;\s*Secure/i);
      expect(c).not.toMatch(/;\s*Partitioned/i);
    }
  });
});
