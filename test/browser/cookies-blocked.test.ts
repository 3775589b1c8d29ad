/**
 * A browser that refuses Jalon's cookies inside the LMS frame, partitioned ones too (as
 * Safari does; here a Chromium site exception "block localhost's cookies under
 * 127.0.0.1"). Jalon's login guard notices it with a probe cookie before the launch
 * starts, shows "Open Jalon in a new window" in the frame, and the new top-level window,
 * where the cookies are first-party, completes the same launch.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Frame, Page } from 'playwright-core';
import { axeViolations, embeddedFrame, launchChromium, type Chromium } from '../helpers/chromium.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';
import { coursePageRouter, coursePageUrl } from '../platform/course-page.js';
import { startPlatform, type LaunchOptions, type Platform } from '../platform/index.js';

let jalon: TestJalon;
let moodle: Platform;
let canvas: Platform;
let chromium: Chromium;

async function register(platform: Platform): Promise<void> {
  await registerManually(jalon, platform);
}

/** Opens the course page of a fresh launch; returns the frame once it shows the refusal. */
async function blockedLaunch(
  platform: Platform,
  options: LaunchOptions,
): Promise<{ page: Page; frame: Frame }> {
  const page = await chromium.newPage();
  await page.goto(coursePageUrl(platform, await platform.prepareLaunch(options)));
  return { page, frame: await embeddedFrame(page, /\/lti\/login\?.*jalon_probe=1/) };
}

/** Clicks the frame's "new window" button and returns the window it opens. */
async function openNewWindow(page: Page, frame: Frame): Promise<Page> {
  const [popup] = await Promise.all([
    page.context().waitForEvent('page'),
    frame.locator('main a.button').click(),
  ]);
  await popup.waitForLoadState('load');
  return popup;
}

beforeAll(async () => {
  jalon = await startJalon({ cookieSecure: true }, { publicHost: 'localhost' });
  moodle = await startPlatform({ family: 'moodle', routes: coursePageRouter });
  canvas = await startPlatform({ family: 'canvas', routes: coursePageRouter });
  await register(moodle);
  await register(canvas);
  chromium = await launchChromium({
    blockThirdPartyCookies: true,
    blockCookiesInFrames: [{ site: 'http://localhost:*', under: 'http://127.0.0.1:*' }],
    locale: 'fr-CA',
  });
});

afterAll(async () => {
  await chromium?.close();
  await moodle?.close();
  await canvas?.close();
  await jalon?.stop();
});

describe('cookies refused in the LMS frame', () => {
  test('Moodle: the frame offers a new window (browser language), which completes the launch', async () => {
    const { page, frame } = await blockedLaunch(moodle, { user: 'ana', course: 'math' });
    expect(await frame.locator('html').getAttribute('lang')).toBe('fr');
    expect(await frame.locator('[role=alert]').textContent()).toContain('nouvelle fenêtre');
    const button = frame.locator('main a.button');
    expect((await button.textContent())?.trim()).toBe('Ouvrir Jalon dans une nouvelle fenêtre');
    expect(await button.getAttribute('target')).toBe('_blank');
    expect(jalon.logs.some((l) => l.reason === 'LTI_COOKIES_BLOCKED')).toBe(true);
    // The probe stopped the flow before the LMS was asked for a token.
    expect(moodle.issuedIdTokens).toHaveLength(0);

    const popup = await openNewWindow(page, frame);
    await popup.waitForURL(/\/lti\/learner\?ltik=/);
    expect(new URL(popup.url()).origin).toBe(jalon.url);
    expect(await popup.locator('html').getAttribute('lang')).toBe('fr');
    expect((await popup.locator('h1').textContent())?.trim()).toBe('Votre microcertification');
    // First-party in the new window: the session cookie is not partitioned under the LMS.
    const session = (await chromium.context.cookies(jalon.url)).find((c) => c.name.startsWith('lti'));
    expect(session?.partitionKey ?? 'http://localhost').toBe('http://localhost');
    await popup.close();
    await page.close();
  });

  test('the "new window" page has no serious or critical accessibility problem', async () => {
    const { page, frame } = await blockedLaunch(moodle, { user: 'ben', course: 'math' });
    expect(await axeViolations(frame)).toEqual([]);
    await page.close();
  });

  test('Canvas: an English instructor ends on the console in the new window', async () => {
    const { page, frame } = await blockedLaunch(canvas, { user: 'prof', course: 'math', locale: 'en' });
    expect(await frame.locator('html').getAttribute('lang')).toBe('fr');
    const popup = await openNewWindow(page, frame);
    await popup.waitForURL(/\/lti\/console\?ltik=/);
    expect(await popup.locator('html').getAttribute('lang')).toBe('en');
    expect((await popup.locator('h1').textContent())?.trim()).toBe('Course console');
    expect(await axeViolations(popup.mainFrame())).toEqual([]);
    await popup.close();
    await page.close();
  });

  test('the new window cannot be used twice: the LMS’s login hint is single use', async () => {
    const { page, frame } = await blockedLaunch(moodle, { user: 'ana', course: 'hist' });
    const first = await openNewWindow(page, frame);
    await first.waitForURL(/\/lti\/learner\?ltik=/);
    const second = await openNewWindow(page, frame);
    await second.waitForLoadState('load');
    expect(second.url()).not.toContain('/lti/learner');
    await expect(second.locator('h1').textContent()).resolves.toBe('invalid_request');
    await first.close();
    await second.close();
    await page.close();
  });
});
