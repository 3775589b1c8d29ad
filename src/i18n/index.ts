/**
 * French and English for every string a person reads. Resources are JSON files per
 * namespace under `src/i18n/locales/<lang>/<namespace>.json`, loaded at start. The launch's
 * locale (or an explicit switch) picks the language; anything not French is English.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type TFunction } from 'i18next';

export const LANGUAGES = ['fr', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];
export type Translate = TFunction;

const LOCALES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'locales');

function loadResources(): Record<string, Record<string, Record<string, unknown>>> {
  const resources: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const lang of LANGUAGES) {
    resources[lang] = {};
    for (const file of readdirSync(path.join(LOCALES_DIR, lang))) {
      if (!file.endsWith('.json')) continue;
      resources[lang][file.slice(0, -5)] = JSON.parse(
        readFileSync(path.join(LOCALES_DIR, lang, file), 'utf8'),
      );
    }
  }
  return resources;
}

const instance = i18next.createInstance();
const resources = loadResources();
await instance.init({
  resources,
  lng: 'en',
  fallbackLng: 'en',
  ns: Object.keys(resources.en ?? {}),
  defaultNS: 'common',
  interpolation: { escapeValue: false }, // templates escape; messages are data, not HTML
  returnNull: false,
});

/** Maps an LTI/BCP 47 locale (`fr`, `fr-CA`, `fr_CA`, `en-US`) to a supported language. */
export function pickLang(...candidates: Array<string | undefined | null>): Lang {
  for (const c of candidates) {
    if (!c) continue;
    const primary = c
      .trim()
      .toLowerCase()
      .split(/[-_,;]/)[0];
    if (primary === 'fr') return 'fr';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

/**
 * An administrator's language from the process environment (the CLI, `npm start`): `JALON_LANG`, else the POSIX locale variables in
 * their order of precedence (`LC_ALL`, `LC_MESSAGES`, `LANG`). The first one set decides;
 * `fr_CA.UTF-8`, `fr` or `fr-CA` is French, anything else (`C`, `en_US.UTF-8`, `de`) English.
 */
export function langFromEnv(env: Record<string, string | undefined> = process.env): Lang {
  const value = [env.JALON_LANG, env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v && v.trim() !== '');
  // language[_territory][.codeset][@modifier]: only the language and territory count.
  return pickLang(value?.split(/[.@]/)[0]);
}

/** Picks a language from an Accept-Language header (first supported one wins). */
export function langFromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { tag: tag ?? '', q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'fr' || primary === 'en') return primary;
  }
  return undefined;
}

/** A translate function bound to one language. */
export function translator(lang: Lang): Translate {
  return instance.getFixedT(lang);
}

/** Every key of a namespace in a language (for the completeness test). */
export function keysOf(lang: Lang, ns: string): string[] {
  const out: string[] = [];
  const walk = (obj: unknown, prefix: string) => {
    if (obj && typeof obj === 'object') {
      for (const [k, v] of Object.entries(obj)) walk(v, prefix ? `${prefix}.${k}` : k);
    } else out.push(prefix);
  };
  walk(resources[lang]?.[ns], '');
  return out;
}

/** The loaded namespaces. */
export function namespaces(): string[] {
  return Object.keys(resources.en ?? {});
}
