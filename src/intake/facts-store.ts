/**
 * Where the facts besides attempts are kept: LMS feedback, completions and the learners of
 * a micro-credential's course. Writes are upserts on the tables' unique keys, so a re-run
 * sync, a replayed push or two syncs racing each other leave one row per fact; reads give
 * the policy's own shapes (`FeedbackRecord`, `CompletionRecord`).
 */
import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { completions, feedback, learners } from '../db/schema/index.js';
import type { AssessmentSource } from '../microcredentials/definition.js';
import type { CompletionRecord, FeedbackRecord } from '../microcredentials/facts.js';

/** A learner row as stored. */
export type LearnerRow = typeof learners.$inferSelect;

/** What is known of a learner; absent fields leave what is stored as it is. */
export interface LearnerInput {
  /** LTI `sub`. */
  userId: string;
  lmsUserId?: string | null;
  name?: string | null;
  email?: string | null;
  locale?: string | null;
  sisPersonId?: string | null;
}

const newId = () => `fb-${randomBytes(8).toString('hex')}`;

/** Keeps only the fields given, so an upsert never blanks what another source said. */
function given(input: LearnerInput) {
  const out: Partial<Record<'lmsUserId' | 'name' | 'email' | 'locale' | 'sisPersonId', string | null>> = {};
  for (const k of ['lmsUserId', 'name', 'email', 'locale', 'sisPersonId'] as const) {
    const v = input[k];
    // An empty string from the LMS (Moodle's empty idnumber) is "not known", not a value.
    if (v !== undefined && v !== null && v !== '') out[k] = v;
  }
  return out;
}

/**
 * On an upsert: a learner listed again after leaving is active from `at` (now by default; see
 * `watermarks.ts`), one still active keeps their date.
 */
const becameActive = (at?: Date) =>
  sql`case when ${learners.status} = 'inactive' then ${at ? sql`${at.toISOString()}::timestamptz` : sql`now()`} else ${learners.activeSince} end`;

/**
 * Records a learner of a micro-credential's course (from a launch or the LMS roster), or
 * updates what is known of them; a learner listed again becomes active again. The path
 * (`regular`/`rpl`) is the instructor's and is never touched here.
 */
export async function upsertLearner(db: Db, microcredentialId: string, input: LearnerInput): Promise<void> {
  const fields = given(input);
  await db
    .insert(learners)
    .values({ microcredentialId, userId: input.userId, ...fields, status: 'active' })
    .onConflictDoUpdate({
      target: [learners.microcredentialId, learners.userId],
      set: { ...fields, status: 'active', activeSince: becameActive(), updatedAt: new Date() },
    });
}

/** Rows per statement when many learners are upserted at once (a roster of thousands). */
const LEARNER_BATCH = 500;

/**
 * Fills in LMS user ids Jalon did not have (a Canvas learner known from NRPS by LTI `sub`
 * only), never replacing one it has: a push naming the learner by REST id then finds them.
 */
export async function rememberLmsUserIds(
  db: Db,
  microcredentialId: string,
  ids: ReadonlyMap<string, string>,
): Promise<void> {
  for (const [userId, lmsUserId] of ids) {
    await db
      .update(learners)
      .set({ lmsUserId, updatedAt: new Date() })
      .where(
        and(
          eq(learners.microcredentialId, microcredentialId),
          eq(learners.userId, userId),
          isNull(learners.lmsUserId),
        ),
      );
  }
}

/**
 * {@link upsertLearner} for many learners at once (the roster read of a sync): one statement
 * per {@link LEARNER_BATCH} learners. A field not given (or empty) keeps what is stored.
 * `activeSince` dates the learners it adds or brings back: a sync that has just read them in
 * full gives the start of what its read covered, so the next incremental read need not
 * read them in full again.
 */
