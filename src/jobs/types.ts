/**
 * The shapes shared by the queue's parts: a job row, what a handler receives, and the
 * errors a handler may throw to steer retries.
 */
import type { Db } from '../db/client.js';
import type { jobs } from '../db/schema/index.js';

/** A job row as stored. */
export type Job = typeof jobs.$inferSelect;

/** A job as a handler sees it, with a typed payload. */
export type ClaimedJob<P = unknown> = Omit<Job, 'payload'> & { payload: P };

/** What the worker gives a handler besides the job. */
export interface JobContext {
  /** The shared database, for reads and for work that must not hold a transaction open. */
  db: Db;
  /** This worker's identity (also stored in `locked_by`). */
  workerId: string;
  /**
   * Runs `fn` in one transaction that also marks the job done, so the handler's writes
   * and "done" commit together or not at all: a crash before the commit leaves neither,
   * and the job is retried. Inside `fn` use only `tx` (PGlite has a single connection).
   * Throws {@link LeaseLostError} (rolling `fn` back) when another worker took the job
   * over. May be called once per run; a handler that never calls it is marked done after
   * it returns (at-least-once: such a handler must be idempotent).
   */
  commit<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
}

/** Runs one job of a kind. Throwing schedules a retry (or a final failure). */
export type JobHandler<P = unknown> = (job: ClaimedJob<P>, ctx: JobContext) => Promise<void>;

/** Handlers by job kind. A worker claims only the kinds it has a handler for. */
export type JobHandlers = Readonly<Record<string, JobHandler<never>>>;

/** Thrown by a handler when retrying cannot help (e.g. malformed payload): fails at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** The worker no longer holds the job's lease: another worker reclaimed it. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly jobId: string) {
    super(`lease lost on job ${jobId}`);
  }
}
