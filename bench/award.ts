/**
 * `award` benchmark (issue 10): how long from a grade changing in the LMS to an award a
 * learner can claim, and what a whole reconcile of a large course costs the LMS, each beside
 * a baseline measured in the same run, interleaved.
 *
 * - `grade→award`: the test platform's Canvas grades a learner's essay (passing now), then a
 *   signed Live Event `grade_change` is POSTed to the running Jalon; the operation ends when
 *   the learner's award row exists (polled). Jalon's background workers do the rest (push →
 *   `results.sync` → Canvas REST reads → `standings.evaluate` → award + transcript record),
 *   as in production: `jobs.workers` ≥ 1 with a short poll. One learner per operation, each
 *   once. Baseline: the same grade change and the same push to a bare endpoint that verifies
 *   the JWT and inserts a row in the same database, the operation ending when that row is
 *   seen (same poll). The ratio is the price of the whole chain over the unavoidable minimum.
 * - `reconcile N`: one `results.reconcile` of a Moodle course of N learners whose roster comes
 *   through NRPS (an instructor launched, so the memberships URL is known), until every job
 *   it caused is done; against the connector reads alone. Both report the HTTP requests the
 *   LMS received per operation (counted at the test platform).
 *
 * Everything runs in the driver process (Jalon with its workers, the platforms, the baseline).
 */
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import { MoodleConnector } from '../src/connectors/moodle/index.js';
import { ConnectorError } from '../src/connectors/types.js';
import { awards, jobs } from '../src/db/schema/index.js';
import { upsertLearner } from '../src/intake/facts-store.js';
import { enableCanvasLiveEvents } from '../src/intake/push-settings.js';
import { RESULTS_RECONCILE } from '../src/intake/reconcile.js';
import { startJalon, type TestJalon } from '../test/helpers/jalon.js';
import { connectCanvas, connectMoodle, microcredentialFor } from '../test/intake/setup.js';
import { seedPassingCourse } from '../test/intake/passing-course.js';
import { Browser } from '../test/platform/index.js';
import { runInterleaved, type Target } from './lib/interleave.js';
import type { BenchContext, BenchResult, Benchmark, Comparison } from './lib/types.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Poll interval while waiting for a row: the same on both sides, so it cancels out. */
const POLL_MS = 2;

async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    );
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what} not seen after ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

