/**
 * Jalon in a real browser, inside the LMS frame: a Moodle-shaped and a Canvas-shaped
 * course page (on the platform's origin) frame the LMS launch page, which starts the
 * launch into Jalon. Jalon runs on another site (`localhost` vs the platforms'
 * `127.0.0.1`) with production cookies (`SameSite=None; Secure; Partitioned`), and
 * Chromium blocks third-party cookies, so the launches work only through partitioned
 * cookies (CHIPS). Each page reached is checked with axe-core.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { ROOT_DIR } from '../../src/config/index.js';
import {
  axeViolations,
  consoleOf,
  embeddedFrame,
  launchChromium,
  type Chromium,
} from '../helpers/chromium.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';
import { coursePageRouter, coursePageUrl } from '../platform/course-page.js';
import { startPlatform, type LaunchOptions, type Platform } from '../platform/index.js';

let jalon: TestJalon;
let moodle: Platform;
let canvas: Platform;
let chromium: Chromium;
let foreign: http.Server;
let foreignUrl: string;

const INSTITUTION_ADMIN = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator';

/** Registers `platform` in Jalon (manual registration, activated). */
async function register(platform: Platform): Promise<void> {
  await registerManually(jalon, platform);
}

/** Opens the course page of a fresh launch and returns the tool frame once on `landing`. */
async function launchInFrame(
  platform: Platform,
  options: LaunchOptions,
  landing: RegExp,
): Promise<{ page: Page; frame: Frame }> {
  const prepared = await platform.prepareLaunch(options);
  const page = await chromium.newPage();
  await page.goto(coursePageUrl(platform, prepared));
  return { page, frame: await embeddedFrame(page, landing) };
}

async function headingOf(frame: Frame): Promise<string> {
  return (await frame.locator('h1').first().textContent())?.trim() ?? '';
}

beforeAll(async () => {
  // Another site than the platforms (127.0.0.1): Jalon's cookies are third-party in the frame.
  jalon = await startJalon({ cookieSecure: true }, { publicHost: 'localhost' });
  moodle = await startPlatform({ family: 'moodle', routes: coursePageRouter });
  canvas = await startPlatform({ family: 'canvas', routes: coursePageRouter });
  await register(moodle);
  await register(canvas);
  // A site Jalon does not know, which tries to frame Jalon, and which also serves a
  // third-party cookie to prove the browser blocks them.
  foreign = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/frame') {
      const src = url.searchParams.get('src') ?? '';
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><title>Elsewhere</title><iframe title="t" src="${encodeURI(src)}"></iframe>`);
    } else if (url.pathname === '/set-cookie') {
      res.writeHead(302, { 'set-cookie': 'probe=1; Path=/; SameSite=None; Secure', location: '/echo' });
      res.end();
    } else {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><title>echo</title><p id="c">${req.headers.cookie ? 'cookie' : 'none'}</p>`);
    }
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
  chromium = await launchChromium({ blockThirdPartyCookies: true });
});

afterAll(async () => {
  await chromium?.close();
  await new Promise((resolve) => foreign?.close(resolve));
  await moodle?.close();
  await canvas?.close();
  await jalon?.stop();
});

describe('the browser really blocks third-party cookies', () => {
  test('a cross-site frame cannot keep an unpartitioned cookie, but the same site on top can', async () => {
    const page = await chromium.newPage();
    const cross = `http://localhost:${new URL(foreignUrl).port}/set-cookie`;
    await page.goto(`${foreignUrl}/frame?src=${encodeURIComponent(cross)}`);
    const frame = await embeddedFrame(page, /\/echo$/);
    expect(await frame.locator('#c').textContent()).toBe('none');
    await page.goto(cross);
    expect(await page.locator('#c').textContent()).toBe('cookie');
    await page.close();
  });
});

