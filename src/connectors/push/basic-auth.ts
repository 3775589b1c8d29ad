/**
 * HTTP Basic credentials for a platform's xAPI statements endpoint (logstore_xapi sends
 * `Authorization: Basic base64(username:password)`). Jalon generates the password (≥ 128 bits
 * of randomness), so a SHA-256 digest at rest is enough: there is no dictionary to attack, and a
 * slow hash would cost CPU on every batch.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Prefix of a stored password digest. */
const SHA256_PREFIX = 'sha256:';

/** The digest to store for a generated endpoint password: `sha256:<hex>`. */
export function hashPushPassword(password: string): string {
  return SHA256_PREFIX + createHash('sha256').update(password, 'utf8').digest('hex');
}

/** The expected credentials: the password itself or its {@link hashPushPassword} digest. */
export type ExpectedBasicAuth = { username: string } & ({ password: string } | { passwordHash: string });

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether an `Authorization` header carries the expected Basic credentials. Compares fixed-
 * length digests with `timingSafeEqual`, and always compares both parts, so the answer's timing
 * says nothing about which part or how much of it was wrong.
 */
export function checkBasicAuth(header: string | undefined, expected: ExpectedBasicAuth): boolean {
  const m = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header ?? '');
  const decoded = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const username = colon >= 0 ? decoded.slice(0, colon) : '';
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  const expectedPasswordDigest =
    'passwordHash' in expected
      ? Buffer.from(
          expected.passwordHash.startsWith(SHA256_PREFIX) ? expected.passwordHash.slice(7) : '',
          'hex',
        )
      : digest(expected.password);
  const givenPasswordDigest = digest(password);
  const userOk = timingSafeEqual(digest(username), digest(expected.username));
  const passOk =
    expectedPasswordDigest.length === givenPasswordDigest.length &&
    timingSafeEqual(expectedPasswordDigest, givenPasswordDigest);
  return colon >= 0 && userOk && passOk && expected.username !== '';
}
