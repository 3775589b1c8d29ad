import { describe, expect, test } from '@jest/globals';
import { BAKE_ERROR_CODES } from '../../src/badges/bake.js';
import { CHECK_CODES, CHECK_IDS } from '../../src/badges/checks.js';
import { VERDICTS } from '../../src/badges/signing.js';
import {
  ASSESSMENT_TYPES,
  DELIVERY_MODES,
  IDENTITY_VERIFICATIONS,
  LEARNER_OUTCOMES,
  STACKABILITIES,
  SUPERVISIONS,
} from '../../src/badges/types.js';
import { translator } from '../../src/i18n/index.js';

describe('badge labels', () => {
  const groups: Array<[string, readonly string[]]> = [
    ['verdict', VERDICTS],
    ['check', CHECK_IDS],
    ['code', CHECK_CODES],
    ['bake', BAKE_ERROR_CODES],
    ['deliveryMode', DELIVERY_MODES],
    ['assessmentType', ASSESSMENT_TYPES],
    ['supervision', SUPERVISIONS],
    ['identityVerification', IDENTITY_VERIFICATIONS],
    ['learnerOutcome', LEARNER_OUTCOMES],
    ['stackability', STACKABILITIES],
  ];

  test.each(['fr', 'en'] as const)(
    'every verdict, check, code and enumerated value has a %s label',
    (lang) => {
      const t = translator(lang);
      for (const [group, values] of groups) {
        for (const value of values) {
          const key = `badges:${group}.${value}`;
          const label = t(key);
          expect({ key, missing: label === key || label === `${group}.${value}` }).toEqual({
            key,
            missing: false,
          });
        }
      }
    },
  );

  test('French and English labels differ where they should', () => {
    expect(translator('fr')('badges:verdict.revoked')).toMatch(/^Révoquée\u00a0:/);
    expect(translator('en')('badges:verdict.revoked')).toMatch(/^Revoked:/);
  });
});
