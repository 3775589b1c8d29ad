/**
 * Jalon's own column read back through AGS on a Canvas-shaped platform (results carry no
 * timestamp there), with no connector at all; and what happens when the course does not let
 * Jalon read results: without the `result.readonly` scope nothing is read and nothing fails,
 * and a column the LMS refuses to serve is a problem the console shows, with nothing written.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { and, asc, eq } from 'drizzle-orm';
import { attempts, awards, feedback, gradebookEndpoints, jobs } from '../../src/db/schema/index.js';
import type { Microcredential } from '../../src/definitions/repository.js';
import { AGS_SCOPE } from '../../src/gradebook/ags.js';
import { JALON_ASSESSMENT_TAG } from '../../src/gradebook/read.js';
import { intakeStatusOf } from '../../src/intake/status.js';
import { RESULTS_SYNC, syncDedupeKey } from '../../src/intake/sync.js';
import { validateDefinition } from '../../src/microcredentials/definition-schema.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';
import { definitionInput } from '../microcredentials/fixtures.js';
import { Browser, startPlatform, type Platform } from '../platform/index.js';

let jalon: TestJalon;
let canvas: Platform;
let platformId: string;
let mc: Microcredential;
let columnId: string;

const services = () => jalon.running.services;
const db = () => jalon.database.db;

beforeAll(async () => {
  jalon = await startJalon();
  canvas = await startPlatform({ family: 'canvas' });
  ({ platformId } = await registerManually(jalon, canvas));
  const course = canvas.course('math');
  mc = await services().definitions.ensure({
    platformId,
    contextId: course.contextId,
    title: course.title,
    label: course.label,
    lmsCourseId: course.restId,
  });
  const input = definitionInput() as { assessment: Record<string, unknown> };
  input.assessment.summative = [{ ref: { source: 'jalon-column', lmsId: 'jalon', label: 'Jalon' } }];
  input.assessment.summativeDueAt = '2099-04-30T23:59:59-04:00';
  input.assessment.endAt = '2099-05-31T23:59:59-04:00';
  delete input.assessment.completion;
  const v = validateDefinition(input);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  await services().definitions.save(mc.id, v.definition, 'test');
  // A learner's launch gives Jalon the course's AGS and roster services.
  const r = await new Browser().launch(canvas, { user: 'ana', course: 'math' });
  expect(r.final.status).toBe(200);
  const [ep] = await db()
    .select()
    .from(gradebookEndpoints)
    .where(eq(gradebookEndpoints.microcredentialId, mc.id));
  // The column, as saving the definition in the console creates it.
  const token = await services().engine.platformToken(platformId, [AGS_SCOPE.lineItem]);
  const created = await fetch(ep!.lineItemsUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.ims.lis.v2.lineitem+json' },
    body: JSON.stringify({ label: 'Jalon', scoreMaximum: 100, tag: JALON_ASSESSMENT_TAG }),
  });
  expect(created.status).toBeLessThan(300);
  columnId = canvas.lineItems('math').find((i) => i.tag === JALON_ASSESSMENT_TAG)!.id;
}, 60_000);

afterAll(async () => {
  await canvas?.close();
  await jalon?.stop();
});

async function sync(learners?: string[]) {
  await services().jobs.enqueue({
    kind: RESULTS_SYNC,
    payload: { microcredentialId: mc.id, ...(learners ? { learners } : {}) },
    dedupeKey: syncDedupeKey(mc.id, learners?.[0]),
  });
  await services().jobs.drain();
}
/** Runs `fn` with the course's AGS endpoint changed as `change` says, then puts it back. */
async function withEndpoint(
  change: (ep: typeof gradebookEndpoints.$inferSelect) => Partial<typeof gradebookEndpoints.$inferInsert>,
  fn: () => Promise<void>,
) {
  const where = eq(gradebookEndpoints.microcredentialId, mc.id);
  const [ep] = await db().select().from(gradebookEndpoints).where(where);
  await db().update(gradebookEndpoints).set(change(ep!)).where(where);
  try {
    await fn();
  } finally {
    await db()
      .update(gradebookEndpoints)
      .set({ scopes: ep!.scopes, lineItemsUrl: ep!.lineItemsUrl })
      .where(where);
  }
}

