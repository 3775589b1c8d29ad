import { describe, expect, test } from '@jest/globals';
import {
  JALON_COLUMN_KEY,
  assessmentOptions,
  completionOptions,
  dayOf,
  definitionToForm,
  endOfDay,
  fieldId,
  fieldKeyOf,
  formToInput,
  isCalendarDay,
  parseNumber,
  rowCount,
  startOfDay,
  zonedInstant,
} from '../../src/web/definition-form.js';
import { validateDefinition, type MicroCredentialDefinition } from '../../src/microcredentials/index.js';
import { MOODLE_ACTIVITIES, ROW, completeForm } from './definition-fixtures.js';

const options = (stored?: MicroCredentialDefinition) => ({
  assessments: assessmentOptions(MOODLE_ACTIVITIES, stored, 'Workplace first aid'),
  completion: completionOptions(MOODLE_ACTIVITIES, stored),
});

function valid(body: Record<string, unknown>): MicroCredentialDefinition {
  const parsed = formToInput(body, options());
  expect(parsed.errors).toEqual([]);
  const v = validateDefinition(parsed.input);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.definition;
}

describe('calendar days in the institution’s time zone', () => {
  test('a due date is the end of that day in Toronto, with daylight or standard time', () => {
    expect(endOfDay('2025-04-30')).toBe('2025-04-30T23:59:59-04:00');
    expect(endOfDay('2025-12-15')).toBe('2025-12-15T23:59:59-05:00');
    expect(startOfDay('2025-01-06')).toBe('2025-01-06T00:00:00-05:00');
    // The days of the changes themselves.
    expect(endOfDay('2025-03-09')).toBe('2025-03-09T23:59:59-04:00');
    expect(startOfDay('2025-03-09')).toBe('2025-03-09T00:00:00-05:00');
    expect(endOfDay('2025-11-02')).toBe('2025-11-02T23:59:59-05:00');
    expect(zonedInstant('2025-06-01', '12:00:00', 'America/Vancouver')).toBe('2025-06-01T12:00:00-07:00');
    expect(zonedInstant('2025-06-01', '12:00:00', 'UTC')).toBe('2025-06-01T12:00:00+00:00');
  });

  test('and back: the day an instant falls on in Toronto', () => {
    expect(dayOf('2025-04-30T23:59:59-04:00')).toBe('2025-04-30');
    expect(dayOf('2025-05-01T03:00:00Z')).toBe('2025-04-30');
    expect(dayOf('garbage')).toBe('');
    for (const d of ['2024-02-29', '2025-03-09', '2025-11-02', '2030-12-31'])
      expect(dayOf(endOfDay(d))).toBe(d);
  });

  test('only real calendar days are days', () => {
    expect(isCalendarDay('2025-02-28')).toBe(true);
    for (const d of ['2025-02-29', '2025-13-01', '2025-4-30', '30/04/2025', '', '2025-04-30T00:00'])
      expect(isCalendarDay(d)).toBe(false);
    expect(() => zonedInstant('2025-02-30', '00:00:00')).toThrow(RangeError);
  });
});

describe('numbers as typed', () => {
  test('blank is absent, a French decimal comma is a decimal point, anything else is left to the schema', () => {
    expect(parseNumber('')).toBeUndefined();
    expect(parseNumber('  ')).toBeUndefined();
    expect(parseNumber('15')).toBe(15);
    expect(parseNumber('0,5')).toBe(0.5);
    expect(parseNumber(' 1\u00a0000 ')).toBe(1000);
    expect(parseNumber('-3')).toBe(-3);
    expect(parseNumber('1e3')).toBe('1e3');
    expect(parseNumber('trois')).toBe('trois');
    expect(parseNumber('80 %')).toBe('80 %');
  });
});

