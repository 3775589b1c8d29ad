/**
 * The other facts the award policy reads besides attempts: instructor feedback, completion,
 * the learner's path, and the instructor's overrides (extra attempts, manual decisions).
 */
import type { AssessmentKey } from './definition.js';
import { reason, type Reason } from './reasons.js';

/** Where a piece of feedback was written: in Jalon's console or in the LMS itself. */
export type FeedbackOrigin = 'jalon' | 'lms';

/** Instructor feedback on a learner's attempt at a summative item. */
export interface FeedbackRecord {
  learner: string;
  assessment: AssessmentKey;
  /**
   * The attempt the feedback is about, when the source says so (Jalon's console; Moodle
   * assignment `previousattempts[]`). Without it (Canvas submission comments), feedback is
   * about every attempt submitted at or before `givenAt`.
   */
  attemptNumber?: number;
  /** ISO 8601 instant the feedback was given. */
  givenAt: string;
  origin: FeedbackOrigin;
  /** The source's own id (comment id), for display and audit. */
  sourceId?: string;
}

/** A completion the LMS reports for a learner. */
export interface CompletionRecord {
  learner: string;
  scope: { kind: 'course' } | { kind: 'activity'; lmsId: string };
  /** When it was completed, if known; completions after the end date do not count. */
  completedAt?: string | null;
}

/** The learner's path: the regular course, or recognition of prior learning (rule 5). */
export type LearningPath = 'regular' | 'rpl';

/** Extra summative attempts the instructor granted a learner. */
export interface ExtraAttemptsOverride {
  kind: 'extra_attempts';
  id: string;
  learner: string;
  /** How many attempts are added (≥ 1). */
  count: number;
  /** The summative item they are for; absent means every summative item. */
  assessment?: AssessmentKey;
  /**
   * A personal due date for the learner (ISO instant), e.g. so the extra attempt fits.
   * Never beyond the micro-credential's end date: a later value is capped at the end date.
   */
  until?: string;
  grantedAt: string;
  grantedBy?: string;
}

/** The instructor's decision, which wins over the policy (with a reason, for the record). */
export interface ManualDecisionOverride {
  kind: 'manual_decision';
  id: string;
  learner: string;
  decision: 'achieved' | 'not_achieved';
  /** The instructor's own words, shown as written (in the language they wrote it in). */
  reason: string;
  decidedAt: string;
  decidedBy?: string;
}

/** An instructor override. */
export type Override = ExtraAttemptsOverride | ManualDecisionOverride;

const validInstant = (s: unknown) => typeof s === 'string' && s.trim() !== '' && !Number.isNaN(Date.parse(s));

/** Why an override cannot be used, or `null` when it is well-formed. */
export function validateOverride(o: Override): Reason | null {
  if (typeof o.id !== 'string' || o.id.trim() === '') return reason('invalid.overrideId');
  if (o.kind === 'extra_attempts') {
    if (!Number.isInteger(o.count) || o.count < 1)
      return reason('invalid.extraCount', { n: String(o.count) });
    if (!validInstant(o.grantedAt)) return reason('invalid.overrideTime');
    if (o.until !== undefined && !validInstant(o.until)) return reason('invalid.overrideUntil');
    return null;
  }
  if (o.kind === 'manual_decision') {
    if (o.decision !== 'achieved' && o.decision !== 'not_achieved') return reason('invalid.decision');
    if (typeof o.reason !== 'string' || o.reason.trim() === '') return reason('invalid.decisionReason');
    if (!validInstant(o.decidedAt)) return reason('invalid.overrideTime');
    return null;
  }
  return reason('invalid.overrideKind');
}

/** Why a feedback record cannot be used, or `null` when it is well-formed. */
export function validateFeedback(f: FeedbackRecord): Reason | null {
  if (!validInstant(f.givenAt)) return reason('invalid.feedbackTime');
  if (f.attemptNumber !== undefined && (!Number.isInteger(f.attemptNumber) || f.attemptNumber < 1))
    return reason('invalid.attemptNumber', { n: String(f.attemptNumber) });
  if (f.origin !== 'jalon' && f.origin !== 'lms') return reason('invalid.feedbackOrigin');
  return null;
}
