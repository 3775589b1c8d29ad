/**
 * The AGS calls Jalon makes outside any launch, shared by the award write (`write.ts`) and
 * the read-back of the instructor's column (`read.ts`): scopes and media types, the URL of
 * a line item's `scores` and `results`, authorised GETs that follow `Link` pages on the
 * service's own origin, and finding one of Jalon's columns by its tag.
 */
import type { LtiEngine } from '../lti/engine.js';
import { followPages, nextLink } from '../lti/paging.js';

/** AGS scopes Jalon asks for. */
export const AGS_SCOPE = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadOnly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  resultReadOnly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
} as const;

/** AGS media types (Moodle refuses a GET of line items with any other Accept). */
export const AGS_MEDIA = {
  lineItemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  lineItem: 'application/vnd.ims.lis.v2.lineitem+json',
  score: 'application/vnd.ims.lis.v1.score+json',
  resultContainer: 'application/vnd.ims.lis.v2.resultcontainer+json',
} as const;

/** A course of 50,000 at 100 a page: a longer chain of pages is taken as a loop. */
const MAX_PAGES = 500;
const TIMEOUT_MS = 15_000;

/** Error for an AGS call that failed; `status` steers retries (429 and 5xx are retried). */
export class AgsError extends Error {
  override name = 'AgsError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * A platform access token for AGS scopes; a platform that refuses one is an {@link AgsError}
 * 401 (retried), whichever call asked, and its message never carries a token.
 */
export async function agsToken(
  engine: Pick<LtiEngine, 'platformToken'>,
  platformId: string,
  scopes: string[],
): Promise<string> {
  try {
    return await engine.platformToken(platformId, scopes);
  } catch (err) {
    throw new AgsError(`token: ${String((err as Error)?.message ?? err).slice(0, 200)}`, 401);
  }
}

/**
 * A line item's sub-resource, the path extended before the query string: line-item URLs
 * end in `?type_id=N` on Moodle.
 * @example lineItemSubUrl('…/lineitems/7/lineitem?type_id=3', 'scores') // '…/lineitems/7/lineitem/scores?type_id=3'
 */
export function lineItemSubUrl(lineItemUrl: string, sub: 'scores' | 'results'): string {
  const u = new URL(lineItemUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${sub}`;
  return u.toString();
}

/** An AGS request with the bearer token; a redirect is refused (it would carry the token away). */
export async function agsFetch(
  url: string,
  token: string,
  init: RequestInit & { accept?: string } = {},
): Promise<Response> {
  const { accept, headers, ...rest } = init;
  try {
    return await fetch(url, {
      ...rest,
      headers: {
        authorization: `Bearer ${token}`,
        ...(accept && { accept }),
        ...(headers as Record<string, string> | undefined),
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (err) {
    throw new AgsError(
      `${init.method ?? 'GET'} ${new URL(url).pathname}: ${String((err as Error)?.message ?? err)}`,
      503,
    );
  }
}

/** Every entry of a paged AGS container (line items, results); throws {@link AgsError}. */
export async function getAllPages(first: string, token: string, accept: string): Promise<unknown[]> {
  const items: unknown[] = [];
  await followPages(
    first,
    async (url) => {
      const path = new URL(url).pathname;
      const res = await agsFetch(url, token, { accept });
      const text = await res.text();
      if (!res.ok) throw new AgsError(`GET ${path}: HTTP ${res.status} ${text.slice(0, 120)}`, res.status);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new AgsError(`GET ${path}: not JSON`, 502);
      }
      if (!Array.isArray(body)) throw new AgsError(`GET ${path}: not an array`, 502);
      items.push(...(body as unknown[]));
      return nextLink(res.headers.get('link'));
    },
    { maxPages: MAX_PAGES, fault: (_kind, detail) => new AgsError(detail, 502) },
  );
  return items;
}

/** The URL (`id`) of the tool's line item with this tag in the course, every page searched. */
export async function findColumnByTag(
  lineItemsUrl: string,
  token: string,
  tag: string,
): Promise<string | undefined> {
  const list = new URL(lineItemsUrl);
  list.searchParams.set('tag', tag);
  const items = await getAllPages(list.toString(), token, AGS_MEDIA.lineItemContainer);
  for (const i of items) {
    const item = i as { id?: unknown; tag?: unknown } | null;
    // The filter is asked of the platform, not trusted to have been honoured.
    if (item && item.tag === tag && typeof item.id === 'string') return item.id;
  }
  return undefined;
}
