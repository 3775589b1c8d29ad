/**
 * Paging through LTI services (NRPS memberships, AGS line items and results): the next
 * page is the `rel="next"` target of the response's `Link` header, followed safely.
 */

/**
 * The `rel="next"` target of a `Link` header. Tolerant of what LMSs send: unquoted or curly
 * quoted `rel`, several relations in one `rel`, `&amp;` in the URL (Moodle's AGS header has
 * both; its NRPS header is well formed, but one fix serves both).
 * @param header the raw `Link` header, or null when the response has none
 * @returns the next page's URL as written (maybe relative), or undefined on the last page
 */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  // fetch hands raw UTF-8 bytes (Moodle's curly quotes) over as latin1: restore them, unless
  // the header already holds characters beyond latin1 (then it was decoded already).
  // eslint-disable-next-line no-control-regex
  const text = /[^\u0000-\u00ff]/.test(header) ? header : Buffer.from(header, 'latin1').toString('utf8');
  for (const part of text.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!m) continue;
    const rel = /rel\s*=\s*["“”']?([^"“”';]*)/i.exec(m[2]!)?.[1] ?? '';
    if (rel.trim().split(/\s+/).includes('next')) return m[1]!.replace(/&amp;/g, '&').trim();
  }
  return undefined;
}

/** Why {@link followPages} stopped: a loop (or too many pages), an unreadable or offsite link. */
export type PagingFault = 'loop' | 'bad_link' | 'offsite';

/**
 * Walks a paged LTI service from `first`, handing each page to `page` (which fetches it,
 * keeps its items and returns the raw `Link` target, if any). The bearer token goes with
 * every page, so a next page is followed only on the first page's origin; a chain longer
 * than `maxPages` or back to a page already read is a loop. `fault` builds the caller's own
 * error for each case (thrown, so nothing partial is returned).
 * @returns how many pages were read
 */
export async function followPages(
  first: string,
  page: (url: string) => Promise<string | undefined>,
  options: { maxPages: number; fault: (kind: PagingFault, detail: string) => Error },
): Promise<number> {
  const origin = new URL(first).origin;
  const seen = new Set<string>();
  let url: string | undefined = first;
  let pages = 0;
  while (url) {
    if (pages >= options.maxPages || seen.has(url))
      throw options.fault('loop', `paging loop after ${pages} pages`);
    seen.add(url);
    const next = await page(url);
    pages++;
    if (!next) break;
    let target: URL;
    try {
      target = new URL(next, url);
    } catch {
      throw options.fault('bad_link', 'unreadable next link');
    }
    if (target.origin !== origin) throw options.fault('offsite', `next page on ${target.origin}`);
    url = target.toString();
  }
  return pages;
}
