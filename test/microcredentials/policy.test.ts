import { describe, expect, test } from '@jest/globals';
import { translator } from '../../src/i18n/index.js';
import { evaluateStanding, type PolicyInput } from '../../src/microcredentials/policy.js';
import { renderReason } from '../../src/microcredentials/reasons.js';
import type { Override } from '../../src/microcredentials/facts.js';
import {
  DUE,
  END,
  ESSAY,
  EXAM,
  LEARNER,
  QUIZ_PRACTICE,
  april,
  attempt,
  feedback,
  rules,
} from './fixtures.js';

const NOW = april(20);
const run = (input: Partial<PolicyInput>) =>
  evaluateStanding({ rules: rules(), learner: LEARNER, attempts: [], now: NOW, ...input });
const fr = (r: Parameters<typeof renderReason>[0]) => renderReason(r, 'fr', translator('fr'));
const en = (r: Parameters<typeof renderReason>[0]) => renderReason(r, 'en', translator('en'));
const keys = (rs: Array<{ key: string }>) => rs.map((r) => r.key);

const extra = (
  count: number,
  more: Partial<Extract<Override, { kind: 'extra_attempts' }>> = {},
): Override => ({
  kind: 'extra_attempts',
  id: `x${count}`,
  learner: LEARNER,
  count,
  grantedAt: april(15),
  ...more,
});
const decision = (
  d: 'achieved' | 'not_achieved',
  at: string,
  id = 'd1',
  why = 'Reviewed the portfolio in person',
): Override => ({
  kind: 'manual_decision',
  id,
  learner: LEARNER,
  decision: d,
  reason: why,
  decidedAt: at,
});

describe('threshold (inclusive)', () => {
  test('no attempt yet: not started, told the due date', () => {
    const s = run({});
    expect(s.status).toBe('not_started');
    expect(s.attemptsLeft).toBe(2);
    expect(s.nextStep.key).toBe('policy:next.start');
    expect(en(s.reason)).toContain('April 30, 2025');
  });

  test.each([
    [80, 100],
    [56, 70],
    [4.8, 6],
    [8, 10],
  ])('exactly at the threshold passes (%p / %p)', (score, max) => {
    const s = run({ attempts: [attempt(1, score, april(1), { maxScore: max })] });
    expect(s.status).toBe('achieved');
    expect(s.passingAttempt?.attemptNumber).toBe(1);
    expect(s.score).toBeCloseTo(80, 9);
    expect(fr(s.reason)).toBe('Tentative 1\u00a0: 80\u00a0% — atteint le seuil de 80\u00a0%');
    expect(en(s.reason)).toBe('Attempt 1: 80% — meets the 80% threshold');
  });

  test('79.99 fails at 80', () => {
    const s = run({ attempts: [attempt(1, 79.99, april(1))] });
    expect(s.status).toBe('feedback_owed');
    expect(s.passingAttempt).toBeNull();
    expect(fr(s.reason)).toContain('Tentative 1\u00a0: 79,99\u00a0% — sous le seuil de 80\u00a0%');
    expect(en(s.reason)).toContain('Attempt 1: 79.99% — below the 80% threshold');
  });
});

