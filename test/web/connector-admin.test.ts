/**
 * The connector admin pages through real LTI launches from the Moodle-shaped test platform,
 * on a real database: saving the Moodle connector (token sealed at rest, never shown back),
 * "Test connection" all green and then naming the missing function, the definition page with
 * and without a connector, removal, the issuer profile form, and role isolation.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eq } from 'drizzle-orm';
import {
  MOODLE_REQUIRED_CAPABILITIES,
  MOODLE_REQUIRED_FUNCTIONS,
} from '../../src/connectors/moodle/index.js';
import type { ConnectionReport } from '../../src/connectors/types.js';
import { auditLog, issuerProfiles, lmsConnectors } from '../../src/db/schema/index.js';
import type { TestJalon } from '../helpers/jalon.js';
import type { Platform } from '../platform/index.js';
import {
  adminLaunch,
  countRows,
  getPage,
  jalonWithMoodle,
  launch,
  png,
  text,
  type Session,
} from './definition-fixtures.js';

let jalon: TestJalon;
let moodle: Platform;
let platformId: string;
let admin: Session;

beforeAll(async () => {
  ({ jalon, moodle } = await jalonWithMoodle());
  platformId = (await jalon.running.services.registry.list())[0]!.id;
  admin = await adminLaunch(moodle);
});

afterAll(async () => {
  await moodle?.close();
  await jalon?.stop();
});

const adminUrl = (path = '') => `${jalon.url}/lti/admin/connectors${path}`;
/** POSTs an admin form as the browser does (ltik in a hidden field, session cookie). */
const post = (s: Session, path: string, fields: Record<string, string>) =>
  s.browser.request('POST', adminUrl(path), { ltik: s.ltik, ...fields });
const rawRow = async () =>
  (await jalon.database.db.select().from(lmsConnectors).where(eq(lmsConnectors.platformId, platformId)))[0];

