/**
 * `badges` benchmark (issue 11 §8): Open Badges 3.0 credentials signed and verified per second,
 * beside a baseline measured in the same run, interleaved, in one process.
 *
 * - sign: Jalon's `signCredential(buildCredential(input))` (vc.issue, eddsa-rdfc-2022: the
 *   credential and the proof configuration are both converted to RDF and canonicalised) vs the
 *   baseline: the same credential JSON → `jsonld.toRDF` (safe mode) → RDFC-1.0 → SHA-256 →
 *   raw Ed25519 (node:crypto). Signing is also measured on the signing pool with 1 and 2 worker
 *   threads (`signing-pool.ts`), in the same interleaved group, to show it scales across cores.
 * - verify: Jalon's `verifyCredential` (signature, issuer key through the DID document, status
 *   list credential re-verified, dates) vs the baseline: toRDF → RDFC-1.0 → SHA-256 → Ed25519 verify.
 * - issue+store: `issueBadge` on PGlite (both editions signed, index allocated, row stored) vs
 *   signing the same two editions without the database.
 */
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import os from 'node:os';
import jsonld from 'jsonld';
import { canonize } from 'rdf-canonize';
import { buildCredential } from '../src/badges/credential.js';
import { issueBadge } from '../src/badges/issuance.js';
import { newUrnUuid } from '../src/badges/ids.js';
import { signCredential, verifyCredential } from '../src/badges/signing.js';
import { createSigningPool, type SigningPool } from '../src/badges/signing-pool.js';
import { openDatabase } from '../src/db/client.js';
import { addPlatformRow } from '../test/helpers/platform-row.js';
import { addAward, storeDeps, withIssuerProfile } from '../test/badges/award-fixtures.js';
import { fullInput, makeIssuer, PUBLIC_URL } from '../test/badges/helpers.js';
import { runInterleaved, runInterleavedMany, type SlicePlan, type Target } from './lib/interleave.js';
import type { BenchContext, BenchResult, Benchmark, Comparison, Measure } from './lib/types.js';

const cpu = async () => {
  const u = process.cpuUsage();
  return { cpuUs: u.user + u.system, counters: {} };
};

