import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { translator } from '../../src/i18n/index.js';
import type { AttemptRecord } from '../../src/microcredentials/attempts.js';
import { compareChronologically, validateAttempt } from '../../src/microcredentials/attempts.js';
import { meetsThreshold } from '../../src/microcredentials/counting.js';
import type { AssessmentKey, AssessmentRules } from '../../src/microcredentials/definition.js';
import type { CompletionRecord, FeedbackRecord, Override } from '../../src/microcredentials/facts.js';
import { evaluateStanding, type PolicyInput, type Standing } from '../../src/microcredentials/policy.js';
import { renderReason, type Reason } from '../../src/microcredentials/reasons.js';
import { END, ESSAY, EXAM, LEARNER, QUIZ_PRACTICE, rules } from './fixtures.js';

const RUNS = 300;
const T0 = Date.parse('2025-03-01T00:00:00Z');
const T1 = Date.parse('2025-06-15T00:00:00Z'); // past the end date (31 May)
const UNKNOWN: AssessmentKey = { source: 'canvas-quiz', lmsId: '999' };

const DUE_MS = Date.parse('2025-05-01T03:59:59Z');
const toIso = (ms: number) => new Date(ms).toISOString();
/** Mostly before the due date, sometimes up to two weeks past the end date. */
const instant = fc.oneof(
  { arbitrary: fc.integer({ min: T0, max: DUE_MS }).map(toIso), weight: 3 },
  { arbitrary: fc.integer({ min: T0, max: T1 }).map(toIso), weight: 1 },
);
const assessment = fc.constantFrom(EXAM, EXAM, ESSAY, QUIZ_PRACTICE, UNKNOWN);

const rulesArb: fc.Arbitrary<AssessmentRules> = fc
  .record({
    passThreshold: fc.oneof(fc.constant(80), fc.integer({ min: 1, max: 100 })),
    attempts: fc.integer({ min: 1, max: 3 }),
    feedbackRequired: fc.boolean(),
    twoItems: fc.boolean(),
    combination: fc.constantFrom('each_must_pass' as const, 'weighted_average' as const),
    weightExam: fc.constantFrom(50, 30, 70),
    priorLearningAllowed: fc.boolean(),
    course: fc.boolean(),
  })
  .map((r) =>
    rules({
      passThreshold: r.passThreshold,
      attempts: r.attempts,
      feedbackRequired: r.feedbackRequired,
      combination: r.combination,
      priorLearningAllowed: r.priorLearningAllowed,
      completion: { course: r.course, activities: [] },
      formative: [{ ...QUIZ_PRACTICE, label: 'Practice' }],
      summative: r.twoItems
        ? [
            { ref: { ...EXAM, label: 'Final exam' }, weight: r.weightExam },
            { ref: { ...ESSAY, label: 'Case study' }, weight: 100 - r.weightExam },
          ]
        : [{ ref: { ...EXAM, label: 'Final exam' }, weight: 100 }],
    }),
  );

const attemptArb: fc.Arbitrary<AttemptRecord> = fc
  .record({
    learner: fc.constantFrom(LEARNER, LEARNER, LEARNER, 'other'),
    assessment,
    attemptNumber: fc.integer({ min: 1, max: 4 }),
    score: fc.oneof(
      fc.integer({ min: 0, max: 100 }),
      fc.double({ min: 70, max: 90, noNaN: true }),
      fc.constant(null),
      fc.constantFrom(-5, 150),
    ),
    zeroMax: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
    submittedAt: instant,
    sourceId: fc.integer({ min: 1, max: 12 }).map(String),
  })
  .map(({ zeroMax, score, ...a }) => ({
    ...a,
    score,
    maxScore: score === null ? null : zeroMax ? 0 : 100,
    gradedAt: score === null ? null : a.submittedAt,
    source: 'moodle-ws',
  }));

