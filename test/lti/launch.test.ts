/**
 * Complete launches from Moodle-shaped and Canvas-shaped platforms, registered manually
 * and by dynamic registration, routed by role, in the learner's language.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { Browser, startPlatform, type Platform } from '../platform/index.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';

let jalon: TestJalon;
let moodle: Platform;
let canvas: Platform;

beforeAll(async () => {
  jalon = await startJalon();
  moodle = await startPlatform({ family: 'moodle' });
  canvas = await startPlatform({ family: 'canvas' });
  await registerManually(jalon, moodle, { deepLinking: true });
});

afterAll(async () => {
  await moodle?.close();
  await canvas?.close();
  await jalon?.stop();
});

const countRows = async (table: string) => {
  const r = await jalon.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
  const rows = (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as Array<{ n: number }>;
  return rows[0]!.n;
};

describe('Moodle-shaped launches (manual registration)', () => {
  test('a French learner lands on the learner page, in French', async () => {
    const r = await new Browser().launch(moodle, { user: 'ana', course: 'math' });
    expect(r.final.status).toBe(200);
    expect(r.final.url).toContain('/lti/learner?ltik=');
    expect(r.final.body).toContain('<html lang="fr">');
    expect(r.final.body).toContain('Votre microcertification');
    expect(r.login?.method).toBe('POST'); // Moodle POSTs the login initiation
  });

  test('an English learner gets English', async () => {
    const r = await new Browser().launch(moodle, { user: 'ben', course: 'math' });
    expect(r.final.status).toBe(200);
    expect(r.final.body).toContain('Your micro-credential');
  });

  test('instructors and content developers land on the course console', async () => {
    for (const user of ['prof', 'designer']) {
      const r = await new Browser().launch(moodle, { user, course: 'math' });
      expect(r.final.status).toBe(200);
      expect(r.final.url).toContain('/lti/console?ltik=');
    }
  });

  test('an institution administrator lands on the administration area, which lists the platforms', async () => {
    const r = await new Browser().launch(moodle, {
      user: 'dean',
      course: 'math',
      claims: {
        'https://purl.imsglobal.org/spec/lti/claim/roles': [
          'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
        ],
      },
    });
    expect(r.final.status).toBe(200);
    expect(r.final.url).toContain('/lti/admin?ltik=');
    expect(r.final.body).toContain(moodle.issuer);
    expect(r.final.body).toContain('/lti/register/');
  });

  test('a Moodle site admin (Instructor in the course too) gets the console with a link to administration', async () => {
    const browser = new Browser();
    const r = await browser.launch(moodle, { user: 'admin', course: 'math' });
    expect(r.final.url).toContain('/lti/console?ltik=');
    const link = /href="(\/lti\/admin\?ltik=[^"]+)"/.exec(r.final.body)?.[1];
    expect(link).toBeDefined();
    const admin = await browser.get(`${jalon.url}${link!.replace(/&amp;/g, '&')}`);
    expect(admin.status).toBe(200);
    expect(admin.body).toContain(moodle.issuer);
  });

  test('the launch stores the LTI session in PostgreSQL tables', async () => {
    expect(await countRows('lti_idtoken')).toBeGreaterThan(0);
    expect(await countRows('lti_contexttoken')).toBeGreaterThan(0);
    expect(await countRows('lti_nonce')).toBeGreaterThan(0);
  });

  test('the frame-ancestors policy names the registered platform', async () => {
    const r = await new Browser().launch(moodle, { user: 'ana', course: 'math' });
    const csp = r.final.headers.get('content-security-policy');
    expect(csp).toContain(`frame-ancestors 'self' ${new URL(moodle.url).origin}`);
    expect(r.final.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('deep linking returns a "Claim your micro-credential" link to the LMS', async () => {
    const browser = new Browser();
    const r = await browser.launch(moodle, {
      user: 'prof',
      course: 'math',
      messageType: 'LtiDeepLinkingRequest',
    });
    expect(r.final.status).toBe(200);
    expect(r.final.url).toContain('/lti/deep-link?ltik=');
    const submitted = await browser.submitForm(r.final);
    const back = await browser.submitForm(submitted);
    expect(back.status).toBeLessThan(400);
    const response = moodle.deepLinkResponses.at(-1);
    expect(response).toBeDefined();
    expect(JSON.stringify(response)).toContain('Obtenir votre microcertification');
  });
});

describe('Canvas-shaped dynamic registration and launches', () => {
  let canvasId: string;

  test('dynamic registration creates a pending platform with its deployment id', async () => {
    const reg = await canvas.runDynamicRegistration(jalon.registrationUrl);
    expect(reg.status).toBe(200);
    expect(reg.body).toContain('org.imsglobal.lti.close');
    const platforms = await jalon.running.services.registry.list();
    const p = platforms.find((x) => x.issuer === 'https://canvas.instructure.com');
    expect(p).toBeDefined();
    expect(p!.status).toBe('pending');
    expect(p!.clientId).toBe(reg.tool!.clientId);
    expect(p!.deploymentIds).toEqual(reg.tool!.deploymentIds);
    expect(p!.productFamily).toBe('canvas');
    canvasId = p!.id;
    // Canvas recorded our placements (otherwise it defaults to link_selection only).
    expect(JSON.stringify(reg.tool)).toContain('course_navigation');
  });

  test('a launch before activation gets a readable page, not JSON', async () => {
    const r = await new Browser().launch(canvas, { user: 'ben', course: 'math' });
    expect(r.final.status).toBe(403);
    expect(r.final.body).toContain('waiting for activation');
    expect(r.final.headers.get('content-type')).toContain('text/html');
  });

  test('after activation, Canvas launches work (issuer differs from the host)', async () => {
    await jalon.running.services.registry.activate(canvasId, 'test');
    const r = await new Browser().launch(canvas, { user: 'ben', course: 'math' });
    expect(r.final.status).toBe(200);
    expect(r.final.url).toContain('/lti/learner?ltik=');
    expect(r.final.body).toContain('Your micro-credential');
    const fr = await new Browser().launch(canvas, { user: 'prof', course: 'math' });
    expect(fr.final.url).toContain('/lti/console?ltik=');
  });

  test('Canvas deep linking (module item placement) returns the claim link too', async () => {
    const browser = new Browser();
    const r = await browser.launch(canvas, {
      user: 'prof',
      course: 'math',
      locale: 'en',
      messageType: 'LtiDeepLinkingRequest',
      placement: 'link_selection',
    });
    expect(r.final.status).toBe(200);
    expect(r.final.url).toContain('/lti/deep-link?ltik=');
    const submitted = await browser.submitForm(r.final);
    await browser.submitForm(submitted);
    const response = canvas.deepLinkResponses.at(-1);
    expect(JSON.stringify(response)).toContain('Claim your micro-credential');
  });

  test('both platforms work side by side', async () => {
    const a = await new Browser().launch(moodle, { user: 'chloe', course: 'math' });
    const b = await new Browser().launch(canvas, { user: 'chloe', course: 'math' });
    expect([a.final.status, b.final.status]).toEqual([200, 200]);
    expect(a.final.body).toContain('Votre microcertification'); // fr_ca → French
    expect(b.final.body).toContain('Votre microcertification'); // fr-CA → French
  });
});
