/**
 * The plain-HTTP set-up of local runs and `npm run demo`: Jalon and the LMS on the same
 * site (both on 127.0.0.1), `COOKIE_SECURE=false`, so Jalon's cookies are `SameSite=Lax`
 * and first-party in the frame. A real browser that blocks third-party cookies must
 * still complete the launch inside the course page's frame.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { embeddedFrame, launchChromium, type Chromium } from '../helpers/chromium.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';
import { coursePageRouter, coursePageUrl } from '../platform/course-page.js';
import { startPlatform, type Platform } from '../platform/index.js';

let jalon: TestJalon;
let moodle: Platform;
let chromium: Chromium;

beforeAll(async () => {
  jalon = await startJalon();
  moodle = await startPlatform({ family: 'moodle', routes: coursePageRouter });
  await registerManually(jalon, moodle);
  chromium = await launchChromium({ blockThirdPartyCookies: true });
});

afterAll(async () => {
  await chromium?.close();
  await moodle?.close();
  await jalon?.stop();
});

describe('same-site plain-HTTP launch in the frame', () => {
  test('the probe passes and the learner lands on the learner page, with Lax cookies', async () => {
    const page = await chromium.newPage();
    await page.goto(coursePageUrl(moodle, await moodle.prepareLaunch({ user: 'ana', course: 'math' })));
    const frame = await embeddedFrame(page, /\/lti\/learner\?ltik=/);
    expect(await frame.locator('html').getAttribute('lang')).toBe('fr');
    expect((await frame.locator('h1').textContent())?.trim()).toBe('Votre microcertification');
    const cookies = await chromium.context.cookies(`${jalon.url}/lti/login`);
    expect(cookies.find((c) => c.name === 'jalon_probe')).toMatchObject({ sameSite: 'Lax', secure: false });
    const session = cookies.find((c) => c.name.startsWith('lti'));
    expect(session).toMatchObject({ sameSite: 'Lax', secure: false, httpOnly: true });
    expect(session?.partitionKey).toBeUndefined();
    expect(jalon.logs.some((l) => l.reason === 'LTI_COOKIES_BLOCKED')).toBe(false);
    await page.close();
  });

  test('a login initiation replayed from the frame is refused by the LMS, not by a dead frame', async () => {
    const prepared = await moodle.prepareLaunch({ user: 'ben', course: 'math' });
    const page = await chromium.newPage();
    await page.goto(coursePageUrl(moodle, prepared));
    await embeddedFrame(page, /\/lti\/learner\?ltik=/);
    // The same LMS page again: its single-use message hint is spent.
    await page.reload();
    const frame = page.mainFrame().childFrames()[0]!;
    await frame.getByRole('heading', { name: 'invalid_request' }).waitFor();
    expect(await frame.locator('p').textContent()).toContain('lti_message_hint already used');
    await page.close();
  });
});