const feedbackArb: fc.Arbitrary<FeedbackRecord> = fc.record({
  learner: fc.constant(LEARNER),
  assessment: fc.constantFrom(EXAM, ESSAY),
  givenAt: instant,
  origin: fc.constantFrom('jalon' as const, 'lms' as const),
});

const extraArb: fc.Arbitrary<Override> = fc.record({
  kind: fc.constant('extra_attempts' as const),
  id: fc.constantFrom('x1', 'x2'),
  learner: fc.constant(LEARNER),
  count: fc.integer({ min: 1, max: 2 }),
  grantedAt: instant,
  until: fc.option(instant, { nil: undefined }),
});
const decisionArb: fc.Arbitrary<Override> = fc.record({
  kind: fc.constant('manual_decision' as const),
  id: fc.constantFrom('d1', 'd2'),
  learner: fc.constant(LEARNER),
  decision: fc.constantFrom('achieved' as const, 'not_achieved' as const),
  reason: fc.constantFrom('Reviewed in person', 'Misconduct'),
  decidedAt: instant,
});
// Manual decisions override everything: keep them rare so the policy itself is exercised.
const overrideArb = fc.oneof({ arbitrary: extraArb, weight: 4 }, { arbitrary: decisionArb, weight: 1 });

const completionArb: fc.Arbitrary<CompletionRecord> = fc.record({
  learner: fc.constant(LEARNER),
  scope: fc.constant({ kind: 'course' as const }),
  completedAt: fc.option(instant, { nil: null }),
});

const inputArb = (withOverrides: boolean): fc.Arbitrary<PolicyInput> =>
  fc.record({
    rules: rulesArb,
    learner: fc.constant(LEARNER),
    path: fc.constantFrom('regular' as const, 'rpl' as const),
    attempts: fc.array(attemptArb, { maxLength: 8 }),
    feedback: fc.array(feedbackArb, { maxLength: 4 }),
    completions: fc.array(completionArb, { maxLength: 2 }),
    overrides: withOverrides ? fc.array(overrideArb, { maxLength: 2 }) : fc.constant([]),
    now: instant,
  });

/** A random permutation of an array, drawn by fast-check. */
const permuted = <T>(xs: readonly T[]) =>
  fc
    .shuffledSubarray([...xs.keys()], { minLength: xs.length, maxLength: xs.length })
    .map((idx) => idx.map((i) => xs[i]!));

