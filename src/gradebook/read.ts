/**
 * Reads Jalon's own summative column back from the LMS gradebook through AGS: when a
 * definition's summative item is "Jalon's column", the instructor may grade it right in the
 * Moodle or Canvas gradebook, and those grades (and their comments) are results like any
 * other. AGS shows a tool only its own line items (`shared/reference/lms-channels.md`), which
 * is exactly this column; it is found by its tag, its results are read page by page.
 *
 * Moodle answers with `{id, userId, resultScore, resultMaximum, comment, scoreOf, timestamp}`
 * (rescaled to the item's maximum, only grades with a modification time); Canvas with the
 * same fields but no `timestamp`. A result without `resultScore` is an ungraded cell.
 */
import type { Db } from '../db/client.js';
import type { LtiEngine } from '../lti/engine.js';
import { AGS_MEDIA, AGS_SCOPE, agsToken, findColumnByTag, getAllPages, lineItemSubUrl } from './ags.js';
import { endpointOf } from './write.js';

/**
 * The AGS tag of the column an instructor grades as a summative item (Jalon's own column
 * in a definition). Not the award column (`JALON_COLUMN_TAG`), which Jalon writes.
 */
export const JALON_ASSESSMENT_TAG = 'jalon-assessment';

/** One gradebook cell of the column, as AGS gives it. */
export interface AgsResult {
  /** The result's own URL (per learner and column on both LMSs). */
  id: string;
  /** The learner's LTI `sub`. */
  userId: string;
  /** Null for a cell that holds no grade. */
  score: number | null;
  max: number | null;
  /** The instructor's comment in the gradebook, trimmed; absent when empty. */
  comment?: string;
  /** When the grade was last changed (Moodle only). */
  timestamp?: string;
}

/** What a read found. */
export type ResultsRead =
  | { read: true; results: AgsResult[] }
  | { read: false; why: 'no_endpoint' | 'no_result_scope' | 'no_column' };

/** What {@link readAssessmentResults} needs. */
export interface ResultsReadDeps {
  db: Db;
  engine: Pick<LtiEngine, 'platformToken'>;
}

/** Results asked per page of a whole-column read. */
const RESULTS_PAGE = 100;

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A result as Jalon keeps it, or undefined when the entry is not one (no id or user). */
export function parseResult(raw: unknown): AgsResult | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const id = typeof r.id === 'string' ? r.id.trim() : '';
  const userId = typeof r.userId === 'string' || typeof r.userId === 'number' ? String(r.userId).trim() : '';
  if (!id || !userId || id.length > 2000 || userId.length > 200) return undefined;
  const comment = typeof r.comment === 'string' ? r.comment.trim() : '';
  const timestamp =
    typeof r.timestamp === 'string' && !Number.isNaN(Date.parse(r.timestamp))
      ? new Date(r.timestamp).toISOString()
      : undefined;
  return {
    id,
    userId,
    score: finite(r.resultScore),
    max: finite(r.resultMaximum),
    ...(comment ? { comment } : {}),
    ...(timestamp ? { timestamp } : {}),
  };
}

/**
 * Reads the results of the course's assessment column (all learners, or `userIds` only:
 * one learner is asked for with `user_id`, which both LMSs honour; the answer is filtered
 * regardless). Nothing is read when the course's launches offered no AGS, no
 * `result.readonly` scope, or the column does not exist. Throws {@link AgsError}.
 */
export async function readAssessmentResults(
  deps: ResultsReadDeps,
  microcredentialId: string,
  userIds?: readonly string[],
): Promise<ResultsRead> {
  if (userIds?.length === 0) return { read: true, results: [] };
  const found = await endpointOf(deps.db, microcredentialId);
  if (!found) return { read: false, why: 'no_endpoint' };
  const { ep, scopes } = found;
  if (!scopes.includes(AGS_SCOPE.resultReadOnly)) return { read: false, why: 'no_result_scope' };
  const itemScope = scopes.includes(AGS_SCOPE.lineItemReadOnly)
    ? AGS_SCOPE.lineItemReadOnly
    : AGS_SCOPE.lineItem;
  const token = await agsToken(deps.engine, ep.platformId, [itemScope, AGS_SCOPE.resultReadOnly]);
  const column = await findColumnByTag(ep.lineItemsUrl, token, JALON_ASSESSMENT_TAG);
  if (!column) return { read: false, why: 'no_column' };
  const first = new URL(lineItemSubUrl(column, 'results'));
  if (userIds?.length === 1) first.searchParams.set('user_id', userIds[0]!);
  // AGS's own page-size parameter, which both LMSs honour: their default pages are smaller.
  else first.searchParams.set('limit', String(RESULTS_PAGE));
  const raw = await getAllPages(first.toString(), token, AGS_MEDIA.resultContainer);
  const wanted = userIds ? new Set(userIds) : undefined;
  // One cell per learner: an LMS listing a learner twice gives the most recently changed.
  const byUser = new Map<string, AgsResult>();
  for (const r of raw.map(parseResult)) {
    if (!r || (wanted && !wanted.has(r.userId))) continue;
    const seen = byUser.get(r.userId);
    if (!seen || (r.timestamp ?? '') >= (seen.timestamp ?? '')) byUser.set(r.userId, r);
  }
  return { read: true, results: [...byUser.values()] };
}
