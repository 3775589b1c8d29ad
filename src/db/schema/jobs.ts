/**
 * Durable work: LMS reads, notifications and gradebook writes are rows here, claimed by
 * workers with `FOR UPDATE SKIP LOCKED` under a time-limited lease, so several instances
 * can run side by side and a process that dies mid-way loses nothing (its lease expires
 * and another worker takes the job over).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Life cycle of a job: queued → running → done, or back to queued for a retry, or failed. */
export const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const jobs = pgTable(
  'jobs',
  {
    id: text('id')
      .primaryKey()
      .$defaultFn(() => randomUUID()),
    /** Which handler runs it, e.g. `connector.read`. */
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull().default({}),
    /** At most one queued or running job per key: enqueuing the same read twice gives one job. */
    dedupeKey: text('dedupe_key'),
    /** At most one job ever per key (e.g. one scheduled period), whatever its status. */
    onceKey: text('once_key'),
    /**
     * Until when the once key must hold. Null: for ever, so the row is kept. Set for a key
     * that names a period (a day, a scheduled instant): once it has passed and the job is
     * finished, the row may be pruned (`jobs/prune.ts`).
     */
    onceUntil: timestamp('once_until', { withTimezone: true }),
    status: text('status').$type<JobStatus>().notNull().default('queued'),
    /** Not claimed before this instant (delayed jobs and back-off). */
    runAt: timestamp('run_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    /** Claims so far, counted when claimed so that a crash still counts as an attempt. */
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    lockedBy: text('locked_by'),
    /** End of the running worker's lease; past it, another worker may reclaim the job. */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('jobs_dedupe_active_uq')
      .on(t.dedupeKey)
      .where(sql`${t.status} in ('queued', 'running') and ${t.dedupeKey} is not null`),
    uniqueIndex('jobs_once_uq').on(t.onceKey),
    index('jobs_claim_idx').on(t.status, t.runAt),
    index('jobs_lease_idx').on(t.status, t.lockedUntil),
  ],
);
