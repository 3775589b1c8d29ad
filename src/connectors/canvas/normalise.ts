/**
 * Canvas REST JSON → Jalon's records, as pure functions that trust nothing: each field is
 * checked, and what does not fit is left out rather than guessed. One attempt record per
 * `submission_history` version (Canvas attempts are 1-based); a resubmitted attempt still
 * showing the previous grade (`grade_matches_current_submission: false`) is ungraded; teacher
 * comments (authored by anyone but the student) become feedback.
 */
import type { AttemptRecord } from '../../microcredentials/attempts.js';
import type { AssessmentKey } from '../../microcredentials/definition.js';
import type { CompletionRecord, FeedbackRecord } from '../../microcredentials/facts.js';
import type { LmsActivity } from '../types.js';

/** The channel name in attempt records. */
export const CANVAS_SOURCE = 'canvas-api';

type Json = Record<string, unknown>;

/** The value as an object, or undefined. */
export function obj(x: unknown): Json | undefined {
  return x && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : undefined;
}
const str = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x : undefined);
const finite = (x: unknown): number | undefined =>
  typeof x === 'number' && Number.isFinite(x) ? x : undefined;
const instant = (x: unknown): string | undefined => {
  const s = str(x);
  return s && !Number.isNaN(Date.parse(s)) ? s : undefined;
};
/** Canvas ids are numbers (or strings with `application/json+canvas-string-ids`). */
export function idOf(x: unknown): string | undefined {
  if (typeof x === 'number' && Number.isInteger(x)) return String(x);
  return typeof x === 'string' && /^\d+$/.test(x) ? x : undefined;
}

function attemptsAllowed(x: unknown): number | null | undefined {
  const n = finite(x);
  if (n === undefined) return undefined;
  return n < 0 ? null : n;
}

/** An assignment as an activity; classic-quiz assignments are left to {@link quizActivity}. */
export function assignmentActivity(json: unknown): LmsActivity | undefined {
  const a = obj(json);
  const id = idOf(a?.id);
  if (!a || !id || (a.quiz_id !== undefined && a.quiz_id !== null)) return undefined;
  if (a.is_quiz_assignment === true) return undefined;
  const allowed = attemptsAllowed(a.allowed_attempts);
  const points = finite(a.points_possible);
  return {
    ref: { source: 'canvas-assignment', lmsId: id, label: str(a.name) ?? id },
    // New Quizzes are LTI assignments: read like assignments, shown as quizzes.
    kind: a.is_quiz_lti_assignment === true ? 'quiz' : 'assignment',
    ...(points !== undefined ? { maxScore: points } : {}),
    ...(instant(a.due_at) ? { dueAt: instant(a.due_at)! } : {}),
    ...(allowed !== undefined ? { attemptsAllowed: allowed } : {}),
    ...(str(a.html_url) ? { url: str(a.html_url)! } : {}),
  };
}

/** A graded classic quiz as an activity (practice quizzes and surveys count for nothing). */
export function quizActivity(json: unknown): LmsActivity | undefined {
  const q = obj(json);
  const id = idOf(q?.id);
  if (!q || !id || idOf(q.assignment_id) === undefined) return undefined;
  if (q.quiz_type !== 'assignment' && q.quiz_type !== 'graded_survey') return undefined;
  const allowed = attemptsAllowed(q.allowed_attempts);
  const points = finite(q.points_possible);
  return {
    ref: { source: 'canvas-quiz', lmsId: id, label: str(q.title) ?? id },
    kind: 'quiz',
    ...(points !== undefined ? { maxScore: points } : {}),
    ...(instant(q.due_at) ? { dueAt: instant(q.due_at)! } : {}),
    ...(allowed !== undefined ? { attemptsAllowed: allowed } : {}),
    ...(str(q.html_url) ? { url: str(q.html_url)! } : {}),
  };
}

/** What a submission is read against. */
export interface SubmissionContext {
  learner: string;
  assessment: AssessmentKey;
  /** The assignment's `points_possible`; null when it has none. */
  maxScore: number | null;
}

