/**
 * Adding work to the queue. Idempotent on the dedupe key (one queued or running job per
 * key) and on the once key (one job ever per key), so a push and a reconcile asking for
 * the same read, or two instances' crons firing for the same period, give one job.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { jobs } from '../db/schema/index.js';
import type { Job } from './types.js';

/** What to enqueue. */
export interface EnqueueInput {
  kind: string;
  /** JSON-serialisable data for the handler. */
  payload?: unknown;
  /** Coalesces with a queued or running job of the same key. */
  dedupeKey?: string;
  /** Coalesces with any job ever enqueued with this key. */
  onceKey?: string;
  /**
   * For a once key naming a period: the key need hold no longer than this, so the finished
   * job may then be pruned. Without it, a once-keyed job is kept for ever.
   */
  onceUntil?: Date;
  /** Not before this instant (default: now). */
  runAt?: Date;
  /** Default 5. */
  maxAttempts?: number;
}

/** The job that holds the work, and whether this call created it. */
export interface EnqueueResult {
  job: Job;
  created: boolean;
}

/** Enqueues a job, or returns the existing one holding the same dedupe or once key. */
export async function enqueue(db: Db, input: EnqueueInput): Promise<EnqueueResult> {
  if (!input.kind) throw new RangeError('job kind is required');
  const maxAttempts = input.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new RangeError('maxAttempts must be a positive integer');
  if (input.runAt && Number.isNaN(input.runAt.getTime())) throw new RangeError('runAt is not a valid date');
  // Two rounds: the existing job may finish between our insert and our look-up.
  for (let round = 0; round < 2; round++) {
    const inserted = await db
      .insert(jobs)
      .values({
        kind: input.kind,
        payload: input.payload ?? {},
        dedupeKey: input.dedupeKey ?? null,
        onceKey: input.onceKey ?? null,
        onceUntil: input.onceUntil ?? null,
        maxAttempts,
        ...(input.runAt ? { runAt: input.runAt } : {}),
      })
      .onConflictDoNothing()
      .returning();
    const job = inserted[0];
    if (job) return { job, created: true };
    const existing = await findHolder(db, input);
    if (existing) return { job: existing, created: false };
  }
  throw new Error(`could not enqueue job of kind ${input.kind}`);
}

async function findHolder(db: Db, input: EnqueueInput): Promise<Job | undefined> {
  if (input.onceKey) {
    const [row] = await db.select().from(jobs).where(eq(jobs.onceKey, input.onceKey));
    if (row) return row;
  }
  if (input.dedupeKey) {
    const [row] = await db
      .select()
      .from(jobs)
      .where(and(eq(jobs.dedupeKey, input.dedupeKey), inArray(jobs.status, ['queued', 'running'])));
    if (row) return row;
  }
  return undefined;
}
