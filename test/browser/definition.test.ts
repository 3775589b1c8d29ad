/**
 * The definition form and the learner page in a real headless Chromium, inside the LMS
 * frame of a Moodle-shaped course page, through real launches. Jalon runs on another site
 * than the platform (`localhost` vs `127.0.0.1`) with production cookies, so the form's
 * POST works only as it would in a real LMS iframe. axe-core checks each page state: the
 * empty form, the form with errors, the saved form, and the learner page.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
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
import { countRows, fakeActivities, png } from '../web/definition-fixtures.js';

let jalon: TestJalon;
let moodle: Platform;
let chromium: Chromium;

/** Saves a full-page screenshot of the frame for review under test-results/. */
async function screenshot(frame: Frame, name: string): Promise<void> {
  const dir = path.join(ROOT_DIR, 'test-results');
  mkdirSync(dir, { recursive: true });
  // The LMS frame is 640 px tall: grow it to the page's height for a whole-page picture.
  const height = await frame.evaluate(() => document.documentElement.scrollHeight);
  await frame.page().evaluate((h) => {
    const el = document.querySelector('iframe');
    if (el) el.style.height = `${h}px`;
  }, height);
  await frame.page().setViewportSize({ width: 1100, height: Math.min(height + 200, 10000) });
  await frame.locator('body').screenshot({ path: path.join(dir, `${name}.png`) });
}

async function launchInFrame(options: LaunchOptions, landing: RegExp): Promise<{ page: Page; frame: Frame }> {
  const prepared = await moodle.prepareLaunch(options);
  const page = await chromium.newPage();
  await page.goto(coursePageUrl(moodle, prepared));
  return { page, frame: await embeddedFrame(page, landing) };
}

/** Clicks and waits for the frame's next document. */
async function navigate(frame: Frame, click: () => Promise<void>): Promise<void> {
  await Promise.all([frame.waitForNavigation({ waitUntil: 'load' }), click()]);
}

beforeAll(async () => {
  jalon = await startJalon({ cookieSecure: true }, { publicHost: 'localhost' });
  jalon.running.services.activities = fakeActivities();
  moodle = await startPlatform({ family: 'moodle', routes: coursePageRouter });
  await registerManually(jalon, moodle);
  chromium = await launchChromium({ blockThirdPartyCookies: true });
});

afterAll(async () => {
  await chromium?.close();
  await moodle?.close();
  await jalon?.stop();
});

