import { describe, expect, test } from '@jest/globals';
import { keysOf, langFromAcceptLanguage, namespaces, pickLang, translator } from '../src/i18n/index.js';

describe('i18n', () => {
  test('every namespace has the same keys in French and English', () => {
    for (const ns of namespaces()) {
      expect({ ns, keys: keysOf('fr', ns).sort() }).toEqual({ ns, keys: keysOf('en', ns).sort() });
    }
  });
  test('picks the language from LTI locales and Accept-Language', () => {
    expect(pickLang('fr-CA')).toBe('fr');
    expect(pickLang('fr_CA')).toBe('fr');
    expect(pickLang(undefined, 'en-US')).toBe('en');
    expect(pickLang('de')).toBe('en');
    expect(langFromAcceptLanguage('de-DE,fr;q=0.8,en;q=0.5')).toBe('fr');
    expect(langFromAcceptLanguage('es')).toBeUndefined();
    expect(translator('fr')('error.title')).toBe('Un problème est survenu');
    expect(translator('en')('error.title')).toBe('Something went wrong');
  });
});
