/**
 * Standings and awards on a real database: standings are stored for every learner, an
 * achieved learner gets one award with its transcript record, e-mail and gradebook jobs in
 * the same transaction, re-evaluations and concurrent evaluations never award twice, and
 * the `standings.evaluate` job runs it through the queue.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { and, eq } from 'drizzle-orm';
import { recordAttempts } from '../../src/attempts/store.js';
import { loadConfig } from '../../src/config/index.js';
import { awards, overrides, standings, transcriptRecords } from '../../src/db/schema/index.js';
import { enqueue } from '../../src/jobs/enqueue.js';
import { Worker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/log.js';
import { saveIssuerProfile } from '../../src/platforms/issuer-profile.js';
import type { Services } from '../../src/services.js';
import { evaluateLearners } from '../../src/standings/evaluate.js';
import { decisionsJobs } from '../../src/standings/jobs.js';
import type { Mailer, OutgoingMail } from '../../src/notify/mailer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { april, attempt } from '../microcredentials/fixtures.js';
import {
  addFeedback,
  addLearner,
  count,
  jobsOf,
  newMicrocredential,
  tempDataDir,
  testDefinition,
} from './helpers.js';

let database: TestDatabase;
let platformId: string;
const NOW = new Date('2025-05-02T12:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  platformId = await addPlatformRow(database.db);
  await saveIssuerProfile(
    database.db,
    platformId,
    {
      nameFr: 'Collège Boréal',
      nameEn: 'Boreal College',
      url: 'https://boreal.example.edu',
      email: 'badges@boreal.example.edu',
    },
    'test',
  );
});
afterAll(async () => {
  await database?.close();
});

const a = (learner: string, n: number, score: number | null, day: number) =>
  attempt(n, score, april(day), { learner, sourceId: `${learner}-${n}` });

describe('evaluateLearners', () => {
  test('stores a standing for every learner Jalon knows, and awards the one who passed', async () => {
    const db = database.db;
    const mc = await newMicrocredential(db, platformId);
    await addLearner(db, mc, 'ana', { sisPersonId: 'S12345', lmsUserId: '42', locale: 'fr_ca' });
    await addLearner(db, mc, 'ben', { locale: 'en' });
    await addLearner(db, mc, 'chloe');
    await recordAttempts(db, mc, [a('ana', 1, 85, 3), a('ben', 1, 60, 4), a('dana', 1, null, 5)]);

    const results = await evaluateLearners(db, mc, undefined, {
      now: NOW,
      publicUrl: 'https://jalon.example',
    });
    expect(results.map((r) => [r.learner, r.standing.status, r.awarded])).toEqual([
      ['ana', 'achieved', true],
      ['ben', 'past_deadline', false],
      ['chloe', 'past_deadline', false],
      ['dana', 'awaiting_grade', false],
    ]);
    const rows = await db.select().from(standings).where(eq(standings.microcredentialId, mc));
    expect(rows).toHaveLength(4);

    const [award] = await db.select().from(awards).where(eq(awards.microcredentialId, mc));
    expect(award).toMatchObject({
      userId: 'ana',
      score: '85.00',
      passingAttempt: 1,
      decidedBy: 'policy',
      byPriorLearning: false,
    });
    const [record] = await db
      .select()
      .from(transcriptRecords)
      .where(eq(transcriptRecords.awardId, award!.id));
    expect(record).toMatchObject({
      event: 'awarded',
      learnerId: 'ana',
      sisPersonId: 'S12345',
      lmsUserId: '42',
      courseTitle: 'MATH101',
      score: '85.00',
      institution: {
        name: { fr: 'Collège Boréal', en: 'Boreal College' },
        url: 'https://boreal.example.edu',
      },
      title: { fr: 'Premiers soins en milieu de travail', en: 'Workplace first aid' },
    });
    expect((record!.essentials as Record<string, unknown>).notionalHours).toBe(15);
    expect(record!.expiresAt?.toISOString()).toBe('2028-05-02T12:00:00.000Z');

    const mails = (await jobsOf(db, 'email.send')).filter((p) => p.to === 'ana@example.edu');
    expect(mails).toEqual([
      {
        to: 'ana@example.edu',
        lang: 'fr',
        template: 'award',
        params: expect.objectContaining({
          claimUrl: 'https://jalon.example/lti/claim',
          title: 'Premiers soins en milieu de travail',
        }),
      },
    ]);
    expect((await jobsOf(db, 'gradebook.write')).filter((p) => p.microcredentialId === mc)).toEqual([
      { microcredentialId: mc, learner: 'ana' },
    ]);

    // Evaluating again changes nothing: still one award, one record, one e-mail.
    const again = await evaluateLearners(db, mc, ['ana'], { now: NOW });
    expect(again[0]).toMatchObject({ awarded: false, awardId: award!.id });
    expect(await count(db, 'awards', `microcredential_id = '${mc}'`)).toBe(1);
    expect(await count(db, 'transcript_records', `microcredential_id = '${mc}'`)).toBe(1);
    expect(await count(db, 'jobs', `kind = 'email.send' and payload->>'to' = 'ana@example.edu'`)).toBe(1);
  });

  test('ten concurrent evaluations of a passing learner give one award, one record, one e-mail', async () => {
    const db = database.db;
    const mc = await newMicrocredential(db, platformId);
    await addLearner(db, mc, 'eve');
    await recordAttempts(db, mc, [a('eve', 1, 90, 3)]);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => evaluateLearners(db, mc, ['eve'], { now: NOW })),
    );
    expect(results.flat().filter((r) => r.awarded)).toHaveLength(1);
    expect(await count(db, 'awards', `microcredential_id = '${mc}'`)).toBe(1);
    expect(await count(db, 'transcript_records', `microcredential_id = '${mc}'`)).toBe(1);
    expect(await count(db, 'jobs', `kind = 'email.send' and payload->>'to' = 'eve@example.edu'`)).toBe(1);
  });

  test('prior learning, manual decisions and withdrawn overrides', async () => {
    const db = database.db;
    const mc = await newMicrocredential(
      db,
      platformId,
      testDefinition((d) => {
        (d.assessment as Record<string, unknown>).priorLearningAllowed = true;
      }),
    );
    await addLearner(db, mc, 'rpl', { path: 'rpl' });
    await recordAttempts(db, mc, [a('rpl', 1, 95, 2), a('man', 1, 20, 2), a('wd', 1, 20, 2)]);
    const decision = (learner: string, withdrawn: boolean) => ({
      id: `ov-${learner}`,
      microcredentialId: mc,
      learner,
      kind: 'manual_decision' as const,
      data: {
        kind: 'manual_decision',
        decision: 'achieved',
        reason: 'Démonstration en personne',
        decidedAt: april(20),
        decidedBy: 'prof',
      },
      createdBy: 'prof',
      ...(withdrawn && { withdrawnAt: new Date(), withdrawnBy: 'prof' }),
    });
    await db.insert(overrides).values([decision('man', false), decision('wd', true)]);
    const results = await evaluateLearners(db, mc, undefined, { now: NOW });
    expect(Object.fromEntries(results.map((r) => [r.learner, [r.standing.status, r.awarded]]))).toEqual({
      rpl: ['achieved', true],
      man: ['achieved', true],
      wd: ['past_deadline', false],
    });
    const rows = await db.select().from(awards).where(eq(awards.microcredentialId, mc));
    expect(rows.find((r) => r.userId === 'rpl')).toMatchObject({
      byPriorLearning: true,
      decidedBy: 'policy',
    });
    expect(rows.find((r) => r.userId === 'man')).toMatchObject({ decidedBy: 'manual', score: '20.00' });
    expect(
      await count(db, 'audit_log', `action = 'award.create' and details->>'microcredentialId' = '${mc}'`),
    ).toBe(2);
  });

  test('feedback arriving turns feedback_owed into retry_open, and the second attempt awards', async () => {
    const db = database.db;
    const mc = await newMicrocredential(db, platformId);
    await recordAttempts(db, mc, [a('fay', 1, 50, 3)]);
    expect((await evaluateLearners(db, mc, ['fay'], { now: new Date(april(5)) }))[0]!.standing.status).toBe(
      'feedback_owed',
    );
    await addFeedback(db, mc, 'fay', april(6));
    expect((await evaluateLearners(db, mc, ['fay'], { now: new Date(april(7)) }))[0]!.standing.status).toBe(
      'retry_open',
    );
    await recordAttempts(db, mc, [a('fay', 2, 81, 10)]);
    const [r] = await evaluateLearners(db, mc, ['fay'], { now: new Date(april(11)) });
    expect(r).toMatchObject({
      awarded: true,
      standing: { status: 'achieved', passingAttempt: { attemptNumber: 2 } },
    });
    // No learner row (no address): no e-mail, but the gradebook job.
    expect(
      await count(
        db,
        'jobs',
        `kind = 'email.send' and payload->'params'->>'course' = 'MATH101' and payload->>'to' like 'fay%'`,
      ),
    ).toBe(0);
    expect(
      await count(
        db,
        'jobs',
        `kind = 'gradebook.write' and payload->>'learner' = 'fay' and payload->>'microcredentialId' = '${mc}'`,
      ),
    ).toBe(1);
  });

  test('recent LMS feedback that opens a new attempt is e-mailed to the learner once; old feedback is not', async () => {
    const db = database.db;
    const mc = await newMicrocredential(db, platformId);
    await addLearner(db, mc, 'gil', { locale: 'en' });
    await addLearner(db, mc, 'hal', { locale: 'fr' });
    await recordAttempts(db, mc, [a('gil', 1, 50, 3), a('hal', 1, 50, 3)]);
    await addFeedback(db, mc, 'gil', april(6));
    await addFeedback(db, mc, 'hal', april(4));
    for (let i = 0; i < 3; i++) await evaluateLearners(db, mc, undefined, { now: new Date(april(12)) });
    const mails = await jobsOf(db, 'email.send');
    expect(mails.filter((m) => m.to === 'gil@example.edu')).toEqual([
      expect.objectContaining({ template: 'feedbackLms', lang: 'en' }),
    ]);
    expect(mails.filter((m) => m.to === 'hal@example.edu')).toEqual([]);
  });

  test('a micro-credential without a definition, or unknown, evaluates nobody', async () => {
    expect(await evaluateLearners(database.db, 'mc-nope')).toEqual([]);
  });
});

describe('the standings.evaluate job', () => {
  test('runs through the queue, commits with the job, and refuses a malformed payload at once', async () => {
    const db = database.db;
    const sent: OutgoingMail[] = [];
    const mailer: Mailer = {
      send: async (m) => {
        sent.push(m);
        return { messageId: `<m${sent.length}@test>` };
      },
      close: () => undefined,
    };
    const config = loadConfig({}, { dataDir: tempDataDir(), publicUrl: 'https://jalon.example' });
    const services = { config, log: createLogger('silent'), database, engine: {} } as unknown as Services;
    const catalog = decisionsJobs(services, { mailer });
    const mc = await newMicrocredential(db, platformId);
    await addLearner(db, mc, 'gus', { locale: 'en' });
    await recordAttempts(db, mc, [a('gus', 1, 100, 3)]);
    await enqueue(db, { kind: 'standings.evaluate', payload: { microcredentialId: mc } });
    const bad = await enqueue(db, { kind: 'standings.evaluate', payload: { learners: 'x' } });
    const handlers = {
      'standings.evaluate': catalog.handlers['standings.evaluate']!,
      'email.send': catalog.handlers['email.send']!,
    };
    await new Worker(db, { handlers, workerId: 'test' }).runUntilIdle(20);
    const [award] = await db
      .select()
      .from(awards)
      .where(and(eq(awards.microcredentialId, mc), eq(awards.userId, 'gus')));
    expect(award).toBeDefined();
    expect(sent.filter((m) => m.to === 'gus@example.edu')).toEqual([
      expect.objectContaining({
        subject: 'You have earned the micro-credential Workplace first aid',
        lang: 'en',
      }),
    ]);
    expect(sent.find((m) => m.to === 'gus@example.edu')!.text).toContain('https://jalon.example/lti/claim');
    const badRow = await db.execute(`select status, last_error from jobs where id = '${bad.job.id}'`);
    const rows = (Array.isArray(badRow) ? badRow : (badRow as { rows: unknown[] }).rows) as Array<
      Record<string, unknown>
    >;
    expect(rows[0]).toMatchObject({ status: 'failed' });
  });
});
