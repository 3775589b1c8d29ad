/**
 * `intake` benchmark (issue 10): how fast pushes become jobs, and what a whole-roster sync of
 * a large course costs, each beside a baseline measured in the same run, interleaved.
 *
 * - `push c=20`: signed Canvas Live Events POSTed to Jalon's `/push/canvas/:id` (verified,
 *   matched to a course and learner, recorded once, a `results.sync` queued or coalesced),
 *   against a bare express endpoint that only verifies the same JWT with the same key set and
 *   answers 202. The ratio is the price of turning an event into durable, deduplicated work.
 * - `sync N`: one whole-roster `results.sync` of a Moodle course of N learners through the
 *   connector, read in full (roster, quiz and assignment attempts, writes, standings request),
 *   against the connector reads alone (the same web-service calls, nothing written). The
 *   ratio is what intake adds on top of the LMS reads it cannot avoid.
 * - `reconcile N`: the 15-minute reconcile as it runs between full reads (incremental: Moodle
 *   says which learners' assignment work and which quiz attempts changed; one learner's
 *   grade changed each time)
 *   against the same reconcile read in full. The notes give the LMS requests of each.
 *
 * Everything runs in the driver process: Jalon (`startServer`, PGlite unless `--postgres`),
 * the test platform and the baseline, so CPU is not split per target (driver CPU is all of it).
 */
import { and, eq, ne } from 'drizzle-orm';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import { MoodleConnector } from '../src/connectors/moodle/index.js';
import { intakeWatermarks, jobs } from '../src/db/schema/index.js';
import { upsertLearner } from '../src/intake/facts-store.js';
import { enableCanvasLiveEvents } from '../src/intake/push-settings.js';
import { RESULTS_SYNC } from '../src/intake/sync.js';
import { startJalon, type TestJalon } from '../test/helpers/jalon.js';
import { connectCanvas, connectMoodle, microcredentialFor } from '../test/intake/setup.js';
import { runInterleaved, type Target } from './lib/interleave.js';
import type { BenchContext, BenchResult, Benchmark, Comparison } from './lib/types.js';

const PUSH_LEARNERS = 50;

/** A Canvas grade_change for learner `i` of the course, unique per operation. */
function event(courseRestId: string, studentRestId: string, hostname: string, n: number) {
  return {
    metadata: {
      event_name: 'grade_change',
      event_time: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
      context_type: 'Course',
      context_id: courseRestId,
      hostname,
      producer: 'canvas',
    },
    body: { assignment_id: '1', score: 1, student_id: studentRestId, submission_id: String(100000 + n) },
  };
}

async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    );
  });
}

