import { describe, expect, test } from '@jest/globals';
import { dedupeAttempts, scorePercent, validateAttempt } from '../../src/microcredentials/attempts.js';
import { ESSAY, april, attempt } from './fixtures.js';

describe('attempt validation', () => {
  test('a graded attempt gives its percentage; an ungraded one is pending', () => {
    expect(validateAttempt(attempt(1, 56, april(1), { maxScore: 70 }))).toEqual({ ok: true, percent: 80 });
    expect(validateAttempt(attempt(1, null, april(1), { maxScore: null }))).toEqual({
      ok: true,
      percent: null,
    });
    expect(validateAttempt(attempt(1, 0, april(1)))).toEqual({ ok: true, percent: 0 });
    expect(validateAttempt(attempt(1, 100, april(1)))).toEqual({ ok: true, percent: 100 });
  });

  test.each([
    ['negative score', { score: -0.5 }, 'scoreNegative'],
    ['score above the maximum', { score: 100.5 }, 'scoreAboveMax'],
    ['maximum 0', { maxScore: 0 }, 'maxNotPositive'],
    ['negative maximum', { maxScore: -10 }, 'maxNotPositive'],
    ['score without maximum', { maxScore: null }, 'scoreWithoutMax'],
    ['score not a number', { score: Number.NaN }, 'scoreNotNumber'],
    ['infinite score', { score: Number.POSITIVE_INFINITY }, 'scoreNotNumber'],
    ['attempt number 0 (not normalised)', { attemptNumber: 0 }, 'attemptNumber'],
    ['fractional attempt number', { attemptNumber: 1.5 }, 'attemptNumber'],
    ['bad submission time', { submittedAt: 'yesterday' }, 'submittedAt'],
    ['bad grading time', { gradedAt: 'later' }, 'gradedAt'],
    ['no source id', { sourceId: ' ' }, 'sourceId'],
    ['no learner', { learner: '' }, 'learner'],
  ])('%s is rejected with a reason', (_name, bad, key) => {
    const v = validateAttempt({ ...attempt(1, 50, april(1)), ...bad });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason.key).toBe(`policy:invalid.${key}`);
  });

  test('percentages do not drift at the threshold', () => {
    expect(scorePercent(4.8, 6)).toBe(80);
    expect(scorePercent(56, 70)).toBe(80);
  });
});

describe('deduplication', () => {
  test('the same source id counts once, whatever the order', () => {
    const a = attempt(1, 62, april(1));
    const b = attempt(2, 85, april(9));
    expect(dedupeAttempts([a, b, a, { ...a }])).toEqual([a, b]);
    expect(dedupeAttempts([b, a, a])).toEqual([a, b]);
  });

  test('the same attempt read through two channels counts once', () => {
    const pulled = attempt(1, 62, april(1));
    const pushed = {
      ...pulled,
      source: 'moodle-xapi',
      sourceId: 'statement-77',
      gradedAt: null,
      score: null,
    };
    expect(dedupeAttempts([pushed, pulled])).toEqual([pulled]);
    expect(dedupeAttempts([pulled, pushed])).toEqual([pulled]);
  });

  test('a valid report beats an invalid one; the latest grading beats an earlier one', () => {
    const bad = attempt(1, 150, april(1));
    const good = attempt(1, 75, april(1));
    expect(dedupeAttempts([bad, good])).toEqual([good]);
    const regrade = { ...good, score: 82, gradedAt: april(5) };
    expect(dedupeAttempts([regrade, good])).toEqual([regrade]);
    expect(dedupeAttempts([good, regrade])).toEqual([regrade]);
  });

  test('different attempts and different items are all kept, in time order', () => {
    const a = attempt(1, 62, april(3));
    const b = attempt(1, 70, april(1), { assessment: ESSAY });
    const c = attempt(2, 70, april(2));
    expect(dedupeAttempts([a, b, c])).toEqual([b, c, a]);
  });
});
