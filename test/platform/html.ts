/**
 * Auto-submitting HTML forms, as LMSs render them (login initiation, id_token form_post),
 * and a tolerant parser for forms in pages a tool returns (deep-linking responses).
 */

/** A parsed HTML form. */
export interface HtmlForm {
  action: string;
  method: 'GET' | 'POST';
  fields: Record<string, string>;
}

/** Escapes text for an HTML attribute or body. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An HTML page whose form submits itself on load. */
export function autoSubmitForm(form: HtmlForm, title = 'Redirecting'): string {
  const inputs = Object.entries(form.fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body onload="document.forms[0].submit()">
<form action="${escapeHtml(form.action)}" method="${form.method.toLowerCase()}" enctype="application/x-www-form-urlencoded">
${inputs}
<noscript><button type="submit">Continue</button></noscript>
</form>
</body></html>`;
}

/** A plain HTML page (errors, confirmations). */
export function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p></body></html>`;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes HTML character references. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  const inner = tag.replace(/^<\s*[a-zA-Z]+/, '').replace(/\/?>$/, '');
  for (const m of inner.matchAll(re)) {
    const name = m[1]!.toLowerCase();
    out[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

/**
 * The first form of a page with its inputs (hidden, text and textarea), or undefined.
 * Relative actions resolve against `baseUrl`.
 */
export function parseForm(html: string, baseUrl: string): HtmlForm | undefined {
  const open = /<form\b[^>]*>/i.exec(html);
  if (!open) return undefined;
  const end = html.indexOf('</form', open.index);
  const body = html.slice(open.index + open[0].length, end === -1 ? undefined : end);
  const attrs = attributes(open[0]);
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<input\b[^>]*>/gi)) {
    const a = attributes(m[0]);
    if (a.name && a.type !== 'submit' && a.type !== 'button') fields[a.name] = a.value ?? '';
  }
  for (const m of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
    const a = attributes(`<textarea${m[1]}>`);
    if (a.name) fields[a.name] = decodeEntities(m[2] ?? '');
  }
  const action = new URL(attrs.action || baseUrl, baseUrl).toString();
  return { action, method: (attrs.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET', fields };
}
