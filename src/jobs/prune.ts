/**
 * Forgetting finished work. Every reconcile leaves a `results.sync` and a `standings.evaluate`
 * row per course, every push one more: without pruning, the queue's table grows by tens of
 * thousands of rows a day on a busy site. Finished rows are history only, with one exception:
 * a once key ("one job ever") holds only while its row exists, so a once-keyed row is kept
 * until its `once_until` (a key naming a period: the schedule's instants, a day's reminders),
 * and for ever when it has none.
 */
import { and, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { jobs } from '../db/schema/index.js';
import type { PeriodicJob } from './schedule.js';

/** How long finished jobs are kept. */
export interface Retention {
  /** Jobs done (default 7 days). */
  doneMs: number;
  /** Jobs failed for good: kept longer, they explain what went wrong (default 30 days). */
  failedMs: number;
}

/** The default {@link Retention}. */
export const DEFAULT_RETENTION: Retention = { doneMs: 7 * 86_400_000, failedMs: 30 * 86_400_000 };

/** The pruning job kind. */
export const JOBS_PRUNE = 'jobs.prune';

/** Once a day, at a quiet hour. */
export const PRUNE_SCHEDULE: PeriodicJob = { name: 'jobs-prune', cron: '17 3 * * *', kind: JOBS_PRUNE };

/** Rows deleted per statement, so a first prune of a large table holds no long lock. */
const BATCH = 5_000;

/** Deletes finished jobs older than the retention; returns how many. */
export async function pruneFinishedJobs(
  db: Db,
  now: Date = new Date(),
  retention: Retention = DEFAULT_RETENTION,
): Promise<number> {
  const forgettable = or(isNull(jobs.onceKey), lt(jobs.onceUntil, now));
  const old = or(
    and(eq(jobs.status, 'done'), lt(jobs.updatedAt, new Date(now.getTime() - retention.doneMs))),
    and(eq(jobs.status, 'failed'), lt(jobs.updatedAt, new Date(now.getTime() - retention.failedMs))),
  );
  let total = 0;
  for (;;) {
    const batch = db.select({ id: jobs.id }).from(jobs).where(and(forgettable, old)).limit(BATCH);
    const gone = await db.delete(jobs).where(inArray(jobs.id, batch)).returning({ id: jobs.id });
    total += gone.length;
    if (gone.length < BATCH) return total;
  }
}