describe('two attempts with feedback between them', () => {
  test('a failed attempt without feedback: feedback owed, one attempt left', () => {
    const s = run({ attempts: [attempt(1, 62, april(1))] });
    expect(s.status).toBe('feedback_owed');
    expect(s.attemptsUsed).toBe(1);
    expect(s.attemptsLeft).toBe(1);
    expect(s.nextStep.key).toBe('policy:next.waitFeedback');
  });

  test('feedback given before the failed attempt does not count', () => {
    const s = run({ attempts: [attempt(1, 62, april(5))], feedback: [feedback(april(4))] });
    expect(s.status).toBe('feedback_owed');
    expect(s.feedback).toEqual([]);
  });

  test('feedback after the failed attempt opens the retry and says where it came from', () => {
    const fromLms = run({
      attempts: [attempt(1, 62, april(5))],
      feedback: [feedback(april(6), { origin: 'lms' })],
    });
    expect(fromLms.status).toBe('retry_open');
    expect(fromLms.feedback).toEqual([
      { assessment: EXAM, attemptNumber: 1, origin: 'lms', givenAt: april(6) },
    ]);
    expect(fr(fromLms.reason)).toBe(
      'Tentative 1\u00a0: 62\u00a0% — sous le seuil de 80\u00a0%. Tentatives restantes\u00a0: 1.',
    );
    expect(fromLms.notes.map(en)).toContain(
      'Attempt 1: feedback given in the LMS on April 6, 2025 at 8:00 a.m.',
    );
    const inJalon = run({ attempts: [attempt(1, 62, april(5))], feedback: [feedback(april(6))] });
    expect(inJalon.feedback[0]?.origin).toBe('jalon');
    expect(inJalon.notes.map(fr).join('\n')).toContain('dans Jalon');
  });

  test('feedback that names the attempt counts whatever its timestamp', () => {
    const s = run({
      attempts: [attempt(1, 62, april(5))],
      feedback: [feedback(april(4), { attemptNumber: 1 })],
    });
    expect(s.status).toBe('retry_open');
    const other = run({
      attempts: [attempt(1, 62, april(5))],
      feedback: [feedback(april(6), { attemptNumber: 2 })],
    });
    expect(other.status).toBe('feedback_owed');
  });

  test('feedback on another item or for another learner does not count', () => {
    const s = run({
      attempts: [attempt(1, 62, april(5))],
      feedback: [feedback(april(6), { assessment: ESSAY }), feedback(april(6), { learner: 'someone-else' })],
    });
    expect(s.status).toBe('feedback_owed');
  });

  test('no feedback required: a failure opens the retry directly', () => {
    const s = run({ rules: rules({ feedbackRequired: false }), attempts: [attempt(1, 62, april(1))] });
    expect(s.status).toBe('retry_open');
  });

  test('second failure: not achieved, nothing left', () => {
    const s = run({
      attempts: [attempt(1, 62, april(1)), attempt(2, 76, april(10))],
      feedback: [feedback(april(3))],
    });
    expect(s.status).toBe('not_achieved');
    expect(s.attemptsLeft).toBe(0);
    expect(s.score).toBe(76);
    expect(fr(s.reason)).toContain('Tentative 2\u00a0: 76\u00a0% — sous le seuil de 80\u00a0%');
    expect(en(s.reason)).toContain('Attempt 2: 76% — below the 80% threshold');
  });

  test('second attempt passes: achieved, the passing attempt is the second', () => {
    const s = run({
      attempts: [attempt(1, 62, april(1)), attempt(2, 85, april(10))],
      feedback: [feedback(april(3))],
    });
    expect(s.status).toBe('achieved');
    expect(s.passingAttempt).toMatchObject({ attemptNumber: 2, rank: 2, percent: 85 });
    expect(s.items[0]?.attempts[1]?.feedbackMissingBefore).toBe(false);
  });

  test('an attempt made while feedback was owed counts, and the gap is recorded', () => {
    const passed = run({
      attempts: [attempt(1, 62, april(1)), attempt(2, 90, april(2))],
      feedback: [feedback(april(3))],
    });
    expect(passed.status).toBe('achieved');
    expect(passed.passingAttempt?.attemptNumber).toBe(2);
    expect(passed.items[0]?.attempts[1]?.feedbackMissingBefore).toBe(true);
    expect(keys(passed.notes)).toContain('policy:note.feedbackMissingBefore');
    const failed = run({ attempts: [attempt(1, 62, april(1)), attempt(2, 70, april(2))] });
    expect(failed.status).toBe('not_achieved');
    expect(failed.attemptsUsed).toBe(2);
  });

  test('the third attempt is ignored when two are allowed, even if it passes', () => {
    const s = run({
      attempts: [attempt(1, 62, april(1)), attempt(2, 70, april(5)), attempt(3, 95, april(9))],
      feedback: [feedback(april(2)), feedback(april(6))],
    });
    expect(s.status).toBe('not_achieved');
    expect(s.ignored).toHaveLength(1);
    expect(s.ignored[0]).toMatchObject({ kind: 'attempt', id: 'moodle-ws:14-3' });
    expect(en(s.ignored[0]!.reason)).toBe('Attempt 3 not counted: only 2 attempts are allowed.');
  });

  test('attempts are counted in time order, not by the LMS number', () => {
    // A 0-based slip upstream (0 normalised badly to 2, 1 to 3): still two attempts, both counted.
    const s = run({
      attempts: [attempt(2, 62, april(1)), attempt(3, 90, april(5))],
      feedback: [feedback(april(2))],
    });
    expect(s.status).toBe('achieved');
    expect(s.passingAttempt).toMatchObject({ attemptNumber: 3, rank: 2 });
  });

  test('an extra attempt granted by the instructor counts', () => {
    const attempts = [attempt(1, 62, april(1)), attempt(2, 70, april(5)), attempt(3, 95, april(9))];
    const s = run({ attempts, feedback: [feedback(april(2)), feedback(april(6))], overrides: [extra(1)] });
    expect(s.status).toBe('achieved');
    expect(s.attemptsAllowed).toBe(3);
    expect(s.passingAttempt?.attemptNumber).toBe(3);
    expect(en(s.notes.find((n) => n.key === 'policy:note.extraAttempts')!)).toBe(
      'Extra attempts granted by the instructor: 1.',
    );
  });

  test('extra attempts for another item do not help this one', () => {
    const attempts = [attempt(1, 62, april(1)), attempt(2, 70, april(5)), attempt(3, 95, april(9))];
    const s = run({ attempts, overrides: [extra(1, { assessment: ESSAY })] });
    expect(s.status).toBe('not_achieved');
  });

  test('malformed overrides are ignored with a reason', () => {
    const s = run({
      attempts: [attempt(1, 62, april(1)), attempt(2, 70, april(5)), attempt(3, 95, april(9))],
      overrides: [extra(0), decision('achieved', april(20), 'd9', '   ')],
    });
    expect(s.status).toBe('not_achieved');
    expect(s.decidedBy).toBe('policy');
    expect(s.ignored.filter((i) => i.kind === 'override').map((i) => i.reason.key)).toEqual([
      'policy:invalid.extraCount',
      'policy:invalid.decisionReason',
    ]);
  });
});

