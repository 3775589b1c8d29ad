/**
 * The standings console and the learner's standing through real launches from a
 * Moodle-shaped test platform: the table with reasons, the forms (feedback, extra attempt,
 * manual decision, prior-learning path), each write audited and re-evaluating the learner
 * through the queue, bad input refused with a message and a log line, duplicate submits
 * writing nothing twice, learners kept out; then an award reaching the learner page (claim
 * link), the e-mail outbox and Jalon's AGS column with FullyGraded and increasing timestamps.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { recordSyncOk, recordSyncProblem } from '../../src/intake/status.js';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { recordAttempts } from '../../src/attempts/store.js';
import {
  auditLog,
  awards,
  courseInstructors,
  feedback,
  gradebookEndpoints,
  learners,
  microcredentials,
  overrides,
  standings,
} from '../../src/db/schema/index.js';
import { enqueue } from '../../src/jobs/enqueue.js';
import { attemptStatistics } from '../../src/web/standings-pages.js';
import type { Standing } from '../../src/microcredentials/policy.js';
import type { TestJalon } from '../helpers/jalon.js';
import type { Platform } from '../platform/index.js';
import {
  completeForm,
  fakeActivities,
  getPage,
  jalonWithMoodle,
  launch,
  postDefinition,
  text,
  type Session,
} from './definition-fixtures.js';

let jalon: TestJalon;
let moodle: Platform;
let prof: Session;
let mcId: string;
let ana: string;
let ben: string;

const formId = () => randomBytes(16).toString('hex');

async function post(
  s: Session,
  action: string,
  fields: Record<string, string | string[]>,
  opts: { cookie?: boolean; ltik?: string; lang?: string } = {},
) {
  const ltik = opts.ltik ?? s.ltik;
  const url = `${jalon.url}/lti/standings/${action}?ltik=${encodeURIComponent(ltik)}&lang=${opts.lang ?? 'en'}`;
  const body = new URLSearchParams();
  body.append('ltik', ltik);
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  const cookie = opts.cookie === false ? undefined : s.browser.jar.header(url);
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      ...(cookie && { cookie }),
      origin: jalon.url,
      'content-type': 'application/x-www-form-urlencoded',
    },
    redirect: 'manual',
  });
  return { status: res.status, body: await res.text(), location: res.headers.get('location') };
}

const drain = () => jalon.running.services.jobs.drain();
const refusals = (reason: string) => jalon.logs.filter((l) => l.reason === reason);

beforeAll(async () => {
  ({ jalon, moodle } = await jalonWithMoodle());
  jalon.running.services.activities = fakeActivities();
  prof = await launch(moodle, 'prof', 'math', 'en');
  const saved = await postDefinition(
    jalon,
    prof,
    completeForm({ 'assessment.completion.course': '', 'assessment.completion.activities': [] }),
  );
  expect(saved.status).toBe(200);
  const [mc] = await jalon.database.db.select().from(microcredentials);
  mcId = mc!.id;
  ana = moodle.user('ana').sub;
  ben = moodle.user('ben').sub;
  const db = jalon.database.db;
  await db.insert(learners).values([
    { microcredentialId: mcId, userId: ana, name: 'Ana Tremblay', email: 'ana@example.edu', locale: 'fr' },
    { microcredentialId: mcId, userId: ben, name: 'Ben Smith', email: 'ben@example.edu', locale: 'en' },
  ]);
  const at = (d: string) => `2030-03-${d}T15:00:00Z`;
  await recordAttempts(db, mcId, [
    {
      learner: ana,
      assessment: { source: 'moodle-quiz', lmsId: '101' },
      attemptNumber: 1,
      score: 5,
      maxScore: 10,
      submittedAt: at('02'),
      gradedAt: at('02'),
      source: 'moodle-ws',
      sourceId: 'a1',
    },
    {
      learner: ben,
      assessment: { source: 'moodle-quiz', lmsId: '101' },
      attemptNumber: 1,
      score: 6,
      maxScore: 10,
      submittedAt: at('03'),
      gradedAt: at('03'),
      source: 'moodle-ws',
      sourceId: 'b1',
    },
  ]);
});
afterAll(async () => {
  await moodle?.close();
  await jalon?.stop();
});

describe('standings console', () => {
  test('lists every learner with standing, reason, score and attempts; remembers the AGS service and the instructor', async () => {
    const page = await getPage(jalon, prof, 'standings', 'en');
    expect(page.status).toBe(200);
    const html = text(page.body);
    expect(html).toContain('<caption>Every learner, with their standing</caption>');
    expect(html).toContain('Ana Tremblay');
    expect(html).toContain('Attempt failed — feedback owed');
    expect(html).toMatch(/<td>50%<\/td>\s*<td>1 \/ 2<\/td>\s*<td>1<\/td>/);
    expect(html).toContain('id="dist-chart"');
    expect(html).toMatch(/<th scope="row">50–59<\/th><td>1<\/td>/);
    expect(html).toMatch(/<th scope="row">Attempt 1<\/th><td>2<\/td><td>0<\/td><td>0%<\/td>/);
    const fr = text((await getPage(jalon, prof, 'standings', 'fr')).body);
    expect(fr).toContain('Où en sont les apprenants');
    expect(fr).toContain('Rétroaction sur Final exam, tentative 1');
    const db = jalon.database.db;
    const [ep] = await db
      .select()
      .from(gradebookEndpoints)
      .where(eq(gradebookEndpoints.microcredentialId, mcId));
    expect(ep?.lineItemsUrl).toContain('/lineitems?type_id=');
    const [me] = await db
      .select()
      .from(courseInstructors)
      .where(eq(courseInstructors.microcredentialId, mcId));
    expect(me).toMatchObject({ userId: moodle.user('prof').sub });
    // The course console links to it.
    expect((await getPage(jalon, prof, 'console', 'en')).body).toContain('id="standings-link"');
  });

  test('says when results were last read, or since when and why reading fails', async () => {
    const intakeLine = async (lang: 'en' | 'fr') =>
      /<div id="intake-status">([\s\S]*?)<\/div>/.exec(
        (await getPage(jalon, prof, 'standings', lang)).body,
      )?.[1] ?? '';
    expect(text(await intakeLine('en'))).toContain('Results have not been read from the LMS yet.');
    await recordSyncOk(jalon.database.db, mcId, new Date('2030-03-02T14:00:00Z'));
    expect(text(await intakeLine('en'))).toContain('Results last read from the LMS:');
    await recordSyncProblem(jalon.database.db, mcId, {
      code: 'CONFIG',
      messageKey: 'intake:problem.noConnector',
    });
    const en = text(await intakeLine('en'));
    expect(en).toContain('Reading results has failed since');
    expect(en).toContain('no LMS connector is set up for this platform');
    expect(text(await intakeLine('fr'))).not.toContain('Reading results');
    await recordSyncOk(jalon.database.db, mcId);
  });

  test('learners get 403 on the console and its forms; their launch also tells where the AGS service is', async () => {
    await jalon.database.db.delete(gradebookEndpoints);
    const s = await launch(moodle, 'ana', 'math', 'en');
    expect(await jalon.database.db.select().from(gradebookEndpoints)).toHaveLength(1);
    // A learner's own launch makes them known (name, e-mail, language) for e-mails.
    await launch(moodle, 'chloe', 'math', 'fr-CA');
    const [chloe] = await jalon.database.db
      .select()
      .from(learners)
      .where(and(eq(learners.microcredentialId, mcId), eq(learners.userId, moodle.user('chloe').sub)));
    expect(chloe).toMatchObject({ locale: 'fr', path: 'regular' });
    expect(chloe?.email).toMatch(/@/);
    expect((await getPage(jalon, s, 'standings')).status).toBe(403);
    const r = await post(s, 'feedback', {
      formId: formId(),
      learner: ana,
      body: 'x',
      assessment: 'moodle-quiz:101',
      attempt: '1',
    });
    expect(r.status).toBe(403);
    expect(await jalon.database.db.select().from(feedback)).toHaveLength(0);
  });

  test('feedback: saved once even when submitted twice, audited, e-mailed, and the learner re-evaluated', async () => {
    const db = jalon.database.db;
    const id = formId();
    const fields = {
      formId: id,
      learner: ana,
      body: 'Revoyez la section 3.',
      assessment: 'moodle-quiz:101',
      attempt: '1',
    };
    const first = await post(prof, 'feedback', fields);
    expect(first.status).toBe(303);
    expect(first.location).toContain('/lti/standings?');
    expect(first.location).toContain('done=feedback');
    const second = await post(prof, 'feedback', fields);
    expect(second.status).toBe(303);
    const rows = await db.select().from(feedback).where(eq(feedback.learner, ana));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      origin: 'jalon',
      body: 'Revoyez la section 3.',
      givenBy: moodle.user('prof').sub,
      attemptNumber: 1,
    });
    const audits = await db.select().from(auditLog).where(eq(auditLog.action, 'feedback.give'));
    expect(audits).toHaveLength(1);
    await drain();
    const [st] = await db
      .select()
      .from(standings)
      .where(and(eq(standings.microcredentialId, mcId), eq(standings.learner, ana)));
    expect(st?.status).toBe('retry_open');
    const outbox = path.join(jalon.config.dataDir, 'outbox');
    expect(readdirSync(outbox).length).toBeGreaterThanOrEqual(1);
    const done = await prof.browser.request('GET', `${jalon.url}${first.location!}`);
    expect(done.status).toBe(200);
    expect(done.body).toContain('Feedback saved.');
    expect(text(done.body)).toContain('Revoyez la section 3.');
  });

  test('bad input on every form: 4xx with a message a person understands, and a log line saying why', async () => {
    const db = jalon.database.db;
    const before = {
      feedback: (await db.select().from(feedback)).length,
      overrides: (await db.select().from(overrides)).length,
    };
    const cases: Array<[string, Record<string, string | string[]>, number, string, string]> = [
      [
        'feedback',
        { learner: ana, body: 'x', assessment: 'moodle-quiz:101', attempt: '1' },
        400,
        'STANDINGS_BAD_FORM_ID',
        'The form was not understood',
      ],
      [
        'feedback',
        { formId: 'nothex', learner: ana, body: 'x', assessment: 'moodle-quiz:101', attempt: '1' },
        400,
        'STANDINGS_BAD_FORM_ID',
        'The form was not understood',
      ],
      [
        'feedback',
        { formId: formId(), learner: [ana, ben], body: 'x', assessment: 'moodle-quiz:101', attempt: '1' },
        400,
        'STANDINGS_MALFORMED_FIELDS',
        'sent twice',
      ],
      [
        'feedback',
        { formId: formId(), learner: 'nobody', body: 'x', assessment: 'moodle-quiz:101', attempt: '1' },
        400,
        'STANDINGS_UNKNOWN_LEARNER',
        'not known in this course',
      ],
      [
        'feedback',
        { formId: formId(), learner: ana, body: '   ', assessment: 'moodle-quiz:101', attempt: '1' },
        400,
        'STANDINGS_FEEDBACK_EMPTY',
        'Write the feedback',
      ],
      [
        'feedback',
        {
          formId: formId(),
          learner: ana,
          body: 'x'.repeat(5001),
          assessment: 'moodle-quiz:101',
          attempt: '1',
        },
        400,
        'STANDINGS_FEEDBACK_TOO_LONG',
        'at most 5000 characters',
      ],
      [
        'feedback',
        { formId: formId(), learner: ana, body: 'x', assessment: 'moodle-quiz:103', attempt: '1' },
        400,
        'STANDINGS_FEEDBACK_BAD_ITEM',
        'not a summative assessment',
      ],
      [
        'feedback',
        { formId: formId(), learner: ana, body: 'x', assessment: 'moodle-quiz:101', attempt: '7' },
        400,
        'STANDINGS_FEEDBACK_BAD_ATTEMPT',
        'does not exist for this learner',
      ],
      [
        'extra',
        { formId: formId(), learner: ana, count: '9' },
        400,
        'STANDINGS_EXTRA_BAD_COUNT',
        'between 1 and 5',
      ],
      [
        'extra',
        { formId: formId(), learner: ana, count: 'abc' },
        400,
        'STANDINGS_EXTRA_BAD_COUNT',
        'between 1 and 5',
      ],
      [
        'extra',
        { formId: formId(), learner: ana, count: '1', until: '2030-02-31' },
        400,
        'STANDINGS_EXTRA_BAD_DATE',
        'not a valid date',
      ],
      [
        'extra',
        { formId: formId(), learner: ana, count: '1', until: '2031-01-01' },
        400,
        'STANDINGS_EXTRA_AFTER_END',
        'cannot be after the end',
      ],
      [
        'decision',
        { formId: formId(), learner: ana, decision: 'maybe', reason: 'x' },
        400,
        'STANDINGS_DECISION_BAD',
        'Choose',
      ],
      [
        'decision',
        { formId: formId(), learner: ana, decision: 'achieved', reason: ' ' },
        400,
        'STANDINGS_DECISION_NO_REASON',
        'Give the reason',
      ],
      [
        'path',
        { formId: formId(), learner: ana, path: 'shortcut' },
        400,
        'STANDINGS_PATH_BAD',
        'Choose a path',
      ],
      ['delete', { formId: formId(), learner: ana }, 404, 'STANDINGS_UNKNOWN_ACTION', 'does not exist'],
    ];
    for (const [action, fields, status, reason, message] of cases) {
      const r = await post(prof, action, fields);
      expect({ action, reason, status: r.status }).toEqual({ action, reason, status });
      expect({ action, reason, has: text(r.body).includes(message) }).toEqual({ action, reason, has: true });
      expect(r.body).toContain('role="alert"');
      expect(refusals(reason).length).toBeGreaterThan(0);
    }
    // Forged requests: no session cookie, or another ltik.
    const forged = await post(
      prof,
      'extra',
      { formId: formId(), learner: ana, count: '1' },
      { cookie: false },
    );
    expect(forged.status).toBe(401);
    const wrong = await post(
      prof,
      'extra',
      { formId: formId(), learner: ana, count: '1' },
      { ltik: 'forged.token.value' },
    );
    expect(wrong.status).toBe(401);
    expect((await db.select().from(feedback)).length).toBe(before.feedback);
    expect((await db.select().from(overrides)).length).toBe(before.overrides);
  });

  test('extra attempt, manual decision and path: one override each (duplicates ignored), audited, re-evaluated', async () => {
    const db = jalon.database.db;
    const extra = { formId: formId(), learner: ben, count: '1', until: '2030-05-15' };
    expect((await post(prof, 'extra', extra)).status).toBe(303);
    expect((await post(prof, 'extra', extra)).status).toBe(303);
    const ov = await db.select().from(overrides).where(eq(overrides.learner, ben));
    expect(ov).toHaveLength(1);
    expect(ov[0]!.data).toMatchObject({
      kind: 'extra_attempts',
      count: 1,
      until: '2030-05-15T23:59:59-04:00',
    });
    expect((await post(prof, 'path', { formId: formId(), learner: ben, path: 'rpl' })).status).toBe(303);
    expect((await post(prof, 'path', { formId: formId(), learner: ben, path: 'rpl' })).status).toBe(303);
    const [row] = await db
      .select()
      .from(learners)
      .where(and(eq(learners.microcredentialId, mcId), eq(learners.userId, ben)));
    expect(row?.path).toBe('rpl');
    expect(await db.select().from(auditLog).where(eq(auditLog.action, 'learner.path'))).toHaveLength(1);
    const decision = {
      formId: formId(),
      learner: ben,
      decision: 'achieved',
      reason: 'Démonstration pratique réussie en classe',
    };
    expect((await post(prof, 'decision', decision)).status).toBe(303);
    expect((await post(prof, 'decision', decision)).status).toBe(303);
    expect(await db.select().from(overrides).where(eq(overrides.kind, 'manual_decision'))).toHaveLength(1);
    expect(
      await db.select().from(auditLog).where(eq(auditLog.action, 'override.manual_decision')),
    ).toHaveLength(1);
    await drain();
    const [award] = await db
      .select()
      .from(awards)
      .where(and(eq(awards.microcredentialId, mcId), eq(awards.userId, ben)));
    expect(award).toMatchObject({ decidedBy: 'manual', byPriorLearning: true });
    const html = text((await getPage(jalon, prof, 'standings', 'en')).body);
    expect(html).toContain('Awarded on');
  });
});

describe('an award reaches the learner page, the outbox and the gradebook column', () => {
  test('second attempt passes → award, claim link, e-mail, FullyGraded score with increasing timestamps', async () => {
    const db = jalon.database.db;
    await recordAttempts(db, mcId, [
      {
        learner: ana,
        assessment: { source: 'moodle-quiz', lmsId: '101' },
        attemptNumber: 2,
        score: 9,
        maxScore: 10,
        submittedAt: '2030-03-20T15:00:00Z',
        gradedAt: '2030-03-20T15:00:00Z',
        source: 'moodle-ws',
        sourceId: 'a2',
      },
    ]);
    await enqueue(db, { kind: 'standings.evaluate', payload: { microcredentialId: mcId, learners: [ana] } });
    await drain();
    const [award] = await db
      .select()
      .from(awards)
      .where(and(eq(awards.microcredentialId, mcId), eq(awards.userId, ana)));
    expect(award).toMatchObject({ score: '90.00', passingAttempt: 2, decidedBy: 'policy' });

    const column = moodle.lineItems('math').find((i) => i.tag === 'jalon-microcredential');
    expect(column).toBeDefined();
    const grade = column!.grades.get(ana);
    expect(grade).toMatchObject({
      scoreGiven: 90,
      gradingProgress: 'FullyGraded',
      activityProgress: 'Completed',
    });
    const firstTs = grade!.timestamp;
    // A second write for the same learner goes with a strictly newer timestamp (no 409).
    await enqueue(db, { kind: 'gradebook.write', payload: { microcredentialId: mcId, learner: ana } });
    await drain();
    // Moodle compares to the second: the new timestamp is in a later second.
    expect(Math.floor(column!.grades.get(ana)!.timestamp / 1000)).toBeGreaterThan(Math.floor(firstTs / 1000));
    expect(jalon.logs.filter((l) => l.msg === 'AGS score refused')).toHaveLength(0);

    const s = await launch(moodle, 'ana', 'math', 'fr');
    const page = text(s.landing.body);
    expect(page).toContain('Où vous en êtes');
    expect(page).toContain('Vous avez obtenu cette microcertification le');
    expect(page).toContain('Revoyez la section 3.');
    expect(page).toContain('écrite dans Jalon');
    expect(page).toMatch(/id="my-used">2 \/ 2</);
    expect(page).toContain(`href="/lti/claim?ltik=`);
    expect(page).toContain('Réclamer votre badge');
  });
});

describe('attemptStatistics', () => {
  test('buckets and pass rates per attempt', () => {
    const s = (ps: Array<[number, number | null, boolean | null]>) =>
      ({
        items: [{ attempts: ps.map(([rank, percent, passed]) => ({ rank, percent, passed })) }],
      }) as unknown as Standing;
    const out = attemptStatistics([
      s([
        [1, 50, false],
        [2, 100, true],
      ]),
      s([[1, 85, true]]),
      s([[1, null, null]]),
    ]);
    expect(out.buckets).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 1, 1]);
    expect(out.perAttempt).toEqual([
      { rank: 1, graded: 2, passed: 1, passRate: 50 },
      { rank: 2, graded: 1, passed: 1, passRate: 100 },
    ]);
  });
});
