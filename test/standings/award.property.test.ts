/**
 * Property-based tests of the whole database path: attempts delivered shuffled, duplicated
 * and concurrently (interleaved with evaluations, as pushes, syncs and console writes do)
 * never give more than one award, never an award for a score below the threshold or an
 * attempt after the due/end date, and a learner who qualifies on the full facts is awarded.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { and, eq } from 'drizzle-orm';
import { recordAttempts } from '../../src/attempts/store.js';
import { awards, jobs, transcriptRecords } from '../../src/db/schema/index.js';
import type { AttemptRecord } from '../../src/microcredentials/attempts.js';
import { evaluateStanding } from '../../src/microcredentials/policy.js';
import { evaluateLearners } from '../../src/standings/evaluate.js';
import { loadFacts } from '../../src/standings/facts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { DUE, END, EXAM } from '../microcredentials/fixtures.js';
import { addFeedback, newMicrocredential, testDefinition } from './helpers.js';

let database: TestDatabase;
let platformId: string;
const DUE_MS = Date.parse(DUE);
const END_MS = Date.parse(END);
const START_MS = Date.parse('2025-04-01T00:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  platformId = await addPlatformRow(database.db);
});
afterAll(async () => {
  await database?.close();
});

/** An attempt history of one learner: numbers 1..n in time order, some late. */
const history = fc
  .array(
    fc.record({
      score: fc.option(fc.integer({ min: 0, max: 100 }), { freq: 6 }),
      // Up to ten days past the end date, so late attempts occur.
      offsetH: fc.integer({ min: 0, max: Math.round((END_MS - START_MS) / 3_600_000) + 240 }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((xs) =>
    xs
      .map((x) => x.offsetH)
      .sort((p, q) => p - q)
      .map((h, i) => ({ ...xs[i]!, offsetH: h })),
  );

function toRecords(learner: string, h: Array<{ score: number | null; offsetH: number }>): AttemptRecord[] {
  return h.map((x, i) => {
    const at = new Date(START_MS + x.offsetH * 3_600_000 + i * 1000).toISOString();
    return {
      learner,
      assessment: EXAM,
      attemptNumber: i + 1,
      score: x.score,
      maxScore: x.score === null ? null : 100,
      submittedAt: at,
      gradedAt: x.score === null ? null : at,
      source: 'moodle-ws',
      sourceId: `${learner}-${i + 1}`,
    };
  });
}

describe('awards under shuffled, duplicated, concurrent deliveries', () => {
  test('one award at most, never below the threshold or past the dates, and awarded iff qualified', async () => {
    const db = database.db;
    const definition = testDefinition((d) => {
      (d.assessment as Record<string, unknown>).passThreshold = 75;
    });
    const seen = { awarded: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        history,
        fc.boolean(), // feedback given after the first attempt
        fc.integer({ min: 1, max: 4 }), // how many times each record is delivered
        fc.integer({ min: 1, max: 3 }), // batches
        fc.infiniteStream(fc.nat()), // shuffle
        async (h, withFeedback, copies, batches, rand) => {
          const mc = await newMicrocredential(db, platformId, definition);
          const learner = 'p1';
          const records = toRecords(learner, h);
          if (withFeedback && records[0])
            await addFeedback(
              db,
              mc,
              learner,
              new Date(Date.parse(records[0].submittedAt) + 60_000).toISOString(),
            );
          // Deliveries: every record `copies` times, shuffled, split into batches that each
          // carry the history known so far (a connector re-reads the whole history), and
          // run concurrently with evaluations at two different clocks.
          const deliveries = records.flatMap((r) => Array.from({ length: copies }, () => r));
          const it = rand[Symbol.iterator]();
          for (let i = deliveries.length - 1; i > 0; i--) {
            const j = it.next().value! % (i + 1);
            [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
          }
          const size = Math.ceil(deliveries.length / batches);
          const work: Array<Promise<unknown>> = [];
          for (let b = 0; b < batches; b++) {
            const known = records.filter(
              (r) => r.attemptNumber <= Math.ceil(((b + 1) * records.length) / batches),
            );
            const batch = [
              ...known,
              ...deliveries.slice(b * size, (b + 1) * size).filter((r) => known.includes(r)),
            ];
            work.push(recordAttempts(db, mc, batch));
            work.push(evaluateLearners(db, mc, [learner], { now: new Date(END_MS + 86_400_000) }));
          }
          await Promise.all(work);
          await recordAttempts(db, mc, deliveries);
          await Promise.all([
            evaluateLearners(db, mc, [learner], { now: new Date(END_MS + 2 * 86_400_000) }),
            evaluateLearners(db, mc, undefined, { now: new Date(END_MS + 2 * 86_400_000) }),
          ]);

          const rows = await db
            .select()
            .from(awards)
            .where(and(eq(awards.microcredentialId, mc), eq(awards.userId, learner)));
          expect(rows.length).toBeLessThanOrEqual(1);
          const records2 = await db
            .select()
            .from(transcriptRecords)
            .where(eq(transcriptRecords.microcredentialId, mc));
          expect(records2).toHaveLength(rows.length);
          const mailJobs = await db
            .select()
            .from(jobs)
            .where(eq(jobs.onceKey, `gradebook:award:${rows[0]?.id}`));
          expect(mailJobs).toHaveLength(rows.length);

          const facts = await loadFacts(db, mc, [learner]);
          const final = evaluateStanding({
            rules: definition.assessment,
            learner,
            ...facts,
            now: new Date(END_MS + 3 * 86_400_000),
          });
          const award = rows[0];
          if (award) {
            expect(Number(award.score)).toBeGreaterThanOrEqual(75);
            const passing = records.find((r) => r.attemptNumber === award.passingAttempt)!;
            expect(passing.score!).toBeGreaterThanOrEqual(75);
            expect(Date.parse(passing.submittedAt)).toBeLessThanOrEqual(DUE_MS);
            expect(Date.parse(passing.submittedAt)).toBeLessThanOrEqual(END_MS);
          }
          // Each delivery carried the whole history so far, so the decision matches the
          // policy on the full facts.
          expect(award !== undefined).toBe(final.status === 'achieved');
          seen[award ? 'awarded' : 'refused']++;
        },
      ),
      { numRuns: 40, seed: 20251203 },
    );
    // The generator reaches both outcomes.
    expect(seen.awarded).toBeGreaterThan(3);
    expect(seen.refused).toBeGreaterThan(3);
  });
});
