/**
 * Jalon's own gradebook column: when the instructor picks it as the summative assessment,
 * saving the definition creates one AGS line item in the LMS course (found again by its
 * tag on later saves, never duplicated), as the instructor will grade it in the LMS.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Platform } from '../platform/index.js';
import type { TestJalon } from '../helpers/jalon.js';
import {
  completeForm,
  fakeActivities,
  jalonWithMoodle,
  launch,
  postDefinition,
  ROW,
} from './definition-fixtures.js';

let jalon: TestJalon;
let moodle: Platform;

beforeAll(async () => {
  ({ jalon, moodle } = await jalonWithMoodle());
  jalon.running.services.activities = fakeActivities();
});
afterAll(async () => {
  await moodle?.close();
  await jalon?.stop();
});

const jalonColumns = () => moodle.lineItems('math').filter((i) => i.tag === 'jalon-assessment');

describe("Jalon's own gradebook column", () => {
  test('is created through AGS on save, once, and only in the tool’s own items', async () => {
    expect(jalonColumns()).toHaveLength(0);
    const prof = await launch(moodle, 'prof', 'math');
    const fields = completeForm({
      [`items.${ROW.exam}.role`]: 'none',
      [`items.${ROW.jalon}.role`]: 'summative',
      'assessment.completion.course': '',
      'assessment.completion.activities': [],
    });
    const first = await postDefinition(jalon, prof, fields);
    expect(first.status).toBe(200);
    expect(first.body).not.toContain('columnFailed');
    expect(jalonColumns()).toHaveLength(1);
    expect(jalonColumns()[0]).toMatchObject({ scoreMaximum: 100 });

    const again = await postDefinition(jalon, prof, { ...fields, notionalHours: '16' });
    expect(again.status).toBe(200);
    expect(jalonColumns()).toHaveLength(1);
    // Not the column the award is written to: the instructor's grades there are never overwritten.
    expect(moodle.lineItems('math').filter((i) => i.tag === 'jalon-microcredential')).toHaveLength(0);
  });
});
