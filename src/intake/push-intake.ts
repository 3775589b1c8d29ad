/**
 * What a checked push becomes: a targeted `results.sync` for the learner it names, in the
 * course it names, on the platform whose endpoint received it. A push is never a fact
 * (issue 10 §2): it only says whom to re-read. Each event is acted on once — its
 * idempotency key is recorded with the enqueue, in one transaction — and a burst for one
 * learner coalesces into the one sync already queued (the sync's dedupe key).
 */
import { and, eq, or, sql } from 'drizzle-orm';
import type { CanvasPushTrigger, MoodlePushTrigger } from '../connectors/push/index.js';
import type { Db } from '../db/client.js';
import { learners, microcredentials, pushReceipts } from '../db/schema/index.js';
import { enqueueCoalesced } from './coalesce.js';
import { RESULTS_SYNC, syncDedupeKey, type ResultsSyncPayload } from './sync.js';

/** What became of one push. */
export type PushOutcome =
  | { action: 'enqueued'; microcredentialId: string; learner?: string; jobId: string; coalesced: boolean }
  | { action: 'duplicate'; microcredentialId: string }
  | { action: 'ignored'; reason: string };

/** Records the receipt and enqueues the sync, or says it was seen already. */
async function actOnce(
  db: Db,
  platformId: string,
  key: string,
  microcredentialId: string,
  learner: string | undefined,
): Promise<PushOutcome> {
  return db.transaction(async (tx) => {
    const fresh = await tx
      .insert(pushReceipts)
      .values({ platformId, key: key.slice(0, 500) })
      .onConflictDoNothing()
      .returning({ key: pushReceipts.key });
    if (fresh.length === 0) return { action: 'duplicate' as const, microcredentialId };
    const payload: ResultsSyncPayload = { microcredentialId, ...(learner ? { learners: [learner] } : {}) };
    const r = await enqueueCoalesced(tx as unknown as Db, {
      kind: RESULTS_SYNC,
      payload,
      dedupeKey: syncDedupeKey(microcredentialId, learner),
    });
    return {
      action: 'enqueued' as const,
      microcredentialId,
      ...(learner ? { learner } : {}),
      jobId: r.job.id,
      coalesced: !r.created,
    };
  });
}

/** The micro-credential of a course of the platform, by LTI context id or LMS REST id. */
function courseMatch(platformId: string, course: { contextId?: string; lmsCourseId?: string }) {
  const byCourse = [
    ...(course.contextId ? [eq(microcredentials.contextId, course.contextId)] : []),
    ...(course.lmsCourseId ? [eq(microcredentials.lmsCourseId, course.lmsCourseId)] : []),
  ];
  return byCourse.length === 0
    ? undefined
    : and(eq(microcredentials.platformId, platformId), or(...byCourse));
}

/**
 * The course's micro-credential and, in the same query, the learner of it named by LTI `sub`
 * or LMS user id (one round trip per push: bursts come in hundreds).
 */
async function courseAndLearner(
  db: Db,
  platformId: string,
  course: { contextId?: string; lmsCourseId?: string },
  who: { userId?: string; lmsUserId?: string },
): Promise<{ mcId?: string; learner?: string }> {
  const match = courseMatch(platformId, course);
  if (!match) return {};
  const by = [
    ...(who.userId ? [eq(learners.userId, who.userId)] : []),
    ...(who.lmsUserId ? [eq(learners.lmsUserId, who.lmsUserId)] : []),
  ];
  const [row] = await db
    .select({ mcId: microcredentials.id, learner: learners.userId })
    .from(microcredentials)
    .leftJoin(
      learners,
      and(eq(learners.microcredentialId, microcredentials.id), by.length ? or(...by) : sql`false`),
    )
    .where(match)
    .limit(1);
  return row ? { mcId: row.mcId, ...(row.learner ? { learner: row.learner } : {}) } : {};
}

/**
 * Acts on a Canvas Live Event received on `platformId`'s endpoint. Events name the course
 * and learner by Canvas REST ids (local form), or by LTI id: both are matched. A comment
 * event names only its author, so it re-reads the course.
 */
export async function acceptCanvasTrigger(
  db: Db,
  platformId: string,
  trigger: CanvasPushTrigger,
): Promise<PushOutcome> {
  const { mcId, learner } = await courseAndLearner(
    db,
    platformId,
    trigger.course.canvasId ? { lmsCourseId: trigger.course.canvasId } : {},
    {
      ...(trigger.user.ltiUserId ? { userId: trigger.user.ltiUserId } : {}),
      ...(trigger.user.canvasId ? { lmsUserId: trigger.user.canvasId } : {}),
    },
  );
  if (!mcId) return { action: 'ignored', reason: 'course has no micro-credential in Jalon' };
  const noLearner = !trigger.user.canvasId && !trigger.user.ltiUserId;
  if (noLearner && trigger.kind === 'feedback')
    return actOnce(db, platformId, `canvas:${trigger.idempotencyKey}`, mcId, undefined);
  if (!learner)
    return { action: 'ignored', reason: 'learner unknown in this course (the reconcile reads the roster)' };
  return actOnce(db, platformId, `canvas:${trigger.idempotencyKey}`, mcId, learner);
}

/**
 * Acts on a logstore_xapi statement received with `platformId`'s credentials. The statement
 * must come from that platform's Moodle site (the credentials could leak to another site's
 * configuration; ids from elsewhere would name other people).
 */
export async function acceptMoodleTrigger(
  db: Db,
  platformId: string,
  siteUrls: readonly string[],
  trigger: MoodlePushTrigger,
): Promise<PushOutcome> {
  const site = trigger.siteUrl.toLowerCase();
  if (!siteUrls.some((u) => u.replace(/\/+$/, '').toLowerCase() === site))
    return { action: 'ignored', reason: 'statement from another Moodle site' };
  if (!trigger.courseId) return { action: 'ignored', reason: 'statement names no course' };
  const { mcId, learner } = await courseAndLearner(
    db,
    platformId,
    { contextId: trigger.courseId },
    { userId: trigger.userId },
  );
  if (!mcId) return { action: 'ignored', reason: 'course has no micro-credential in Jalon' };
  if (!learner)
    return { action: 'ignored', reason: 'learner unknown in this course (the reconcile reads the roster)' };
  return actOnce(db, platformId, `xapi:${trigger.idempotencyKey}`, mcId, learner);
}