describe('form → definition', () => {
  test('a complete form gives a valid definition, only in the languages filled in', () => {
    const d = valid(completeForm());
    expect(d.title).toEqual({ fr: 'Premiers soins en milieu de travail', en: 'Workplace first aid' });
    expect(d.purpose).toEqual({ en: 'For supervisors who must hold a first-aid certificate.' });
    expect(d.prerequisites).toBeUndefined();
    expect(d.learningOutcomes).toHaveLength(2); // the blank third row is ignored
    expect(d.assessment.summative).toEqual([
      { ref: { source: 'moodle-quiz', lmsId: '101', label: 'Final exam' } },
    ]);
    expect(d.assessment.completion.activities).toEqual([{ lmsId: '503', label: 'Practice quiz' }]);
  });

  test('the label of an activity comes from the LMS listing, never from the body', () => {
    const d = valid(completeForm({ [`items.${ROW.exam}.label`]: 'Forged label' }));
    expect(d.assessment.summative[0]!.ref.label).toBe('Final exam');
  });

  test('Jalon’s column is named after the micro-credential', () => {
    const d = valid(
      completeForm({ [`items.${ROW.exam}.role`]: 'none', [`items.${ROW.jalon}.role`]: 'summative' }),
    );
    expect(d.assessment.summative).toEqual([
      { ref: { source: 'jalon-column', lmsId: 'jalon', label: 'Workplace first aid' } },
    ]);
  });

  test('weights are kept only with a weighted average', () => {
    const each = valid(completeForm({ [`items.${ROW.exam}.weight`]: '100' }));
    expect(each.assessment.summative[0]!.weight).toBeUndefined();
    const weighted = valid(
      completeForm({
        'assessment.combination': 'weighted_average',
        [`items.${ROW.exam}.weight`]: '60',
        [`items.${ROW.demo}.role`]: 'summative',
        [`items.${ROW.demo}.weight`]: '40',
      }),
    );
    expect(weighted.assessment.summative.map((s) => s.weight)).toEqual([60, 40]);
  });

  test('checkboxes: absent means no; the defaults of the schema apply to blank numbers', () => {
    const body = completeForm({ 'assessment.attempts': '' });
    delete body['assessment.feedbackRequired'];
    delete body['assessment.priorLearningAllowed'];
    const d = valid(body);
    expect(d.assessment.attempts).toBe(2);
    expect(d.assessment.feedbackRequired).toBe(false);
    expect(d.assessment.priorLearningAllowed).toBe(false);
  });

  test('forged rows: an unknown activity or role is an error on its row; an unused vanished one is not', () => {
    const parsed = formToInput(
      completeForm({
        [`items.${ROW.exam}.key`]: 'moodle-quiz:999',
        [`items.${ROW.practice}.role`]: 'owner',
        'items.7.key': 'moodle-quiz:777',
        'items.7.role': 'none',
        'assessment.completion.activities': ['503', '999'],
      }),
      options(),
    );
    expect(parsed.errors).toEqual([
      { path: `items.${ROW.exam}`, key: 'definition:errors.activityUnknown', params: {} },
      { path: `items.${ROW.practice}`, key: 'definition:errors.activityUnknown', params: {} },
      { path: 'assessment.completion.activities', key: 'definition:errors.activityUnknown', params: {} },
    ]);
    expect(
      (parsed.input.assessment as { completion: { activities: unknown[] } }).completion.activities,
    ).toEqual([{ lmsId: '503', label: 'Practice quiz' }]);
  });

  test('hostile bodies: huge row indexes and non-string values are ignored', () => {
    const parsed = formToInput(
      {
        ...completeForm(),
        'outcomes.99999.fr': 'far away',
        'title.en': { toString: () => 'object' },
        assessmentTypes: [1, 'test', { x: 1 }],
      },
      options(),
    );
    const input = parsed.input as { learningOutcomes: unknown[]; title: unknown; assessmentTypes: unknown };
    expect(input.learningOutcomes).toHaveLength(2);
    expect(input.title).toEqual({ fr: 'Premiers soins en milieu de travail', en: '' });
    expect(input.assessmentTypes).toEqual(['test']);
  });

  test('calendar days become instants; an impossible day is passed on for the schema to refuse', () => {
    const parsed = formToInput(completeForm({ 'assessment.endAt': '2030-02-30' }), options());
    const v = validateDefinition(parsed.input);
    expect(v.ok).toBe(false);
    if (!v.ok)
      expect(v.errors).toContainEqual({
        path: 'assessment.endAt',
        key: 'definition:errors.datetime',
        params: {},
      });
  });
});