describe('deadlines', () => {
  test('an attempt exactly at the due instant counts; one second later does not', () => {
    const onTime = run({ attempts: [attempt(1, 90, DUE)], now: END });
    expect(onTime.status).toBe('achieved');
    const late = run({ attempts: [attempt(1, 90, '2025-05-01T00:00:00-04:00')], now: END });
    expect(late.status).toBe('past_deadline');
    expect(late.ignored[0]?.reason.key).toBe('policy:ignored.afterDue');
    expect(late.reason.key).toBe('policy:reason.noAttemptByDue');
  });

  test('no attempt by the due date: past deadline once it has passed', () => {
    expect(run({ now: DUE }).status).toBe('not_started');
    expect(run({ now: '2025-05-01T04:00:00Z' }).status).toBe('past_deadline');
  });

  test('failed with an attempt left but the due date passed: past deadline', () => {
    const s = run({
      attempts: [attempt(1, 62, april(29))],
      feedback: [feedback(april(30))],
      now: '2025-05-02T00:00:00Z',
    });
    expect(s.status).toBe('past_deadline');
    expect(s.reason.key).toBe('policy:reason.pastDueAfterFail');
    expect(fr(s.reason)).toContain('Tentative 1\u00a0: 62\u00a0%');
  });

  test('an extension lets a late attempt count, but never past the end date', () => {
    const lateAttempt = attempt(2, 88, '2025-05-10T12:00:00Z');
    const base = {
      attempts: [attempt(1, 62, april(1)), lateAttempt],
      feedback: [feedback(april(2))],
      now: '2025-05-20T00:00:00Z',
    };
    expect(run(base).status).toBe('past_deadline');
    const extended = run({ ...base, overrides: [extra(1, { until: '2025-05-15T23:59:59-04:00' })] });
    expect(extended.status).toBe('achieved');
    expect(extended.dueAt).toBe('2025-05-16T03:59:59.000Z');
    expect(keys(extended.notes)).toContain('policy:note.extension');

    const afterEnd = attempt(2, 88, '2025-06-01T12:00:00Z');
    const capped = run({
      attempts: [attempt(1, 62, april(1)), afterEnd],
      feedback: [feedback(april(2))],
      overrides: [extra(1, { until: '2025-12-31T00:00:00Z' })],
      now: '2025-06-02T00:00:00Z',
    });
    expect(capped.status).toBe('past_deadline');
    expect(capped.dueAt).toBe(new Date(END).toISOString());
    expect(capped.ignored[0]?.reason.key).toBe('policy:ignored.afterEnd');
  });

  test('a submitted, ungraded attempt waits for grading, even after the due date', () => {
    const s = run({ attempts: [attempt(1, null, april(29))], now: '2025-05-05T00:00:00Z' });
    expect(s.status).toBe('awaiting_grade');
    expect(s.attemptsUsed).toBe(1);
    expect(s.score).toBeNull();
  });
});

