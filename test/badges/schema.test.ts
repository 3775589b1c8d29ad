import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { validateOpenBadgeCredential } from '../../src/badges/schema.js';

describe('1EdTech OB 3.0 schema copy', () => {
  test('is byte for byte the copy documented in shared/standards/ob3 (never reformat it)', () => {
    const bytes = readFileSync(
      new URL('../../src/badges/schema/ob_v3p0_achievementcredential_schema.json', import.meta.url),
    );
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      '5753fb3ecf7d024ed273dd364bd683f483eb47257e718e6618832cf89eb2083a',
    );
  });

  test('rejects what the schema forbids', () => {
    const minimal = {
      '@context': [
        'https://www.w3.org/ns/credentials/v2',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      ],
      id: 'urn:uuid:9b2a3c1e-1d2f-4a5b-8c6d-7e8f9a0b1c2d',
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: 'did:web:jalon.example.edu', type: ['Profile'] },
      validFrom: '2026-11-23T10:00:00Z',
      credentialSubject: {
        type: ['AchievementSubject'],
        achievement: {
          id: 'urn:uuid:1b2a3c1e-1d2f-4a5b-8c6d-7e8f9a0b1c2d',
          type: ['Achievement'],
          name: 'N',
          description: 'D',
          criteria: { narrative: 'C' },
        },
      },
    };
    expect(validateOpenBadgeCredential(minimal)).toEqual({ valid: true, errors: [] });
    const noType = { ...minimal, type: ['VerifiableCredential'] };
    expect(validateOpenBadgeCredential(noType).valid).toBe(false);
    const badIdentity = {
      ...minimal,
      credentialSubject: {
        ...minimal.credentialSubject,
        identifier: [
          { type: 'IdentityObject', hashed: true, identityHash: 'x', identityType: 'emailAddress', extra: 1 },
        ],
      },
    };
    const result = validateOpenBadgeCredential(badIdentity);
    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toContain('/credentialSubject/identifier/0');
    expect(validateOpenBadgeCredential(null).valid).toBe(false);
  });
});
