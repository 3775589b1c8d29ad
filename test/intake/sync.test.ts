/**
 * `results.sync` and `results.reconcile` against a real Jalon (database, job queue) and the
 * Moodle- and Canvas-shaped test platforms over HTTP: attempts, feedback, completions and the
 * roster land once however often the sync runs (sequentially or concurrently), the standings
 * evaluation is asked for, a broken connector is recorded and stops only its own course, and
 * the reconcile enqueues once per period.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { eq } from 'drizzle-orm';
import { listAttempts } from '../../src/attempts/store.js';
import { auditLog, jobs } from '../../src/db/schema/index.js';
import { listCompletions, listFeedback, listLearners, upsertLearner } from '../../src/intake/facts-store.js';
import { RESULTS_RECONCILE, RECONCILE_SCHEDULE } from '../../src/intake/reconcile.js';
import { intakeStatusOf } from '../../src/intake/status.js';
import { RESULTS_SYNC, STANDINGS_EVALUATE, syncDedupeKey } from '../../src/intake/sync.js';
import { enqueuePeriodic } from '../../src/jobs/schedule.js';
import { Worker } from '../../src/jobs/worker.js';
import type { Microcredential } from '../../src/definitions/repository.js';
import { translator } from '../../src/i18n/index.js';
import type { TestJalon } from '../helpers/jalon.js';
import { Browser } from '../platform/index.js';
import {
  authorise,
  connectMoodle,
  definitionFor,
  jobsOf,
  microcredentialFor,
  type ConnectedPlatform,
  runSync,
} from './setup.js';
import { useBothLmss } from './both-lmss.js';

let jalon: TestJalon;
let moodle: ConnectedPlatform;
let canvas: ConnectedPlatform;

useBothLmss((env) => ({ jalon, moodle, canvas } = env));

const services = () => jalon.running.services;
const db = () => jalon.database.db;
const sub = (cp: ConnectedPlatform, handle: string) => cp.platform.user(handle).sub;

const sync = (mc: Microcredential, learners?: string[]) => runSync(jalon, mc, learners);

/** Attempts as [learner, source, lms id, number, score] rows, sorted. */
async function attemptRows(mc: Microcredential) {
  return (await listAttempts(db(), mc.id))
    .map((a) => [a.learner, a.assessmentSource, a.attemptNumber, a.score] as const)
    .sort((a, b) => `${a[0]}${a[1]}${a[2]}`.localeCompare(`${b[0]}${b[1]}${b[2]}`));
}