describe('connector administration (Moodle)', () => {
  test('the administration area links to the connector page, which lists exactly what Moodle needs', async () => {
    const link = /href="(\/lti\/admin\/connectors\?ltik=[^"]+)"/.exec(admin.landing.body)?.[1];
    expect(link).toBeDefined();
    const page = await admin.browser.request('GET', `${jalon.url}${text(link!)}`);
    expect(page.status).toBe(200);
    const functions = /<ul id="moodle-functions">([\s\S]*?)<\/ul>/.exec(page.body)![1]!;
    expect([...functions.matchAll(/<code>([^<]+)<\/code>/g)].map((m) => m[1])).toEqual([
      ...MOODLE_REQUIRED_FUNCTIONS,
    ]);
    const caps = /<ul id="moodle-capabilities">([\s\S]*?)<\/ul>/.exec(page.body)![1]!;
    expect([...caps.matchAll(/<code>([^<]+)<\/code>/g)].map((m) => m[1])).toEqual([
      ...MOODLE_REQUIRED_CAPABILITIES,
    ]);
    expect(text(page.body)).toContain('No connector is set up for this platform.');
  });

  test('learners and instructors cannot reach the connector pages (403) and change nothing', async () => {
    const ana = await launch(moodle, 'ana', 'math', 'en');
    const prof = await launch(moodle, 'prof', 'math', 'en');
    for (const s of [ana, prof]) {
      const page = await s.browser.request('GET', adminUrl(`?ltik=${encodeURIComponent(s.ltik)}`));
      expect(page.status).toBe(403);
      const token = moodle.createWsToken().token;
      const saved = await post(s, `/${platformId}/moodle`, { baseUrl: moodle.url, token });
      expect(saved.status).toBe(403);
      expect(saved.body).not.toContain(token);
    }
    expect(await rawRow()).toBeUndefined();
    expect(jalon.logs.some((l) => l.reason === 'LTI_FORBIDDEN_ROUTE')).toBe(true);
  });

  test('a malformed address or token is refused in words, nothing saved', async () => {
    const r = await post(admin, `/${platformId}/moodle`, { baseUrl: 'ftp://moodle', token: 'short' });
    expect(r.status).toBe(400);
    const body = text(r.body);
    expect(body).toContain('Enter a web address starting with https:// (or http://).');
    expect(body).toContain('A Moodle web-service token is 16 to 64 letters and digits');
    expect(await rawRow()).toBeUndefined();
    const unknown = await post(admin, '/p-doesnotexist/moodle', {
      baseUrl: moodle.url,
      token: 'a'.repeat(32),
    });
    expect(unknown.status).toBe(404);
  });

  test('saves the Moodle connector with the token sealed at rest and never shown back', async () => {
    const token = moodle.createWsToken().token;
    const r = await post(admin, `/${platformId}/moodle`, { baseUrl: `${moodle.url}/`, token });
    expect(r.status).toBe(200);
    expect(text(r.body)).toContain('The connector is saved.');
    expect(r.body).not.toContain(token);
    expect(text(r.body)).toContain('Set (never shown again)');
    const row = (await rawRow())!;
    expect(row.kind).toBe('moodle');
    expect(row.baseUrl).toBe(moodle.url);
    expect(row.secret).not.toContain(token);
    expect(row.updatedBy).toMatch(/^lti:/);
    const opened = await jalon.running.services.connectorSettings.get(platformId);
    expect(opened).toMatchObject({ kind: 'moodle', token });
    const audit = await jalon.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'connector.save'));
    expect(audit.length).toBe(1);
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  test('Test connection: every function and capability checked, all green, recorded', async () => {
    const r = await post(admin, `/${platformId}/test`, {});
    expect(r.status).toBe(200);
    const body = text(r.body);
    expect(body).toContain('Connection test passed');
    const checks = /<ul class="checks"[^>]*>([\s\S]*?)<\/ul>/.exec(r.body)![1]!;
    expect(checks).not.toContain('check-failed');
    for (const fn of MOODLE_REQUIRED_FUNCTIONS) expect(checks).toContain(`<code>${fn}</code>`);
    const report = (await rawRow())!.lastCheck as ConnectionReport;
    expect(report.ok).toBe(true);
    expect(report.checks.every((c) => c.ok && c.messageKey.startsWith('connectors:'))).toBe(true);
  });

  test('a token whose service lacks a function: the page names that function', async () => {
    const missing = 'mod_assign_get_submission_status';
    const token = moodle.createWsToken({
      functions: MOODLE_REQUIRED_FUNCTIONS.filter((f) => f !== missing),
    }).token;
    expect((await post(admin, `/${platformId}/moodle`, { baseUrl: moodle.url, token })).status).toBe(200);
    const r = await post(admin, `/${platformId}/test`, {});
    const body = text(r.body);
    expect(body).toContain('Connection test failed');
    expect(body).toContain(
      `${missing} is missing from the token's external service: add it in Site administration › Server › Web services › External services › Functions.`,
    );
    const report = (await rawRow())!.lastCheck as ConnectionReport;
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([missing]);
  });

  test('a token whose role lacks a capability: the page names that capability', async () => {
    const token = moodle.createWsToken({
      capabilities: MOODLE_REQUIRED_CAPABILITIES.filter((c) => c !== 'mod/assign:view'),
    }).token;
    expect((await post(admin, `/${platformId}/moodle`, { baseUrl: moodle.url, token })).status).toBe(200);
    const body = text((await post(admin, `/${platformId}/test`, {})).body);
    expect(body).toContain('Connection test failed');
    expect(body).toContain('mod/assign:view');
    const report = (await rawRow())!.lastCheck as ConnectionReport;
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['mod/assign:view']);
  });

  test('a blank token keeps the one set; the French page says it in French', async () => {
    const before = (await jalon.running.services.connectorSettings.get(platformId))!;
    const r = await admin.browser.request('POST', `${adminUrl(`/${platformId}/moodle`)}?lang=fr`, {
      ltik: admin.ltik,
      baseUrl: moodle.url,
      token: '',
    });
    expect(r.status).toBe(200);
    expect(text(r.body)).toContain('Le connecteur est enregistré.');
    const after = (await jalon.running.services.connectorSettings.get(platformId))!;
    expect(after).toMatchObject({ kind: 'moodle', token: (before as { token: string }).token });
  });

  test('with the connector, the instructor’s definition form lists the Moodle course’s activities live', async () => {
    const full = moodle.createWsToken().token;
    await post(admin, `/${platformId}/moodle`, { baseUrl: moodle.url, token: full });
    const prof = await launch(moodle, 'prof', 'math', 'en');
    const page = await getPage(jalon, prof, 'definition');
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('id="connector-notice"');
    expect(page.body).toContain('data-key="moodle-quiz:');
    expect(page.body).toContain('data-key="moodle-assign:');
  });

  test('removing the connector: gone from the database, and the definition form says what the admin must set up', async () => {
    const r = await post(admin, `/${platformId}/remove`, {});
    expect(r.status).toBe(200);
    expect(text(r.body)).toContain('The connector was removed');
    expect(await rawRow()).toBeUndefined();
    const prof = await launch(moodle, 'prof', 'math', 'en');
    const body = text((await getPage(jalon, prof, 'definition')).body);
    expect(body).toContain(
      "No Moodle connector is set up: a Jalon administrator must enter the Moodle site URL and a web-service token in Jalon's administration (Connectors).",
    );
    expect(body).toContain(
      'Until then you can use Jalon’s own gradebook column or import results from a CSV file.',
    );
    const test = await post(admin, `/${platformId}/test`, {});
    expect(test.status).toBe(409);
  });
});

