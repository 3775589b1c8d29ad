/**
 * The registrar area and API on a running Jalon with real LTI launches from the test
 * platform: only administrator launches open the area (instructors and learners get 403);
 * a token created there (shown once) fetches exports from the API, streamed, parsed back;
 * missing, forged, revoked, wrong-scope and other-platform tokens are refused with a
 * sentence, and the log says why without the token; an export started from the area runs
 * as a job and its file downloads with the checksum shown.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { Browser, CLAIM, startPlatform, type Platform } from '../platform/index.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';
import { badgeLoader, issuerDid } from '../../src/badges/store.js';
import { verifyCredential } from '../../src/badges/signing.js';
import type { ClrSignerSource } from '../../src/registrar/formats.js';
import { createToken } from '../../src/registrar/tokens.js';
import { seedAward, seedCourse, seedRevocation, type SeededCourse } from './fixtures.js';

const ADMIN_ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator';
const SYS_ADMIN_ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator';

let jalon: TestJalon;
let moodle: Platform;
let canvas: Platform;
let moodleId: string;
let canvasId: string;
let math: SeededCourse;

beforeAll(async () => {
  jalon = await startJalon();
  moodle = await startPlatform({ family: 'moodle' });
  canvas = await startPlatform({ family: 'canvas' });
  moodleId = (await registerManually(jalon, moodle)).platformId;
  canvasId = (await registerManually(jalon, canvas)).platformId;
  const db = jalon.database.db;
  math = await seedCourse(db, moodleId, 'math');
  for (let i = 0; i < 7; i++) {
    await seedAward(db, moodleId, math, {
      learner: `L${i}`,
      name: `Learner ${i}`,
      occurredAt: new Date(Date.UTC(2026, i % 3, 10 + i)),
    });
  }
  const chem = await seedCourse(db, canvasId, 'chem');
  await seedAward(db, canvasId, chem, { learner: 'C1' });
}, 120_000);

afterAll(async () => {
  await moodle?.close();
  await canvas?.close();
  await jalon?.stop();
});

interface Session {
  browser: Browser;
  ltik: string;
}

async function launchAs(user: string, roles?: string[], platform: Platform = moodle): Promise<Session> {
  const browser = new Browser();
  const r = await browser.launch(platform, {
    user,
    course: 'math',
    ...(roles ? { claims: { [CLAIM.roles]: roles } } : {}),
  });
  expect(r.final.status).toBe(200);
  const ltik = new URL(r.final.url).searchParams.get('ltik');
  expect(ltik).toBeTruthy();
  return { browser, ltik: ltik! };
}

const area = (path = '') => `${jalon.url}/lti/registrar${path}`;
const api = (query: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${jalon.url}/api/registrar/exports?${query}`, {
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
  });
const reasonsSince = (from: number) =>
  jalon.logs
    .slice(from)
    .map((l) => l.reason)
    .filter((r): r is string => typeof r === 'string');

describe('who may open the area', () => {
  test('an institution administrator opens it, with the overview chart and table', async () => {
    const s = await launchAs('ana', [ADMIN_ROLE]);
    const page = await s.browser.get(`${area()}?ltik=${encodeURIComponent(s.ltik)}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<svg id="month-chart" role="img"');
    expect(page.body).toContain('id="month-table"');
    expect(page.body).toMatch(/<td>2026-01<\/td><td>3<\/td>/);
    expect(page.body).toContain('id="token-form"');
    expect(page.body).not.toContain('C1'); // the other platform's records are not counted here
  });

  test('the administration page links to it', async () => {
    const s = await launchAs('ana', [ADMIN_ROLE]);
    const admin = await s.browser.get(`${jalon.url}/lti/admin?ltik=${encodeURIComponent(s.ltik)}`);
    expect(admin.body).toContain('id="registrar-link"');
  });

  test('a system administrator too', async () => {
    const s = await launchAs('dana', [SYS_ADMIN_ROLE]);
    expect((await s.browser.get(`${area()}?ltik=${encodeURIComponent(s.ltik)}`)).status).toBe(200);
  });

  test.each([
    ['an instructor', 'prof'],
    ['a learner', 'ana'],
  ])('%s gets 403, for pages and for forms', async (_who, user) => {
    const s = await launchAs(user);
    const from = jalon.logs.length;
    const page = await s.browser.get(`${area()}?ltik=${encodeURIComponent(s.ltik)}`);
    expect(page.status).toBe(403);
    const post = await s.browser.post(area('/tokens'), { ltik: s.ltik, name: 'x', scopes: 'records:read' });
    expect(post.status).toBe(403);
    expect(reasonsSince(from)).toContain('LTI_FORBIDDEN_ROUTE');
  });

  test('a form without the ltik (cross-site post) changes nothing', async () => {
    const s = await launchAs('ana', [ADMIN_ROLE]);
    const r = await s.browser.post(area('/tokens'), { name: 'forged', scopes: 'records:read' });
    expect(r.status).toBeGreaterThanOrEqual(400);
    const page = await s.browser.get(`${area()}?ltik=${encodeURIComponent(s.ltik)}`);
    expect(page.body).not.toContain('forged');
  });
});

describe('tokens and the API', () => {
  let secret: string;
  let admin: Session;

  beforeAll(async () => {
    admin = await launchAs('ana', [ADMIN_ROLE]);
    const created = await admin.browser.post(area('/tokens'), {
      ltik: admin.ltik,
      name: 'Banner SIS',
      scopes: 'records:read',
    });
    expect(created.status).toBe(200);
    secret = /<code id="token-secret">([^<]+)<\/code>/.exec(created.body)![1]!;
    expect(secret).toMatch(/^jrt_/);
    // Shown once: the next page lists the token without its secret.
    const again = await admin.browser.get(`${area()}?ltik=${encodeURIComponent(admin.ltik)}`);
    expect(again.body).toContain('Banner SIS');
    expect(again.body).not.toContain(secret);
  });

  test('CSV streams with the seq range in headers, and parses back', async () => {
    const res = await api('format=csv', secret);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment/);
    const body = await res.text();
    const rows = parse(body, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(7);
    expect(new Set(rows.map((r) => r.platform_id))).toEqual(new Set([moodleId]));
    expect(Number(res.headers.get('x-jalon-to-seq'))).toBe(Math.max(...rows.map((r) => Number(r.seq))));
  });

  test('JSON Lines with filters', async () => {
    const res = await api('format=jsonl&from=2026-02-01&to=2026-02-28&status=active', secret);
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { occurredAt: string });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.occurredAt.startsWith('2026-02'))).toBe(true);
  });

  test('since=last gives each record once across exports, and new ones after', async () => {
    const { secret: s2 } = await createToken(jalon.database.db, {
      platformId: moodleId,
      name: 'incremental',
      scopes: ['records:read'],
      createdBy: 'test',
    });
    const first = parse(await (await api('format=csv&since=last', s2)).text(), { columns: true });
    expect(first).toHaveLength(7);
    const second = parse(await (await api('format=csv&since=last', s2)).text(), { columns: true });
    expect(second).toHaveLength(0);
    const awardId = await seedAward(jalon.database.db, moodleId, math, { learner: 'L-new' });
    await seedRevocation(jalon.database.db, awardId);
    const third = parse(await (await api('format=csv&since=last', s2)).text(), {
      columns: true,
    }) as Array<Record<string, string>>;
    expect(third.map((r) => r.event)).toEqual(['awarded', 'revoked']);
    expect(third.every((r) => r.status === 'revoked')).toBe(true);
  });

  test('bad filters: 400 with a sentence naming the problem', async () => {
    const from = jalon.logs.length;
    const res = await api('format=csv&from=2026-13-01&status=gone&microcredentail=x', secret, {
      'Accept-Language': 'fr-CA',
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string; problems: unknown[] } };
    expect(json.error.code).toBe('REGISTRAR_BAD_FILTERS');
    expect(json.error.problems).toHaveLength(3);
    expect(json.error.message).toContain('AAAA-MM-JJ');
    expect(json.error.message).toContain('microcredentail');
    expect(reasonsSince(from)).toContain('REGISTRAR_BAD_FILTERS');
    expect((await api('format=xml', secret)).status).toBe(400);
  });

  test('missing, malformed, forged and revoked tokens: 401; the log says why, never the token', async () => {
    const from = jalon.logs.length;
    const missing = await api('format=csv');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await api('format=csv', 'not-a-token')).status).toBe(401);
    const forged = `jrt_${'A'.repeat(43)}`;
    expect((await api('format=csv', forged)).status).toBe(401);
    const { secret: doomed, token } = await createToken(jalon.database.db, {
      platformId: moodleId,
      name: 'doomed',
      scopes: ['records:read'],
      createdBy: 'test',
    });
    expect((await api('format=csv', doomed)).status).toBe(200);
    const page = await admin.browser.post(area(`/tokens/${token.id}/revoke`), { ltik: admin.ltik });
    expect(page.status).toBe(200);
    const revoked = await api('format=csv', doomed);
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as { error: { message: string } }).error.message).toContain('Bearer');
    expect(reasonsSince(from)).toEqual(
      expect.arrayContaining([
        'REGISTRAR_TOKEN_MISSING',
        'REGISTRAR_TOKEN_MALFORMED',
        'REGISTRAR_TOKEN_UNKNOWN',
        'REGISTRAR_TOKEN_REVOKED',
      ]),
    );
    const logText = JSON.stringify(jalon.logs);
    for (const s of [doomed, forged, secret]) expect(logText).not.toContain(s);
  });

  test('wrong scope and another platform: 403', async () => {
    const from = jalon.logs.length;
    expect((await api('format=clr', secret)).status).toBe(403);
    expect((await api(`format=csv&platform=${canvasId}`, secret)).status).toBe(403);
    const { secret: canvasToken } = await createToken(jalon.database.db, {
      platformId: canvasId,
      name: 'canvas',
      scopes: ['records:read'],
      createdBy: 'test',
    });
    const res = await api(`format=csv&microcredential=${math.microcredentialId}`, canvasToken);
    expect(res.status).toBe(403);
    // And a Canvas token sees only Canvas records.
    const own = parse(await (await api('format=csv', canvasToken)).text(), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(own.map((r) => r.learner_id)).toEqual(['C1']);
    expect(reasonsSince(from)).toEqual(
      expect.arrayContaining(['REGISTRAR_SCOPE', 'REGISTRAR_OTHER_PLATFORM']),
    );
  });
});

describe('CLR through the API', () => {
  test("signed with the platform's own badge issuer key, verifiable from Jalon's published DID; 503 with a sentence when no key may sign", async () => {
    const { secret } = await createToken(jalon.database.db, {
      platformId: moodleId,
      name: 'clr',
      scopes: ['clr:read'],
      createdBy: 'test',
    });
    expect((await api('format=csv', secret)).status).toBe(403); // clr:read does not give CSV
    const res = await api('format=clr', secret);
    expect(res.status).toBe(200);
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(7);
    const loader = badgeLoader(jalon.database.db, jalon.config.publicUrl);
    for (const line of lines.slice(0, 3)) {
      const clr = JSON.parse(line) as { issuer: { id: string } | string };
      const issuer = typeof clr.issuer === 'string' ? clr.issuer : clr.issuer.id;
      expect(issuer).toBe(issuerDid(jalon.config.publicUrl, moodleId));
      expect((await verifyCredential(JSON.parse(line), loader)).verdict).toBe('valid');
    }

    // A deployment may withhold signing (no signer for this platform): refused, never unsigned.
    const services = jalon.running.services as typeof jalon.running.services & {
      clrSigner?: ClrSignerSource;
    };
    services.clrSigner = async () => undefined;
    try {
      const from = jalon.logs.length;
      const refused = await api('format=clr', secret);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('csv');
      expect(reasonsSince(from)).toContain('REGISTRAR_FORMAT_UNAVAILABLE');
    } finally {
      delete services.clrSigner;
    }
  }, 60_000);
});

describe('exports from the area', () => {
  test('a bad filter shows the problem and queues nothing', async () => {
    const s = await launchAs('ana', [ADMIN_ROLE]);
    const page = await s.browser.post(area('/exports'), { ltik: s.ltik, from: '2026-02-30', format: 'csv' });
    expect(page.status).toBe(400);
    expect(page.body).toContain('id="problems"');
    expect(page.body).toMatch(/YYYY-MM-DD|AAAA-MM-JJ/);
  });

  test('runs as a job; progress and download with the checksum', async () => {
    const s = await launchAs('ana', [ADMIN_ROLE]);
    const queued = await s.browser.post(area('/exports'), { ltik: s.ltik, format: 'csv', status: 'active' });
    expect(queued.status).toBe(200);
    const runId = /data-run="([^"]+)"/.exec(queued.body)![1]!;
    const before = (await (
      await s.browser.get(`${area(`/runs/${runId}`)}?ltik=${encodeURIComponent(s.ltik)}`)
    ).body) as string;
    expect(JSON.parse(before).status).toBe('queued');
    await jalon.running.services.jobs.drain();
    const status = JSON.parse(
      (await s.browser.get(`${area(`/runs/${runId}`)}?ltik=${encodeURIComponent(s.ltik)}`)).body,
    ) as { status: string; percent: number; rows: number; checksum: string; downloadUrl: string };
    expect(status).toMatchObject({ status: 'done', percent: 100, rows: 7 });
    const file = await s.browser.get(`${jalon.url}${status.downloadUrl}`);
    expect(file.status).toBe(200);
    expect(createHash('sha256').update(file.body, 'utf8').digest('hex')).toBe(status.checksum);
    expect(parse(file.body, { columns: true })).toHaveLength(7);
    // Another platform's administrator cannot see or download it.
    const other = await launchAs('ana', [ADMIN_ROLE], canvas);
    expect(
      (await other.browser.get(`${area(`/runs/${runId}/download`)}?ltik=${encodeURIComponent(other.ltik)}`))
        .status,
    ).toBe(404);
  });
});