describe('results.sync on Moodle', () => {
  let mc: Microcredential;
  beforeAll(async () => {
    mc = await microcredentialFor(jalon, moodle, 'math', { completion: { course: true, activities: [] } });
  });

  test('reads the roster, quiz and assignment attempts, feedback and completion', async () => {
    await sync(mc);
    const learners = await listLearners(db(), mc.id);
    // Active students only (eve is suspended), with what Moodle says of them.
    expect(learners.map((l) => l.userId).sort()).toEqual(
      ['ana', 'ben', 'chloe', 'dana'].map((h) => sub(moodle, h)).sort(),
    );
    const ana = learners.find((l) => l.userId === sub(moodle, 'ana'))!;
    expect(ana).toMatchObject({ lmsUserId: sub(moodle, 'ana'), sisPersonId: 'S12345', status: 'active' });
    expect(ana.email).toContain('@');

    const rows = await attemptRows(mc);
    const of = (h: string) => rows.filter((r) => r[0] === sub(moodle, h)).map((r) => r.slice(1));
    // Quiz: raw marks out of 20 scaled to 10; the in-progress and preview attempts are not attempts.
    expect(of('ana')).toEqual([
      ['moodle-assign', 1, 48],
      ['moodle-assign', 2, 86],
      ['moodle-quiz', 1, 6],
      ['moodle-quiz', 2, 8.5],
    ]);
    expect(of('ben')).toEqual([
      ['moodle-assign', 1, 92],
      ['moodle-quiz', 1, 9],
    ]);
    expect(of('chloe')).toEqual([['moodle-assign', 1, null]]);
    expect(of('dana')).toEqual([['moodle-quiz', 1, null]]);

    const fb = await listFeedback(db(), mc.id);
    expect(
      fb.filter((f) => f.learner === sub(moodle, 'ana')).map((f) => [f.attemptNumber, f.origin]),
    ).toEqual([
      [1, 'lms'],
      [2, 'lms'],
    ]);
    const done = await listCompletions(db(), mc.id);
    expect(
      done
        .filter((c) => c.scope.kind === 'course')
        .map((c) => c.learner)
        .sort(),
    ).toEqual([sub(moodle, 'ana'), sub(moodle, 'ben')].sort());
    expect((await intakeStatusOf(db(), mc.id))?.problem).toBeNull();
  });

  test('asks for the standings of every learner read, once', async () => {
    const evaluations = (await jobsOf(jalon, STANDINGS_EVALUATE)).filter(
      (j) => (j.payload as { microcredentialId: string }).microcredentialId === mc.id,
    );
    expect(evaluations).toHaveLength(1);
    expect((evaluations[0]!.payload as { learners: string[] }).learners.sort()).toEqual(
      ['ana', 'ben', 'chloe', 'dana'].map((h) => sub(moodle, h)).sort(),
    );
  });

  test('running it again changes nothing; a new attempt is added, a regrade updated', async () => {
    const before = await attemptRows(mc);
    const fbBefore = await listFeedback(db(), mc.id);
    await sync(mc);
    expect(await attemptRows(mc)).toEqual(before);
    expect(await listFeedback(db(), mc.id)).toEqual(fbBefore);

    const quiz = moodle.platform.moodle.quizzesIn('math').find((q) => q.name === 'Quiz – summative')!;
    moodle.platform.moodle.addQuizAttempt(quiz.id, 'ben', {
      percent: 100,
      finishedAt: '2025-01-25T10:00:00Z',
    });
    await sync(mc, [sub(moodle, 'ben')]);
    const rows = await attemptRows(mc);
    expect(
      rows.filter((r) => r[0] === sub(moodle, 'ben') && r[1] === 'moodle-quiz').map((r) => r[3]),
    ).toEqual([9, 10]);
    expect(rows).toHaveLength(before.length + 1);
  });

  test('a targeted sync reads only that learner and asks for only their standing', async () => {
    const calls = moodle.platform.moodle.calls.length;
    await sync(mc, [sub(moodle, 'chloe')]);
    const made = moodle.platform.moodle.calls.slice(calls);
    expect(made.some((c) => c.wsfunction === 'core_enrol_get_enrolled_users')).toBe(false);
    const users = new Set(made.map((c) => c.params.userid).filter((u) => u !== undefined));
    expect([...users]).toEqual([sub(moodle, 'chloe')]);
    const evaluations = await jobsOf(jalon, STANDINGS_EVALUATE);
    expect(evaluations.some((j) => j.dedupeKey === `standings:${mc.id}:${sub(moodle, 'chloe')}`)).toBe(true);
  });

  test('a learner Moodle no longer knows is skipped, not a failure of the course', async () => {
    await sync(mc, ['987654']);
    const [job] = (await jobsOf(jalon, RESULTS_SYNC)).filter(
      (j) => j.dedupeKey === syncDedupeKey(mc.id, '987654'),
    );
    expect(job?.status).toBe('done');
    expect((await intakeStatusOf(db(), mc.id))?.problem).toBeNull();
    expect(jalon.logs.some((l) => l.msg === 'learner unreadable in Moodle' && l.user === '987654')).toBe(
      true,
    );
  });

  test('two syncs running at once give one row per attempt', async () => {
    const fresh = await microcredentialFor(jalon, moodle, 'hist');
    const quiz = moodle.platform.moodle.quizzesIn('hist')[0]!;
    moodle.platform.moodle.addQuizAttempt(quiz.id, 'ana', {
      percent: 50,
      finishedAt: '2025-02-01T10:00:00Z',
    });
    await upsertLearner(db(), fresh.id, { userId: sub(moodle, 'ana'), lmsUserId: sub(moodle, 'ana') });
    // Two distinct jobs (different dedupe keys) claimed by two workers and run together.
    for (const key of ['a', 'b'])
      await services().jobs.enqueue({
        kind: RESULTS_SYNC,
        payload: { microcredentialId: fresh.id, learners: [sub(moodle, 'ana')] },
        dedupeKey: `test-concurrent-${key}`,
      });
    const handlers = {
      [RESULTS_SYNC]: (await import('../../src/intake/jobs.js')).intakeJobs(services()).handlers[
        RESULTS_SYNC
      ]!,
    };
    const w1 = new Worker(db(), { handlers, batchSize: 1, workerId: 'w1' });
    const w2 = new Worker(db(), { handlers, batchSize: 1, workerId: 'w2' });
    await Promise.all([w1.runOnce(), w2.runOnce()]);
    const rows = (await listAttempts(db(), fresh.id)).filter((a) => a.assessmentSource === 'moodle-quiz');
    expect(rows).toHaveLength(1);
    const done = await db().select().from(jobs).where(eq(jobs.kind, RESULTS_SYNC));
    expect(done.filter((j) => j.dedupeKey?.startsWith('test-concurrent')).map((j) => j.status)).toEqual([
      'done',
      'done',
    ]);
  });
});