describe('prior learning and completion', () => {
  const completionRules = rules({
    completion: { course: true, activities: [{ lmsId: '88', label: 'Safety video' }] },
    priorLearningAllowed: true,
  });

  test('completion required and missing: awaiting completion, then past deadline after the end', () => {
    const s = run({ rules: completionRules, attempts: [attempt(1, 90, april(1))] });
    expect(s.status).toBe('awaiting_completion');
    expect(s.passingAttempt?.attemptNumber).toBe(1);
    expect(s.completion.missing).toEqual([
      { kind: 'course' },
      { kind: 'activity', activity: { lmsId: '88', label: 'Safety video' } },
    ]);
    expect(en(s.reason)).toBe(
      'Attempt 1: 90% — meets the 80% threshold. Still required: course completion; Safety video.',
    );
    const later = run({
      rules: completionRules,
      attempts: [attempt(1, 90, april(1))],
      now: '2025-06-01T12:00:00Z',
    });
    expect(later.status).toBe('past_deadline');
    expect(later.reason.key).toBe('policy:reason.completionMissingAtEnd');
  });

  test('completion recorded: achieved; a completion after the end date does not count', () => {
    const done = run({
      rules: completionRules,
      attempts: [attempt(1, 90, april(1))],
      completions: [
        { learner: LEARNER, scope: { kind: 'course' }, completedAt: april(2) },
        { learner: LEARNER, scope: { kind: 'activity', lmsId: '88' } },
      ],
    });
    expect(done.status).toBe('achieved');
    const tooLate = run({
      rules: completionRules,
      attempts: [attempt(1, 90, april(1))],
      completions: [
        { learner: LEARNER, scope: { kind: 'course' }, completedAt: '2025-06-02T00:00:00Z' },
        { learner: LEARNER, scope: { kind: 'activity', lmsId: '88' } },
      ],
      now: '2025-06-03T00:00:00Z',
    });
    expect(tooLate.status).toBe('past_deadline');
    expect(tooLate.completion.missing).toEqual([{ kind: 'course' }]);
  });

  test('RPL: the same summative taken directly, the standing says RPL, completion is waived', () => {
    const s = run({ rules: completionRules, path: 'rpl', attempts: [attempt(1, 90, april(1))] });
    expect(s.status).toBe('achieved');
    expect(s.path).toBe('rpl');
    expect(s.completion).toMatchObject({ required: false, waived: true, met: true });
    expect(keys(s.notes)).toEqual(['policy:note.rpl', 'policy:note.completionWaived']);
    expect(fr(s.notes[0]!)).toContain('reconnaissance des acquis');
  });

  test('RPL applies the same threshold and attempts', () => {
    const s = run({
      rules: completionRules,
      path: 'rpl',
      attempts: [attempt(1, 60, april(1)), attempt(2, 70, april(3))],
    });
    expect(s.status).toBe('not_achieved');
    expect(s.path).toBe('rpl');
  });

  test('RPL asked for where it is not offered: regular path, completion still required', () => {
    const s = run({
      rules: rules({ completion: { course: true, activities: [] } }),
      path: 'rpl',
      attempts: [attempt(1, 90, april(1))],
    });
    expect(s.path).toBe('regular');
    expect(s.status).toBe('awaiting_completion');
    expect(keys(s.notes)).toContain('policy:note.rplNotOffered');
  });
});