function attemptFrom(version: Json, submissionId: string, ctx: SubmissionContext): AttemptRecord | undefined {
  const number = finite(version.attempt);
  const submittedAt = instant(version.submitted_at);
  if (number === undefined || !Number.isInteger(number) || number < 1 || !submittedAt) return undefined;
  const score = finite(version.score);
  const graded =
    version.workflow_state === 'graded' &&
    version.grade_matches_current_submission !== false &&
    version.excused !== true &&
    score !== undefined;
  return {
    learner: ctx.learner,
    assessment: ctx.assessment,
    attemptNumber: number,
    score: graded ? score! : null,
    maxScore: ctx.maxScore,
    submittedAt,
    gradedAt: graded ? (instant(version.graded_at) ?? null) : null,
    source: CANVAS_SOURCE,
    sourceId: `${submissionId}:${number}`,
  };
}

/** A grade given with nothing submitted (on paper, "no submission"): the grade is attempt 1. */
function gradeOnly(s: Json, submissionId: string, ctx: SubmissionContext): AttemptRecord | undefined {
  const score = finite(s.score);
  const gradedAt = instant(s.graded_at);
  if (s.workflow_state !== 'graded' || s.excused === true || score === undefined || !gradedAt)
    return undefined;
  return {
    learner: ctx.learner,
    assessment: ctx.assessment,
    attemptNumber: 1,
    score,
    maxScore: ctx.maxScore,
    submittedAt: gradedAt,
    gradedAt,
    source: CANVAS_SOURCE,
    sourceId: `${submissionId}:graded`,
  };
}

/** Every attempt of a submission (one per `submission_history` version, the latest version of an attempt wins). */
export function attemptsFromSubmission(json: unknown, ctx: SubmissionContext): AttemptRecord[] {
  const s = obj(json);
  const submissionId = idOf(s?.id);
  if (!s || !submissionId) return [];
  const versions = Array.isArray(s.submission_history) ? s.submission_history : [s];
  const byAttempt = new Map<number, AttemptRecord>();
  for (const v of versions) {
    const version = obj(v);
    const record = version ? attemptFrom(version, submissionId, ctx) : undefined;
    if (record) byAttempt.set(record.attemptNumber, record);
  }
  if (byAttempt.size === 0) {
    const only = gradeOnly(s, submissionId, ctx);
    return only ? [only] : [];
  }
  return [...byAttempt.values()].sort((a, b) => a.attemptNumber - b.attemptNumber);
}

/** Teacher comments on a submission as feedback (the student's own comments are not feedback). */
export function feedbackFromSubmission(
  json: unknown,
  ctx: Omit<SubmissionContext, 'maxScore'>,
): FeedbackRecord[] {
  const s = obj(json);
  const student = idOf(s?.user_id);
  if (!s || !student || !Array.isArray(s.submission_comments)) return [];
  const out: FeedbackRecord[] = [];
  for (const c of s.submission_comments) {
    const comment = obj(c);
    const author = idOf(comment?.author_id);
    const givenAt = instant(comment?.created_at);
    if (!comment || !author || author === student || !givenAt) continue;
    const attempt = finite(comment.attempt);
    out.push({
      learner: ctx.learner,
      assessment: ctx.assessment,
      ...(attempt !== undefined && Number.isInteger(attempt) && attempt >= 1
        ? { attemptNumber: attempt }
        : {}),
      givenAt,
      origin: 'lms',
      ...(idOf(comment.id) ? { sourceId: `comment:${idOf(comment.id)}` } : {}),
    });
  }
  return out;
}

/** Course completion from `users/:id/progress` (Canvas answers `{ error }` when there is none). */
export function courseCompletion(json: unknown, learner: string): CompletionRecord | undefined {
  const p = obj(json);
  if (!p || p.error !== undefined) return undefined;
  const completedAt = instant(p.completed_at);
  return completedAt ? { learner, scope: { kind: 'course' }, completedAt } : undefined;
}

/** Module items whose completion requirement the student met (`modules?include[]=items&student_id=`). */
export function itemCompletions(json: unknown, learner: string): CompletionRecord[] {
  if (!Array.isArray(json)) return [];
  const out: CompletionRecord[] = [];
  for (const m of json) {
    const module = obj(m);
    if (!module || !Array.isArray(module.items)) continue;
    const moduleDone = module.state === 'completed' ? (instant(module.completed_at) ?? null) : null;
    for (const i of module.items) {
      const item = obj(i);
      const id = idOf(item?.id);
      if (!item || !id || obj(item.completion_requirement)?.completed !== true) continue;
      // Canvas dates a module's completion, not each item's.
      out.push({ learner, scope: { kind: 'activity', lmsId: id }, completedAt: moduleDone });
    }
  }
  return out;
}