describe('results.sync on Canvas', () => {
  let mc: Microcredential;
  beforeAll(async () => {
    mc = await microcredentialFor(jalon, canvas);
  });

  test('reads submissions with history and comments for learners known from their launches', async () => {
    // Canvas REST does not give LTI ids: a learner who never launched cannot be keyed yet.
    const browser = new Browser();
    const r = await browser.launch(canvas.platform, { user: 'ben', course: 'math' });
    expect(r.final.status).toBe(200);
    const known = await listLearners(db(), mc.id);
    expect(known.map((l) => [l.userId, l.lmsUserId])).toEqual([
      [sub(canvas, 'ben'), canvas.platform.user('ben').restId],
    ]);
    await upsertLearner(db(), mc.id, {
      userId: sub(canvas, 'ana'),
      lmsUserId: canvas.platform.user('ana').restId,
    });

    await sync(mc);
    const rows = await attemptRows(mc);
    // The essay's submission history, and the classic quiz's attempts through its assignment.
    expect(rows.filter((r) => r[0] === sub(canvas, 'ben')).map((r) => r.slice(1))).toEqual([
      ['canvas-assignment', 1, 52],
      ['canvas-assignment', 2, 86],
      ['canvas-quiz', 1, 6],
      ['canvas-quiz', 2, 9],
    ]);
    expect(rows.filter((r) => r[0] === sub(canvas, 'ana')).map((r) => r.slice(1))).toEqual([
      ['canvas-assignment', 1, 91],
      ['canvas-quiz', 1, 8],
    ]);
    const fb = await listFeedback(db(), mc.id);
    expect(fb.filter((f) => f.learner === sub(canvas, 'ben')).length).toBeGreaterThanOrEqual(1);
    expect(fb.every((f) => f.origin === 'lms')).toBe(true);
    // The roster read matched the known learners and filled in what Canvas says of them.
    const ben = (await listLearners(db(), mc.id)).find((l) => l.userId === sub(canvas, 'ben'))!;
    expect(ben.status).toBe('active');
    expect(ben.name).toBeTruthy();
  });

  test('re-running is idempotent', async () => {
    const before = await attemptRows(mc);
    const fb = await listFeedback(db(), mc.id);
    await sync(mc);
    expect(await attemptRows(mc)).toEqual(before);
    expect(await listFeedback(db(), mc.id)).toEqual(fb);
  });

  test("reads as the course's own instructor, not whoever authorised last", async () => {
    // A course designer authorises after prof; Canvas would refuse them the submissions.
    await authorise(jalon, canvas, canvas.apiKey!, 'designer');
    const r = await new Browser().launch(canvas.platform, { user: 'prof', course: 'math' });
    expect(r.final.status).toBe(200);
    const from = canvas.platform.canvas.requests.length;
    await sync(mc, [sub(canvas, 'ben')]);
    const made = canvas.platform.canvas.requests.slice(from);
    expect(made.length).toBeGreaterThan(0);
    expect(new Set(made.map((q) => q.user))).toEqual(new Set(['prof']));
    expect((await intakeStatusOf(db(), mc.id))?.problem).toBeNull();
    // Prof is not a learner of the course for having launched.
    expect((await listLearners(db(), mc.id)).some((l) => l.userId === sub(canvas, 'prof'))).toBe(false);
  });

  test('Canvas throttling is retried later, not failed', async () => {
    canvas.platform.canvas.failNext(50, 503);
    await sync(mc, [sub(canvas, 'ana')]);
    canvas.platform.canvas.clearFaults();
    const [job] = (await jobsOf(jalon, RESULTS_SYNC)).filter(
      (j) => j.dedupeKey === syncDedupeKey(mc.id, sub(canvas, 'ana')),
    );
    expect(job?.status).toBe('queued'); // back-off: retried later
    expect((await intakeStatusOf(db(), mc.id))?.problem?.code).toBe('UNAVAILABLE');
    await db().update(jobs).set({ runAt: new Date() }).where(eq(jobs.id, job!.id));
    await services().jobs.drain();
    expect((await intakeStatusOf(db(), mc.id))?.problem).toBeNull();
  });
});

