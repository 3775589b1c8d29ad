/**
 * Paging through LTI services (NRPS memberships, AGS line items and results): the next
 * page is the `rel="next"` target of the response's `Link` header.
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
