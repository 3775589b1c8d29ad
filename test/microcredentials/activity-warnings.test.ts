import { describe, expect, test } from '@jest/globals';
import type { LmsActivity } from '../../src/connectors/types.js';
import { activityWarnings, type WarningRules } from '../../src/microcredentials/activity-warnings.js';
import { translator } from '../../src/i18n/index.js';

const RULES: WarningRules = {
  attempts: 2,
  passThreshold: 80,
  summativeDueAt: '2025-04-30T23:59:59-04:00',
  endAt: '2025-05-31T23:59:59-04:00',
};

const quiz = (extra: Partial<LmsActivity> = {}): LmsActivity => ({
  ref: { source: 'moodle-quiz', lmsId: '14', label: 'Final exam' },
  kind: 'quiz',
  maxScore: 10,
  ...extra,
});

const keys = (a: LmsActivity, role: 'summative' | 'formative' | 'completion' = 'summative', rules = RULES) =>
  activityWarnings(a, rules, role).map((w) => w.key.replace('definition:warnings.', ''));

describe('activity warnings', () => {
  test('an activity that agrees with the rules raises nothing', () => {
    expect(keys(quiz({ attemptsAllowed: 2, gradeToPass: 8, dueAt: RULES.summativeDueAt }))).toEqual([]);
  });

  test('settings the LMS did not report raise nothing', () => {
    expect(keys(quiz({ maxScore: undefined }))).toEqual([]);
  });

  test('attempts: fewer than the rules, more, or unlimited', () => {
    const fewer = activityWarnings(quiz({ attemptsAllowed: 1 }), RULES, 'summative');
    expect(fewer).toEqual([{ key: 'definition:warnings.attemptsFewer', params: { lms: 1, rules: 2 } }]);
    expect(keys(quiz({ attemptsAllowed: 3 }))).toEqual(['attemptsMore']);
    expect(activityWarnings(quiz({ attemptsAllowed: null }), RULES, 'summative')).toEqual([
      { key: 'definition:warnings.attemptsUnlimited', params: { rules: 2 } },
    ]);
    // With one attempt in the rules, a Moodle quiz allowing one is fine.
    expect(keys(quiz({ attemptsAllowed: 1 }), 'summative', { ...RULES, attempts: 1 })).toEqual([]);
  });

  test('the LMS pass mark, as a percentage of the maximum, against the threshold', () => {
    const w = activityWarnings(quiz({ gradeToPass: 6.5 }), RULES, 'summative');
    expect(w).toEqual([
      {
        key: 'definition:warnings.passMarkDiffers',
        params: { lms: 65, rules: 80 },
        percents: ['lms', 'rules'],
      },
    ]);
    // Rounding of points (8/10 = 80 %, 26.67/33.33 ≈ 80 %) is not a contradiction.
    expect(keys(quiz({ gradeToPass: 8 }))).toEqual([]);
    expect(keys(quiz({ maxScore: 33.33, gradeToPass: 26.67 }))).toEqual([]);
    // A pass mark of 0 means "none set" in Moodle.
    expect(keys(quiz({ gradeToPass: 0 }))).toEqual([]);
  });

  test('a maximum grade of 0 cannot give a percentage', () => {
    expect(keys(quiz({ maxScore: 0, gradeToPass: 5 }))).toEqual(['noMaxScore']);
  });

  test('due dates: later than Jalon’s (attempts would not count) or earlier (less time)', () => {
    const later = activityWarnings(quiz({ dueAt: '2025-05-02T12:00:00Z' }), RULES, 'summative');
    expect(later).toEqual([
      {
        key: 'definition:warnings.dueLater',
        params: { lms: '2025-05-02T12:00:00Z', rules: RULES.summativeDueAt },
        instants: ['lms', 'rules'],
      },
    ]);
    expect(keys(quiz({ dueAt: '2025-04-20T12:00:00Z' }))).toEqual(['dueEarlier']);
    // The same instant written with another offset is the same date.
    expect(keys(quiz({ dueAt: '2025-05-01T03:59:59Z' }))).toEqual([]);
    expect(keys(quiz({ dueAt: 'not a date' }))).toEqual([]);
  });

  test('formative items never contradict the rules; completion needs tracking', () => {
    const messy = quiz({
      attemptsAllowed: null,
      gradeToPass: 1,
      dueAt: '2026-01-01T00:00:00Z',
      completionTracked: false,
    });
    expect(keys(messy, 'formative')).toEqual([]);
    expect(keys(messy, 'completion')).toEqual(['completionNotTracked']);
    expect(keys(quiz({ completionTracked: true }), 'completion')).toEqual([]);
    expect(keys(messy)).toEqual(['attemptsUnlimited', 'passMarkDiffers', 'dueLater']);
  });

  test('every warning key has a message in French and English', () => {
    const all = [
      ...activityWarnings(
        quiz({ attemptsAllowed: 1, gradeToPass: 1, dueAt: '2026-01-01T00:00:00Z' }),
        RULES,
        'summative',
      ),
      ...activityWarnings(quiz({ attemptsAllowed: 5, dueAt: '2025-01-01T00:00:00Z' }), RULES, 'summative'),
      ...activityWarnings(quiz({ attemptsAllowed: null, maxScore: 0 }), RULES, 'summative'),
      ...activityWarnings(quiz({ completionTracked: false }), RULES, 'completion'),
    ];
    expect(new Set(all.map((w) => w.key)).size).toBe(8);
    for (const lang of ['fr', 'en'] as const) {
      const t = translator(lang);
      for (const w of all) expect(t(w.key, w.params)).not.toBe(w.key.replace('definition:', ''));
    }
  });
});