describe('a broken connector', () => {
  test('is recorded on its course and audited once, and does not stop another course', async () => {
    const other = await connectMoodle(jalon);
    const broken = await microcredentialFor(jalon, other);
    const healthy = await microcredentialFor(jalon, moodle, 'hist');
    for (const t of [...other.platform.moodle.tokens.values()]) other.platform.moodle.revokeToken(t.token);
    await services().jobs.enqueue({
      kind: RESULTS_SYNC,
      payload: { microcredentialId: broken.id },
      dedupeKey: 'broken',
    });
    await services().jobs.enqueue({
      kind: RESULTS_SYNC,
      payload: { microcredentialId: healthy.id },
      dedupeKey: 'healthy',
    });
    await services().jobs.drain();
    const status = await intakeStatusOf(db(), broken.id);
    expect(status?.problem).toMatchObject({
      code: 'AUTH',
      messageKey: expect.stringMatching(/^connectors:moodle\.error\./),
    });
    const [bj] = (await jobsOf(jalon, RESULTS_SYNC)).filter((j) => j.dedupeKey === 'broken');
    expect(bj?.status).toBe('failed');
    expect((await intakeStatusOf(db(), healthy.id))?.problem).toBeNull();
    const audits = await db().select().from(auditLog).where(eq(auditLog.subject, broken.id));
    expect(audits.filter((a) => a.action === 'results.sync.problem')).toHaveLength(1);
    // Failing again with the same problem does not audit again.
    await services().jobs.enqueue({
      kind: RESULTS_SYNC,
      payload: { microcredentialId: broken.id },
      dedupeKey: 'broken',
    });
    await services().jobs.drain();
    const again = await db().select().from(auditLog).where(eq(auditLog.subject, broken.id));
    expect(again.filter((a) => a.action === 'results.sync.problem')).toHaveLength(1);
    expect(
      jalon.logs.some((l) => l.msg === 'results.sync read failed' && l.microcredentialId === broken.id),
    ).toBe(true);
    await other.platform.close();
  });

  test('a platform without a connector says so in words', async () => {
    const { registry, definitions } = services();
    const { platform: p } = await registry.add(
      {
        issuer: 'https://no-connector.example.edu',
        clientId: 'c1',
        authEndpoint: 'https://no-connector.example.edu/auth',
        tokenEndpoint: 'https://no-connector.example.edu/token',
        jwksUri: 'https://no-connector.example.edu/jwks',
        deploymentIds: ['1'],
        productFamily: 'moodle',
      },
      'test',
      'manual',
    );
    await registry.activate(p.id, 'test');
    const lonely = await definitions.ensure({ platformId: p.id, contextId: '5' });
    await definitions.save(
      lonely.id,
      definitionFor([{ source: 'moodle-quiz', lmsId: '1', label: 'Exam' }]),
      'test',
    );
    await services().jobs.enqueue({ kind: RESULTS_SYNC, payload: { microcredentialId: lonely.id } });
    await services().jobs.drain();
    expect((await intakeStatusOf(db(), lonely.id))?.problem).toEqual({
      code: 'CONFIG',
      messageKey: 'intake:problem.noConnector',
    });
    expect(translator('fr')('intake:problem.noConnector')).toContain('connecteur');
    // Once the platform is disabled, its courses are not read at all.
    await registry.disable(p.id, 'test');
    const [before] = await db().select().from(auditLog).where(eq(auditLog.subject, lonely.id));
    await services().jobs.enqueue({ kind: RESULTS_SYNC, payload: { microcredentialId: lonely.id } });
    await services().jobs.drain();
    const last = (await jobsOf(jalon, RESULTS_SYNC)).at(-1)!;
    expect(last.status).toBe('done');
    expect(before).toBeDefined();
    expect(
      jalon.logs.some(
        (l) => l.msg === 'results.sync skipped: platform not active' && l.microcredentialId === lonely.id,
      ),
    ).toBe(true);
  });
});