async function awardCase(jalon: TestJalon, ctx: BenchContext, learners: number): Promise<Comparison> {
  const db = jalon.database.db;
  const canvas = await connectCanvas(jalon);
  const p = canvas.platform;
  try {
    p.addCourse({ handle: 'lat', label: 'LAT100', title: 'Latency course' });
    p.enrol('prof', 'lat', 'instructor'); // Canvas reads act as prof: they must teach the course
    const essay = p.canvas.data.addAssignment('lat', { name: 'Essay – summative', pointsPossible: 100 });
    const mc = await microcredentialFor(jalon, canvas, 'lat');
    // Subject learners have submitted, ungraded (no award yet); the grade comes during the op.
    const subjects: { handle: string; sub: string; restId: string }[] = [];
    for (let i = 0; i < learners; i++) {
      const handle = `lat${i}`;
      const u = p.addUser({
        handle,
        givenName: `L${i}`,
        familyName: 'Bench',
        email: `${handle}@example.edu`,
      });
      p.enrol(handle, 'lat', 'learner');
      p.canvas.data.submit(essay.id, handle, { at: '2025-01-11T10:00:00Z' });
      await upsertLearner(db, mc.id, { userId: u.sub, lmsUserId: u.restId, email: u.email, name: handle });
      subjects.push({ handle, sub: u.sub, restId: u.restId });
    }
    const key: { privateKey: CryptoKey; publicKey: CryptoKey } = await generateKeyPair('RS256');
    const jwks = { keys: [{ ...(await exportJWK(key.publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' }] };
    await enableCanvasLiveEvents(db, canvas.platformId, 'bench', { jwks });
    const course = p.course('lat').restId;
    const host = new URL(p.url).hostname;
    const sign = (studentRestId: string, n: number) =>
      new SignJWT({
        metadata: {
          event_name: 'grade_change',
          event_time: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
          context_type: 'Course',
          context_id: course,
          hostname: host,
          producer: 'canvas',
        },
        body: {
          assignment_id: String(essay.id),
          score: 90,
          student_id: studentRestId,
          submission_id: String(200000 + n),
        },
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
        .setIssuedAt()
        .sign(key.privateKey);
    // Signed before the clock starts: the sender's cost is not the receiver's.
    const subjectTokens = await Promise.all(subjects.map((s, i) => sign(s.restId, i)));
    const baselineTokens = await Promise.all(subjects.map((s, i) => sign(s.restId, learners + i)));

    // The baseline: verify the same JWT, insert one row in the same database, answer 202.
    await db.execute(
      sql.raw(
        'CREATE TABLE IF NOT EXISTS bench_pushes (n integer PRIMARY KEY, at timestamptz DEFAULT now())',
      ),
    );
    const keySet = createLocalJWKSet(jwks);
    const app = express();
    app.post('/push/:n', express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
      try {
        await jwtVerify((req.body as Buffer).toString('utf8'), keySet, { algorithms: ['RS256'] });
        await db.execute(
          sql`INSERT INTO bench_pushes (n) VALUES (${Number(req.params.n)}) ON CONFLICT DO NOTHING`,
        );
        res.status(202).json({ status: 'enqueued' });
      } catch {
        res.status(401).json({ error: 'PUSH_BAD_SIGNATURE' });
      }
    });
    const bare = await listen(app);
    try {
      let s = 0;
      let b = 0;
      const post = async (url: string, token: string) => {
        const res = await fetch(url, { method: 'POST', body: token });
        await res.arrayBuffer();
        if (res.status !== 202 && res.status !== 200) throw new Error(`push answered ${res.status}`);
      };
      const subject: Target = {
        name: 'jalon',
        async op() {
          const i = s++;
          const who = subjects[i];
          if (!who) throw new Error('out of learners');
          p.canvas.data.grade(essay.id, who.handle, {
            score: 90,
            grader: 'prof',
            at: '2025-01-12T10:00:00Z',
          });
          await post(`${jalon.url}/push/canvas/${canvas.platformId}`, subjectTokens[i]!);
          await until(
            async () =>
              (
                await db
                  .select({ id: awards.id })
                  .from(awards)
                  .where(and(eq(awards.microcredentialId, mc.id), eq(awards.userId, who.sub)))
              ).length > 0,
            30_000,
            `award of ${who.handle}`,
          );
        },
      };
      const baseline: Target = {
        name: 'push+insert',
        async op() {
          const i = b++;
          const who = subjects[i]!;
          p.canvas.data.grade(essay.id, who.handle, {
            score: 90,
            grader: 'prof',
            at: '2025-01-12T10:00:00Z',
          });
          await post(`${bare.url}/push/${i}`, baselineTokens[i]!);
          await until(
            async () => {
              const r = await db.execute(sql`SELECT 1 FROM bench_pushes WHERE n = ${i}`);
              return ((r as { rows?: unknown[] }).rows?.length ?? 0) > 0;
            },
            30_000,
            `row ${i}`,
          );
        },
      };
      ctx.progress(
        `award grade→award ${learners}: LMS grade change to claimable award vs push+insert, interleaved…`,
      );
      const rounds = 2;
      const m = await runInterleaved(subject, baseline, {
        concurrency: 1,
        rounds,
        opsPerSlice: Math.floor(learners / rounds),
        sliceTimeLimitMs: ctx.quick ? 20_000 : 120_000,
        opTimeoutMs: 40_000,
      });
      return { label: `grade→award n=${m.subject.ops}`, ...m };
    } finally {
      await new Promise<void>((r) => bare.server.close(() => r()));
      await db.execute(sql.raw('DROP TABLE IF EXISTS bench_pushes'));
    }
  } finally {
    await jalon.running.services.registry.disable(canvas.platformId, 'bench');
    await p.close();
  }
}

/**
 * Jobs still to run (queued, also those waiting out a back-off, or running) of the chain a
 * reconcile causes; the cron's own scheduled reconcile (it has a once key) is not ours.
 */
async function pending(jalon: TestJalon, since: Date): Promise<number> {
  const rows = await jalon.database.db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        inArray(jobs.status, ['queued', 'running']),
        inArray(jobs.kind, [
          RESULTS_RECONCILE,
          'results.sync',
          'standings.evaluate',
          'email.send',
          'gradebook.write',
        ]),
        sql`not (${jobs.kind} = ${RESULTS_RECONCILE} and ${jobs.onceKey} is not null)`,
        gte(jobs.createdAt, since),
      ),
    );
  return rows.length;
}

async function reconcileCase(jalon: TestJalon, ctx: BenchContext, learners: number): Promise<Comparison> {
  const moodle = await connectMoodle(jalon);
  const p = moodle.platform;
  try {
    seedPassingCourse(p, 'big', learners);
    p.enrol('prof', 'big', 'instructor');
    const mc = await microcredentialFor(jalon, moodle, 'big');
    // An instructor's launch: Jalon learns the course's NRPS memberships URL from it.
    const launch = await new Browser().launch(p, { user: 'prof', course: 'big' });
    if (launch.final.status !== 200) throw new Error(`launch answered ${launch.final.status}`);
    const settings = await jalon.running.services.connectorSettings.get(moodle.platformId);
    if (settings?.kind !== 'moodle') throw new Error('no Moodle connector');
    const course = { contextId: p.course('big').contextId };
    const quiz = p.moodle.quizzesIn('big')[0]!;
    const essay = p.moodle.assignmentsIn('big')[0]!;
    const reconcile = async () => {
      // The database's clock, so that only the jobs this reconcile caused are waited for.
      const r = await jalon.database.db.execute(sql`SELECT now() AS now`);
      const since = new Date(String((r as { rows: Array<{ now: unknown }> }).rows[0]!.now));
      await jalon.running.services.jobs.enqueue({ kind: RESULTS_RECONCILE, payload: {} });
      // The background workers run it and what it causes; done when nothing is left.
      try {
        await until(
          async () => (await pending(jalon, since)) === 0,
          ctx.quick ? 60_000 : 600_000,
          'reconcile chain',
        );
      } catch (err) {
        const left = await jalon.database.db
          .select({ kind: jobs.kind, status: jobs.status, lastError: jobs.lastError })
          .from(jobs)
          .where(and(inArray(jobs.status, ['queued', 'running']), gte(jobs.createdAt, since)))
          .limit(3);
        throw new Error(`${(err as Error).message}; left: ${JSON.stringify(left)}`, { cause: err });
      }
    };
    // First reconcile untimed: it awards everyone (e-mails, transcript). The timed ones are the
    // steady state every 15 minutes: everything read again, nothing new.
    ctx.progress(`award reconcile ${learners}: first (awarding) reconcile, untimed…`);
    await reconcile();
    const awarded = await jalon.database.db
      .select({ id: awards.id })
      .from(awards)
      .where(eq(awards.microcredentialId, mc.id));
    if (awarded.length !== learners)
      throw new Error(`first reconcile awarded ${awarded.length} of ${learners}`);
    const requests = () => ({ platformRequests: p.httpRequests.length });
    const subject: Target = {
      name: 'jalon',
      op: reconcile,
      sample: async () => ({ counters: requests() }),
    };
    const baseline: Target = {
      name: 'reads',
      async op() {
        const read = async () => {
          const c = new MoodleConnector({ siteUrl: settings.baseUrl, token: settings.token });
          const roster = await c.readRoster(course);
          const ids = roster.map((r) => r.lmsUserId);
          await c.readAttempts(course, { source: 'moodle-quiz', lmsId: String(quiz.id) }, ids);
          await c.readAttempts(course, { source: 'moodle-assign', lmsId: String(essay.id) }, ids);
        };
        // Thousands of keep-alive requests now and then meet a socket the platform just
        // closed ("unreachable"). Jalon's job is retried by the queue then; the baseline is
        // retried once too, and says so.
        try {
          await read();
        } catch (err) {
          if (!(err instanceof ConnectorError && err.code === 'UNAVAILABLE')) throw err;
          await read();
          return { retries: 1 };
        }
        return { retries: 0 };
      },
      sample: async () => ({ counters: requests() }),
    };
    ctx.progress(`award reconcile ${learners}: whole reconcile (NRPS roster) vs the connector reads alone…`);
    const m = await runInterleaved(subject, baseline, {
      concurrency: 1,
      rounds: 2,
      opsPerSlice: 1,
      sliceTimeLimitMs: 600_000,
      opTimeoutMs: 600_000,
    });
    return { label: `reconcile ${learners}`, ...m };
  } finally {
    // Its LMS closes now: a later reconcile (the cron's) must not keep retrying this course.
    await jalon.running.services.registry.disable(moodle.platformId, 'bench');
    await p.close();
  }
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  ctx.progress('award: starting Jalon (in-process, background workers) and the test platforms…');
  if (ctx.postgresUrl) process.env.DATABASE_URL = ctx.postgresUrl;
  const workers = 2;
  const jalon = await startJalon({
    logLevel: 'warn',
    jobs: { workers, pollMs: 10, timezone: 'America/Toronto' },
  });
  try {
    const latencyLearners = ctx.quick ? 6 : 60;
    const rosterLearners = ctx.quick ? 50 : 2000;
    // The reconcile first: it reads every defined course, so none of another case's (closed)
    // platforms may be left by then.
    const reconcile = await reconcileCase(jalon, ctx, rosterLearners);
    const comparisons = [await awardCase(jalon, ctx, latencyLearners), reconcile];
    return {
      comparisons,
      notes: [
        `grade→award: ${latencyLearners} Canvas learners, each once: grade at the test platform, signed grade_change`,
        `  POSTed to /push/canvas, until the award row exists (polled every ${POLL_MS} ms); ${workers} background`,
        '  workers, poll 10 ms. push+insert = same grade change, bare express + jose jwtVerify + one INSERT,',
        '  until that row is seen (same poll). Concurrency 1: latency, not throughput.',
        `reconcile: results.reconcile of a Moodle course of ${rosterLearners} passing learners, roster through NRPS,`,
        '  until every job it caused is done (steady state: a first, awarding reconcile ran untimed);',
        '  reads = the connector reads alone (web-service roster + quiz + assignment per learner).',
        '  "requests to the platform" = every HTTP request the test LMS received (token, NRPS, web services).',
        `  jalon on ${ctx.postgresUrl ? 'PostgreSQL (--postgres)' : 'in-memory PGlite'}.`,
      ],
    };
  } finally {
    await jalon.stop();
  }
}

/** The award benchmark (see the file comment). */
export const benchmark: Benchmark = {
  name: 'award',
  description:
    'LMS grade change to claimable award (p50/p95) vs push+insert; a large reconcile and its LMS requests',
  run,
};
