/**
 * Bad launches, table-driven, through the real test platform (Moodle- and Canvas-shaped)
 * and a real browser: forged signatures and keys, wrong iss/aud, tokens out of time,
 * replayed nonces, lost or forged state, unknown deployments, missing or malformed
 * claims, the wrong LTI version, garbage, and a learner reaching for instructor routes.
 * Each must end on a 4xx page in the person's language with no stack trace and no token,
 * a log line saying why, and no LTI session, nonce or platform row written.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { translator, type Lang } from '../../src/i18n/index.js';
import {
  Browser,
  CLAIM,
  parseForm,
  startPlatform,
  type BrowserStep,
  type LaunchOptions,
  type Platform,
  type SigningMode,
} from '../platform/index.js';
import { startJalon, type TestJalon } from '../helpers/jalon.js';

let jalon: TestJalon;
const platforms: Record<'moodle' | 'canvas', Platform> = {} as Record<'moodle' | 'canvas', Platform>;
const clientIds: Record<string, string> = {};

beforeAll(async () => {
  jalon = await startJalon();
  const { registry } = jalon.running.services;
  for (const family of ['moodle', 'canvas'] as const) {
    const platform = await startPlatform({ family });
    platforms[family] = platform;
    const { clientId, deploymentId } = platform.addTool({
      loginUrl: `${jalon.url}/lti/login`,
      redirectUris: [`${jalon.url}/lti`],
      jwksUrl: `${jalon.url}/lti/keys`,
      deepLinkUrl: `${jalon.url}/lti`,
    });
    clientIds[family] = clientId;
    const { platform: p } = await registry.add(
      {
        issuer: platform.issuer,
        clientId,
        authEndpoint: platform.endpoints.auth,
        tokenEndpoint: platform.endpoints.token,
        jwksUri: platform.endpoints.jwks,
        deploymentIds: [deploymentId],
        productFamily: family,
      },
      'test',
      'manual',
    );
    await registry.activate(p.id, 'test');
  }
}, 120_000);

afterAll(async () => {
  for (const p of Object.values(platforms)) await p?.close();
  await jalon?.stop();
});

// Helpers ------------------------------------------------------------------

const TABLES = [
  'lti_idtoken',
  'lti_contexttoken',
  'lti_nonce',
  'platforms',
  'platform_deployments',
  'audit_log',
] as const;

async function countRows(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) {
    const r = await jalon.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
    const rows = (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as Array<{ n: number }>;
    out[table] = Number(rows[0]!.n);
  }
  return out;
}

/** Escapes as nunjucks does, so a message can be found in the page's HTML. */
function html(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const ACCEPT: Record<Lang, string> = { fr: 'fr-CA,fr;q=0.9', en: 'en-CA,en;q=0.9' };
const other = (l: Lang): Lang => (l === 'fr' ? 'en' : 'fr');

/** What a case may change in the id_token POST before it is sent. */
interface LaunchPost {
  action: string;
  fields: Record<string, string>;
  browser: Browser;
}

interface Attempt {
  /** Where Jalon answered: at login initiation, or at the id_token POST. */
  stage: 'login' | 'launch';
  final: BrowserStep;
  idToken?: string;
  state?: string;
  browser: Browser;
}

/**
 * Runs a launch as a browser does (LMS page → tool login → platform auth → id_token POST),
 * letting `tamper` edit the id_token POST. `acceptLanguage` goes on every request to Jalon.
 */
async function attempt(
  platform: Platform,
  options: LaunchOptions,
  x: { acceptLanguage?: string; browser?: Browser; tamper?: (post: LaunchPost) => void | Promise<void> } = {},
): Promise<Attempt> {
  const browser = x.browser ?? new Browser();
  const lang: Record<string, string> = x.acceptLanguage ? { 'Accept-Language': x.acceptLanguage } : {};
  const prepared = await platform.prepareLaunch(options);
  const lms = await browser.get(prepared.url);
  const loginForm = parseForm(lms.body, lms.url);
  if (lms.status !== 200 || !loginForm) throw new Error(`LMS page refused: ${lms.status}`);
  const platformOrigin = new URL(platform.url).origin;
  const login =
    loginForm.method === 'POST'
      ? await browser.post(loginForm.action, loginForm.fields, { ...lang, Origin: platformOrigin })
      : await browser.get(`${loginForm.action}?${new URLSearchParams(loginForm.fields)}`, lang);
  const authUrl = new URL(platform.endpoints.auth);
  const last = new URL(login.url);
  if (last.origin !== authUrl.origin || last.pathname !== authUrl.pathname) {
    return { stage: 'login', final: login, browser };
  }
  const idForm = parseForm(login.body, login.url);
  if (login.status !== 200 || !idForm?.fields.id_token) {
    throw new Error(`platform refused the launch: ${login.status} ${login.body.slice(0, 300)}`);
  }
  const post: LaunchPost = { action: idForm.action, fields: { ...idForm.fields }, browser };
  const idToken = idForm.fields.id_token;
  const state = idForm.fields.state;
  await x.tamper?.(post);
  const final = await browser.post(post.action, post.fields, { ...lang, Origin: platformOrigin });
  return { stage: 'launch', final, idToken, ...(state !== undefined ? { state } : {}), browser };
}

/** The checks every refusal must pass. */
function expectRefusalPage(
  step: BrowserStep,
  want: { status: number; lang: Lang; key: string; params?: Record<string, string> },
  secrets: Array<string | undefined> = [],
): void {
  expect(step.status).toBe(want.status);
  expect(step.headers.get('content-type')).toMatch(/^text\/html/);
  expect(step.body).toContain(`<html lang="${want.lang}">`);
  expect(step.body).toContain(html(translator(want.lang)(want.key, want.params ?? {})));
  // No stack trace, no source paths, no engine JSON.
  expect(step.body).not.toMatch(/\n\s*at [\w.<>$]+ \(/);
  expect(step.body).not.toMatch(/\.(ts|js):\d+/);
  expect(step.body).not.toMatch(/^\s*[{[]/);
  expect(step.body).not.toContain('"details"');
  expect(step.body).not.toMatch(/insert into|select .* from/i);
  for (const s of secrets) {
    if (!s) continue;
    expect(step.body).not.toContain(s);
    // Nor its claims or signature (the JOSE header is shared with any platform JWT, such as
    // Canvas' lti_message_hint in a "new window" link, so it proves nothing).
    for (const part of s.split('.').slice(1)) if (part.length > 16) expect(step.body).not.toContain(part);
  }
}

/** Log lines written since `from` that carry `reason`. */
function loggedReasons(from: number): string[] {
  return jalon.logs
    .slice(from)
    .map((l) => l.reason)
    .filter((r): r is string => typeof r === 'string');
}

// The table ----------------------------------------------------------------

type Family = 'moodle' | 'canvas';

interface BadLaunch {
  name: string;
  /** Where Jalon must refuse. */
  at: 'login' | 'launch';
  status: number;
  reason: string | ((family: Family) => string);
  key: string;
  params?: Record<string, string>;
  /** The language comes from the browser (Accept-Language) when the token cannot tell. */
  langFrom?: 'token' | 'browser';
  /** Launch options (user and course are filled in). */
  launch?: (family: Family) => Partial<LaunchOptions>;
  tamper?: (post: LaunchPost) => void | Promise<void>;
  /** Teaching staff instead of learners (deep linking). */
  staff?: boolean;
}

const now = () => Math.floor(Date.now() / 1000);
const signing = (mode: SigningMode) => () => ({ signing: mode });
const claims = (c: Record<string, unknown>) => () => ({ claims: c });

const CASES: BadLaunch[] = [
  // Login initiation
  {
    name: 'login from an unknown issuer',
    at: 'login',
    status: 401,
    reason: 'LTI_UNKNOWN_PLATFORM',
    key: 'lti:error.unknownPlatform',
    launch: () => ({ loginParams: { iss: 'https://evil.example' } }),
  },
  {
    name: 'login with an unknown client id',
    at: 'login',
    status: 401,
    reason: 'LTI_UNKNOWN_PLATFORM',
    key: 'lti:error.unknownPlatform',
    launch: () => ({ loginParams: { client_id: 'not-a-client' } }),
  },
  {
    name: 'login for an unknown deployment',
    at: 'login',
    status: 403,
    reason: 'LTI_UNKNOWN_DEPLOYMENT',
    key: 'lti:error.unknownDeployment',
    params: { deploymentId: 'dep-not-ours' },
    launch: () => ({ loginParams: { lti_deployment_id: 'dep-not-ours' } }),
  },
  {
    name: 'login without login_hint',
    at: 'login',
    status: 400,
    reason: 'LTI_LOGIN_MISSING_PARAMS',
    key: 'lti:error.loginParams',
    launch: () => ({ loginParams: { login_hint: undefined } }),
  },
  {
    name: 'login whose target is not Jalon',
    at: 'login',
    status: 400,
    reason: 'LTI_LOGIN_BAD_TARGET',
    key: 'lti:error.loginTarget',
    launch: () => ({ loginParams: { target_link_uri: 'https://evil.example/lti' } }),
  },
  {
    name: 'login whose target carries a NUL byte (the engine would fail storing it)',
    at: 'login',
    status: 400,
    reason: 'LTI_LOGIN_BAD_TARGET',
    key: 'lti:error.loginTarget',
    launch: () => ({ loginParams: { target_link_uri: `${jalon.url}/lti?x=%00` } }),
  },
  // Signatures and keys
  {
    name: 'wrong signature (right kid, unpublished key)',
    at: 'launch',
    status: 401,
    reason: 'LTI_BAD_SIGNATURE',
    key: 'lti:error.badSignature',
    launch: signing('other-key'),
  },
  {
    name: 'unknown kid',
    at: 'launch',
    status: 401,
    reason: 'LTI_UNKNOWN_KID',
    key: 'lti:error.badSignature',
    launch: signing('unknown-kid'),
  },
  {
    name: 'alg none',
    at: 'launch',
    status: 401,
    reason: 'LTI_BAD_ALGORITHM',
    key: 'lti:error.badSignature',
    launch: signing('none-alg'),
  },
  {
    name: 'HS256 keyed with the public key (algorithm confusion)',
    at: 'launch',
    status: 401,
    reason: 'LTI_BAD_ALGORITHM',
    key: 'lti:error.badSignature',
    launch: signing('hs256-public-key'),
  },
  {
    name: 'garbage id_token (three random segments)',
    at: 'launch',
    status: 400,
    reason: 'LTI_GARBAGE_TOKEN',
    key: 'lti:error.malformedToken',
    langFrom: 'browser',
    launch: signing('garbage'),
  },
  {
    name: 'id_token that is not a JWT',
    at: 'launch',
    status: 400,
    reason: 'LTI_GARBAGE_TOKEN',
    key: 'lti:error.malformedToken',
    langFrom: 'browser',
    tamper: (p) => {
      p.fields.id_token = 'hello';
    },
  },
  {
    name: 'empty id_token',
    at: 'launch',
    status: 400,
    reason: 'LTI_GARBAGE_TOKEN',
    key: 'lti:error.malformedToken',
    langFrom: 'browser',
    tamper: (p) => {
      p.fields.id_token = '';
    },
  },
  // Issuer and audience
  {
    name: 'wrong iss (not the issuer the login started with)',
    at: 'launch',
    status: 401,
    reason: 'LTI_STATE_MISMATCH',
    key: 'lti:error.stateMismatch',
    launch: claims({ iss: 'https://evil.example' }),
  },
  {
    name: 'wrong aud',
    at: 'launch',
    status: 401,
    // Canvas sends azp = the real client id, which then is not in aud.
    reason: (f) => (f === 'canvas' ? 'LTI_BAD_AUDIENCE' : 'LTI_UNKNOWN_PLATFORM'),
    key: 'lti:error.unknownPlatform',
    launch: claims({ aud: 'someone-else' }),
  },
  {
    name: 'several audiences and no azp',
    at: 'launch',
    status: 401,
    reason: 'LTI_BAD_AUDIENCE',
    key: 'lti:error.unknownPlatform',
    launch: (f) => ({ claims: { aud: [clientIds[f], 'someone-else'], azp: undefined } }),
  },
  {
    name: 'azp naming another client (the token is for someone else)',
    at: 'launch',
    status: 401,
    reason: 'LTI_UNKNOWN_PLATFORM',
    key: 'lti:error.unknownPlatform',
    launch: (f) => ({ claims: { aud: [clientIds[f], 'someone-else'], azp: 'someone-else' } }),
  },
  // Time
  {
    name: 'expired token',
    at: 'launch',
    status: 401,
    reason: 'LTI_TOKEN_EXPIRED',
    key: 'lti:error.tokenTime',
    launch: () => ({ transformClaims: (c) => ({ ...c, iat: now() - 700, exp: now() - 600 }) }),
  },
  {
    name: 'iat too old (exp still valid)',
    at: 'launch',
    status: 401,
    reason: 'LTI_TOKEN_TOO_OLD',
    key: 'lti:error.tokenTime',
    launch: () => ({ transformClaims: (c) => ({ ...c, iat: now() - 3600, exp: now() + 600 }) }),
  },
  {
    name: 'iat in the future',
    at: 'launch',
    status: 401,
    reason: 'LTI_TOKEN_FROM_FUTURE',
    key: 'lti:error.tokenTime',
    launch: () => ({ transformClaims: (c) => ({ ...c, iat: now() + 600, exp: now() + 700 }) }),
  },
  {
    name: 'nbf in the future',
    at: 'launch',
    status: 401,
    reason: 'LTI_TOKEN_TIME',
    key: 'lti:error.tokenTime',
    launch: () => ({ transformClaims: (c) => ({ ...c, nbf: now() + 600 }) }),
  },
  // State
  {
    name: 'state missing from the POST',
    at: 'launch',
    status: 400,
    reason: 'LTI_STATE_MISSING',
    key: 'lti:error.malformedLaunch',
    tamper: (p) => {
      delete p.fields.state;
    },
  },
  {
    name: 'state absurdly long',
    at: 'launch',
    status: 400,
    reason: 'LTI_STATE_MISSING',
    key: 'lti:error.malformedLaunch',
    tamper: (p) => {
      p.fields.state = 's'.repeat(5000);
    },
  },
  {
    name: 'state that no login started (no cookie for it)',
    at: 'launch',
    status: 401,
    reason: 'LTI_STATE_COOKIE_MISSING',
    key: 'lti:error.cookiesBlocked',
    tamper: (p) => {
      p.fields.state = 'f'.repeat(50);
    },
  },
  {
    name: 'state cookie missing',
    at: 'launch',
    status: 401,
    reason: 'LTI_STATE_COOKIE_MISSING',
    key: 'lti:error.cookiesBlocked',
    tamper: (p) => {
      expect(p.browser.dropCookies((c) => c.name.startsWith('state'))).toBe(1);
    },
  },
  {
    name: 'state cookie forged (bad cookie signature)',
    at: 'launch',
    status: 401,
    reason: 'LTI_STATE_MISMATCH',
    key: 'lti:error.stateMismatch',
    tamper: (p) => {
      const c = p.browser.jar.all().find((x) => x.name.startsWith('state'));
      expect(c).toBeDefined();
      c!.value = encodeURIComponent('s:https://evil.example.abcdefghijklmnopqrstuvwxyz0123456789ABCDEF');
    },
  },
  // Deployment
  {
    name: 'deployment id in the token that is not registered',
    at: 'launch',
    status: 403,
    reason: 'LTI_UNKNOWN_DEPLOYMENT',
    key: 'lti:error.unknownDeployment',
    params: { deploymentId: 'dep-not-ours' },
    launch: claims({ [CLAIM.deploymentId]: 'dep-not-ours' }),
  },
  // Missing or malformed claims
  {
    name: 'no nonce',
    at: 'launch',
    status: 401,
    reason: 'LTI_MISSING_NONCE',
    key: 'lti:error.malformedLaunch',
    launch: claims({ nonce: undefined }),
  },
  {
    name: 'no sub',
    at: 'launch',
    status: 400,
    reason: 'LTI_MISSING_SUB',
    key: 'lti:error.malformedLaunch',
    launch: claims({ sub: undefined }),
  },
  {
    name: 'no exp',
    at: 'launch',
    status: 400,
    reason: 'LTI_MISSING_EXP',
    key: 'lti:error.malformedLaunch',
    launch: claims({ exp: undefined }),
  },
  {
    name: 'no iat',
    at: 'launch',
    status: 400,
    reason: 'LTI_MISSING_IAT',
    key: 'lti:error.malformedLaunch',
    launch: claims({ iat: undefined }),
  },
  {
    name: 'no deployment id',
    at: 'launch',
    status: 400,
    reason: 'LTI_MISSING_DEPLOYMENT',
    key: 'lti:error.malformedLaunch',
    launch: claims({ [CLAIM.deploymentId]: undefined }),
  },
  {
    name: 'roles not a list',
    at: 'launch',
    status: 400,
    reason: 'LTI_MALFORMED_ROLES',
    key: 'lti:error.malformedLaunch',
    launch: claims({ [CLAIM.roles]: 'Learner' }),
  },
  {
    name: 'no resource link',
    at: 'launch',
    status: 400,
    reason: 'LTI_MALFORMED_RESOURCE_LINK',
    key: 'lti:error.malformedLaunch',
    launch: claims({ [CLAIM.resourceLink]: undefined }),
  },
  {
    name: 'context without an id',
    at: 'launch',
    status: 400,
    reason: 'LTI_MALFORMED_CONTEXT',
    key: 'lti:error.malformedLaunch',
    launch: claims({ [CLAIM.context]: { title: 'No id' } }),
  },
  {
    name: 'custom claim that is not an object',
    at: 'launch',
    status: 400,
    reason: 'LTI_MALFORMED_CUSTOM',
    key: 'lti:error.malformedLaunch',
    launch: claims({ [CLAIM.custom]: 'x=1' }),
  },
  {
    name: 'no target_link_uri',
    at: 'launch',
    status: 400,
    reason: 'LTI_MISSING_TARGET_LINK_URI',
    key: 'lti:error.malformedLaunch',
    launch: claims({ [CLAIM.targetLinkUri]: undefined }),
  },
  {
    name: 'unsupported message type',
    at: 'launch',
    status: 400,
    reason: 'LTI_UNSUPPORTED_MESSAGE',
    key: 'lti:error.unsupportedMessage',
    launch: claims({ [CLAIM.messageType]: 'LtiSubmissionReviewRequest' }),
  },
  {
    name: 'wrong LTI version',
    at: 'launch',
    status: 400,
    reason: 'LTI_WRONG_VERSION',
    key: 'lti:error.wrongVersion',
    launch: claims({ [CLAIM.version]: '1.1.0' }),
  },
  {
    name: 'no LTI version',
    at: 'launch',
    status: 400,
    reason: 'LTI_WRONG_VERSION',
    key: 'lti:error.wrongVersion',
    launch: claims({ [CLAIM.version]: undefined }),
  },
  {
    name: 'deep linking request without its settings',
    at: 'launch',
    status: 400,
    reason: 'LTI_MALFORMED_DEEP_LINKING',
    key: 'lti:error.malformedLaunch',
    staff: true,
    launch: () => ({ messageType: 'LtiDeepLinkingRequest', claims: { [CLAIM.dlSettings]: undefined } }),
  },
  // Roles
  {
    name: 'a role Jalon does not serve',
    at: 'launch',
    status: 403,
    reason: 'LTI_ROLE_NOT_SUPPORTED',
    key: 'lti:error.roleNotSupported',
    launch: claims({ [CLAIM.roles]: ['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Guest'] }),
  },
  {
    name: 'a learner sending a deep-linking request',
    at: 'launch',
    status: 403,
    reason: 'LTI_DEEP_LINK_NOT_INSTRUCTOR',
    key: 'lti:error.forbidden',
    launch: () => ({ messageType: 'LtiDeepLinkingRequest' }),
  },
  // Where the id_token goes
  {
    name: 'id_token posted to another Jalon address',
    at: 'launch',
    status: 400,
    reason: 'LTI_WRONG_LAUNCH_PATH',
    key: 'lti:error.invalidLaunch',
    tamper: (p) => {
      p.action = `${jalon.url}/lti/learner`;
    },
  },
];

const PEOPLE: Record<'learners' | 'staff', Array<{ user: string; locale: string; lang: Lang }>> = {
  learners: [
    { user: 'ana', locale: 'fr', lang: 'fr' },
    { user: 'ben', locale: 'en', lang: 'en' },
  ],
  staff: [
    { user: 'prof', locale: 'fr-CA', lang: 'fr' },
    { user: 'designer', locale: 'en', lang: 'en' },
  ],
};

describe.each(['moodle', 'canvas'] as const)('bad launches from a %s-shaped platform', (family) => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const platform = platforms[family];
    for (const person of PEOPLE[c.staff ? 'staff' : 'learners']) {
      // At login only the browser's language is known; after it, the token's locale must
      // win over a browser set to the other language.
      const langFrom = c.at === 'login' ? 'browser' : (c.langFrom ?? 'token');
      const acceptLanguage = langFrom === 'browser' ? ACCEPT[person.lang] : ACCEPT[other(person.lang)];
      const before = await countRows();
      const logFrom = jalon.logs.length;
      const r = await attempt(
        platform,
        { user: person.user, course: 'math', locale: person.locale, ...c.launch?.(family) },
        { acceptLanguage, ...(c.tamper ? { tamper: c.tamper } : {}) },
      );
      expect(r.stage).toBe(c.at);
      expectRefusalPage(r.final, { status: c.status, lang: person.lang, key: c.key, params: c.params }, [
        r.idToken,
      ]);
      const reason = typeof c.reason === 'function' ? c.reason(family) : c.reason;
      expect(loggedReasons(logFrom)).toContain(reason);
      if (r.idToken) expect(JSON.stringify(jalon.logs.slice(logFrom))).not.toContain(r.idToken);
      expect(await countRows()).toEqual(before);
      // The refusal set no session cookie.
      expect(r.browser.jar.all().filter((c) => c.name.startsWith('lti'))).toEqual([]);
    }
  });

  test('the same platform still launches normally (the table is not refusing everything)', async () => {
    const r = await attempt(platforms[family], { user: 'ana', course: 'math' });
    expect(r.final.status).toBe(200);
    expect(r.final.url).toContain('/lti/learner?ltik=');
  });
});

describe.each(['moodle', 'canvas'] as const)('replays on a %s-shaped platform', (family) => {
  test('an id_token posted again, with its own state cookie restored, is refused as replayed', async () => {
    const platform = platforms[family];
    let saved: { name: string; value: string; path: string } | undefined;
    const first = await attempt(
      platform,
      { user: 'ana', course: 'math' },
      {
        tamper: (p) => {
          const c = p.browser.jar.all().find((x) => x.name.startsWith('state'));
          saved = c && { name: c.name, value: c.value, path: c.path };
        },
      },
    );
    expect(first.final.status).toBe(200);
    expect(saved).toBeDefined();
    const before = await countRows();
    const logFrom = jalon.logs.length;
    first.browser.jar.store(jalon.url + saved!.path, [`${saved!.name}=${saved!.value}; Path=${saved!.path}`]);
    const replay = await first.browser.post(
      `${jalon.url}/lti`,
      { id_token: first.idToken!, state: first.state! },
      { 'Accept-Language': ACCEPT.en, Origin: new URL(platform.url).origin },
    );
    expectRefusalPage(replay, { status: 401, lang: 'fr', key: 'lti:error.replayed' }, [first.idToken]);
    expect(loggedReasons(logFrom)).toContain('LTI_REPLAYED_NONCE');
    expect(await countRows()).toEqual(before);
  });

  test('an old id_token slipped into a fresh login (new state, new cookie) is refused as replayed', async () => {
    const platform = platforms[family];
    const first = await attempt(platform, { user: 'ben', course: 'math' });
    expect(first.final.status).toBe(200);
    const before = await countRows();
    const logFrom = jalon.logs.length;
    const second = await attempt(
      platform,
      { user: 'ben', course: 'math' },
      {
        browser: first.browser,
        tamper: (p) => {
          p.fields.id_token = first.idToken!;
        },
      },
    );
    expectRefusalPage(second.final, { status: 401, lang: 'en', key: 'lti:error.replayed' }, [first.idToken]);
    expect(loggedReasons(logFrom)).toContain('LTI_REPLAYED_NONCE');
    expect(await countRows()).toEqual(before);
  });

  test('an id_token replayed from another browser (no state cookie) is refused', async () => {
    const platform = platforms[family];
    const first = await attempt(platform, { user: 'ben', course: 'math' });
    expect(first.final.status).toBe(200);
    const before = await countRows();
    const logFrom = jalon.logs.length;
    const replay = await new Browser().post(`${jalon.url}/lti`, {
      id_token: first.idToken!,
      state: first.state!,
    });
    expectRefusalPage(replay, { status: 401, lang: 'en', key: 'lti:error.cookiesBlocked' }, [first.idToken]);
    expect(loggedReasons(logFrom)).toContain('LTI_STATE_COOKIE_MISSING');
    expect(await countRows()).toEqual(before);
  });
});

describe('a launch whose state cookie is missing in a top-level window', () => {
  test('says what to fix instead of offering yet another window (no loop)', async () => {
    const platform = platforms.moodle;
    const first = await attempt(platform, { user: 'ben', course: 'math' });
    expect(first.final.status).toBe(200);
    const logFrom = jalon.logs.length;
    const before = await countRows();
    const top = await new Browser().request(
      'POST',
      `${jalon.url}/lti`,
      { id_token: first.idToken!, state: first.state! },
      { 'Sec-Fetch-Dest': 'document', 'Accept-Language': 'en' },
    );
    expect(top.status).toBe(401);
    expect(top.body).toContain('did not send back the cookie');
    expect(top.body).not.toContain('target="_blank"');
    expect(loggedReasons(logFrom)).toContain('LTI_STATE_COOKIE_MISSING');
    expect(await countRows()).toEqual(before);
  });
});

describe.each(['moodle', 'canvas'] as const)(
  'a learner from a %s-shaped platform forging routes',
  (family) => {
    let learner: Attempt;
    let ltik: string;

    beforeAll(async () => {
      learner = await attempt(platforms[family], { user: 'ana', course: 'math' });
      expect(learner.final.status).toBe(200);
      ltik = new URL(learner.final.url).searchParams.get('ltik')!;
      expect(ltik).toBeTruthy();
    });

    const forbidden = async (
      run: () => Promise<BrowserStep>,
      want: { status: number; key: string; reason: string; lang?: Lang },
    ) => {
      const before = await countRows();
      const deepLinks = platforms[family].deepLinkResponses.length;
      const logFrom = jalon.logs.length;
      const step = await run();
      // The ltik is the requester's own (it is in the address they asked for), so the page may
      // carry it back in its language link; it must carry nothing else of the session.
      expectRefusalPage(step, { status: want.status, lang: want.lang ?? 'fr', key: want.key });
      expect(loggedReasons(logFrom)).toContain(want.reason);
      expect(await countRows()).toEqual(before);
      expect(platforms[family].deepLinkResponses.length).toBe(deepLinks);
    };
    const q = () => `ltik=${encodeURIComponent(ltik)}`;

    test('the course console', async () => {
      await forbidden(() => learner.browser.get(`${jalon.url}/lti/console?${q()}`), {
        status: 403,
        key: 'lti:error.forbidden',
        reason: 'LTI_FORBIDDEN_ROUTE',
      });
    });

    test('the administration area, read and write', async () => {
      await forbidden(() => learner.browser.get(`${jalon.url}/lti/admin?${q()}`), {
        status: 403,
        key: 'lti:error.forbidden',
        reason: 'LTI_FORBIDDEN_ROUTE',
      });
      await forbidden(
        () =>
          learner.browser.post(`${jalon.url}/lti/admin/platforms`, {
            ltik,
            issuer: 'https://evil.example',
            clientId: 'x',
            authEndpoint: 'https://evil.example/auth',
            tokenEndpoint: 'https://evil.example/token',
            jwksUri: 'https://evil.example/jwks',
            deploymentId: '1',
          }),
        { status: 403, key: 'lti:error.forbidden', reason: 'LTI_FORBIDDEN_ROUTE' },
      );
      const [p] = await jalon.running.services.registry.list();
      await forbidden(
        () => learner.browser.post(`${jalon.url}/lti/admin/platforms/${p!.id}/disable`, { ltik }),
        {
          status: 403,
          key: 'lti:error.forbidden',
          reason: 'LTI_FORBIDDEN_ROUTE',
        },
      );
      expect((await jalon.running.services.registry.get(p!.id))!.status).toBe('active');
    });

    test('deep linking (page and response)', async () => {
      await forbidden(() => learner.browser.get(`${jalon.url}/lti/deep-link?${q()}`), {
        status: 403,
        key: 'lti:error.forbidden',
        reason: 'LTI_FORBIDDEN_ROUTE',
      });
      await forbidden(() => learner.browser.post(`${jalon.url}/lti/deep-link`, { ltik }), {
        status: 403,
        key: 'lti:error.forbidden',
        reason: 'LTI_FORBIDDEN_ROUTE',
      });
    });

    test('the ltik used from a browser without the session cookie', async () => {
      await forbidden(() => new Browser().get(`${jalon.url}/lti/learner?${q()}`), {
        status: 401,
        key: 'lti:error.sessionExpired',
        reason: 'LTI_SESSION_EXPIRED',
        lang: 'en',
      });
    });

    test('an ltik whose payload was edited to name another user', async () => {
      const [h, payload, s] = ltik.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
      const forged = [
        h,
        Buffer.from(JSON.stringify({ ...claims, user: 'prof' })).toString('base64url'),
        s,
      ].join('.');
      const before = await countRows();
      const logFrom = jalon.logs.length;
      const step = await learner.browser.get(`${jalon.url}/lti/console?ltik=${encodeURIComponent(forged)}`);
      expectRefusalPage(step, { status: 401, lang: 'en', key: 'lti:error.invalidLaunch' });
      expect(loggedReasons(logFrom).some((r) => r.startsWith('LTI_ENGINE_'))).toBe(true);
      expect(await countRows()).toEqual(before);
    });

    test('the learner page itself still opens (the session is valid)', async () => {
      const ok = await learner.browser.get(`${jalon.url}/lti/learner?${q()}`);
      expect(ok.status).toBe(200);
    });
  },
);

describe('malformed requests straight to the LTI endpoints', () => {
  const plain = async (
    path: string,
    init: RequestInit & { headers?: Record<string, string> },
  ): Promise<BrowserStep> => {
    const res = await fetch(`${jalon.url}${path}`, { redirect: 'manual', ...init });
    return {
      method: (init.method as 'GET' | 'POST') ?? 'GET',
      url: `${jalon.url}${path}`,
      status: res.status,
      headers: res.headers,
      body: await res.text(),
      refusedCookies: [],
    };
  };

  test('a login with a parameter given twice is refused, not passed on', async () => {
    const p = platforms.moodle;
    const body = new URLSearchParams([
      ['iss', p.issuer],
      ['login_hint', '2'],
      ['target_link_uri', `${jalon.url}/lti`],
      ['client_id', clientIds.moodle!],
      ['client_id', 'another'],
    ]);
    const before = await countRows();
    const logFrom = jalon.logs.length;
    const r = await plain('/lti/login', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept-Language': 'fr' },
    });
    expectRefusalPage(r, { status: 400, lang: 'fr', key: 'lti:error.loginParams' });
    expect(loggedReasons(logFrom)).toContain('LTI_LOGIN_MALFORMED_PARAMS');
    expect(await countRows()).toEqual(before);
  });

  test.each(['id_token', 'state'])('a launch POST with %s given twice', async (twice) => {
    const before = await countRows();
    const logFrom = jalon.logs.length;
    // Decodable, so that the state is what gets checked when it is the one given twice.
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const decodable = `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ iss: 'x' })}.c2ln`;
    const fields: Array<[string, string]> = [
      ['id_token', decodable],
      ['state', 'abc'],
      [twice, twice === 'id_token' ? decodable : 'def'],
    ];
    const r = await plain('/lti', {
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept-Language': 'fr' },
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.body).toContain('<html lang="fr">');
    expect(loggedReasons(logFrom)).toContain(
      twice === 'id_token' ? 'LTI_GARBAGE_TOKEN' : 'LTI_STATE_MISSING',
    );
    expect(await countRows()).toEqual(before);
  });

  test('a JSON launch body with an id_token that is not a string', async () => {
    const logFrom = jalon.logs.length;
    const r = await plain('/lti', {
      method: 'POST',
      body: JSON.stringify({ id_token: { alg: 'none' }, state: 'x' }),
      headers: { 'Content-Type': 'application/json' },
    });
    expectRefusalPage(r, { status: 400, lang: 'en', key: 'lti:error.malformedToken' });
    expect(loggedReasons(logFrom)).toContain('LTI_GARBAGE_TOKEN');
  });

  test('a POST to the launch address with neither id_token nor ltik', async () => {
    const logFrom = jalon.logs.length;
    const r = await plain('/lti', {
      method: 'POST',
      body: 'state=abc',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept-Language': 'fr' },
    });
    expectRefusalPage(r, { status: 401, lang: 'fr', key: 'lti:error.invalidLaunch' });
    expect(loggedReasons(logFrom)).toContain('LTI_ENGINE_NO_LTIK_OR_IDTOKEN_FOUND');
  });

  test('a path that cannot be decoded', async () => {
    const r = await plain('/lti/%E0%A4%A', { headers: { 'Accept-Language': 'fr' } });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.body).toContain('<html lang="fr">');
    expect(r.body).not.toContain('URIError');
  });

  test("ltijs's own dynamic-registration route answers a page, not JSON", async () => {
    const r = await plain('/lti/ltijs-dynamic-registration-disabled', {
      headers: { 'Accept-Language': 'en' },
    });
    expectRefusalPage(r, { status: 404, lang: 'en', key: 'error.notFound' });
  });
});
