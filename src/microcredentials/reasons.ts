/**
 * Reasons are data, not text: an i18n key of the `policy` namespace and its parameters. The
 * policy returns them (so a standing can be stored, compared and tested), and they are
 * rendered in French or English only when a person reads them. Rendering takes the
 * translate function as an argument so this module stays free of I/O.
 */
import type { Lang, Translate } from '../i18n/index.js';

/** A parameter of a reason: plain text or number, or something formatted per language. */
export type ReasonParam =
  string | number | { percent: number } | { instant: string } | { list: ReasonParam[] } | { reason: Reason };

/** A reason: an i18n key (`policy:…`) and its parameters. */
export interface Reason {
  key: string;
  params: Record<string, ReasonParam>;
}

/** Builds a reason in the `policy` namespace: `reason('reason.notStarted')`. */
export function reason(key: string, params: Record<string, ReasonParam> = {}): Reason {
  return { key: `policy:${key}`, params };
}

/** Options for rendering. */
export interface RenderOptions {
  /** Time zone dates are shown in; default `America/Toronto` (the institutions served are in Ontario and Québec). */
  timeZone?: string;
}

const DEFAULT_TIME_ZONE = 'America/Toronto';

function locale(lang: Lang): string {
  return lang === 'fr' ? 'fr-CA' : 'en-CA';
}

/** A percentage as a reader expects it: « 79,99 % » in French, "79.99%" in English. */
export function formatPercent(value: number, lang: Lang): string {
  const n = new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 2 }).format(value);
  // French puts a non-breaking space before the percent sign.
  return lang === 'fr' ? `${n}\u00a0%` : `${n}%`;
}

/** An instant as a date and time in the reader's language. */
export function formatInstant(iso: string, lang: Lang, options: RenderOptions = {}): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(lang), {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: options.timeZone ?? DEFAULT_TIME_ZONE,
  }).format(d);
}

function renderParam(p: ReasonParam, lang: Lang, t: Translate, options: RenderOptions): string {
  if (typeof p === 'string') return p;
  if (typeof p === 'number') return new Intl.NumberFormat(locale(lang)).format(p);
  if ('percent' in p) return formatPercent(p.percent, lang);
  if ('instant' in p) return formatInstant(p.instant, lang, options);
  if ('list' in p)
    return p.list.map((x) => renderParam(x, lang, t, options)).join(lang === 'fr' ? ' ; ' : '; ');
  return renderReason(p.reason, lang, t, options);
}

/** Renders a reason in one language with a translate function bound to that language. */
export function renderReason(r: Reason, lang: Lang, t: Translate, options: RenderOptions = {}): string {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(r.params)) params[name] = renderParam(value, lang, t, options);
  // A parameter may end with a period ("11:59 p.m.") right where the sentence ends.
  return t(r.key, params).replace(/(\p{L})\.\.(?!\.)/gu, '$1.');
}

/** Renders a reason in both languages; pass `translator` from `src/i18n/index.ts`. */
export function renderReasonBilingual(
  r: Reason,
  translatorFor: (lang: Lang) => Translate,
  options: RenderOptions = {},
): { fr: string; en: string } {
  return {
    fr: renderReason(r, 'fr', translatorFor('fr'), options),
    en: renderReason(r, 'en', translatorFor('en'), options),
  };
}
