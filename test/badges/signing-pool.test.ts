/**
 * The signing pool (worker threads): credentials signed on workers verify like those signed on
 * the main thread, errors come back as SigningError, a closed pool refuses work; and the same
 * pool works under tsx in a child process (how `npm start` and the bench load it), not only
 * under jest's transform.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildCredential } from '../../src/badges/credential.js';
import { didWeb } from '../../src/badges/did-web.js';
import { generateIssuerKey } from '../../src/badges/keys.js';
import { createSigningPool, type SigningPool } from '../../src/badges/signing-pool.js';
import { SigningError, verifyCredential } from '../../src/badges/signing.js';
import { validateOpenBadgeCredential } from '../../src/badges/schema.js';
import { fullInput, makeIssuer, PUBLIC_URL, type TestIssuer } from './helpers.js';

let college: TestIssuer;
let pool: SigningPool;

beforeAll(async () => {
  college = await makeIssuer('issuers/pool');
  pool = createSigningPool({ size: 2, publicUrl: PUBLIC_URL });
  await pool.ready();
}, 60_000);

afterAll(async () => {
  await pool?.close();
});

describe('signing pool', () => {
  test('signs on the workers; the credentials are schema-valid and verify', async () => {
    const now = new Date();
    const signed = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        pool.sign(buildCredential(fullInput(college, i % 2 ? 'en' : 'fr', 20 + i)), college.keys[0]!, {
          now,
        }),
      ),
    );
    for (const vc of signed) {
      expect(validateOpenBadgeCredential(vc)).toEqual({ valid: true, errors: [] });
      expect(Array.isArray(vc.proof)).toBe(true);
      expect(vc.proof[0]?.created).toBe(now.toISOString().replace(/\.\d{3}Z$/, 'Z'));
      expect((await verifyCredential(vc, college.loader)).verdict).toBe('valid');
    }
  });

  test('a key of another issuer is refused with a SigningError; a closed pool refuses work', async () => {
    const stranger = generateIssuerKey(didWeb('other.example.org', 'issuers/x'));
    await expect(pool.sign(buildCredential(fullInput(college)), stranger)).rejects.toBeInstanceOf(
      SigningError,
    );
    const small = createSigningPool({ size: 1, publicUrl: PUBLIC_URL });
    await small.ready();
    await small.close();
    await expect(small.sign(buildCredential(fullInput(college)), college.keys[0]!)).rejects.toThrow('closed');
    expect(() => createSigningPool({ size: 0, publicUrl: PUBLIC_URL })).toThrow(RangeError);
  });

  test('works under tsx in a child process too', async () => {
    const root = process.cwd();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        path.join(root, 'node_modules/tsx/dist/cli.mjs'),
        path.join(root, 'test/badges/signing-pool-child.ts'),
      ],
      { cwd: root, timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toEqual({ verdicts: ['valid', 'valid'] });
  });
});
