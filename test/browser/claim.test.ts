/**
 * Claiming in a real headless Chromium, inside the LMS frame of a Moodle-shaped course page
 * (Jalon on another site, production cookies, third-party cookies blocked): the learner goes
 * from the landing page to the claim form, confirms, and gets the downloads; then the public
 * verification page opens in a top-level tab. axe-core checks the claim form, the issued state
 * and the verification page.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Frame } from 'playwright-core';
import { axeViolations, embeddedFrame, launchChromium, type Chromium } from '../helpers/chromium.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';
import { coursePageRouter, coursePageUrl } from '../platform/course-page.js';
import { startPlatform, type Platform } from '../platform/index.js';
import { addAward, withIssuerProfile } from '../badges/award-fixtures.js';

let jalon: TestJalon;
let moodle: Platform;
let chromium: Chromium;

async function navigate(frame: Frame, click: () => Promise<void>): Promise<void> {
  await Promise.all([frame.waitForNavigation({ waitUntil: 'load' }), click()]);
}

beforeAll(async () => {
  jalon = await startJalon({ cookieSecure: true }, { publicHost: 'localhost' });
  moodle = await startPlatform({ family: 'moodle', routes: coursePageRouter });
  const { platformId } = await registerManually(jalon, moodle);
  const db = jalon.running.services.database.db;
  await withIssuerProfile(db, platformId);
  await addAward(db, platformId, {
    userId: moodle.user('ana').sub,
    contextId: moodle.course('math').contextId,
  });
  chromium = await launchChromium({ blockThirdPartyCookies: true });
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await moodle?.close();
  await jalon?.stop();
});

describe('claiming in the LMS frame', () => {
  test('the learner claims from the landing page and gets the downloads; every state passes axe', async () => {
    const prepared = await moodle.prepareLaunch({ user: 'ana', course: 'math', locale: 'fr' });
    const page = await chromium.newPage();
    await page.goto(coursePageUrl(moodle, prepared));
    const frame = await embeddedFrame(page, /\/lti\/learner\?/);
    await navigate(frame, () => frame.click('#claim-link'));
    expect(await frame.locator('h1').textContent()).toBe('Votre microcertification');
    expect(await axeViolations(frame)).toEqual([]);
    await frame.fill('#claim-name', 'Ana Tremblay');
    await frame.fill('#claim-email', 'ana@example.edu');
    await navigate(frame, () => frame.click('#claim-form button[type=submit]'));
    expect(await frame.locator('#claim-issued').count()).toBe(1);
    expect(await axeViolations(frame)).toEqual([]);
    const verifyHref = await frame.locator('#claim-verify').getAttribute('href');
    expect(verifyHref).toContain('/badges/');

    const tab = await chromium.newPage();
    await tab.goto(verifyHref!);
    expect(await tab.locator('#verdict').getAttribute('data-verdict')).toBe('valid');
    expect(await tab.locator('#badge-who').textContent()).toBe('Ana Tremblay');
    expect(await axeViolations(tab.mainFrame())).toEqual([]);
  });
});
