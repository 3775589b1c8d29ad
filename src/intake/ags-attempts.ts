/**
 * From the cells of Jalon's own gradebook column to attempts and feedback. A gradebook
 * cell holds one grade, not a history, so which attempt a grade belongs to is decided
 * here, as a pure function of the cell and what Jalon already knows:
 *
 * - the first grade seen is attempt 1;
 * - the same grade seen again changes nothing;
 * - a different grade is a **new attempt** only when the latest one failed and the
 *   instructor has given feedback on it since (the policy's "feedback between attempts":
 *   without feedback a retry could not count anyway); otherwise it is a **correction** of
 *   the latest attempt (a typo fixed, a regrade), which keeps its number — when the
 *   gradebook reported that attempt. A cell that disagrees with an attempt another channel
 *   reported (a CSV import) is a **conflict**: left alone and logged, since the gradebook
 *   keeps no history that could say which is right.
 *
 * A gradebook comment is LMS feedback on the attempt the cell held when the comment first
 * appeared; an unchanged comment stays with that attempt, a changed one is new feedback.
 */
import { createHash } from 'node:crypto';
import type { AttemptRecord } from '../microcredentials/attempts.js';
import { scorePercent } from '../microcredentials/attempts.js';
import { feedbackFor } from '../microcredentials/counting.js';
import { assessmentKeyString, type AssessmentKey } from '../microcredentials/definition.js';
import type { FeedbackRecord } from '../microcredentials/facts.js';
import type { AgsResult } from '../gradebook/read.js';

/** The channel name on attempts read from Jalon's column through AGS. */
export const AGS_SOURCE = 'lti-ags';

/** What one cell is read against. */
export interface CellContext {
  /** Jalon's column as a summative item of the definition. */
  item: AssessmentKey;
  /** The definition's pass threshold, in percent (inclusive). */
  passThreshold: number;
  /** The learner's stored attempts and feedback (any item; filtered here). */
  attempts: readonly AttemptRecord[];
  feedback: readonly FeedbackRecord[];
  /** ISO instant of the read: the grade's time when the LMS gives none (Canvas). */
  now: string;
}

/** What a cell says: an attempt to record and feedback to keep, either maybe absent. */
export interface CellFacts {
  attempt?: AttemptRecord;
  feedback?: FeedbackRecord;
  /** How the grade was taken, for the log and the tests. */
  as: 'ungraded' | 'first' | 'unchanged' | 'retry' | 'correction' | 'conflict';
}

const EPSILON = 1e-9;

/** The feedback id of a comment: the cell and a digest of its words (never the words). */
export function commentSourceId(resultId: string, comment: string): string {
  return `ags:${resultId}:${createHash('sha256').update(comment).digest('hex').slice(0, 16)}`;
}

/** Decides what one gradebook cell means (see the module comment). */
export function cellFacts(result: AgsResult, ctx: CellContext): CellFacts {
  // Jalon's learner id is the LTI `sub`, which is what AGS calls `userId`.
  const learner = result.userId;
  const key = assessmentKeyString(ctx.item);
  const mine = ctx.attempts
    .filter((a) => a.learner === learner && assessmentKeyString(a.assessment) === key)
    .sort((a, b) => a.attemptNumber - b.attemptNumber);
  const last = mine[mine.length - 1];
  const at = result.timestamp ?? ctx.now;
  let attempt: AttemptRecord | undefined;
  let as: CellFacts['as'];
  // AGS's scores default to a maximum of 100 when the platform leaves it out.
  const max = result.max ?? 100;
  if (result.score === null) as = 'ungraded';
  else {
    const base = {
      learner,
      assessment: ctx.item,
      score: result.score,
      maxScore: max,
      gradedAt: at,
      source: AGS_SOURCE,
    };
    const percent = max > 0 ? scorePercent(result.score, max) : Number.NaN;
    const lastPercent =
      last && last.score !== null && last.maxScore ? scorePercent(last.score, last.maxScore) : undefined;
    if (!last) {
      as = 'first';
      attempt = { ...base, attemptNumber: 1, submittedAt: at, sourceId: `${result.id}#1` };
    } else if (lastPercent !== undefined && Math.abs(lastPercent - percent) < EPSILON) {
      as = 'unchanged';
    } else if (
      lastPercent !== undefined &&
      lastPercent < ctx.passThreshold &&
      feedbackFor(
        last,
        ctx.feedback.filter((f) => f.learner === learner),
      ) !== null &&
      Date.parse(at) > Date.parse(last.submittedAt)
    ) {
      as = 'retry';
      const n = last.attemptNumber + 1;
      attempt = { ...base, attemptNumber: n, submittedAt: at, sourceId: `${result.id}#${n}` };
    } else if (last.source !== AGS_SOURCE) {
      as = 'conflict';
    } else {
      as = 'correction';
      attempt = {
        ...base,
        attemptNumber: last.attemptNumber,
        submittedAt: last.submittedAt,
        sourceId: `${result.id}#${last.attemptNumber}`,
      };
    }
  }
  const facts: CellFacts = { as, ...(attempt ? { attempt } : {}) };
  if (result.comment) {
    const sourceId = commentSourceId(result.id, result.comment);
    const known = ctx.feedback.some((f) => f.origin === 'lms' && f.sourceId === sourceId);
    const about = attempt?.attemptNumber ?? last?.attemptNumber;
    if (!known && about !== undefined)
      facts.feedback = {
        learner,
        assessment: ctx.item,
        attemptNumber: about,
        givenAt: at,
        origin: 'lms',
        sourceId,
      };
  }
  return facts;
}
