/**
 * The standings console in a real headless Chromium, inside the LMS frame of a
 * Moodle-shaped course page (Jalon on another site, production cookies): the instructor
 * opens it from the course console, writes the feedback a learner is owed, and the page
 * comes back with the learner re-evaluated; axe-core finds nothing to fix.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Frame, Page } from 'playwright-core';
import { recordAttempts } from '../../src/attempts/store.js';
import { feedback, learners } from '../../src/db/schema/index.js';
import { axeViolations, embeddedFrame, launchChromium, type Chromium } from '../helpers/chromium.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';
import { coursePageRouter, coursePageUrl } from '../platform/course-page.js';
import { startPlatform, type LaunchOptions, type Platform } from '../platform/index.js';
import { testDefinition } from '../standings/helpers.js';

let jalon: TestJalon;
let moodle: Platform;
let chromium: Chromium;

async function launchInFrame(options: LaunchOptions, landing: RegExp): Promise<{ page: Page; frame: Frame }> {
  const prepared = await moodle.prepareLaunch(options);
  const page = await chromium.newPage();
  await page.goto(coursePageUrl(moodle, prepared));
  return { page, frame: await embeddedFrame(page, landing) };
}

async function navigate(frame: Frame, click: () => Promise<void>): Promise<void> {
  await Promise.all([frame.waitForNavigation({ waitUntil: 'load' }), click()]);
}

beforeAll(async () => {
  jalon = await startJalon({ cookieSecure: true }, { publicHost: 'localhost' });
  moodle = await startPlatform({ family: 'moodle', routes: coursePageRouter });
  const { platformId } = await registerManually(jalon, moodle);
  const { definitions } = jalon.running.services;
  const mc = await definitions.ensure({
    platformId,
    contextId: moodle.course('math').contextId,
    title: 'MATH101',
  });
  // Due and end dates in the future, so a failed attempt opens a retry once feedback is given.
  await definitions.save(
    mc.id,
    testDefinition((d) => {
      Object.assign(d.assessment as Record<string, unknown>, {
        summativeDueAt: '2030-04-30T23:59:59-04:00',
        endAt: '2030-05-31T23:59:59-04:00',
      });
    }),
    'test',
  );
  const ana = moodle.user('ana').sub;
  await jalon.database.db
    .insert(learners)
    .values({ microcredentialId: mc.id, userId: ana, name: 'Ana Tremblay', email: 'ana@example.edu' });
  await recordAttempts(jalon.database.db, mc.id, [
    {
      learner: ana,
      assessment: { source: 'moodle-quiz', lmsId: '14' },
      attemptNumber: 1,
      score: 12,
      maxScore: 20,
      submittedAt: '2030-03-02T15:00:00Z',
      gradedAt: '2030-03-02T15:00:00Z',
      source: 'moodle-ws',
      sourceId: 'q-1',
    },
  ]);
  chromium = await launchChromium({ blockThirdPartyCookies: true });
});

afterAll(async () => {
  await chromium?.close();
  await moodle?.close();
  await jalon?.stop();
});

test('an instructor writes the feedback owed from the standings page in the LMS frame', async () => {
  const { page, frame } = await launchInFrame(
    { user: 'prof', course: 'math', locale: 'en' },
    /\/lti\/console\?/,
  );
  await navigate(frame, () => frame.click('#standings-link'));
  expect(await frame.locator('h1').textContent()).toBe("Learners' standings");
  expect(await frame.locator('#standings-table tbody tr').count()).toBe(1);
  expect(await frame.locator('#row-1').getAttribute('data-status')).toBe('feedback_owed');
  expect(await axeViolations(frame)).toEqual([]);

  await frame.fill('#fb-1', 'Revoyez la réanimation cardiorespiratoire.');
  await navigate(frame, () => frame.click('#actions-1 .feedback-form button[type=submit]'));
  expect(await frame.locator('#standings-done').textContent()).toContain('Feedback saved.');
  expect(await jalon.database.db.select().from(feedback)).toHaveLength(1);

  await jalon.running.services.jobs.drain();
  await navigate(frame, () => frame.evaluate(() => location.reload()));
  expect(await frame.locator('#row-1').getAttribute('data-status')).toBe('retry_open');
  expect(await axeViolations(frame)).toEqual([]);
  await page.close();
});
