/**
 * Run by `signing-pool.test.ts` under tsx in a child process (as `npm start` and the bench run):
 * signs two credentials on a two-worker pool and prints one JSON line with what the parent checks.
 */
import { buildCredential } from '../../src/badges/credential.js';
import { createSigningPool } from '../../src/badges/signing-pool.js';
import { verifyCredential } from '../../src/badges/signing.js';
import { fullInput, makeIssuer, PUBLIC_URL } from './helpers.js';

const college = await makeIssuer('issuers/child');
const pool = createSigningPool({ size: 2, publicUrl: PUBLIC_URL });
try {
  await pool.ready();
  const signed = await Promise.all(
    (['fr', 'en'] as const).map((lang) =>
      pool.sign(buildCredential(fullInput(college, lang)), college.keys[0]!),
    ),
  );
  const verdicts = await Promise.all(
    signed.map(async (vc) => (await verifyCredential(vc, college.loader)).verdict),
  );
  console.log(JSON.stringify({ verdicts }));
} finally {
  await pool.close();
}