describe('manual decisions', () => {
  test('an instructor decision of achieved wins below the threshold, with its reason', () => {
    const s = run({
      attempts: [attempt(1, 40, april(1)), attempt(2, 50, april(5))],
      overrides: [decision('achieved', april(18))],
    });
    expect(s.status).toBe('achieved');
    expect(s.policyStatus).toBe('not_achieved');
    expect(s.decidedBy).toBe('manual');
    expect(s.manualDecision?.id).toBe('d1');
    expect(en(s.reason)).toContain('Decision by the instructor');
    expect(en(s.reason)).toContain('Reviewed the portfolio in person');
    expect(keys(s.notes)).toContain('policy:note.policyWould');
  });

  test('not achieved wins over a passing attempt; the latest decision wins', () => {
    const s = run({
      attempts: [attempt(1, 95, april(1))],
      overrides: [decision('not_achieved', april(18), 'd2', 'Misconduct')],
    });
    expect(s.status).toBe('not_achieved');
    expect(s.policyStatus).toBe('achieved');
    const both = run({
      attempts: [attempt(1, 95, april(1))],
      overrides: [
        decision('achieved', april(19), 'd3'),
        decision('not_achieved', april(18), 'd2', 'Misconduct'),
      ],
    });
    expect(both.status).toBe('achieved');
  });
});