async function run(ctx: BenchContext): Promise<BenchResult> {
  const plan = (ops: number): SlicePlan =>
    ctx.quick
      ? { concurrency: 1, rounds: 2, opsPerSlice: 5, sliceTimeLimitMs: 5_000, opTimeoutMs: 15_000 }
      : { concurrency: 1, rounds: 4, opsPerSlice: ops, sliceTimeLimitMs: 6_000, opTimeoutMs: 15_000 };
  const college = await makeIssuer('issuers/bench');
  const key = college.keys[0]!;
  const loader = college.loader;
  const raw = generateKeyPairSync('ed25519');
  const toCanonical = async (doc: object) =>
    canonize(
      await jsonld.toRDF(doc, { format: 'application/n-quads', documentLoader: loader.load, safe: true }),
      {
        algorithm: 'RDFC-1.0',
        inputFormat: 'application/n-quads',
      },
    );
  const digest = (s: string) => createHash('sha256').update(s).digest();

  const signed = await signCredential(buildCredential(fullInput(college, 'fr', 5)), key, loader);
  const { proof: _proof, ...unsignedJson } = signed;
  const baselineSig = sign(null, digest(await toCanonical(unsignedJson)), raw.privateKey);

  const jalonSign: Target = {
    name: 'jalon',
    op: async (i) => {
      await signCredential(
        buildCredential(fullInput(college, i % 2 ? 'en' : 'fr', 100 + (i % 1000))),
        key,
        loader,
      );
    },
    sample: cpu,
  };
  const baseSign: Target = {
    name: 'rdfc+ed25519',
    op: async (i) => {
      const c = buildCredential(fullInput(college, i % 2 ? 'en' : 'fr', 100 + (i % 1000)));
      sign(null, digest(await toCanonical(c)), raw.privateKey);
    },
    sample: cpu,
  };
  // The same signs on worker threads: 1 worker (off the main thread, one core) and 2 workers
  // (both cores). Enough operations in flight to keep every worker busy between messages.
  const pools = [1, 2].map((size) => createSigningPool({ size, publicUrl: PUBLIC_URL }));
  await Promise.all(pools.map((p) => p.ready()));
  const poolSign = (pool: SigningPool): Target => ({
    name: `pool×${pool.size}`,
    concurrency: 2 * pool.size,
    op: async (i) => {
      await pool.sign(buildCredential(fullInput(college, i % 2 ? 'en' : 'fr', 100 + (i % 1000))), key);
    },
    sample: cpu,
  });
  const [pool1, pool2] = pools.map(poolSign) as [Target, Target];

  const jalonVerify: Target = {
    name: 'jalon',
    op: async () => {
      const r = await verifyCredential(signed, loader);
      if (!r.valid) throw new Error(`verdict ${r.verdict}`);
    },
    sample: cpu,
  };
  const baseVerify: Target = {
    name: 'rdfc+ed25519',
    op: async () => {
      if (!verify(null, digest(await toCanonical(unsignedJson)), raw.publicKey, baselineSig))
        throw new Error('baseline signature did not verify');
    },
    sample: cpu,
  };

  const database = await openDatabase({ memory: true });
  const deps = storeDeps(database.db);
  const platformId = await addPlatformRow(database.db);
  await withIssuerProfile(database.db, platformId);
  const awardIds: string[] = [];
  const need = ctx.quick ? 40 : 400;
  for (let i = 0; i < need; i++)
    awardIds.push((await addAward(database.db, platformId, { userId: `b-${i}` })).awardId);
  let next = 0;
  const jalonIssue: Target = {
    name: 'jalon',
    op: async () => {
      const id = awardIds[next++];
      if (!id) throw new Error('out of awards');
      const { created } = await issueBadge(deps, id, { name: 'Bench Learner', email: 'bench@example.edu' });
      if (!created) throw new Error('not created');
    },
    sample: cpu,
  };
  const baseIssue: Target = {
    name: 'sign×2',
    op: async (i) => {
      for (const lang of ['fr', 'en'] as const)
        await signCredential(
          buildCredential({ ...fullInput(college, lang, i % 1000), id: newUrnUuid() }),
          key,
          loader,
        );
    },
    sample: cpu,
  };

  const comparisons: Comparison[] = [];
  const measuredNotes: string[] = [];
  try {
    // Signing: the main thread, 1 worker, 2 workers and the baseline, interleaved in one group so
    // all four see the same background load. Slices are time-bound (a pool finishes ops faster).
    ctx.progress('badges sign (main thread, pool×1, pool×2, baseline): interleaved…');
    const signTargets = [jalonSign, pool1, pool2, baseSign];
    await runInterleavedMany(signTargets, { ...plan(4), rounds: 1, opsPerSlice: 8 }); // warm-up, every worker
    const signPlan = ctx.quick ? plan(5) : { ...plan(0), opsPerSlice: 400, sliceTimeLimitMs: 3_000 };
    const [main, p1, p2, base] = (await runInterleavedMany(
      signTargets,
      signPlan,
      (round, target, perSecond) => ctx.progress(`  round ${round + 1} ${target}: ${perSecond.toFixed(1)}/s`),
    )) as [Measure, Measure, Measure, Measure];
    // How much CPU the process got per wall-clock second in each target's slices: a pool can
    // only beat the main thread when the machine lets it have the second core.
    const cores = (m: Measure) => ((m.opsPerSecond * (m.cpuMsPerOp ?? Number.NaN)) / 1000).toFixed(2);
    measuredNotes.push(
      `sign: cores the process used (CPU-s per wall-s): main ${cores(main)}, pool×1 ${cores(p1)}, pool×2 ${cores(p2)}, baseline ${cores(base)}; load average ${os.loadavg()[0]!.toFixed(2)}.`,
    );
    comparisons.push(
      { label: 'sign', subject: main, baseline: base },
      { label: 'sign pool×1', subject: p1, baseline: base },
      { label: 'sign pool×2', subject: p2, baseline: base },
      { label: 'pool×2 vs main', subject: p2, baseline: main },
      { label: 'pool×2 vs pool×1', subject: p2, baseline: p1 },
    );
    for (const [label, s, b, ops] of [
      ['verify', jalonVerify, baseVerify, 60],
      ['issue+store', jalonIssue, baseIssue, 30],
    ] as const) {
      ctx.progress(`badges ${label}: interleaved…`);
      await runInterleaved(s, b, { ...plan(4), rounds: 1, opsPerSlice: 3 }); // warm-up (jsonld context cache)
      const m = await runInterleaved(s, b, plan(ops), (round, target, perSecond) =>
        ctx.progress(`  round ${round + 1} ${target}: ${perSecond.toFixed(1)}/s`),
      );
      comparisons.push({ label, ...m });
    }
  } finally {
    await database.close();
    await Promise.all(pools.map((p) => p.close()));
  }
  return {
    comparisons,
    notes: [
      'One process; CPU per op is this process’s CPU (all its threads) over each slice.',
      `sign: main thread (sequential), pool×1 / pool×2 = createSigningPool (worker_threads, 2 ops in flight per worker); ${os.cpus().length} cores here.`,
      '  the baseline runs on the main thread (one core): pool×2/baseline near 2 × (main/baseline) means signing scales to both cores.',
      ...measuredNotes,
      'sign/verify baseline: the same credential → jsonld.toRDF (safe) → RDFC-1.0 → SHA-256 → raw Ed25519.',
      '  eddsa-rdfc-2022 also canonicalises the proof configuration, so expect about 0.7 of the baseline.',
      'verify (jalon) includes the issuer-key check and the status list credential’s own signature.',
      'issue+store: issueBadge on in-memory PGlite (two editions, index allocation, row) vs two signs.',
    ],
  };
}

/** The badges benchmark (see the file comment). */
export const benchmark: Benchmark = {
  name: 'badges',
  description: 'OB 3.0 credentials signed / verified / issued per second vs RDFC-1.0 + Ed25519 baseline',
  run,
};
