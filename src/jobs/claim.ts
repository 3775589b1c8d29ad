/**
 * Claiming work: due queued jobs and running jobs whose lease expired (their worker died)
 * are taken with `FOR UPDATE SKIP LOCKED`, so concurrent workers each get different rows
 * without waiting on one another.
 */
import { and, asc, eq, gte, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { jobs } from '../db/schema/index.js';
import { nowPlusMs } from './sql.js';
import type { Job } from './types.js';

/** Who claims what, how many and for how long. */
export interface ClaimOptions {
  workerId: string;
  kinds: readonly string[];
  limit: number;
  leaseMs: number;
}

/** Claims up to `limit` jobs for this worker, counting the attempt and setting the lease. */
export async function claimJobs(db: Db, options: ClaimOptions): Promise<Job[]> {
  if (options.kinds.length === 0 || options.limit < 1) return [];
  const claimable = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        inArray(jobs.kind, [...options.kinds]),
        lt(jobs.attempts, jobs.maxAttempts),
        or(
          and(eq(jobs.status, 'queued'), lte(jobs.runAt, sql`now()`)),
          and(eq(jobs.status, 'running'), lt(jobs.lockedUntil, sql`now()`)),
        ),
      ),
    )
    .orderBy(asc(jobs.runAt))
    .limit(options.limit)
    .for('update', { skipLocked: true });
  return db
    .update(jobs)
    .set({
      status: 'running',
      lockedBy: options.workerId,
      lockedUntil: nowPlusMs(options.leaseMs),
      attempts: sql`${jobs.attempts} + 1`,
      updatedAt: sql`now()`,
    })
    .where(inArray(jobs.id, claimable))
    .returning();
}

/**
 * Fails running jobs whose lease expired on their last allowed attempt: the process died
 * every time, so reclaiming them again would loop forever. Returns how many.
 */
export async function failExhaustedLeases(db: Db, kinds: readonly string[]): Promise<number> {
  if (kinds.length === 0) return 0;
  const rows = await db
    .update(jobs)
    .set({
      status: 'failed',
      lastError: sql`coalesce(${jobs.lastError} || ' | ', '') || 'lease expired on the last attempt'`,
      lockedBy: null,
      lockedUntil: null,
      finishedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        inArray(jobs.kind, [...kinds]),
        eq(jobs.status, 'running'),
        lt(jobs.lockedUntil, sql`now()`),
        gte(jobs.attempts, jobs.maxAttempts),
      ),
    )
    .returning({ id: jobs.id });
  return rows.length;
}
