/**
 * The queue as the running service uses it: the handlers and periodic schedules every
 * module contributes, the process's workers and its cron. Tests run with no workers and
 * call `drain()` to run everything queued, deterministically, in the test's own order.
 */
import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { enqueue, type EnqueueInput, type EnqueueResult } from './enqueue.js';
import { startSchedule, type PeriodicJob, type Schedule } from './schedule.js';
import type { JobHandlers } from './types.js';
import { Worker } from './worker.js';

/** What modules contribute: handlers by kind and periodic enqueues. */
export interface JobCatalog {
  handlers: JobHandlers;
  periodic: PeriodicJob[];
}

/** Merges catalogs; two modules claiming the same kind or schedule name is a bug. */
export function mergeCatalogs(...parts: JobCatalog[]): JobCatalog {
  const handlers: Record<string, JobHandlers[string]> = {};
  const periodic: PeriodicJob[] = [];
  for (const part of parts) {
    for (const [kind, h] of Object.entries(part.handlers)) {
      if (handlers[kind]) throw new Error(`job kind ${kind} has two handlers`);
      handlers[kind] = h;
    }
    periodic.push(...part.periodic);
  }
  return { handlers, periodic };
}

/** Options of {@link JobRuntime}. */
export interface JobRuntimeOptions {
  workers: number;
  pollMs: number;
  timezone: string;
  log: Logger;
}

/** The process's queue: enqueue, drain (tests), start/stop the workers and the cron. */
export class JobRuntime {
  #catalog: JobCatalog = { handlers: {}, periodic: [] };
  #workers: Worker[] = [];
  #schedule: Schedule | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: JobRuntimeOptions,
  ) {}

  /** Sets the handlers (once the services they need exist). */
  setCatalog(catalog: JobCatalog): void {
    this.#catalog = catalog;
  }

  /** The kinds this process can run. */
  get kinds(): string[] {
    return Object.keys(this.#catalog.handlers);
  }

  /** Queues a job (see `enqueue` for dedupe and once keys). */
  enqueue(input: EnqueueInput): Promise<EnqueueResult> {
    return enqueue(this.db, input);
  }

  /**
   * Runs queued jobs that are due, including those they queue, until none is left (or
   * `maxRounds`). Returns how many ran. Jobs scheduled for later (retries) stay queued.
   */
  async drain(maxRounds = 200): Promise<number> {
    if (this.kinds.length === 0) return 0;
    const worker = new Worker(this.db, {
      handlers: this.#catalog.handlers,
      logger: this.options.log,
      workerId: 'drain',
    });
    return worker.runUntilIdle(maxRounds);
  }

  /** Starts the configured number of workers and the periodic schedule. */
  start(): void {
    if (this.kinds.length === 0) return;
    for (let i = 0; i < this.options.workers; i++) {
      const w = new Worker(this.db, {
        handlers: this.#catalog.handlers,
        pollMs: this.options.pollMs,
        logger: this.options.log,
      });
      w.start();
      this.#workers.push(w);
    }
    if (this.options.workers > 0 && this.#catalog.periodic.length > 0) {
      this.#schedule = startSchedule(this.db, this.#catalog.periodic, {
        timezone: this.options.timezone,
        logger: this.options.log,
      });
    }
  }

  /** Stops the cron and lets each worker finish the job it is running. */
  async stop(): Promise<void> {
    await this.#schedule?.stop();
    this.#schedule = undefined;
    await Promise.all(this.#workers.map((w) => w.stop()));
    this.#workers = [];
  }
}
