/**
 * Periodic work: node-cron only *enqueues* a job per period, keyed by the period, so
 * that every instance may run the same schedule and the job still exists once. The
 * work itself runs in the queue's workers.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { enqueue, type EnqueueResult } from './enqueue.js';

/** One periodic job: a name, a cron pattern (5 or 6 fields) and what to enqueue. */
export interface PeriodicJob {
  /** Unique among periodic jobs; part of the once key. */
  name: string;
  cron: string;
  kind: string;
  payload?: unknown;
  maxAttempts?: number;
}

/** The once key of a period: the name and the scheduled instant (to the second, UTC). */
export function periodKey(name: string, scheduledAt: Date): string {
  const at = new Date(Math.floor(scheduledAt.getTime() / 1000) * 1000);
  return `cron:${name}:${at.toISOString()}`;
}

/** Enqueues the job of one period; a second call for the same period returns the same job. */
export function enqueuePeriodic(db: Db, job: PeriodicJob, scheduledAt: Date): Promise<EnqueueResult> {
  return enqueue(db, {
    kind: job.kind,
    payload: job.payload ?? {},
    onceKey: periodKey(job.name, scheduledAt),
    // No one asks for a past instant again: the row may go once the day is over.
    onceUntil: new Date(scheduledAt.getTime() + 86_400_000),
    ...(job.maxAttempts ? { maxAttempts: job.maxAttempts } : {}),
  });
}

/** A running schedule. */
export interface Schedule {
  stop(): Promise<void>;
}

/** Starts one cron task per periodic job. Invalid patterns or duplicate names throw at once. */
export function startSchedule(
  db: Db,
  periodic: readonly PeriodicJob[],
  options: { timezone?: string; logger?: Pick<Logger, 'error'> } = {},
): Schedule {
  const names = new Set<string>();
  for (const job of periodic) {
    if (!cron.validate(job.cron)) throw new RangeError(`invalid cron pattern for ${job.name}`);
    if (names.has(job.name)) throw new RangeError(`duplicate periodic job name ${job.name}`);
    names.add(job.name);
  }
  const tasks: ScheduledTask[] = periodic.map((job) =>
    cron.schedule(
      job.cron,
      async (context) => {
        try {
          // `context.date` is the scheduled instant, the same on every instance.
          await enqueuePeriodic(db, job, context.date);
        } catch (err) {
          options.logger?.error({ err, job: job.name }, 'could not enqueue periodic job');
        }
      },
      {
        name: `jalon:${job.name}`,
        noOverlap: true,
        ...(options.timezone ? { timezone: options.timezone } : {}),
      },
    ),
  );
  return {
    async stop() {
      for (const task of tasks) await task.destroy();
    },
  };
}