describe('policy properties', () => {
  test('order independence: any permutation of the facts gives the same standing', () => {
    fc.assert(
      fc.property(
        inputArb(true).chain((input) =>
          fc.tuple(
            fc.constant(input),
            permuted(input.attempts),
            permuted(input.feedback ?? []),
            permuted(input.overrides ?? []),
            permuted(input.completions ?? []),
          ),
        ),
        ([input, attempts, feedback, overrides, completions]) => {
          const shuffled = evaluateStanding({ ...input, attempts, feedback, overrides, completions });
          expect(shuffled).toEqual(evaluateStanding(input));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('duplicates never change the standing', () => {
    fc.assert(
      fc.property(
        inputArb(true).chain((input) =>
          fc.tuple(
            fc.constant(input),
            fc.subarray([...input.attempts]),
            fc.subarray([...(input.feedback ?? [])]),
          ),
        ),
        ([input, dupAttempts, dupFeedback]) => {
          const withDuplicates = evaluateStanding({
            ...input,
            // Re-reported copies (a fresh object, keys in another order) of the same attempts.
            attempts: [
              ...input.attempts,
              ...dupAttempts.map((a) => Object.fromEntries(Object.entries(a).reverse()) as AttemptRecord),
            ],
            feedback: [...(input.feedback ?? []), ...dupFeedback],
          });
          expect(withDuplicates).toEqual(evaluateStanding(input));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('never achieved below the threshold unless an instructor decided so', () => {
    fc.assert(
      fc.property(inputArb(true), (input) => {
        const s = evaluateStanding(input);
        if (s.status !== 'achieved' || s.decidedBy === 'manual') return;
        const threshold = input.rules.passThreshold;
        expect(s.score).not.toBeNull();
        expect(meetsThreshold(s.score ?? -1, threshold)).toBe(true);
        if (input.rules.combination === 'each_must_pass' || input.rules.summative.length === 1)
          for (const item of s.items)
            expect(meetsThreshold(item.passedBy?.percent ?? -1, threshold)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  test('without a manual decision, achieved needs a valid attempt of this learner at or above the threshold', () => {
    fc.assert(
      fc.property(inputArb(false), (input) => {
        const s = evaluateStanding(input);
        if (s.status !== 'achieved') return;
        const passing = input.attempts.filter((a) => {
          const v = validateAttempt(a);
          return (
            a.learner === LEARNER &&
            v.ok &&
            v.percent !== null &&
            meetsThreshold(v.percent, input.rules.passThreshold) &&
            Date.parse(a.submittedAt) <= Date.parse(END)
          );
        });
        expect(passing.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  test('never achieved from an attempt after the end date', () => {
    fc.assert(
      fc.property(inputArb(true), (input) => {
        const s = evaluateStanding(input);
        const end = Date.parse(input.rules.endAt);
        for (const item of s.items)
          for (const a of item.attempts) expect(Date.parse(a.submittedAt)).toBeLessThanOrEqual(end);
        if (s.passingAttempt) expect(Date.parse(s.passingAttempt.submittedAt)).toBeLessThanOrEqual(end);
        // Only attempts after the end: the policy can never award.
        const late = input.attempts.map((a) => ({
          ...a,
          submittedAt: new Date(end + 1000 + Date.parse(a.submittedAt) - T0).toISOString(),
        }));
        const onlyLate = evaluateStanding({ ...input, attempts: late });
        expect(onlyLate.policyStatus).not.toBe('achieved');
        expect(onlyLate.passingAttempt).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  test('the passing attempt reported is the first counted one, chronologically, that passes', () => {
    fc.assert(
      fc.property(inputArb(true), (input) => {
        const single = { ...input, rules: { ...input.rules, summative: input.rules.summative.slice(0, 1) } };
        const s = evaluateStanding(single);
        const counted = s.items[0]!.attempts;
        const firstPass = [...counted].sort(compareChronologically).find((a) => a.passed === true) ?? null;
        expect(s.passingAttempt).toEqual(firstPass);
        // Exactly one attempt is marked as the passing one.
        expect(counted.filter((a) => a === s.passingAttempt).length).toBe(firstPass ? 1 : 0);
      }),
      { numRuns: RUNS },
    );
  });

  test('counted attempts never exceed the attempts allowed', () => {
    fc.assert(
      fc.property(inputArb(true), (input) => {
        const s = evaluateStanding(input);
        for (const item of s.items) expect(item.attemptsUsed).toBeLessThanOrEqual(item.attemptsAllowed);
        expect(s.attemptsUsed + s.attemptsLeft).toBe(s.attemptsAllowed);
      }),
      { numRuns: RUNS },
    );
  });

  test('reasons are always present, in French and in English', () => {
    const fr = translator('fr');
    const en = translator('en');
    const check = (r: Reason) => {
      const texts = [renderReason(r, 'fr', fr), renderReason(r, 'en', en)];
      for (const text of texts) {
        expect(text.trim().length).toBeGreaterThan(0);
        expect(text).not.toContain('{{');
        expect(text).not.toContain('policy:');
        expect(text).not.toBe(r.key.replace(/^policy:/, ''));
      }
      expect(texts[0]).not.toBe(texts[1]);
    };
    fc.assert(
      fc.property(inputArb(true), (input) => {
        const s: Standing = evaluateStanding(input);
        check(s.reason);
        check(s.nextStep);
        s.notes.forEach(check);
        s.ignored.forEach((i) => check(i.reason));
      }),
      { numRuns: RUNS },
    );
  });
});