describe('results.reconcile', () => {
  test('enqueues one reconcile per period, and one whole-roster sync per defined course', async () => {
    const at = new Date('2030-01-01T10:15:00Z');
    const a = await enqueuePeriodic(db(), RECONCILE_SCHEDULE, at);
    const b = await enqueuePeriodic(db(), RECONCILE_SCHEDULE, at); // a second instance's cron
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.job.id).toBe(a.job.id);
    // Only the reconcile runs here: the syncs it queues are checked, not run.
    const handlers = {
      [RESULTS_RECONCILE]: (await import('../../src/intake/jobs.js')).intakeJobs(services()).handlers[
        RESULTS_RECONCILE
      ]!,
    };
    await new Worker(db(), { handlers }).runUntilIdle();
    const queued = (await jobsOf(jalon, RESULTS_SYNC)).filter(
      (j) =>
        j.status === 'queued' && j.dedupeKey?.startsWith('results:') && !j.dedupeKey.slice(8).includes(':'),
    );
    const ids = queued.map((j) => (j.payload as { microcredentialId: string }).microcredentialId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    // A second period while those are still queued coalesces with them.
    await enqueuePeriodic(db(), RECONCILE_SCHEDULE, new Date('2030-01-01T10:30:00Z'));
    await new Worker(db(), { handlers }).runUntilIdle();
    const after = (await jobsOf(jalon, RESULTS_SYNC)).filter(
      (j) =>
        j.status === 'queued' && j.dedupeKey?.startsWith('results:') && !j.dedupeKey.slice(8).includes(':'),
    );
    expect(after).toHaveLength(queued.length);
    const reconciles = await jobsOf(jalon, RESULTS_RECONCILE);
    expect(reconciles.map((j) => j.status)).toEqual(['done', 'done']);
  });
});

describe('learners from their launches', () => {
  test('a learner launching in a course with a micro-credential joins its roster; an instructor does not', async () => {
    const p = await connectMoodle(jalon);
    const mc = await microcredentialFor(jalon, p, 'hist');
    expect(await listLearners(db(), mc.id)).toEqual([]);
    for (const user of ['ana', 'prof']) {
      const r = await new Browser().launch(p.platform, { user, course: 'hist' });
      expect(r.final.status).toBe(200);
    }
    const rows = await listLearners(db(), mc.id);
    expect(rows.map((l) => [l.userId, l.lmsUserId, l.sisPersonId, l.locale, l.status])).toEqual([
      [p.platform.user('ana').sub, p.platform.user('ana').sub, 'S12345', 'fr', 'active'],
    ]);
    expect(rows[0]!.email).toBe(p.platform.user('ana').email);
    // A launch in a course without a micro-credential records nobody.
    const r = await new Browser().launch(p.platform, { user: 'ana', course: 'math' });
    expect(r.final.status).toBe(200);
    const math = await services().definitions.find(p.platformId, p.platform.course('math').contextId);
    expect(math).toBeUndefined();
    await p.platform.close();
  });
});