describe('definition → form → definition', () => {
  test('a saved definition shows in the form and reads back the same', () => {
    const d = valid(completeForm());
    const state = definitionToForm(d);
    expect(state.values['assessment.summativeDueAt']).toBe('2030-04-30');
    expect(state.choices['moodle-quiz:101']).toEqual({ role: 'summative', weight: '' });
    expect(state.choices['moodle-quiz:103']).toEqual({ role: 'formative', weight: '' });
    expect(state.completion).toEqual(['503']);
    // Rebuild the body the browser would send from the form state.
    const opts = options(d);
    const body: Record<string, unknown> = { ...state.values };
    opts.assessments.forEach((o, i) => {
      body[`items.${i}.key`] = o.key;
      body[`items.${i}.role`] = state.choices[o.key]?.role ?? 'none';
      body[`items.${i}.weight`] = state.choices[o.key]?.weight ?? '';
    });
    body['assessment.completion.activities'] = state.completion;
    const again = formToInput(body, opts);
    const v = validateDefinition(again.input);
    expect(v.ok && v.definition).toEqual(d);
  });

  test('a new form has the rules’ defaults: two attempts, feedback required', () => {
    const state = definitionToForm(undefined);
    expect(state.values['assessment.attempts']).toBe('2');
    expect(state.values['assessment.feedbackRequired']).toBe('yes');
  });

  test('options: live activities, Jalon’s column, then stored picks the LMS no longer lists', () => {
    const d = valid(completeForm());
    const opts = assessmentOptions([], d, 'Title');
    expect(opts.map((o) => [o.key, o.missing === true])).toEqual([
      [JALON_COLUMN_KEY, false],
      ['moodle-quiz:101', true],
      ['moodle-quiz:103', true],
    ]);
    expect(completionOptions([], d)).toEqual([{ lmsId: '503', label: 'Practice quiz', missing: true }]);
    // Moodle completion is keyed by course-module id.
    expect(completionOptions(MOODLE_ACTIVITIES, undefined).map((c) => c.lmsId)).toEqual([
      '501',
      '502',
      '503',
    ]);
  });
});

describe('errors → fields', () => {
  const fieldOf: Array<[string, string]> = [
    ['learningOutcomes.0', 'outcomes.0'],
    ['learningOutcomes.1', 'outcomes.2'],
    ['alignments.0', 'alignments.1'],
    ['assessment.summative.0.ref', 'items.3'],
    ['assessment.summative.0.weight', 'items.3.weight'],
    ['assessment.summative.0', 'items.3'],
    ['assessment.formative.0', 'items.1'],
  ];
  test.each([
    ['title', 'title'],
    ['title.fr', 'title'],
    ['learningOutcomes.1', 'outcomes.2'],
    ['learningOutcomes.1.en', 'outcomes.2'],
    ['learningOutcomes', 'learningOutcomes'],
    ['alignments.0.url', 'alignments.1.url'],
    ['alignments.0.name.fr', 'alignments.1.name'],
    ['assessment.summative.0.weight', 'items.3.weight'],
    ['assessment.summative.0.ref', 'items.3'],
    ['assessment.summative.0.ref.lmsId', 'items.3'],
    ['assessment.formative.0', 'items.1'],
    ['assessment.summative', 'assessment.summative'],
    ['assessment.summativeDueAt', 'assessment.summativeDueAt'],
    ['stacking', 'stacking.kind'],
    ['stacking.towards.en', 'stacking.towards'],
    ['expiry.amount', 'expiry.amount'],
    ['supervision', 'supervision.kind'],
    ['imageId', 'badgeImage'],
    ['assessment.completion.activities', 'assessment.completion.activities'],
    ['', 'form'],
    ['nonsense.path', 'form'],
  ])('%s → %s', (path, key) => {
    expect(fieldKeyOf(path, fieldOf)).toBe(key);
  });

  test('field ids and row counts', () => {
    expect(fieldId('assessment.summativeDueAt')).toBe('f-assessment-summativeDueAt');
    expect(rowCount({}, 'outcomes', 12, 3)).toBe(3);
    expect(rowCount({ 'outcomes.4.fr': 'x', 'outcomes.5.en': ' ' }, 'outcomes', 12, 3)).toBe(6);
    expect(rowCount({ 'outcomes.11.fr': 'x' }, 'outcomes', 12, 3)).toBe(12);
  });
});