const attemptsOf = (learner: string) =>
  db()
    .select()
    .from(attempts)
    .where(and(eq(attempts.microcredentialId, mc.id), eq(attempts.learner, learner)))
    .orderBy(asc(attempts.attemptNumber));

describe("Jalon's column on Canvas, no connector", () => {
  test('a grade, the comment on it, the retry: two attempts, LMS feedback between, one award', async () => {
    const ana = canvas.user('ana').sub;
    canvas.gradeInGradebook(columnId, 'ana', { score: 55 });
    canvas.gradeInGradebook(columnId, 'ben', { score: null, comment: 'Pas encore remis' });
    await sync();
    expect((await attemptsOf(ana)).map((a) => [a.attemptNumber, a.score, a.source])).toEqual([
      [1, 55, 'lti-ags'],
    ]);
    // Ben's cell has no grade: no attempt, and his comment has no attempt to be about.
    expect(await attemptsOf(canvas.user('ben').sub)).toEqual([]);
    expect((await intakeStatusOf(db(), mc.id))?.problem).toBeNull();

    canvas.gradeInGradebook(columnId, 'ana', { score: 55, comment: 'Reprendre la question 3' });
    await sync([ana]); // a targeted read asks for her cell alone
    const given = await db().select().from(feedback).where(eq(feedback.microcredentialId, mc.id));
    expect(given).toEqual([expect.objectContaining({ learner: ana, origin: 'lms', attemptNumber: 1 })]);

    canvas.gradeInGradebook(columnId, 'ana', { score: 91 });
    await sync();
    await sync();
    expect((await attemptsOf(ana)).map((a) => [a.attemptNumber, a.score])).toEqual([
      [1, 55],
      [2, 91],
    ]);
    const won = await db().select().from(awards).where(eq(awards.microcredentialId, mc.id));
    expect(won).toEqual([expect.objectContaining({ userId: ana, passingAttempt: 2 })]);
  }, 60_000);

  test('without the result.readonly scope nothing is read, and the sync still succeeds', async () => {
    await withEndpoint(
      (ep) => {
        expect(ep.scopes).toContain(AGS_SCOPE.resultReadOnly);
        return { scopes: ep.scopes.replace(AGS_SCOPE.resultReadOnly, '').trim() };
      },
      async () => {
        canvas.gradeInGradebook(columnId, 'chloe', { score: 70 });
        await sync();
        expect(await attemptsOf(canvas.user('chloe').sub)).toEqual([]);
        expect((await intakeStatusOf(db(), mc.id))?.problem).toBeNull();
      },
    );
  }, 60_000);

  test('a column the LMS refuses to serve is a problem in words, and nothing is written', async () => {
    // Another course's line items: Canvas answers 404 to a tool outside that course.
    await withEndpoint(
      (ep) => ({ lineItemsUrl: ep.lineItemsUrl.replace(/courses\/\d+/, 'courses/999999') }),
      async () => {
        canvas.gradeInGradebook(columnId, 'dana', { score: 99 });
        await sync();
        expect(await attemptsOf(canvas.user('dana').sub)).toEqual([]);
        const status = await intakeStatusOf(db(), mc.id);
        expect(status?.problem).toMatchObject({ messageKey: 'intake:ags.problem.refused' });
        const [job] = (await db().select().from(jobs).where(eq(jobs.kind, RESULTS_SYNC))).filter(
          (j) => j.status === 'failed',
        );
        expect(job?.lastError).toMatch(/connector refused/);
      },
    );
    await sync();
    expect((await intakeStatusOf(db(), mc.id))?.problem).toBeNull();
    expect(await attemptsOf(canvas.user('dana').sub)).toHaveLength(1);
  }, 60_000);
});