async function pushCase(jalon: TestJalon, ctx: BenchContext): Promise<Comparison> {
  const db = jalon.database.db;
  const canvas = await connectCanvas(jalon);
  try {
    const mc = await microcredentialFor(jalon, canvas);
    const students: string[] = [];
    for (let i = 0; i < PUSH_LEARNERS; i++) {
      const restId = String(900000 + i);
      students.push(restId);
      await upsertLearner(db, mc.id, { userId: `bench-learner-${i}`, lmsUserId: restId });
    }
    const key: { privateKey: CryptoKey; publicKey: CryptoKey } = await generateKeyPair('RS256');
    const jwks = { keys: [{ ...(await exportJWK(key.publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' }] };
    await enableCanvasLiveEvents(db, canvas.platformId, 'bench', { jwks });
    const course = canvas.platform.course('math').restId;
    const host = new URL(canvas.platform.url).hostname;

    // The baseline: the same verification, nothing else.
    const keySet = createLocalJWKSet(jwks);
    const app = express();
    app.post('/push', express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
      try {
        await jwtVerify((req.body as Buffer).toString('utf8'), keySet, { algorithms: ['RS256'] });
        res.status(202).json({ status: 'enqueued' });
      } catch {
        res.status(401).json({ error: 'PUSH_BAD_SIGNATURE' });
      }
    });
    const bare = await listen(app);
    try {
      // Tokens are signed before the clock starts: the sender's cost is not the receiver's.
      const total = ctx.quick ? 400 : 6000;
      const tokens = await Promise.all(
        Array.from({ length: total }, (_, n) =>
          new SignJWT(event(course, students[n % PUSH_LEARNERS]!, host, n))
            .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
            .setIssuedAt()
            .sign(key.privateKey),
        ),
      );
      const post = async (url: string, n: number) => {
        const res = await fetch(url, { method: 'POST', body: tokens[n % total]! });
        await res.arrayBuffer();
        if (res.status !== 202 && res.status !== 200) throw new Error(`push answered ${res.status}`);
        return { accepted: res.status === 202 ? 1 : 0 };
      };
      const subject: Target = {
        name: 'jalon',
        op: (n) => post(`${jalon.url}/push/canvas/${canvas.platformId}`, n),
      };
      const baseline: Target = { name: 'verify', op: (n) => post(`${bare.url}/push`, n) };
      ctx.progress('intake push c=20: Live Events into jobs vs bare verification, interleaved…');
      const m = await runInterleaved(subject, baseline, {
        concurrency: 20,
        rounds: ctx.quick ? 2 : 4,
        opsPerSlice: Math.floor(total / (ctx.quick ? 4 : 8)),
        sliceTimeLimitMs: ctx.quick ? 5_000 : 15_000,
        opTimeoutMs: 15_000,
      });
      return { label: 'push c=20', ...m };
    } finally {
      await new Promise<void>((r) => bare.server.close(() => r()));
      // The queued syncs are the measured output, not work to do: the fake learners have no data.
      await db.delete(jobs).where(eq(jobs.kind, RESULTS_SYNC));
    }
  } finally {
    await canvas.platform.close();
  }
}

async function syncCase(jalon: TestJalon, ctx: BenchContext, learners: number): Promise<Comparison[]> {
  const moodle = await connectMoodle(jalon);
  try {
    const p = moodle.platform;
    p.addCourse({ handle: 'big', label: 'BIG100', title: 'Large course' });
    const quiz = p.moodle.addQuiz('big', { name: 'Quiz – summative', grade: 10, sumgrades: 10, attempts: 2 });
    const essay = p.moodle.addAssignment('big', { name: 'Essay', grade: 100, maxattempts: 2 });
    for (let i = 0; i < learners; i++) {
      const handle = `l${i}`;
      p.addUser({ handle, givenName: `L${i}`, familyName: 'Bench', email: `l${i}@example.edu` });
      p.enrol(handle, 'big', 'learner');
      if (i % 2 === 0)
        p.moodle.addQuizAttempt(quiz.id, handle, {
          percent: 50 + (i % 50),
          finishedAt: '2025-01-10T10:00:00Z',
        });
      if (i % 3 === 0) {
        p.moodle.submitAssignment(essay.id, handle, { at: '2025-01-11T10:00:00Z' });
        p.moodle.gradeAssignment(essay.id, handle, { grade: 70, at: '2025-01-12T10:00:00Z' });
      }
    }
    const mc = await microcredentialFor(jalon, moodle, 'big');
    const settings = await jalon.running.services.connectorSettings.get(moodle.platformId);
    if (settings?.kind !== 'moodle') throw new Error('no Moodle connector');
    const course = { contextId: p.course('big').contextId };
    const db = jalon.database.db;
    const reconcile = async (mode: 'full' | 'incremental') => {
      // Without marks the sync reads everything, as after a definition change or 6 hours.
      if (mode === 'full')
        await db.delete(intakeWatermarks).where(eq(intakeWatermarks.microcredentialId, mc.id));
      const before = p.moodle.calls.length;
      await jalon.running.services.jobs.enqueue({
        kind: RESULTS_SYNC,
        payload: { microcredentialId: mc.id },
      });
      const ran = await jalon.running.services.jobs.drain();
      // A sync that failed and waits for its retry would make the numbers meaningless.
      const [failed] = await db
        .select()
        .from(jobs)
        .where(and(eq(jobs.kind, RESULTS_SYNC), ne(jobs.status, 'done')));
      if (ran < 1 || failed) throw new Error(`the sync did not complete: ${failed?.lastError ?? 'not run'}`);
      return { 'LMS requests': p.moodle.calls.length - before };
    };
    const subject: Target = { name: 'jalon', op: () => reconcile('full') };
    const baseline: Target = {
      name: 'reads',
      async op() {
        const c = new MoodleConnector({ siteUrl: settings.baseUrl, token: settings.token });
        const roster = await c.readRoster(course);
        const ids = roster.map((r) => r.lmsUserId);
        await c.readAttempts(course, { source: 'moodle-quiz', lmsId: String(quiz.id) }, ids);
        await c.readAttempts(course, { source: 'moodle-assign', lmsId: String(essay.id) }, ids);
      },
    };
    ctx.progress(`intake sync ${learners}: whole-roster results.sync vs the connector reads alone…`);
    const m = await runInterleaved(subject, baseline, {
      concurrency: 1,
      rounds: 2,
      opsPerSlice: 1,
      sliceTimeLimitMs: 600_000,
      opTimeoutMs: 600_000,
    });
    let next = 0;
    const incremental: Target = {
      name: 'incremental',
      async op() {
        // One grade changed since the last reconcile, as a teacher grading between two runs.
        p.moodle.gradeAssignment(essay.id, `l${(next++ * 3) % learners}`, { grade: 60 + (next % 40) });
        return reconcile('incremental');
      },
    };
    const full: Target = { name: 'full', op: () => reconcile('full') };
    await reconcile('full'); // the marks an incremental read starts from
    ctx.progress(`intake reconcile ${learners}: incremental vs full…`);
    const r = await runInterleaved(incremental, full, {
      concurrency: 1,
      rounds: 2,
      opsPerSlice: 1,
      sliceTimeLimitMs: 600_000,
      opTimeoutMs: 600_000,
    });
    return [
      { label: `sync ${learners}`, ...m },
      { label: `reconcile ${learners}`, ...r },
    ];
  } finally {
    await moodle.platform.close();
  }
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  ctx.progress('intake: starting Jalon (in-process) and the test platforms…');
  if (ctx.postgresUrl) process.env.DATABASE_URL = ctx.postgresUrl;
  const jalon = await startJalon({ logLevel: 'warn' });
  try {
    const learners = ctx.quick ? 100 : 2000;
    const comparisons = [await pushCase(jalon, ctx), ...(await syncCase(jalon, ctx, learners))];
    return {
      comparisons,
      notes: [
        `push: Canvas grade_change JWTs (RS256, signed beforehand), ${PUSH_LEARNERS} learners rotating, every event new;`,
        '  jalon = /push/canvas (verify, platform + course + learner lookup, receipt + job in one transaction);',
        '  verify = bare express + jose jwtVerify with the same key set. One process: CPU is not split per target.',
        `sync: one whole-roster results.sync of ${learners} learners on the Moodle-shaped test platform`,
        '  (roster + quiz + assignment per learner, writes, standings request) vs the same web-service reads only;',
        `  jalon on ${ctx.postgresUrl ? 'PostgreSQL (--postgres)' : 'in-memory PGlite'}; after the first run the writes find nothing new.`,
        'reconcile: the same sync between full reads (marks kept, one assignment grade changed before each) vs read in full;',
        '  LMS requests per operation: Moodle is asked which assignment learners and which quiz attempts changed.',
      ],
    };
  } finally {
    await jalon.stop();
  }
}

/** The intake benchmark (see the file comment). */
export const benchmark: Benchmark = {
  name: 'intake',
  description: 'push events into jobs vs bare JWT verification; a whole-roster sync vs its LMS reads',
  run,
};
