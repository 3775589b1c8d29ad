/**
 * What a checked push becomes: a targeted `results.sync` for the learner it names, in the
 * course it names, on the platform whose endpoint received it. A push is never a fact
 * (issue 10 §2): it only says whom to re-read. Each event is acted on once — its
 * idempotency key is recorded with the enqueue, in one transaction — and a burst for one
 * learner coalesces into the one sync already queued (the sync's dedupe key).
 */
import { and, eq, or } from 'drizzle-orm';
import type { CanvasPushTrigger, MoodlePushTrigger } from '../connectors/push/index.js';
import type { Db } from '../db/client.js';
import { learners, microcredentials, pushReceipts } from '../db/schema/index.js';
import { enqueue } from '../jobs/enqueue.js';
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
    const r = await enqueue(tx as unknown as Db, {
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
async function microcredentialOf(
  db: Db,
  platformId: string,
  course: { contextId?: string; lmsCourseId?: string },
) {
  const byCourse = [
    ...(course.contextId ? [eq(microcredentials.contextId, course.contextId)] : []),
    ...(course.lmsCourseId ? [eq(microcredentials.lmsCourseId, course.lmsCourseId)] : []),
  ];
  if (byCourse.length === 0) return undefined;
  const [row] = await db
    .select({ id: microcredentials.id })
    .from(microcredentials)
    .where(and(eq(microcredentials.platformId, platformId), or(...byCourse)))
    .limit(1);
  return row?.id;
}

/** A learner of the micro-credential by LTI `sub` or LMS user id. */
async function learnerOf(db: Db, mcId: string, who: { userId?: string; lmsUserId?: string }) {
  const by = [
    ...(who.userId ? [eq(learners.userId, who.userId)] : []),
    ...(who.lmsUserId ? [eq(learners.lmsUserId, who.lmsUserId)] : []),
  ];
  if (by.length === 0) return undefined;
  const [row] = await db
    .select({ userId: learners.userId })
    .from(learners)
    .where(and(eq(learners.microcredentialId, mcId), or(...by)))
    .limit(1);
  return row?.userId;
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
  const mcId = await microcredentialOf(db, platformId, {
    ...(trigger.course.canvasId ? { lmsCourseId: trigger.course.canvasId } : {}),
  });
  if (!mcId) return { action: 'ignored', reason: 'course has no micro-credential in Jalon' };
  const noLearner = !trigger.user.canvasId && !trigger.user.ltiUserId;
  if (noLearner && trigger.kind === 'feedback')
    return actOnce(db, platformId, `canvas:${trigger.idempotencyKey}`, mcId, undefined);
  const learner = await learnerOf(db, mcId, {
    ...(trigger.user.ltiUserId ? { userId: trigger.user.ltiUserId } : {}),
    ...(trigger.user.canvasId ? { lmsUserId: trigger.user.canvasId } : {}),
  });
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
  const mcId = await microcredentialOf(db, platformId, { contextId: trigger.courseId });
  if (!mcId) return { action: 'ignored', reason: 'course has no micro-credential in Jalon' };
  const learner = await learnerOf(db, mcId, { userId: trigger.userId });
  if (!learner)
    return { action: 'ignored', reason: 'learner unknown in this course (the reconcile reads the roster)' };
  return actOnce(db, platformId, `xapi:${trigger.idempotencyKey}`, mcId, learner);
}