describe('issuer profile', () => {
  const multipart = async (fields: Record<string, string>, logo?: Buffer) => {
    const form = new FormData();
    form.append('ltik', admin.ltik);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    if (logo) form.append('logo', new Blob([new Uint8Array(logo)], { type: 'image/png' }), 'logo.png');
    const url = `${adminUrl(`/${platformId}/issuer`)}?ltik=${encodeURIComponent(admin.ltik)}`;
    const cookie = admin.browser.jar.header(url);
    const res = await fetch(url, { method: 'POST', body: form, headers: { ...(cookie && { cookie }) } });
    return { status: res.status, body: await res.text() };
  };
  const profile = async () =>
    (
      await jalon.database.db.select().from(issuerProfiles).where(eq(issuerProfiles.platformId, platformId))
    )[0];

  test('invalid fields are refused in words and nothing is saved', async () => {
    const images = await countRows(jalon, 'images');
    const r = await multipart({ nameFr: '', nameEn: '', url: 'not a url', email: 'nope' }, png(100, 100));
    expect(r.status).toBe(400);
    const body = text(r.body);
    expect(body).toContain("Enter the institution's name in French, in English, or both.");
    expect(body).toContain('Enter a valid contact e-mail address.');
    expect(body).toContain("Enter the institution's web site");
    expect(await profile()).toBeUndefined();
    expect(await countRows(jalon, 'images')).toBe(images);
  });

  test('a logo too small is refused', async () => {
    const r = await multipart(
      {
        nameFr: 'Collège',
        nameEn: 'College',
        url: 'https://college.example',
        email: 'badges@college.example',
      },
      png(20, 20),
    );
    expect(r.status).toBe(400);
    expect(await profile()).toBeUndefined();
  });

  test('saves the bilingual profile with its logo, shown back on the page', async () => {
    const r = await multipart(
      {
        nameFr: 'Collège du Nord',
        nameEn: 'Northern College',
        url: 'https://college.example',
        email: 'badges@college.example',
      },
      png(120, 120),
    );
    expect(r.status).toBe(200);
    expect(text(r.body)).toContain('The issuer profile is saved.');
    expect(r.body).toContain('value="Collège du Nord"');
    expect(text(r.body)).toContain('A logo is set.');
    const row = (await profile())!;
    expect(row.name).toEqual({ fr: 'Collège du Nord', en: 'Northern College' });
    expect(row.imageId).toMatch(/^[0-9a-f]{64}$/);
    // Saved again without a file: the logo stays.
    await multipart({
      nameFr: 'Collège du Nord',
      nameEn: '',
      url: 'https://college.example',
      email: 'badges@college.example',
    });
    const again = (await profile())!;
    expect(again.name).toEqual({ fr: 'Collège du Nord' });
    expect(again.imageId).toBe(row.imageId);
  });
});
