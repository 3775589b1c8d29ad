import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { keysOf, translator } from '../../src/i18n/index.js';
import { STANDING_STATUSES } from '../../src/microcredentials/policy.js';
import {
  formatPercent,
  reason,
  renderReason,
  renderReasonBilingual,
} from '../../src/microcredentials/reasons.js';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/microcredentials');

describe('reasons', () => {
  test('percentages follow each language’s typography', () => {
    expect(formatPercent(76, 'fr')).toBe('76\u00a0%');
    expect(formatPercent(79.99, 'fr')).toBe('79,99\u00a0%');
    expect(formatPercent(79.99, 'en')).toBe('79.99%');
    expect(formatPercent(100 / 3, 'en')).toBe('33.33%');
  });

  test('the example from the issue renders word for word in both languages', () => {
    const r = reason('reason.below', {
      attempt: { reason: reason('attempt.single', { n: 2 }) },
      score: { percent: 76 },
      threshold: { percent: 80 },
    });
    expect(renderReasonBilingual(r, translator)).toEqual({
      fr: 'Tentative 2\u00a0: 76\u00a0% — sous le seuil de 80\u00a0%',
      en: 'Attempt 2: 76% — below the 80% threshold',
    });
  });

  test('dates render in the institution’s time zone, and a sentence never ends with two periods', () => {
    const r = reason('next.start', { due: { instant: '2025-04-30T23:59:59-04:00' } });
    expect(renderReason(r, 'en', translator('en'))).toBe(
      'Take the summative assessment before April 30, 2025 at 11:59 p.m.',
    );
    expect(renderReason(r, 'fr', translator('fr'))).toContain('30 avril 2025');
    expect(renderReason(r, 'en', translator('en'), { timeZone: 'America/Vancouver' })).toContain('8:59 p.m.');
  });

  test('every policy key used in the code exists in French and English', () => {
    const used = new Set<string>();
    for (const file of readdirSync(SRC).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(path.join(SRC, file), 'utf8');
      for (const m of text.matchAll(/reason\('([a-zA-Z_.]+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/fail\('([a-zA-Z_]+)'/g)) used.add(`invalid.${m[1]!}`);
    }
    for (const s of STANDING_STATUSES) used.add(`status.${s}`);
    used.add('origin.jalon');
    used.add('origin.lms');
    expect(used.size).toBeGreaterThan(50);
    const en = new Set(keysOf('en', 'policy'));
    const fr = new Set(keysOf('fr', 'policy'));
    const missing = [...used].filter((k) => !en.has(k) || !fr.has(k));
    expect(missing).toEqual([]);
  });
});
