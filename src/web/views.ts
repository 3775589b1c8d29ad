/**
 * Server-rendered pages: nunjucks over `views/`, autoescaped. Every page gets the
 * translate function for its language, the CSP nonce for its inline script, and the
 * language switch link.
 */
import path from 'node:path';
import type { Request, Response } from 'express';
import nunjucks from 'nunjucks';
import { ROOT_DIR } from '../config/index.js';
import { pickLang, langFromAcceptLanguage, translator, type Lang } from '../i18n/index.js';

const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(ROOT_DIR, 'views')), {
  autoescape: true,
  throwOnUndefined: false,
  noCache: false,
});

/** Renders a template to a string (also used by e-mails and tests). */
export function renderTemplate(template: string, lang: Lang, ctx: Record<string, unknown> = {}): string {
  const t = translator(lang);
  return env.render(template, { ...ctx, t, lang, otherLang: lang === 'fr' ? 'en' : 'fr' });
}

/**
 * The language of a request: an explicit `?lang=` wins, then what a launch set
 * (`res.locals.lang`), then Accept-Language, then English.
 */
export function requestLang(req: Request, res: Response): Lang {
  const q = typeof req.query.lang === 'string' ? req.query.lang : undefined;
  if (q) return pickLang(q);
  if (res.locals.lang) return res.locals.lang as Lang;
  return langFromAcceptLanguage(req.get('accept-language')) ?? 'en';
}

/** The current URL with `lang` set to the other language, for the switch link. */
function switchUrl(req: Request, lang: Lang): string {
  const url = new URL(req.originalUrl, 'http://x');
  url.searchParams.set('lang', lang === 'fr' ? 'en' : 'fr');
  return url.pathname + url.search;
}

/** Renders a page with status (default 200) in the request's language. */
export function renderPage(
  req: Request,
  res: Response,
  template: string,
  ctx: Record<string, unknown> = {},
  status = 200,
): void {
  const lang = requestLang(req, res);
  const html = renderTemplate(template, lang, {
    ...ctx,
    nonce: res.locals.cspNonce,
    switchUrl: switchUrl(req, lang),
  });
  res.status(status).type('html').send(html);
}
