/**
 * Where attempt records are kept: one row per (micro-credential, learner, assessment,
 * attempt). The database's unique constraints, not a read-then-write, make duplicates,
 * replays and concurrent deliveries of one attempt give one row; a later grade of the same
 * attempt updates that row, an older one (delivered out of order) leaves it as it is.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { attempts } from '../db/schema/index.js';
import { dedupeAttempts, validateAttempt, type AttemptRecord } from '../microcredentials/attempts.js';
import type { AssessmentKey } from '../microcredentials/definition.js';
import type { Reason } from '../microcredentials/reasons.js';

/** A stored attempt row. */
export type StoredAttempt = typeof attempts.$inferSelect;

/** A record {@link recordAttempts} refused: its index in the input and why. */
export interface RefusedAttempt {
  index: number;
  reason: Reason;
}

/** What {@link recordAttempts} did. */
export type RecordResult =
  | { ok: true; inserted: number; updated: number; unchanged: number }
  | { ok: false; refused: RefusedAttempt[] };

const newId = () => `at-${randomBytes(8).toString('hex')}`;

/**
 * Records attempts of one micro-credential. Every record is validated first: if any is
 * invalid, nothing is written and the refusals are returned. Otherwise duplicates within
 * the call are merged (`dedupeAttempts`) and each attempt is inserted, updated (a newer or
 * first grade) or left unchanged, in one transaction. Safe to call concurrently with the
 * same records: each attempt still ends up as exactly one row.
 */
export async function recordAttempts(
  db: Db,
  microcredentialId: string,
  records: readonly AttemptRecord[],
  options: {
    /**
     * Runs in the same transaction once the attempts are written, with the learners whose
     * attempts changed (e.g. to ask for their standings): both commit, or neither does.
     */
    then?: (tx: Db, changedLearners: string[]) => Promise<void>;
  } = {},
): Promise<RecordResult> {
  const refused: RefusedAttempt[] = [];
  records.forEach((r, index) => {
    const v = validateAttempt(r);
    if (!v.ok) refused.push({ index, reason: v.reason });
  });
  if (refused.length > 0) return { ok: false, refused };
  // Chronological order from dedupeAttempts also gives concurrent callers the same lock
  // order, so two deliveries of the same batch cannot deadlock.
  const unique = dedupeAttempts(records);
  return db.transaction(async (tx) => {
    let inserted = 0;
    let updated = 0;
    let unchanged = 0;
    const changed = new Set<string>();
    for (const a of unique) {
      const outcome = await recordOne(tx as unknown as Db, microcredentialId, a);
      if (outcome === 'inserted') inserted++;
      else if (outcome === 'updated') updated++;
      else unchanged++;
      if (outcome !== 'unchanged') changed.add(a.learner);
    }
    if (options.then) await options.then(tx as unknown as Db, [...changed].sort());
    return { ok: true as const, inserted, updated, unchanged };
  });
}

async function recordOne(
  db: Db,
  microcredentialId: string,
  a: AttemptRecord,
): Promise<'inserted' | 'updated' | 'unchanged'> {
  const submittedAt = new Date(a.submittedAt);
  const gradedAt = a.gradedAt ? new Date(a.gradedAt) : null;
  // No conflict target: either unique constraint means the attempt is already known.
  const added = await db
    .insert(attempts)
    .values({
      id: newId(),
      microcredentialId,
      learner: a.learner,
      assessmentSource: a.assessment.source,
      assessmentLmsId: a.assessment.lmsId,
      attemptNumber: a.attemptNumber,
      score: a.score,
      maxScore: a.maxScore,
      submittedAt,
      gradedAt,
      source: a.source,
      sourceId: a.sourceId,
    })
    .onConflictDoNothing()
    .returning({ id: attempts.id });
  if (added.length > 0) return 'inserted';
  if (a.score === null) return 'unchanged'; // an ungraded report never replaces anything

  // One conditional UPDATE, so that concurrent regrades cannot interleave a read and a
  // write: it applies only when the stored grade is not newer and something differs.
  const graded = gradedAt ? gradedAt.toISOString() : null;
  const newGradedAt = sql`coalesce(${graded}::timestamptz, ${attempts.gradedAt})`;
  const changed = await db
    .update(attempts)
    .set({ score: a.score, maxScore: a.maxScore, gradedAt: newGradedAt, submittedAt })
    .where(
      and(
        eq(attempts.microcredentialId, microcredentialId),
        or(
          and(
            eq(attempts.learner, a.learner),
            eq(attempts.assessmentSource, a.assessment.source),
            eq(attempts.assessmentLmsId, a.assessment.lmsId),
            eq(attempts.attemptNumber, a.attemptNumber),
          ),
          and(eq(attempts.source, a.source), eq(attempts.sourceId, a.sourceId)),
        ),
        sql`(${attempts.gradedAt} is null or ${graded}::timestamptz is null or ${attempts.gradedAt} <= ${graded}::timestamptz)`,
        sql`(${attempts.score} is distinct from ${a.score}::float8
          or ${attempts.maxScore} is distinct from ${a.maxScore}::float8
          or ${attempts.gradedAt} is distinct from ${newGradedAt}
          or ${attempts.submittedAt} is distinct from ${submittedAt.toISOString()}::timestamptz)`,
      ),
    )
    .returning({ id: attempts.id });
  return changed.length > 0 ? 'updated' : 'unchanged';
}

/** Every stored attempt of a micro-credential, oldest submission first. */
export async function listAttempts(db: Db, microcredentialId: string): Promise<StoredAttempt[]> {
  return db
    .select()
    .from(attempts)
    .where(eq(attempts.microcredentialId, microcredentialId))
    .orderBy(attempts.submittedAt, attempts.attemptNumber, attempts.id);
}

/**
 * The learners of stored attempts at an assessment, by the attempts' source ids (an LMS that
 * names changed attempts but not their learners). Ids Jalon never stored are absent.
 */
export async function ownersOfAttempts(
  db: Db,
  microcredentialId: string,
  assessment: AssessmentKey,
  sourceIds: readonly string[],
): Promise<Map<string, string>> {
  if (sourceIds.length === 0) return new Map();
  const rows = await db
    .selectDistinct({ sourceId: attempts.sourceId, learner: attempts.learner })
    .from(attempts)
    .where(
      and(
        eq(attempts.microcredentialId, microcredentialId),
        eq(attempts.assessmentSource, assessment.source),
        eq(attempts.assessmentLmsId, assessment.lmsId),
        inArray(attempts.sourceId, [...sourceIds]),
      ),
    );
  return new Map(rows.map((r) => [r.sourceId, r.learner]));
}