describe('in the LMS frame', () => {
  test('an instructor defines the micro-credential: errors first, then a save; every state passes axe', async () => {
    const { page, frame } = await launchInFrame(
      { user: 'prof', course: 'math', locale: 'en' },
      /\/lti\/console\?/,
    );
    await navigate(frame, () => frame.click('#definition-link'));
    expect(await frame.locator('h1').textContent()).toBe('Define the micro-credential');
    expect(await axeViolations(frame)).toEqual([]);
    // The quiz allowing one attempt is flagged next to it.
    expect(await frame.locator('tr[data-key="moodle-quiz:101"]').textContent()).toContain(
      'Attempts allowed by the platform: 1; by the rules: 2.',
    );

    // Submitting the empty form: the error summary takes the focus, nothing is saved.
    await navigate(frame, () => frame.click('button[type=submit]'));
    const summary = frame.locator('#error-summary');
    expect(await summary.getAttribute('role')).toBe('alert');
    expect(await frame.evaluate(() => document.activeElement?.id)).toBe('error-summary');
    expect(await summary.textContent()).toContain('Fill in at least one language (French or English).');
    expect(await frame.locator('#f-title').getAttribute('aria-invalid')).toBe('true');
    expect(await axeViolations(frame)).toEqual([]);
    expect(await countRows(jalon, 'definition_versions')).toBe(0);
    await screenshot(frame, 'definition-errors');
    // A link of the summary moves to its field.
    await frame.click('#error-summary a[href="#f-title"]');
    expect(await frame.evaluate(() => document.activeElement?.id)).toBe('f-title');

    await frame.fill('#f-title', 'Premiers soins en milieu de travail');
    await frame.fill('#f-title-en', 'Workplace first aid');
    await frame.fill('#f-description', 'Intervenir en cas d’urgence au travail.');
    await frame.fill('#f-description-en', 'Respond to an emergency at work.');
    await frame.fill('#f-purpose-en', 'For supervisors who must hold a first-aid certificate.');
    await frame.fill('#f-outcomes-0', 'Évaluer une situation d’urgence');
    await frame.fill('#f-outcomes-0-en', 'Assess an emergency');
    await frame.fill('#f-notionalHours', '15');
    await frame.check('#f-deliveryMode-hybrid');
    await frame.check('#f-assessmentTypes');
    await frame.check('#f-supervision-kind-in_person');
    await frame.fill('#f-qualityAssurance-name', 'Comité des programmes');
    await frame.check('#f-learnerOutcomes-badge');
    await frame.check('#f-stacking-kind'); // stand-alone
    await frame.check('#f-expiry-kind'); // does not expire
    await frame.selectOption('#f-items-0', 'summative');
    await frame.selectOption('#f-items-2', 'formative');
    await frame.fill('#f-assessment-passThreshold', '80');
    await frame.fill('#f-assessment-summativeDueAt', '2030-04-30');
    await frame.fill('#f-assessment-endAt', '2030-05-31');
    await frame.setInputFiles('#f-badgeImage', {
      name: 'badge.png',
      mimeType: 'image/png',
      buffer: png(160, 160),
    });
    await navigate(frame, () => frame.click('button[type=submit]'));
    expect(await frame.locator('#saved-notice').textContent()).toContain(
      'Saved: version 1 of the micro-credential was created.',
    );
    expect(await frame.locator('#f-title-en').inputValue()).toBe('Workplace first aid');
    // The badge image is shown back from Jalon inside the frame.
    const img = frame.locator('.badge-current img');
    await img.waitFor();
    expect(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(160);
    expect(await axeViolations(frame)).toEqual([]);
    expect(await countRows(jalon, 'definition_versions')).toBe(1);
    await screenshot(frame, 'definition-saved');
    expect(consoleOf(page).filter((l) => /Refused|violates/i.test(l))).toEqual([]);
    await page.close();
  });

  test('a French learner sees the landing page in French; it passes axe', async () => {
    const { page, frame } = await launchInFrame({ user: 'ana', course: 'math' }, /\/lti\/learner\?/);
    expect(await frame.locator('html').getAttribute('lang')).toBe('fr');
    expect(await frame.locator('h1').textContent()).toBe('Votre microcertification');
    expect(await frame.locator('#mc-title').textContent()).toBe('Premiers soins en milieu de travail');
    // Written only in English: shown, and marked as English for screen readers.
    expect(await frame.locator('p[lang="en"]').first().textContent()).toBe(
      'For supervisors who must hold a first-aid certificate.',
    );
    expect(await frame.locator('.rules').textContent()).toContain('Vous avez 2 tentatives');
    expect(await frame.locator('img.badge').evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(
      160,
    );
    expect(await axeViolations(frame)).toEqual([]);
    await screenshot(frame, 'learner-landing-fr');
    // The language switch works inside the frame.
    await navigate(frame, () => frame.click('header a.lang'));
    expect(await frame.locator('html').getAttribute('lang')).toBe('en');
    expect(await frame.locator('.rules').textContent()).toContain('You have 2 attempts');
    expect(await axeViolations(frame)).toEqual([]);
    await page.close();
  });

  test('a learner who types the form’s address gets the refusal page, not the form', async () => {
    const { page, frame } = await launchInFrame({ user: 'ben', course: 'math' }, /\/lti\/learner\?/);
    const url = new URL(frame.url());
    url.pathname = '/lti/definition';
    await frame.goto(url.toString());
    expect(await frame.locator('#definition-form').count()).toBe(0);
    expect(await frame.locator('[role=alert]').textContent()).toContain(
      'Your role in this course does not give access to this page.',
    );
    expect(await axeViolations(frame)).toEqual([]);
    await page.close();
  });
});
