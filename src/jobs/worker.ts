/**
 * A queue worker: claims batches of jobs for the kinds it handles, runs each handler,
 * and settles the job (done, retry with back-off, or failed). Several workers — in one
 * process or in several instances — can run against the same database.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { backoffMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { claimJobs, failExhaustedLeases } from './claim.js';
import { markDone, markFailedRun } from './settle.js';
import {
  LeaseLostError,
  PermanentJobError,
  type ClaimedJob,
  type Job,
  type JobContext,
  type JobHandler,
  type JobHandlers,
} from './types.js';

/** How a worker runs. */
export interface WorkerOptions {
  handlers: JobHandlers;
  /** Stored in `locked_by`; default host, pid and a random suffix. */
  workerId?: string;
  /** Jobs claimed per round (default 10). They run one after another. */
  batchSize?: number;
  /** Lease per claim (default 5 min); must exceed the time a whole batch takes. */
  leaseMs?: number;
  /** Pause when a round found nothing to do (default 1 s). */
  pollMs?: number;
  backoff?: BackoffOptions;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** Claims and runs jobs; `runOnce` for one round, `start`/`stop` for a polling loop. */
export class Worker {
  readonly workerId: string;
  private readonly handlers: JobHandlers;
  private readonly kinds: string[];
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly backoff: BackoffOptions;
  private readonly logger: WorkerOptions['logger'];
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    options: WorkerOptions,
  ) {
    this.handlers = options.handlers;
    this.kinds = Object.keys(options.handlers);
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.batchSize = options.batchSize ?? 10;
    this.leaseMs = options.leaseMs ?? 300_000;
    this.pollMs = options.pollMs ?? 1000;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.logger = options.logger;
  }

  /** One round: fails exhausted leases, claims a batch and runs it. Returns how many ran. */
  async runOnce(): Promise<number> {
    const exhausted = await failExhaustedLeases(this.db, this.kinds);
    if (exhausted > 0)
      this.logger?.warn({ count: exhausted }, 'jobs failed after their lease expired on the last attempt');
    const claimed = await claimJobs(this.db, {
      workerId: this.workerId,
      kinds: this.kinds,
      limit: this.batchSize,
      leaseMs: this.leaseMs,
    });
    for (const job of claimed) await this.runClaimed(job);
    return claimed.length;
  }

  /** Rounds until one finds nothing due, at most `maxRounds`. Returns how many jobs ran. */
  async runUntilIdle(maxRounds = 1000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const n = await this.runOnce();
      if (n === 0) break;
      total += n;
    }
    return total;
  }

  /** Starts polling in the background; a failing round is logged and the loop goes on. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let ran = 0;
        try {
          ran = await this.runOnce();
        } catch (err) {
          this.logger?.error({ err }, 'job worker round failed');
        }
        if (ran === 0 && this.running) await this.pause();
      }
    })();
  }

  /** Stops polling and waits for the job in hand to settle. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /**
   * Runs one job this worker has claimed and settles it. `runOnce` calls it; exposed so
   * that a caller holding a claim (from {@link claimJobs}) can run it directly.
   */
  async runClaimed(job: Job): Promise<void> {
    const handler = this.handlers[job.kind] as JobHandler<unknown> | undefined;
    if (!handler) throw new RangeError(`no handler for job kind ${job.kind}`);
    let committed = false;
    const ctx: JobContext = {
      db: this.db,
      workerId: this.workerId,
      commit: async <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
        if (committed) throw new Error('commit may be called once per run');
        // Done first: its row lock keeps any reclaimer off the job while `fn` writes.
        const result = await this.db.transaction(async (tx) => {
          if (!(await markDone(tx as unknown as Db, job.id, this.workerId))) throw new LeaseLostError(job.id);
          return fn(tx as unknown as Db);
        });
        committed = true;
        return result;
      },
    };
    try {
      await handler(job as ClaimedJob<unknown>, ctx);
      if (!committed && !(await markDone(this.db, job.id, this.workerId))) {
        this.logger?.warn({ jobId: job.id, kind: job.kind }, 'job finished after its lease was taken over');
      }
    } catch (err) {
      await this.settleFailure(job, err, committed);
    }
  }

  private async settleFailure(job: Job, err: unknown, committed: boolean): Promise<void> {
    if (committed) {
      // The effect and "done" are committed; what failed afterwards cannot be retried.
      this.logger?.error({ err, jobId: job.id, kind: job.kind }, 'job handler failed after committing');
      return;
    }
    if (err instanceof LeaseLostError) {
      this.logger?.warn(
        { jobId: job.id, kind: job.kind },
        'job lease taken over; leaving it to the new holder',
      );
      return;
    }
    const final = err instanceof PermanentJobError || job.attempts >= job.maxAttempts;
    const status = await markFailedRun(
      this.db,
      job.id,
      this.workerId,
      err,
      final ? { final: true } : { final: false, delayMs: backoffMs(job.attempts, this.backoff) },
    );
    this.logger?.warn(
      { err, jobId: job.id, kind: job.kind, attempts: job.attempts, status },
      'job run failed',
    );
  }
}
