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
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { gradebookEndpoints } from '../db/schema/index.js';
import type { LtiEngine } from '../lti/engine.js';
import { nextLink } from '../lti/link-header.js';
import { AGS_SCOPE, AgsError } from './write.js';

/**
 * The AGS tag of the column an instructor grades as a summative item (Jalon's own column
 * in a definition). Not the award column (`JALON_COLUMN_TAG`), which Jalon writes.
 */
export const JALON_ASSESSMENT_TAG = 'jalon-assessment';

/** The AGS scope that lets a tool read its columns' results. */
export const AGS_RESULT_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly';

const LINE_ITEM_CONTAINER = 'application/vnd.ims.lis.v2.lineitemcontainer+json';
const RESULT_CONTAINER = 'application/vnd.ims.lis.v2.resultcontainer+json';
/** A course of 50,000 at 100 a page: a longer chain of pages is taken as a loop. */
const MAX_PAGES = 500;

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
  | { read: true; lineItemUrl: string; results: AgsResult[]; pages: number }
  | { read: false; why: 'no_endpoint' | 'no_result_scope' | 'no_column' };

/** What {@link readAssessmentResults} needs. */
export interface ResultsReadDeps {
  db: Db;
  engine: Pick<LtiEngine, 'platformToken'>;
}

/** `…/lineitems/7/lineitem?type_id=3` → `…/lineitems/7/lineitem/results?type_id=3`. */
export function resultsUrl(lineItemUrl: string): string {
  const u = new URL(lineItemUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/results`;
  return u.toString();
}

async function getJson(
  url: string,
  token: string,
  accept: string,
): Promise<{ body: unknown; next?: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept },
      signal: AbortSignal.timeout(15_000),
      redirect: 'error', // a redirect would carry the bearer token wherever it points
    });
  } catch (err) {
    throw new AgsError(`GET ${new URL(url).pathname}: ${String((err as Error)?.message ?? err)}`, 503);
  }
  const text = await res.text();
  if (!res.ok)
    throw new AgsError(`GET ${new URL(url).pathname}: HTTP ${res.status} ${text.slice(0, 120)}`, res.status);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AgsError(`GET ${new URL(url).pathname}: not JSON`, 502);
  }
  const next = nextLink(res.headers.get('link'));
  return { body, ...(next ? { next } : {}) };
}

/** Every page of a container, the token sent only to the first page's origin. */
async function readAll(
  first: string,
  token: string,
  accept: string,
): Promise<{ items: unknown[]; pages: number }> {
  const origin = new URL(first).origin;
  const seen = new Set<string>();
  const items: unknown[] = [];
  let url: string | undefined = first;
  let pages = 0;
  while (url) {
    if (pages >= MAX_PAGES || seen.has(url)) throw new AgsError(`paging loop after ${pages} pages`, 502);
    seen.add(url);
    const page = await getJson(url, token, accept);
    pages++;
    if (!Array.isArray(page.body)) throw new AgsError('container is not an array', 502);
    items.push(...(page.body as unknown[]));
    if (!page.next) break;
    const next: URL = new URL(page.next, url);
    if (next.origin !== origin) throw new AgsError(`next page on ${next.origin}`, 502);
    url = next.toString();
  }
  return { items, pages };
}

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
  const [ep] = await deps.db
    .select()
    .from(gradebookEndpoints)
    .where(eq(gradebookEndpoints.microcredentialId, microcredentialId));
  if (!ep) return { read: false, why: 'no_endpoint' };
  const scopes = ep.scopes.split(' ').filter(Boolean);
  if (!scopes.includes(AGS_RESULT_SCOPE)) return { read: false, why: 'no_result_scope' };
  const itemScope = scopes.includes(AGS_SCOPE.lineItemReadOnly)
    ? AGS_SCOPE.lineItemReadOnly
    : AGS_SCOPE.lineItem;
  let token: string;
  try {
    token = await deps.engine.platformToken(ep.platformId, [itemScope, AGS_RESULT_SCOPE]);
  } catch (err) {
    throw new AgsError(`token: ${String((err as Error)?.message ?? err)}`, 401);
  }
  const list = new URL(ep.lineItemsUrl);
  list.searchParams.set('tag', JALON_ASSESSMENT_TAG);
  const { items } = await readAll(list.toString(), token, LINE_ITEM_CONTAINER);
  const column = items.find(
    (i): i is { id: string } =>
      !!i &&
      typeof i === 'object' &&
      (i as { tag?: unknown }).tag === JALON_ASSESSMENT_TAG &&
      typeof (i as { id?: unknown }).id === 'string',
  );
  if (!column) return { read: false, why: 'no_column' };
  const first = new URL(resultsUrl(column.id));
  if (userIds?.length === 1) first.searchParams.set('user_id', userIds[0]!);
  const { items: raw, pages } = await readAll(first.toString(), token, RESULT_CONTAINER);
  const wanted = userIds ? new Set(userIds) : undefined;
  const results = raw
    .map(parseResult)
    .filter((r): r is AgsResult => r !== undefined && (!wanted || wanted.has(r.userId)));
  return { read: true, lineItemUrl: column.id, results, pages };
}
