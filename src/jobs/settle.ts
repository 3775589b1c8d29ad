/**
 * Ending a run: done, retry later, or failed for good. Every update requires that this
 * worker still holds the job (`locked_by`, status running), so a worker whose lease was
 * taken over cannot overwrite the new holder's outcome.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { jobs } from '../db/schema/index.js';
import { nowPlusMs } from './sql.js';

const MAX_ERROR_LENGTH = 2000;

function heldBy(jobId: string, workerId: string) {
  return and(eq(jobs.id, jobId), eq(jobs.lockedBy, workerId), eq(jobs.status, 'running'));
}

/** Marks the job done; false when this worker no longer holds it. */
export async function markDone(db: Db, jobId: string, workerId: string): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({ status: 'done', lockedBy: null, lockedUntil: null, finishedAt: sql`now()`, updatedAt: sql`now()` })
    .where(heldBy(jobId, workerId))
    .returning({ id: jobs.id });
  return rows.length === 1;
}

/** The error text kept on the row: the message only, bounded. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

/**
 * Records a failed run: back to the queue after `delayMs`, or failed for good when
 * `final`. Returns the new status, or undefined when this worker no longer holds the job.
 */
export async function markFailedRun(
  db: Db,
  jobId: string,
  workerId: string,
  err: unknown,
  outcome: { final: true } | { final: false; delayMs: number },
): Promise<'queued' | 'failed' | undefined> {
  const common = { lockedBy: null, lockedUntil: null, lastError: errorText(err), updatedAt: sql`now()` };
  const set = outcome.final
    ? { ...common, status: 'failed' as const, finishedAt: sql`now()` }
    : { ...common, status: 'queued' as const, runAt: nowPlusMs(outcome.delayMs) };
  const rows = await db
    .update(jobs)
    .set(set)
    .where(heldBy(jobId, workerId))
    .returning({ status: jobs.status });
  const status = rows[0]?.status;
  return status === 'queued' || status === 'failed' ? status : undefined;
}