describe.each([
  ['Moodle', () => moodle],
  ['Canvas', () => canvas],
])('%s course page with Jalon in its frame', (_name, platformOf) => {
  test('a French learner gets the learner page in French, with partitioned cookies', async () => {
    const platform = platformOf();
    const { page, frame } = await launchInFrame(
      platform,
      { user: 'ana', course: 'math' },
      /\/lti\/learner\?/,
    );
    expect(await frame.locator('html').getAttribute('lang')).toBe('fr');
    expect(await headingOf(frame)).toBe('Votre microcertification');
    expect(new URL(frame.url()).origin).toBe(jalon.url);
    // The session cookie is kept only as a partitioned cookie under the LMS's site.
    const cookies = await chromium.context.cookies(jalon.url);
    const session = cookies.find((c) => c.name.startsWith('lti'));
    expect(session).toMatchObject({ secure: true, sameSite: 'None', httpOnly: true });
    expect(session?.partitionKey).toBe('http://127.0.0.1');
    expect(consoleOf(page).filter((l) => /frame-ancestors|Refused/i.test(l))).toEqual([]);
    await page.close();
  });

  test('an English instructor gets the course console in English', async () => {
    const platform = platformOf();
    const { page, frame } = await launchInFrame(
      platform,
      { user: 'prof', course: 'math', locale: 'en' },
      /\/lti\/console\?/,
    );
    expect(await frame.locator('html').getAttribute('lang')).toBe('en');
    expect(await headingOf(frame)).toBe('Course console');
    expect(await axeViolations(frame)).toEqual([]);
    await page.close();
  });
});

describe('accessibility of the pages reached in the frame', () => {
  test('learner page: no serious or critical axe violation; screenshot for review', async () => {
    const { page, frame } = await launchInFrame(moodle, { user: 'ana', course: 'math' }, /\/lti\/learner\?/);
    expect(await axeViolations(frame)).toEqual([]);
    const dir = path.join(ROOT_DIR, 'test-results');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'learner-in-moodle-frame.png'), fullPage: true });
    await page.close();
  });

  test('administration area (institution administrator)', async () => {
    const { page, frame } = await launchInFrame(
      moodle,
      {
        user: 'dean',
        course: 'math',
        claims: { 'https://purl.imsglobal.org/spec/lti/claim/roles': [INSTITUTION_ADMIN] },
      },
      /\/lti\/admin\?/,
    );
    expect(await frame.locator('html').getAttribute('lang')).toBe('en');
    expect(await frame.locator('table').textContent()).toContain(moodle.issuer);
    expect(await axeViolations(frame)).toEqual([]);
    await page.close();
  });

  test('error page (forged signature), in the learner’s language', async () => {
    const { page, frame } = await launchInFrame(
      canvas,
      { user: 'ana', course: 'math', signing: 'other-key' },
      /\/lti$/,
    );
    expect(await frame.locator('html').getAttribute('lang')).toBe('fr');
    expect(await frame.locator('[role=alert]').textContent()).toContain('signature');
    expect(await axeViolations(frame)).toEqual([]);
    expect(jalon.logs.some((l) => l.reason === 'LTI_BAD_SIGNATURE')).toBe(true);
    await page.close();
  });

  test('axe does find problems (the check is live)', async () => {
    const page = await chromium.newPage();
    await page.setContent('<html><body><img src="x.png"><button></button></body></html>');
    const ids = (await axeViolations(page.mainFrame())).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['button-name', 'image-alt', 'html-has-lang']));
    await page.close();
  });
});

describe('frame-ancestors', () => {
  test('a site Jalon does not know cannot frame Jalon, even through the LMS launch page', async () => {
    const prepared = await moodle.prepareLaunch({ user: 'ben', course: 'math' });
    const page = await chromium.newPage();
    const refused = page.waitForEvent('console', { predicate: (m) => m.text().includes('frame-ancestors') });
    await page.goto(`${foreignUrl}/frame?src=${encodeURIComponent(prepared.url)}`);
    const refusal = (await refused).text();
    expect(refusal).toContain(`Framing '${jalon.url}/' violates`);
    expect(refusal).toContain(`frame-ancestors 'self' ${moodle.url}`);
    expect(refusal).not.toContain(foreignUrl);
    // Chromium replaces the refused document with its own error page.
    const frame = page.mainFrame().childFrames()[0]!;
    await frame.getByText('ERR_BLOCKED_BY_RESPONSE').waitFor({ state: 'attached' });
    expect(await frame.content()).not.toMatch(/micro-credential|Jalon/);
    await page.close();
  });

  test('the same launch from the registered LMS course page shows Jalon', async () => {
    const { page, frame } = await launchInFrame(moodle, { user: 'ben', course: 'math' }, /\/lti\/learner\?/);
    expect(await headingOf(frame)).toBe('Your micro-credential');
    expect(consoleOf(page).filter((l) => l.includes('frame-ancestors'))).toEqual([]);
    await page.close();
  });
});
