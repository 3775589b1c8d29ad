/**
 * The normalised attempt record the policy reads, its validation and its deduplication.
 * Connectors produce these records from whatever an LMS says (Moodle assignment attempts are
 * 0-based, quiz and Canvas attempts 1-based: the record is always 1-based). The policy never
 * trusts a score it has not validated, and the same attempt reported twice counts once.
 */
import { assessmentKeyString, type AssessmentKey } from './definition.js';
import { reason, type Reason } from './reasons.js';
import { canonicalJson } from './canonical.js';

/** One attempt at an assessment, as a connector (or Jalon's console) reports it. */
export interface AttemptRecord {
  /** The learner's stable id in Jalon. */
  learner: string;
  assessment: AssessmentKey;
  /** The LMS's attempt number, normalised to start at 1; shown to people, not used to count. */
  attemptNumber: number;
  /** Raw score; `null` while the attempt is submitted but not graded yet. */
  score: number | null;
  /** Maximum score; required when `score` is given. */
  maxScore: number | null;
  /** ISO 8601 instant the attempt was submitted. */
  submittedAt: string;
  /** ISO 8601 instant it was graded, when known. */
  gradedAt?: string | null;
  /** The channel that reported it, e.g. `moodle-ws`, `canvas-api`, `jalon`, `csv`. */
  source: string;
  /**
   * The source's own id of this attempt (Moodle quiz attempt id; for Canvas, where one
   * submission holds every attempt, `<submission id>:<attempt>`).
   */
  sourceId: string;
}

/** Result of {@link validateAttempt}: the percentage (`null` while ungraded) or why it is rejected. */
export type AttemptValidation = { ok: true; percent: number | null } | { ok: false; reason: Reason };

/** Stable id of a record for reports: `<source>:<sourceId>`. */
export function attemptId(a: Pick<AttemptRecord, 'source' | 'sourceId'>): string {
  return `${a.source}:${a.sourceId}`;
}

/** Score as a percentage of the maximum. Multiplying first keeps 56/70 at exactly 80. */
export function scorePercent(score: number, maxScore: number): number {
  return (score * 100) / maxScore;
}

function isInstant(s: unknown): s is string {
  return typeof s === 'string' && s.trim() !== '' && !Number.isNaN(Date.parse(s));
}

/**
 * Checks an attempt record before the policy uses it. Out-of-range scores (negative, above
 * the maximum, maximum not above 0) are rejected with a reason, never clamped.
 */
export function validateAttempt(a: AttemptRecord): AttemptValidation {
  const fail = (key: string, params: Record<string, string | number> = {}): AttemptValidation => ({
    ok: false,
    reason: reason(`invalid.${key}`, params),
  });
  if (typeof a.learner !== 'string' || a.learner.trim() === '') return fail('learner');
  if (typeof a.sourceId !== 'string' || a.sourceId.trim() === '') return fail('sourceId');
  if (!Number.isInteger(a.attemptNumber) || a.attemptNumber < 1)
    return fail('attemptNumber', { n: String(a.attemptNumber) });
  if (!isInstant(a.submittedAt)) return fail('submittedAt');
  if (a.gradedAt !== undefined && a.gradedAt !== null && !isInstant(a.gradedAt)) return fail('gradedAt');
  if (a.score === null) return { ok: true, percent: null };
  if (typeof a.score !== 'number' || !Number.isFinite(a.score)) return fail('scoreNotNumber');
  if (a.maxScore === null) return fail('scoreWithoutMax');
  if (typeof a.maxScore !== 'number' || !Number.isFinite(a.maxScore) || a.maxScore <= 0)
    return fail('maxNotPositive', { max: String(a.maxScore) });
  if (a.score < 0) return fail('scoreNegative', { score: a.score });
  if (a.score > a.maxScore) return fail('scoreAboveMax', { score: a.score, max: a.maxScore });
  return { ok: true, percent: scorePercent(a.score, a.maxScore) };
}

const time = (s: string | null | undefined): number => {
  const v = s ? Date.parse(s) : Number.NaN;
  return Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v;
};

/**
 * Which of two reports of the same attempt to keep: a valid one, then a graded one, then the
 * latest grading (a regrade is newer truth), then a content order so the choice never
 * depends on the order records arrived in. Positive when `a` is preferred.
 */
function prefer(a: AttemptRecord, b: AttemptRecord): number {
  const va = validateAttempt(a).ok ? 1 : 0;
  const vb = validateAttempt(b).ok ? 1 : 0;
  if (va !== vb) return va - vb;
  const ga = a.score !== null ? 1 : 0;
  const gb = b.score !== null ? 1 : 0;
  if (ga !== gb) return ga - gb;
  const ta = time(a.gradedAt);
  const tb = time(b.gradedAt);
  if (ta !== tb) return ta > tb ? 1 : -1;
  const ca = canonicalJson(a);
  const cb = canonicalJson(b);
  return ca === cb ? 0 : ca > cb ? 1 : -1;
}

/** The fields that order attempts in time. */
export type ChronologyKey = Pick<AttemptRecord, 'submittedAt' | 'attemptNumber' | 'source' | 'sourceId'>;

/**
 * Chronological order: submission time, then attempt number, then source id, so any two
 * distinct attempts have one fixed order whatever order they came in.
 */
export function compareChronologically(a: ChronologyKey, b: ChronologyKey): number {
  const ta = time(a.submittedAt);
  const tb = time(b.submittedAt);
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.attemptNumber !== b.attemptNumber) return a.attemptNumber - b.attemptNumber;
  const ia = attemptId(a);
  const ib = attemptId(b);
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/**
 * Removes duplicate reports of one attempt. Two records are the same attempt when they share
 * `source` + `sourceId`, or the learner, assessment and attempt number (the same attempt read
 * through two channels). Records linked through either relation form one group, of which one
 * record is kept (see `prefer`). The result is sorted chronologically and is the same for any
 * permutation of the input.
 */
export function dedupeAttempts(attempts: readonly AttemptRecord[]): AttemptRecord[] {
  const parent = attempts.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] ?? r;
    return r;
  };
  const union = (i: number, j: number) => {
    const a = find(i);
    const b = find(j);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  };
  const bySource = new Map<string, number>();
  const byNumber = new Map<string, number>();
  attempts.forEach((a, i) => {
    for (const [map, key] of [
      [bySource, attemptId(a)],
      [byNumber, `${a.learner}|${assessmentKeyString(a.assessment)}|${a.attemptNumber}`],
    ] as const) {
      const first = map.get(key);
      if (first === undefined) map.set(key, i);
      else union(first, i);
    }
  });
  const best = new Map<number, AttemptRecord>();
  attempts.forEach((a, i) => {
    const root = find(i);
    const kept = best.get(root);
    if (kept === undefined || prefer(a, kept) > 0) best.set(root, a);
  });
  return [...best.values()].sort(compareChronologically);
}
