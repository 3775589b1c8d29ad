/**
 * Encryption at rest for keys and LMS tokens: AES-256-GCM, a fresh 96-bit IV per value,
 * the key derived (HKDF-SHA256) from the instance's master secret and a purpose label, so a
 * value sealed for one purpose cannot be opened as another.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/** Seals and opens strings for one purpose. */
export interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** Derives a sealer for `purpose` from the master secret (at least 32 bytes of entropy). */
export function createSealer(masterSecret: Buffer, purpose: string): Sealer {
  if (masterSecret.length < 32) throw new Error('master secret must be at least 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', masterSecret, Buffer.alloc(0), `jalon:${purpose}`, 32));
  return {
    seal(plain: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(purpose));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join(
        '.',
      );
    },
    open(sealed: string): string {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}
