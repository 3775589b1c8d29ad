/**
 * Which attempts count, item by item: deduplicated, validated, within the deadlines, within
 * the attempts allowed, and whether instructor feedback followed each failure. The standing
 * itself is decided in `policy.ts` from what this module returns.
 */
import {
  attemptId,
  compareChronologically,
  dedupeAttempts,
  validateAttempt,
  type AttemptRecord,
} from './attempts.js';
import {
  assessmentKeyString,
  type AssessmentKey,
  type AssessmentRef,
  type AssessmentRules,
} from './definition.js';
import type { ExtraAttemptsOverride, FeedbackOrigin, FeedbackRecord } from './facts.js';
import { reason, type Reason } from './reasons.js';

/**
 * Tolerance when comparing a percentage with the threshold. Scores arrive as decimals
 * (Moodle sends "72.00000"), and 4.8/6 must pass a threshold of 80: float noise is far below
 * any meaningful difference (79.99 still fails at 80).
 */
export const PERCENT_EPSILON = 1e-9;

/** Whether a percentage meets a threshold (inclusive). */
export function meetsThreshold(percent: number, threshold: number): boolean {
  return percent >= threshold - PERCENT_EPSILON;
}

/** One counted attempt, as the standing reports it. */
export interface AttemptSummary {
  /** `<source>:<sourceId>`. */
  id: string;
  assessment: AssessmentKey;
  /** The LMS's attempt number (1-based), as the learner sees it in the LMS. */
  attemptNumber: number;
  /** Position among this item's counted attempts, chronologically (1-based): what is counted. */
  rank: number;
  /** Score in percent; `null` while not graded. */
  percent: number | null;
  submittedAt: string;
  source: string;
  sourceId: string;
  /** `null` while not graded. */
  passed: boolean | null;
  /** Submitted while feedback on the previous failed attempt was still owed. */
  feedbackMissingBefore: boolean;
}

/** Feedback found for a failed attempt, and where it came from. */
export interface FeedbackUse {
  assessment: AssessmentKey;
  attemptNumber: number;
  origin: FeedbackOrigin;
  givenAt: string;
  sourceId?: string;
}

/** Where one summative item stands. */
export type ItemState = 'not_started' | 'awaiting_grade' | 'passed' | 'failed' | 'exhausted';

/** One summative item's counted attempts and state. */
export interface ItemStanding {
  ref: AssessmentRef;
  weight?: number;
  state: ItemState;
  attemptsAllowed: number;
  attemptsUsed: number;
  attemptsLeft: number;
  attempts: AttemptSummary[];
  bestPercent: number | null;
  /** The first attempt, chronologically, at or above the threshold. */
  passedBy: AttemptSummary | null;
  /** The latest attempt failed and no feedback on it exists yet (only when feedback is required). */
  feedbackOwed: boolean;
}

/** Something the policy did not use, and why. */
export interface Ignored {
  kind: 'attempt' | 'feedback' | 'override';
  id: string;
  reason: Reason;
}

/** Formative progress (shown to the learner, never deciding). */
export interface FormativeProgress {
  ref: AssessmentRef;
  attempts: number;
  bestPercent: number | null;
}

/** How an attempt is named in reasons: "Attempt 2", or "Final exam, attempt 2" when there are several items. */
export function attemptLabel(
  a: { attemptNumber: number; assessment: AssessmentKey },
  rules: AssessmentRules,
): Reason {
  if (rules.summative.length <= 1) return reason('attempt.single', { n: a.attemptNumber });
  const item = rules.summative.find((s) => assessmentKeyString(s.ref) === assessmentKeyString(a.assessment));
  return reason('attempt.item', { n: a.attemptNumber, item: item?.ref.label ?? a.assessment.lmsId });
}

/** The facts `countAttempts` needs, already filtered to one learner and validated. */
export interface CountingInput {
  rules: AssessmentRules;
  attempts: readonly AttemptRecord[];
  feedback: readonly FeedbackRecord[];
  extras: readonly ExtraAttemptsOverride[];
  /** Effective summative due instant (ms), after extensions, never beyond the end. */
  dueMs: number;
  endMs: number;
}

/** The earliest feedback about a failed attempt (see `FeedbackRecord.attemptNumber`). */
export function feedbackFor(
  a: { assessment: AssessmentKey; attemptNumber: number; submittedAt: string },
  feedback: readonly FeedbackRecord[],
): FeedbackRecord | null {
  const key = assessmentKeyString(a.assessment);
  const at = Date.parse(a.submittedAt);
  let found: FeedbackRecord | null = null;
  for (const f of feedback) {
    if (assessmentKeyString(f.assessment) !== key) continue;
    const about =
      f.attemptNumber !== undefined ? f.attemptNumber === a.attemptNumber : Date.parse(f.givenAt) >= at;
    if (!about) continue;
    if (found === null || earlierFeedback(f, found)) found = f;
  }
  return found;
}

function earlierFeedback(a: FeedbackRecord, b: FeedbackRecord): boolean {
  const ta = Date.parse(a.givenAt);
  const tb = Date.parse(b.givenAt);
  if (ta !== tb) return ta < tb;
  const ka = `${a.origin}|${a.sourceId ?? ''}|${a.attemptNumber ?? ''}`;
  const kb = `${b.origin}|${b.sourceId ?? ''}|${b.attemptNumber ?? ''}`;
  return ka < kb;
}

/** Counted attempts per summative item, formative progress, and what was ignored. */
export interface Counting {
  items: ItemStanding[];
  formative: FormativeProgress[];
  ignored: Ignored[];
  feedbackUsed: FeedbackUse[];
}

