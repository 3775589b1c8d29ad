import { beforeAll, describe, expect, test } from '@jest/globals';
import { buildCredential } from '../../src/badges/credential.js';
import { createDocumentLoader } from '../../src/badges/document-loader.js';
import { generateIssuerKey } from '../../src/badges/keys.js';
import { validateOpenBadgeCredential } from '../../src/badges/schema.js';
import {
  signCredential,
  SigningError,
  verifyCredential,
  type VerificationResult,
} from '../../src/badges/signing.js';
import type { OpenBadgeCredential, Signed } from '../../src/badges/types.js';
import { fullInput, makeIssuer, type TestIssuer } from './helpers.js';

type Badge = Signed<OpenBadgeCredential>;

function check(result: VerificationResult, id: string): { outcome: string; code: string } {
  const found = result.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id} check`);
  return found;
}

let college: TestIssuer;
let badge: Badge;

beforeAll(async () => {
  college = await makeIssuer();
  badge = await signCredential(
    buildCredential(fullInput(college, 'fr', 3)),
    college.keys[0]!,
    college.loader,
  );
});

describe('signing', () => {
  test('writes one eddsa-rdfc-2022 proof, as an array, by the issuer key', () => {
    expect(Array.isArray(badge.proof)).toBe(true);
    expect(badge.proof).toHaveLength(1);
    expect(badge.proof[0]).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      proofPurpose: 'assertionMethod',
      verificationMethod: college.keys[0]!.id,
    });
    expect(badge.proof[0]?.proofValue).toMatch(/^z[1-9A-HJ-NP-Za-km-z]+$/);
  });

  test('the signed badge validates against the 1EdTech OB 3.0 schema', () => {
    expect(validateOpenBadgeCredential(badge)).toEqual({ valid: true, errors: [] });
    const singleProof = { ...badge, proof: badge.proof[0] };
    expect(validateOpenBadgeCredential(singleProof).valid).toBe(false);
  });

  test('verifies, with every check passed', async () => {
    const result = await verifyCredential(badge, college.loader);
    expect(result.valid).toBe(true);
    expect(result.verdict).toBe('valid');
    expect(result.checks.map((c) => [c.id, c.outcome])).toEqual([
      ['structure', 'passed'],
      ['signature', 'passed'],
      ['issuerKey', 'passed'],
      ['status', 'passed'],
      ['validFrom', 'passed'],
      ['expiry', 'passed'],
    ]);
    expect(result.credentialId).toBe(badge.id);
    expect(result.issuerId).toBe(college.did);
  });

  test('signs the English edition too', async () => {
    const en = await signCredential(
      buildCredential(fullInput(college, 'en', 4)),
      college.keys[0]!,
      college.loader,
    );
    expect((await verifyCredential(en, college.loader)).verdict).toBe('valid');
    expect(validateOpenBadgeCredential(en).valid).toBe(true);
  });

  test.each<[string, (vc: Badge) => void]>([
    ['the badge name', (vc) => (vc.credentialSubject.achievement.name += '!')],
    ['the score', (vc) => ((vc.credentialSubject.result[0] as { value: string }).value = '99')],
    ['the notional hours (a Jalon term)', (vc) => (vc.credentialSubject.achievement.notionalHours = 150)],
    ['the prior-learning flag', (vc) => (vc.credentialSubject.byPriorLearning = true)],
    ['the learner name', (vc) => (vc.credentialSubject.name = 'Mallory')],
    ['the expiry date', (vc) => (vc.validUntil = '2099-01-01T00:00:00Z')],
    [
      'one character of the proof value',
      (vc) => {
        const p = vc.proof[0]!;
        const last = p.proofValue.slice(-1);
        p.proofValue = p.proofValue.slice(0, -1) + (last === 'A' ? 'B' : 'A');
      },
    ],
  ])('a change to %s breaks the signature', async (_what, tamper) => {
    const forged = structuredClone(badge);
    tamper(forged);
    const result = await verifyCredential(forged, college.loader);
    expect(result.valid).toBe(false);
    expect(result.verdict).toBe('invalid');
    expect(check(result, 'signature')).toMatchObject({ outcome: 'failed', code: 'invalid-signature' });
  });

  test('a changed issuer fails both the signature and the issuer-key check', async () => {
    const other = await makeIssuer('issuers/other');
    const forged = structuredClone(badge);
    forged.issuer.id = other.did;
    // The forger's loader knows both issuers, so nothing fails for lack of a document.
    const loader = createDocumentLoader({ publicUrl: 'https://jalon.example.edu' });
    loader.registerDidDocument((await college.loader.load(college.did)).document as { id: string });
    loader.registerDidDocument((await other.loader.load(other.did)).document as { id: string });
    loader.register(college.listUrl, (await college.loader.load(college.listUrl)).document as object);
    const result = await verifyCredential(forged, loader);
    expect(result.verdict).toBe('invalid');
    expect(check(result, 'signature').outcome).toBe('failed');
    expect(check(result, 'issuerKey')).toMatchObject({ outcome: 'failed', code: 'key-not-issuer' });
  });

  test('a badge signed with a key missing from the DID document is invalid', async () => {
    const stray = generateIssuerKey(college.did);
    const vc = await signCredential(buildCredential(fullInput(college, 'fr', 5)), stray, college.loader);
    const result = await verifyCredential(vc, college.loader);
    expect(result.verdict).toBe('invalid');
    expect(check(result, 'issuerKey')).toMatchObject({ outcome: 'failed', code: 'unknown-key' });
  });

  test('refuses to sign with another issuer’s key, or twice', async () => {
    const other = await makeIssuer('issuers/third');
    await expect(
      signCredential(buildCredential(fullInput(college)), other.keys[0]!, college.loader),
    ).rejects.toThrow(SigningError);
    await expect(signCredential(badge as never, college.keys[0]!, college.loader)).rejects.toThrow(
      /already signed/,
    );
  });

  test('malformed input is reported, never thrown', async () => {
    for (const junk of [
      null,
      'text',
      [],
      {},
      { ...badge, '@context': ['https://www.w3.org/2018/credentials/v1'] },
    ]) {
      const result = await verifyCredential(junk, college.loader);
      expect(result.verdict).toBe('invalid');
      expect(check(result, 'structure')).toMatchObject({ outcome: 'failed', code: 'malformed' });
      expect(check(result, 'signature').outcome).toBe('skipped');
    }
    const unsigned = { ...badge, proof: undefined };
    expect((await verifyCredential(unsigned, college.loader)).verdict).toBe('invalid');
  });
});

describe('revocation, expiry and validity dates', () => {
  test('a revoked badge is reported revoked, never valid; clearing the bit reinstates it', async () => {
    const vc = await signCredential(
      buildCredential(fullInput(college, 'fr', 1000)),
      college.keys[0]!,
      college.loader,
    );
    college.list.set(1000, true);
    await college.publishList();
    const revoked = await verifyCredential(vc, college.loader);
    expect(revoked.valid).toBe(false);
    expect(revoked.verdict).toBe('revoked');
    expect(check(revoked, 'status')).toMatchObject({ outcome: 'failed', code: 'revoked' });
    expect(check(revoked, 'signature').outcome).toBe('passed');
    // Another badge on the same list is unaffected.
    expect((await verifyCredential(badge, college.loader)).verdict).toBe('valid');
    college.list.set(1000, false);
    await college.publishList();
    expect((await verifyCredential(vc, college.loader)).verdict).toBe('valid');
  });

  test('a status list that cannot be read or was forged makes the badge not valid', async () => {
    const loader = createDocumentLoader({ publicUrl: 'https://jalon.example.edu' });
    loader.registerDidDocument((await college.loader.load(college.did)).document as { id: string });
    const missing = await verifyCredential(badge, loader);
    expect(missing.valid).toBe(false);
    expect(missing.verdict).toBe('status-unknown');
    expect(check(missing, 'status')).toMatchObject({ outcome: 'failed', code: 'status-unavailable' });

    // A list signed by another issuer (e.g. to "un-revoke" a badge) is rejected.
    const other = await makeIssuer('issuers/forger');
    loader.register(college.listUrl, (await other.loader.load(other.listUrl)).document as object);
    const forged = await verifyCredential(badge, loader);
    expect(forged.verdict).toBe('status-unknown');
    expect(forged.valid).toBe(false);
  });

  test('an expired badge is reported expired', async () => {
    const input = fullInput(college, 'fr', 6);
    const vc = await signCredential(buildCredential(input), college.keys[0]!, college.loader);
    const later = new Date((input.dates.validUntil as Date).getTime() + 1000);
    const result = await verifyCredential(vc, college.loader, later);
    expect(result.valid).toBe(false);
    expect(result.verdict).toBe('expired');
    expect(check(result, 'expiry')).toMatchObject({ outcome: 'failed', code: 'expired' });
    // The signature is still checked and still good: expiry is reported, not confused with forgery.
    expect(check(result, 'signature').outcome).toBe('passed');
    const before = new Date((input.dates.validUntil as Date).getTime() - 1000);
    expect((await verifyCredential(vc, college.loader, before)).verdict).toBe('valid');
  });

  test('a badge whose validFrom is in the future is not yet valid', async () => {
    const input = fullInput(college, 'fr', 8);
    const future = new Date(Date.now() + 7 * 86_400_000);
    input.dates = { awarded: future, issued: future };
    const vc = await signCredential(buildCredential(input), college.keys[0]!, college.loader);
    const result = await verifyCredential(vc, college.loader);
    expect(result.valid).toBe(false);
    expect(result.verdict).toBe('not-yet-valid');
    expect(check(result, 'validFrom')).toMatchObject({ outcome: 'failed', code: 'not-yet-valid' });
    expect((await verifyCredential(vc, college.loader, new Date(future.getTime() + 1000))).verdict).toBe(
      'valid',
    );
  });
});

describe('offline contexts', () => {
  test('an unknown context URL fails with a clear error and no network access', async () => {
    const fetched: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (url: string | URL | Request) => {
      fetched.push(String(url));
      throw new Error('network used');
    }) as typeof fetch;
    try {
      const vc = buildCredential(fullInput(college)) as OpenBadgeCredential;
      vc['@context'] = [...vc['@context'], 'https://contexts.example.org/unknown/v1'];
      await expect(signCredential(vc, college.keys[0]!, college.loader)).rejects.toThrow(
        /not available offline: https:\/\/contexts\.example\.org\/unknown\/v1/,
      );
      const forged = {
        ...badge,
        '@context': [...badge['@context'], 'https://contexts.example.org/unknown/v1'],
      };
      const result = await verifyCredential(forged, college.loader);
      expect(result.verdict).toBe('invalid');
      expect(check(result, 'signature')).toMatchObject({ outcome: 'failed', code: 'unverifiable' });
      expect(fetched).toEqual([]);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  test('an undefined term is refused at signing time (JSON-LD safe mode)', async () => {
    const vc = buildCredential(fullInput(college)) as OpenBadgeCredential & { hours?: number };
    vc.hours = 15;
    await expect(signCredential(vc, college.keys[0]!, college.loader)).rejects.toThrow(
      /Safe mode|invalid property/i,
    );
  });

  test('a badge verifies only where the Jalon context URL of its deployment is known', async () => {
    const elsewhere = createDocumentLoader({ publicUrl: 'https://other.example.edu' });
    elsewhere.registerDidDocument((await college.loader.load(college.did)).document as { id: string });
    elsewhere.register(college.listUrl, (await college.loader.load(college.listUrl)).document as object);
    const result = await verifyCredential(badge, elsewhere);
    expect(check(result, 'signature').code).toBe('unverifiable');
  });
});

describe('key rotation', () => {
  test('badges signed with the old key keep verifying; new badges use the new key', async () => {
    const issuer = await makeIssuer('issuers/rotating');
    const old = await signCredential(
      buildCredential(fullInput(issuer, 'fr', 11)),
      issuer.keys[0]!,
      issuer.loader,
    );
    const newKey = issuer.rotate();
    const fresh = await signCredential(buildCredential(fullInput(issuer, 'fr', 12)), newKey, issuer.loader);
    expect(fresh.proof[0]?.verificationMethod).toBe(newKey.id);
    expect(old.proof[0]?.verificationMethod).not.toBe(newKey.id);
    expect((await verifyCredential(old, issuer.loader)).verdict).toBe('valid');
    expect((await verifyCredential(fresh, issuer.loader)).verdict).toBe('valid');
    // The status list re-signed with the new key still vouches for the old badge.
    issuer.list.set(11, true);
    await issuer.publishList();
    expect((await verifyCredential(old, issuer.loader)).verdict).toBe('revoked');
  });
});
