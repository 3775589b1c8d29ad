/**
 * The learner's identity inside a credential: a salted SHA-256 of the normalised e-mail address
 * (OB 3.0 IdentityObject), so the badge names its recipient without publishing the address.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** OB 3.0 IdentityObject for a hashed e-mail address. */
export interface EmailIdentityObject {
  type: 'IdentityObject';
  identityType: 'emailAddress';
  hashed: true;
  /** `sha256$` + lower-case hex of SHA-256(normalised e-mail ‖ salt), UTF-8. */
  identityHash: string;
  salt: string;
}

/**
 * Normalises an e-mail address before hashing (trim, lower-case), so `Ana@X.ca` and `ana@x.ca`
 * give the same hash; a verifier must normalise the same way.
 */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A fresh random salt (128 bits, hex). Store it with the award: it is needed to re-issue the same identity. */
export function newIdentitySalt(): string {
  return randomBytes(16).toString('hex');
}

/** `sha256$<hex>` of the normalised address followed by the salt, as OB IdentityHash defines. */
export function hashEmail(email: string, salt: string): string {
  const digest = createHash('sha256')
    .update(normaliseEmail(email) + salt, 'utf8')
    .digest('hex');
  return `sha256$${digest}`;
}

/** The IdentityObject to put in `credentialSubject.identifier`. */
export function emailIdentity(email: string, salt: string): EmailIdentityObject {
  if (!salt) throw new TypeError('an identity salt is required');
  return {
    type: 'IdentityObject',
    identityType: 'emailAddress',
    hashed: true,
    identityHash: hashEmail(email, salt),
    salt,
  };
}

/**
 * True when `identity` (untrusted JSON, e.g. from a credential) is a hashed e-mail identity for `email`.
 * Lets the verify page answer "was this badge issued to ana@x.ca?".
 */
export function emailIdentityMatches(identity: unknown, email: string): boolean {
  if (!identity || typeof identity !== 'object') return false;
  const { identityType, hashed, identityHash, salt } = identity as Record<string, unknown>;
  if (identityType !== 'emailAddress' || typeof identityHash !== 'string') return false;
  if (hashed !== true) return normaliseEmail(identityHash) === normaliseEmail(email);
  const expected = Buffer.from(hashEmail(email, typeof salt === 'string' ? salt : ''), 'utf8');
  const given = Buffer.from(identityHash.toLowerCase(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