/**
 * Counts one learner's attempts. Unknown activities are skipped silently (the connector reads
 * the whole gradebook); formative items only feed progress; summative attempts that are
 * invalid, after the due date or end date, or beyond the attempts allowed are reported as
 * ignored with a reason. Attempts are counted in chronological order, not by the LMS's
 * number, so gaps or 0/1-based mix-ups in LMS numbering cannot grant or take an attempt.
 */
export function countAttempts(input: CountingInput): Counting {
  const { rules } = input;
  const ignored: Ignored[] = [];
  const feedbackUsed: FeedbackUse[] = [];
  const summativeIndex = new Map(rules.summative.map((s, i) => [assessmentKeyString(s.ref), i]));
  const formativeIndex = new Map(rules.formative.map((f, i) => [assessmentKeyString(f), i]));
  const candidates: Array<Array<{ a: AttemptRecord; percent: number | null }>> = rules.summative.map(
    () => [],
  );
  const formative: FormativeProgress[] = rules.formative.map((ref) => ({
    ref,
    attempts: 0,
    bestPercent: null,
  }));

  for (const a of dedupeAttempts(input.attempts)) {
    const key = assessmentKeyString(a.assessment);
    const fi = formativeIndex.get(key);
    if (fi !== undefined) {
      const v = validateAttempt(a);
      const progress = formative[fi];
      if (v.ok && progress) {
        progress.attempts += 1;
        if (v.percent !== null) progress.bestPercent = Math.max(progress.bestPercent ?? 0, v.percent);
      }
      continue;
    }
    const si = summativeIndex.get(key);
    if (si === undefined) continue;
    const label = attemptLabel(a, rules);
    const v = validateAttempt(a);
    const at = Date.parse(a.submittedAt);
    if (!v.ok)
      ignored.push({
        kind: 'attempt',
        id: attemptId(a),
        reason: reason('ignored.invalid', { attempt: { reason: label }, why: { reason: v.reason } }),
      });
    else if (at > input.endMs)
      ignored.push({
        kind: 'attempt',
        id: attemptId(a),
        reason: reason('ignored.afterEnd', { attempt: { reason: label }, end: { instant: rules.endAt } }),
      });
    else if (at > input.dueMs)
      ignored.push({
        kind: 'attempt',
        id: attemptId(a),
        reason: reason('ignored.afterDue', {
          attempt: { reason: label },
          due: { instant: new Date(input.dueMs).toISOString() },
        }),
      });
    else candidates[si]?.push({ a, percent: v.percent });
  }

  const items = rules.summative.map((item, si): ItemStanding => {
    const key = assessmentKeyString(item.ref);
    const extra = input.extras
      .filter((o) => o.assessment === undefined || assessmentKeyString(o.assessment) === key)
      .reduce((n, o) => n + o.count, 0);
    const allowed = rules.attempts + extra;
    const all = (candidates[si] ?? []).sort((x, y) => compareChronologically(x.a, y.a));
    for (const beyond of all.slice(allowed))
      ignored.push({
        kind: 'attempt',
        id: attemptId(beyond.a),
        reason: reason('ignored.beyondAllowed', {
          attempt: { reason: attemptLabel(beyond.a, rules) },
          allowed,
        }),
      });
    const attempts: AttemptSummary[] = all.slice(0, allowed).map(({ a, percent }, i) => ({
      id: attemptId(a),
      assessment: a.assessment,
      attemptNumber: a.attemptNumber,
      rank: i + 1,
      percent,
      submittedAt: a.submittedAt,
      source: a.source,
      sourceId: a.sourceId,
      passed: percent === null ? null : meetsThreshold(percent, rules.passThreshold),
      feedbackMissingBefore: false,
    }));

    // Feedback: which failures got it, and which attempts were made without it.
    attempts.forEach((a, i) => {
      if (a.passed !== false) return;
      const f = feedbackFor(a, input.feedback);
      if (f) {
        feedbackUsed.push({
          assessment: a.assessment,
          attemptNumber: a.attemptNumber,
          origin: f.origin,
          givenAt: f.givenAt,
          ...(f.sourceId !== undefined && { sourceId: f.sourceId }),
        });
      }
      const next = attempts[i + 1];
      // Decision: an attempt made while feedback on the previous failure was still owed
      // COUNTS, and the standing records the gap. The attempt really happened in the LMS and
      // its score is real evidence; not counting it would punish the learner for the
      // instructor's delay and hand out attempts beyond the entitlement. The recorded gap
      // keeps the quality data honest (rule 12) and shows the instructor what was missed.
      if (rules.feedbackRequired && next && (!f || Date.parse(f.givenAt) > Date.parse(next.submittedAt)))
        next.feedbackMissingBefore = true;
    });

    const graded = attempts.filter((a) => a.percent !== null);
    const passedBy = attempts.find((a) => a.passed === true) ?? null;
    const bestPercent = graded.length ? Math.max(...graded.map((a) => a.percent ?? 0)) : null;
    const latest = attempts[attempts.length - 1];
    let state: ItemState;
    if (passedBy) state = 'passed';
    else if (!latest) state = 'not_started';
    else if (attempts.some((a) => a.percent === null)) state = 'awaiting_grade';
    else state = attempts.length >= allowed ? 'exhausted' : 'failed';
    const feedbackOwed =
      state === 'failed' &&
      rules.feedbackRequired &&
      latest !== undefined &&
      !feedbackFor(latest, input.feedback);
    return {
      ref: item.ref,
      ...(item.weight !== undefined && { weight: item.weight }),
      state,
      attemptsAllowed: allowed,
      attemptsUsed: attempts.length,
      attemptsLeft: Math.max(0, allowed - attempts.length),
      attempts,
      bestPercent,
      passedBy,
      feedbackOwed,
    };
  });
  return { items, formative, ignored, feedbackUsed };
}
