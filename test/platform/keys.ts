/**
 * The platform's signing keys: RSA/RS256 with a `kid`, published as a JWKS. Supports
 * rotation and deliberately bad signatures for negative tests (unknown kid, a key that is
 * not published, `alg: none`, HS256 keyed with the public key, garbage).
 */
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import { opaque } from './ids.js';

/** How to sign a token: `valid` (default) or one of the forgeries. */
export type SigningMode = 'valid' | 'unknown-kid' | 'other-key' | 'none-alg' | 'hs256-public-key' | 'garbage';

interface KeyEntry {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

async function newKey(): Promise<KeyEntry> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = opaque(12);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const publicPem = await exportSPKI(publicKey);
  return { kid, privateKey, publicJwk, publicPem };
}

/** A platform key set: the current signing key, retired keys still published, and a stray key. */
export class PlatformKeys {
  private constructor(
    private current: KeyEntry,
    private retired: KeyEntry[],
    private readonly stray: KeyEntry,
  ) {}

  /** Generates the current key and a stray (never published) key. */
  static async create(): Promise<PlatformKeys> {
    return new PlatformKeys(await newKey(), [], await newKey());
  }

  /** The `kid` tokens are signed with. */
  get kid(): string {
    return this.current.kid;
  }

  /** The public JWKS document. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.current.publicJwk, ...this.retired.map((k) => k.publicJwk)] };
  }

  /**
   * Replaces the signing key. With `keepPrevious` (default) the old public key stays in
   * the JWKS, as LMSs do during a rollover; without it, tokens signed earlier stop verifying.
   */
  async rotate(options: { keepPrevious?: boolean } = {}): Promise<string> {
    const next = await newKey();
    this.retired = options.keepPrevious === false ? [] : [this.current, ...this.retired];
    this.current = next;
    return next.kid;
  }

  /** Signs a JWT payload (claims already complete: iat/exp are not added here). */
  async sign(payload: JWTPayload, mode: SigningMode = 'valid', typ?: string): Promise<string> {
    const header = { alg: 'RS256', kid: this.current.kid, ...(typ ? { typ } : {}) };
    switch (mode) {
      case 'valid':
        return new SignJWT(payload).setProtectedHeader(header).sign(this.current.privateKey);
      case 'unknown-kid':
        return new SignJWT(payload)
          .setProtectedHeader({ ...header, kid: `unknown-${opaque(6)}` })
          .sign(this.current.privateKey);
      case 'other-key':
        // The right kid, the wrong key: only a signature check catches it.
        return new SignJWT(payload).setProtectedHeader(header).sign(this.stray.privateKey);
      case 'none-alg':
        return `${b64(JSON.stringify({ alg: 'none', kid: this.current.kid }))}.${b64(JSON.stringify(payload))}.`;
      case 'hs256-public-key':
        // Algorithm confusion: HMAC keyed with the published public key.
        return new SignJWT(payload)
          .setProtectedHeader({ alg: 'HS256', kid: this.current.kid })
          .sign(new TextEncoder().encode(this.current.publicPem));
      case 'garbage':
        return `${opaque(20)}.${opaque(40)}.${opaque(30)}`;
    }
  }
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64url');
}
