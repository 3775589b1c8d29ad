/**
 * E-mail: the SMTP path against a real SMTP server on a socket (smtp-server), the outbox
 * path (.eml files under DATA_DIR/outbox), the templates in French and English, the
 * `email.send` job (malformed payloads fail at once), and the daily reminder to
 * instructors who owe feedback (at most once a day).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eq, like } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { recordAttempts } from '../../src/attempts/store.js';
import { loadConfig } from '../../src/config/index.js';
import { courseInstructors, jobs } from '../../src/db/schema/index.js';
import { enqueue } from '../../src/jobs/enqueue.js';
import { Worker } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/log.js';
import { createMailer } from '../../src/notify/mailer.js';
import { dayIn, queueFeedbackReminders } from '../../src/notify/reminders.js';
import { emailPayloadProblem, renderEmail } from '../../src/notify/templates.js';
import type { Services } from '../../src/services.js';
import { evaluateLearners } from '../../src/standings/evaluate.js';
import { decisionsJobs } from '../../src/standings/jobs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { april, attempt } from '../microcredentials/fixtures.js';
import { addLearner, count, newMicrocredential, tempDataDir } from '../standings/helpers.js';

interface Received {
  from: string;
  to: string[];
  data: string;
}

let smtp: SMTPServer;
let smtpPort: number;
const received: Received[] = [];
let database: TestDatabase;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  database = await createTestDatabase();
});
afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await database?.close();
});

describe('templates', () => {
  test('award e-mail in French and English, subject on one line', () => {
    const params = {
      name: 'Ana',
      title: 'Premiers soins\r\nX',
      course: 'MATH101',
      claimUrl: 'https://j.example/lti/claim',
    };
    const fr = renderEmail({ to: 'a@x.ca', lang: 'fr', template: 'award', params });
    expect(fr.subject).toBe('Vous avez obtenu la microcertification Premiers soins X');
    expect(fr.text).toContain('Félicitations');
    expect(fr.text).toContain('https://j.example/lti/claim');
    const en = renderEmail({
      to: 'a@x.ca',
      lang: 'en',
      template: 'feedback',
      params: { ...params, feedback: 'Revise CPR', due: 'April 30' },
    });
    expect(en.subject).toContain('Your instructor has given you feedback');
    expect(en.text).toContain('Revise CPR');
  });

  test('payload checks say what is wrong', () => {
    expect(emailPayloadProblem({ to: 'nobody', lang: 'fr', template: 'award', params: {} })).toBe(
      'to is not an e-mail address',
    );
    expect(emailPayloadProblem({ to: 'a@b.c', lang: 'de', template: 'award', params: {} })).toBe(
      'lang must be fr or en',
    );
    expect(emailPayloadProblem({ to: 'a@b.c', lang: 'fr', template: 'spam', params: {} })).toBe(
      'unknown template',
    );
    expect(emailPayloadProblem({ to: 'a@b.c', lang: 'fr', template: 'award', params: { x: {} } })).toBe(
      'params must be strings or numbers',
    );
    expect(emailPayloadProblem(null)).toBe('payload is not an object');
    expect(emailPayloadProblem({ to: 'a@b.c', lang: 'fr', template: 'award', params: {} })).toBeNull();
  });
});

describe('mailer', () => {
  test('SMTP_URL set: the message reaches a real SMTP server', async () => {
    const mailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
      from: 'jalon@college.example',
      dataDir: tempDataDir(),
    });
    const before = received.length;
    const sent = await mailer.send({
      to: 'ana@example.edu',
      subject: 'Bonjour é',
      text: 'Corps du message',
      lang: 'fr',
    });
    mailer.close();
    expect(sent.messageId).toMatch(/@/);
    const got = received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ from: 'jalon@college.example', to: ['ana@example.edu'] });
    expect(got[0]!.data).toContain('Content-Language: fr');
    expect(got[0]!.data).toMatch(/Subject: =\?UTF-8\?/);
  });

  test('SMTP_URL empty: the message is written as an .eml under DATA_DIR/outbox', async () => {
    const dataDir = tempDataDir();
    const mailer = createMailer({ smtpUrl: '', from: 'jalon@college.example', dataDir });
    const sent = await mailer.send({ to: 'ben@example.edu', subject: 'Hello', text: 'Body text' });
    expect(sent.file).toBeDefined();
    const files = readdirSync(path.join(dataDir, 'outbox'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const eml = readFileSync(path.join(dataDir, 'outbox', files[0]!), 'utf8');
    expect(eml).toContain('To: ben@example.edu');
    expect(eml).toContain('Subject: Hello');
    expect(eml).toContain('Body text');
  });

  test('SMTP server down: the job fails and is retried later, not lost', async () => {
    const config = loadConfig({}, { dataDir: tempDataDir(), smtpUrl: 'smtp://127.0.0.1:1' });
    const services = { config, log: createLogger('silent'), database, engine: {} } as unknown as Services;
    const { handlers } = decisionsJobs(services);
    const { job } = await enqueue(database.db, {
      kind: 'email.send',
      payload: { to: 'x@example.edu', lang: 'en', template: 'award', params: {} },
    });
    await new Worker(database.db, {
      handlers: { 'email.send': handlers['email.send']! },
      workerId: 't',
    }).runUntilIdle(3);
    const [row] = await database.db.select().from(jobs).where(eq(jobs.id, job.id));
    expect(row).toMatchObject({ status: 'queued', attempts: 1 });
    expect(row!.lastError).toMatch(/ECONNREFUSED|connect/i);
    await database.db.delete(jobs).where(eq(jobs.id, job.id));
  });
});

describe('email.send job and reminders', () => {
  test('the job sends through SMTP_URL; the daily reminder goes once a day to instructors with feedback owed', async () => {
    const db = database.db;
    const config = loadConfig(
      {},
      { dataDir: tempDataDir(), smtpUrl: `smtp://127.0.0.1:${smtpPort}`, mailFrom: 'jalon@college.example' },
    );
    const services = { config, log: createLogger('silent'), database, engine: {} } as unknown as Services;
    const catalog = decisionsJobs(services);
    expect(catalog.periodic).toEqual([
      expect.objectContaining({ kind: 'notify.feedbackReminders', cron: '0 8 * * *' }),
    ]);
    const handlers = { 'email.send': catalog.handlers['email.send']! };

    const platformId = await addPlatformRow(db, 'mail');
    const mc = await newMicrocredential(db, platformId);
    await addLearner(db, mc, 'ana', { name: 'Ana Tremblay' });
    await recordAttempts(db, mc, [attempt(1, 40, april(3), { learner: 'ana', sourceId: 'ana-1' })]);
    await evaluateLearners(db, mc, undefined, { now: new Date(april(5)) });
    await db.insert(courseInstructors).values([
      { microcredentialId: mc, userId: 'prof', name: 'Prof Roy', email: 'prof@example.edu', locale: 'fr' },
      { microcredentialId: mc, userId: 'ta', name: 'TA', email: null },
    ]);
    const morning = new Date('2025-04-05T12:00:00Z');
    expect(await queueFeedbackReminders(db, morning, 'America/Toronto')).toBe(1);
    // Same day again (a second instance's cron, a retry): nothing new.
    expect(await queueFeedbackReminders(db, new Date('2025-04-05T20:00:00Z'), 'America/Toronto')).toBe(0);
    // The key names a day: it need hold only a little past it, then the row may be pruned.
    const [queued] = await db.select().from(jobs).where(like(jobs.onceKey, 'email:reminder:%'));
    expect(queued!.onceUntil).toEqual(new Date(morning.getTime() + 2 * 86_400_000));
    expect(dayIn(new Date('2025-04-06T02:00:00Z'), 'America/Toronto')).toBe('2025-04-05');
    const before = received.length;
    await new Worker(db, { handlers, workerId: 'mail' }).runUntilIdle(10);
    const got = received.slice(before).filter((m) => m.to.includes('prof@example.edu'));
    expect(got).toHaveLength(1);
    expect(got[0]!.data).toContain('Ana Tremblay');
    expect(
      await count(
        db,
        'jobs',
        `kind = 'email.send' and status = 'done' and payload->>'to' = 'prof@example.edu'`,
      ),
    ).toBe(1);
    // The next day, a new reminder.
    expect(await queueFeedbackReminders(db, new Date('2025-04-06T12:00:00Z'), 'America/Toronto')).toBe(1);
  });
});