describe('several summative items', () => {
  const two = (combination: 'each_must_pass' | 'weighted_average', wExam = 50, wEssay = 50) =>
    rules({
      combination,
      summative: [
        { ref: { ...EXAM, label: 'Final exam' }, weight: wExam },
        { ref: { ...ESSAY, label: 'Case study' }, weight: wEssay },
      ],
    });
  const both = [attempt(1, 90, april(1)), attempt(1, 70, april(2), { assessment: ESSAY })];

  test('each must pass: one below fails that item, with its own feedback and attempts', () => {
    const s = run({ rules: two('each_must_pass'), attempts: both });
    expect(s.status).toBe('feedback_owed');
    expect(s.items.map((i) => i.state)).toEqual(['passed', 'failed']);
    expect(en(s.reason)).toContain('Case study, attempt 1: 70% — below the 80% threshold');
    const withFeedback = run({
      rules: two('each_must_pass'),
      attempts: both,
      feedback: [feedback(april(3), { assessment: ESSAY })],
    });
    expect(withFeedback.status).toBe('retry_open');
    const passed = run({
      rules: two('each_must_pass'),
      attempts: [...both, attempt(2, 81, april(6), { assessment: ESSAY })],
      feedback: [feedback(april(3), { assessment: ESSAY })],
    });
    expect(passed.status).toBe('achieved');
    expect(passed.passingAttempt).toMatchObject({ assessment: ESSAY, attemptNumber: 2 });
    expect(passed.score).toBeCloseTo(85.5, 9);
    expect(en(passed.reason)).toBe('All 2 summative assessments passed at or above the 80% threshold');
  });

  test('weighted average: the same scores pass when the average reaches the threshold', () => {
    const s = run({ rules: two('weighted_average'), attempts: both });
    expect(s.status).toBe('achieved');
    expect(s.score).toBeCloseTo(80, 9);
    expect(s.passingAttempt).toMatchObject({ assessment: ESSAY, attemptNumber: 1 });
    const heavy = run({ rules: two('weighted_average', 30, 70), attempts: both });
    expect(heavy.status).toBe('feedback_owed');
    expect(heavy.score).toBeCloseTo(76, 9);
    expect(fr(heavy.reason)).toContain('Résultat pondéré\u00a0: 76\u00a0% — sous le seuil de 80\u00a0%');
  });

  test('weighted average out of reach with the attempts left: not achieved', () => {
    const s = run({
      rules: two('weighted_average', 30, 70),
      attempts: [
        attempt(1, 90, april(1)),
        attempt(2, 92, april(8)),
        attempt(1, 50, april(2), { assessment: ESSAY }),
        attempt(2, 55, april(9), { assessment: ESSAY }),
      ],
      feedback: [feedback(april(3), { assessment: ESSAY })],
    });
    expect(s.status).toBe('not_achieved');
  });

  test('one item passed, the other not tried: in progress', () => {
    const s = run({ rules: two('each_must_pass'), attempts: [attempt(1, 90, april(1))] });
    expect(s.status).toBe('in_progress');
    expect(en(s.nextStep)).toContain('Case study');
  });
});

describe('what does not count', () => {
  test('formative and unknown items never decide; formative shows progress', () => {
    const s = run({
      rules: rules({ formative: [{ ...QUIZ_PRACTICE, label: 'Practice quiz' }] }),
      attempts: [
        attempt(1, 100, april(1), { assessment: QUIZ_PRACTICE }),
        attempt(1, 100, april(1), { assessment: { source: 'canvas-quiz', lmsId: '999' } }),
      ],
    });
    expect(s.status).toBe('not_started');
    expect(s.formative).toEqual([
      { ref: { ...QUIZ_PRACTICE, label: 'Practice quiz' }, attempts: 1, bestPercent: 100 },
    ]);
    expect(s.ignored).toEqual([]);
  });

  test.each([
    ['negative', { score: -1 }, 'policy:invalid.scoreNegative'],
    ['above maximum', { score: 101 }, 'policy:invalid.scoreAboveMax'],
    ['maximum 0', { score: 0, maxScore: 0 }, 'policy:invalid.maxNotPositive'],
  ])('out-of-range score (%s) is rejected, not used', (_name, bad, key) => {
    const s = run({ attempts: [attempt(1, 0, april(1), bad)] });
    expect(s.status).toBe('not_started');
    expect(s.attemptsUsed).toBe(0);
    expect(s.ignored[0]?.reason.key).toBe('policy:ignored.invalid');
    expect((s.ignored[0]?.reason.params.why as { reason: { key: string } }).reason.key).toBe(key);
  });

  test('facts about other learners are ignored', () => {
    const s = run({ attempts: [attempt(1, 100, april(1), { learner: 'someone-else' })] });
    expect(s.status).toBe('not_started');
  });

  test('the same attempt reported twice counts once; a regrade wins', () => {
    const first = attempt(1, 62, april(1), { gradedAt: april(1) });
    const regraded = { ...first, score: 82, gradedAt: april(4) };
    const s = run({ attempts: [first, regraded, first] });
    expect(s.attemptsUsed).toBe(1);
    expect(s.status).toBe('achieved');
    expect(s.score).toBe(82);
  });

  test('an invalid instant for now throws', () => {
    expect(() => run({ now: 'not a date' })).toThrow(RangeError);
  });
});
