/**
 * Builders for micro-credential tests: a complete valid definition input, assessment rules,
 * and attempt/feedback records with sensible defaults.
 */
import type { AttemptRecord } from '../../src/microcredentials/attempts.js';
import type { AssessmentKey, AssessmentRules } from '../../src/microcredentials/definition.js';
import type { FeedbackRecord } from '../../src/microcredentials/facts.js';

export const EXAM: AssessmentKey = { source: 'moodle-quiz', lmsId: '14' };
export const ESSAY: AssessmentKey = { source: 'moodle-assign', lmsId: '9' };
export const QUIZ_PRACTICE: AssessmentKey = { source: 'moodle-quiz', lmsId: '15' };
export const DUE = '2025-04-30T23:59:59-04:00';
export const END = '2025-05-31T23:59:59-04:00';
export const LEARNER = 'learner-1';

/** A definition as the form would submit it: valid as is. */
export function definitionInput(): Record<string, unknown> {
  return {
    title: { fr: 'Premiers soins en milieu de travail', en: 'Workplace first aid' },
    description: { fr: 'Intervenir en cas d’urgence.', en: 'Respond to an emergency.' },
    purpose: { en: 'For supervisors who must hold a first-aid certificate.' },
    learningOutcomes: [{ fr: 'Évaluer une situation d’urgence', en: 'Assess an emergency' }],
    notionalHours: 15,
    deliveryMode: 'hybrid',
    assessmentTypes: ['test', 'practical_demonstration'],
    supervision: { kind: 'in_person', identityVerification: 'photo_id' },
    qualityAssurance: { name: { fr: 'Comité des programmes' }, url: 'https://example.edu/qa' },
    learnerOutcomes: ['badge'],
    stacking: { kind: 'stand_alone' },
    alignments: [{ name: { en: 'CSA Z1210' }, url: 'https://example.org/csa-z1210', code: 'Z1210' }],
    expiry: { kind: 'after_award', amount: 3, unit: 'years' },
    assessment: {
      summative: [{ ref: { ...EXAM, label: 'Final exam' } }],
      passThreshold: 80,
      summativeDueAt: DUE,
      endAt: END,
    },
  };
}

/** Assessment rules with the defaults the schema would fill in. */
export function rules(overrides: Partial<AssessmentRules> = {}): AssessmentRules {
  return {
    summative: [{ ref: { ...EXAM, label: 'Final exam' } }],
    formative: [],
    passThreshold: 80,
    combination: 'each_must_pass',
    attempts: 2,
    feedbackRequired: true,
    summativeDueAt: DUE,
    endAt: END,
    priorLearningAllowed: false,
    completion: { course: false, activities: [] },
    ...overrides,
  };
}

/** An attempt at the exam out of 100, submitted on the given day of April 2025 (UTC noon). */
export function attempt(
  n: number,
  score: number | null,
  at: string,
  extra: Partial<AttemptRecord> = {},
): AttemptRecord {
  return {
    learner: LEARNER,
    assessment: EXAM,
    attemptNumber: n,
    score,
    maxScore: 100,
    submittedAt: at,
    gradedAt: score === null ? null : at,
    source: 'moodle-ws',
    sourceId: `${extra.assessment?.lmsId ?? EXAM.lmsId}-${n}`,
    ...extra,
  };
}

/** Feedback on the exam. */
export function feedback(givenAt: string, extra: Partial<FeedbackRecord> = {}): FeedbackRecord {
  return { learner: LEARNER, assessment: EXAM, givenAt, origin: 'jalon', ...extra };
}

/** Days of April 2025 at noon UTC, for readable timelines. */
export const april = (day: number) => `2025-04-${String(day).padStart(2, '0')}T12:00:00Z`;