export async function upsertLearners(
  db: Db,
  microcredentialId: string,
  inputs: readonly LearnerInput[],
  options: { activeSince?: Date } = {},
): Promise<void> {
  // One row per learner: the last input for a user id wins, as repeated single upserts would.
  const unique = [...new Map(inputs.map((i) => [i.userId, i])).values()];
  const keep = (col: 'lms_user_id' | 'name' | 'email' | 'locale' | 'sis_person_id') =>
    sql.raw(`coalesce(excluded.${col}, learners.${col})`);
  for (let i = 0; i < unique.length; i += LEARNER_BATCH) {
    const rows = unique.slice(i, i + LEARNER_BATCH).map((input) => {
      const f = given(input);
      return {
        microcredentialId,
        userId: input.userId,
        lmsUserId: f.lmsUserId ?? null,
        name: f.name ?? null,
        email: f.email ?? null,
        locale: f.locale ?? null,
        sisPersonId: f.sisPersonId ?? null,
        status: 'active' as const,
        ...(options.activeSince ? { activeSince: options.activeSince } : {}),
      };
    });
    await db
      .insert(learners)
      .values(rows)
      .onConflictDoUpdate({
        target: [learners.microcredentialId, learners.userId],
        set: {
          lmsUserId: keep('lms_user_id'),
          name: keep('name'),
          email: keep('email'),
          locale: keep('locale'),
          sisPersonId: keep('sis_person_id'),
          status: 'active',
          activeSince: becameActive(options.activeSince),
          updatedAt: new Date(),
        },
      });
  }
}

/**
 * Marks inactive every active learner of the micro-credential whose LMS id is not in
 * `activeLmsUserIds` (the roster the LMS just listed). Learners with no LMS id are left
 * alone: the roster cannot speak for them. Returns how many changed.
 */
export async function deactivateMissingLearners(
  db: Db,
  microcredentialId: string,
  activeLmsUserIds: readonly string[],
): Promise<number> {
  const conditions = [
    eq(learners.microcredentialId, microcredentialId),
    eq(learners.status, 'active'),
    sql`${learners.lmsUserId} is not null`,
  ];
  if (activeLmsUserIds.length > 0) conditions.push(notInArray(learners.lmsUserId, [...activeLmsUserIds]));
  const rows = await db
    .update(learners)
    .set({ status: 'inactive', updatedAt: new Date() })
    .where(and(...conditions))
    .returning({ userId: learners.userId });
  return rows.length;
}

/**
 * Marks inactive every active learner of the micro-credential whose LTI id is not in
 * `activeUserIds`: for a roster that names everyone by LTI id (NRPS), unlike the LMS
 * web-service roster of {@link deactivateMissingLearners}. Returns how many changed.
 */
export async function deactivateLearnersNotListed(
  db: Db,
  microcredentialId: string,
  activeUserIds: readonly string[],
): Promise<number> {
  const conditions = [eq(learners.microcredentialId, microcredentialId), eq(learners.status, 'active')];
  if (activeUserIds.length > 0) conditions.push(notInArray(learners.userId, [...activeUserIds]));
  const rows = await db
    .update(learners)
    .set({ status: 'inactive', updatedAt: new Date() })
    .where(and(...conditions))
    .returning({ userId: learners.userId });
  return rows.length;
}

/** The micro-credential's learners (active and inactive), by user id. */
export async function listLearners(db: Db, microcredentialId: string): Promise<LearnerRow[]> {
  return db
    .select()
    .from(learners)
    .where(eq(learners.microcredentialId, microcredentialId))
    .orderBy(asc(learners.userId));
}

/**
 * Records feedback the LMS reports (origin `lms`), one row per (micro-credential, source id):
 * a second report of the same comment updates its time and attempt, nothing more. Console
 * feedback (origin `jalon`) is written by the console, not here.
 */
export async function upsertLmsFeedback(
  db: Db,
  microcredentialId: string,
  records: readonly FeedbackRecord[],
): Promise<number> {
  let written = 0;
  for (const f of records) {
    if (f.origin !== 'lms' || !f.sourceId) continue; // without a source id it cannot be deduplicated
    const values = {
      id: newId(),
      microcredentialId,
      learner: f.learner,
      assessmentSource: f.assessment.source,
      assessmentLmsId: f.assessment.lmsId,
      attemptNumber: f.attemptNumber ?? null,
      givenAt: new Date(f.givenAt),
      origin: 'lms' as const,
      sourceId: f.sourceId,
    };
    await db
      .insert(feedback)
      .values(values)
      .onConflictDoUpdate({
        target: [feedback.microcredentialId, feedback.origin, feedback.sourceId],
        set: { learner: values.learner, attemptNumber: values.attemptNumber, givenAt: values.givenAt },
      });
    written++;
  }
  return written;
}

/** Records completions the LMS reports, one row per (learner, scope). */
export async function upsertCompletions(
  db: Db,
  microcredentialId: string,
  records: readonly CompletionRecord[],
): Promise<number> {
  for (const c of records) {
    const completedAt = c.completedAt ? new Date(c.completedAt) : null;
    await db
      .insert(completions)
      .values({
        microcredentialId,
        learner: c.learner,
        scopeKind: c.scope.kind,
        scopeLmsId: c.scope.kind === 'activity' ? c.scope.lmsId : '',
        completedAt,
      })
      .onConflictDoUpdate({
        target: [
          completions.microcredentialId,
          completions.learner,
          completions.scopeKind,
          completions.scopeLmsId,
        ],
        set: { completedAt, recordedAt: new Date() },
      });
  }
  return records.length;
}

/**
 * Removes a learner's completions the LMS no longer reports (an activity marked incomplete
 * again), keeping those in `keep`. Only called after a successful read of that learner.
 */
export async function replaceCompletions(
  db: Db,
  microcredentialId: string,
  learner: string,
  current: readonly CompletionRecord[],
): Promise<void> {
  const existing = await db
    .select()
    .from(completions)
    .where(and(eq(completions.microcredentialId, microcredentialId), eq(completions.learner, learner)));
  const keep = new Set(
    current.map((c) => `${c.scope.kind}|${c.scope.kind === 'activity' ? c.scope.lmsId : ''}`),
  );
  for (const row of existing) {
    if (keep.has(`${row.scopeKind}|${row.scopeLmsId}`)) continue;
    await db
      .delete(completions)
      .where(
        and(
          eq(completions.microcredentialId, microcredentialId),
          eq(completions.learner, learner),
          eq(completions.scopeKind, row.scopeKind),
          eq(completions.scopeLmsId, row.scopeLmsId),
        ),
      );
  }
  await upsertCompletions(db, microcredentialId, current);
}

/** Every feedback record of the micro-credential (both origins), optionally for some learners. */
export async function listFeedback(
  db: Db,
  microcredentialId: string,
  learnerIds?: string[],
): Promise<FeedbackRecord[]> {
  if (learnerIds && learnerIds.length === 0) return [];
  const rows = await db
    .select()
    .from(feedback)
    .where(
      and(
        eq(feedback.microcredentialId, microcredentialId),
        learnerIds ? inArray(feedback.learner, learnerIds) : undefined,
      ),
    )
    .orderBy(asc(feedback.givenAt), asc(feedback.learner), asc(feedback.sourceId));
  return rows.map((r) => ({
    learner: r.learner,
    assessment: { source: r.assessmentSource as AssessmentSource, lmsId: r.assessmentLmsId },
    ...(r.attemptNumber !== null ? { attemptNumber: r.attemptNumber } : {}),
    givenAt: r.givenAt.toISOString(),
    origin: r.origin,
    sourceId: r.sourceId,
  }));
}

/** Every completion of the micro-credential, optionally for some learners. */
export async function listCompletions(
  db: Db,
  microcredentialId: string,
  learnerIds?: string[],
): Promise<CompletionRecord[]> {
  if (learnerIds && learnerIds.length === 0) return [];
  const rows = await db
    .select()
    .from(completions)
    .where(
      and(
        eq(completions.microcredentialId, microcredentialId),
        learnerIds ? inArray(completions.learner, learnerIds) : undefined,
      ),
    )
    .orderBy(asc(completions.learner), asc(completions.scopeKind), asc(completions.scopeLmsId));
  return rows.map((r) => ({
    learner: r.learner,
    scope: r.scopeKind === 'course' ? { kind: 'course' } : { kind: 'activity', lmsId: r.scopeLmsId },
    completedAt: r.completedAt ? r.completedAt.toISOString() : null,
  }));
}
