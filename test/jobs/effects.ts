/**
 * Test fixture: an effects table with one row per job (primary key on the job id), and a
 * handler that writes its effect and "done" in one transaction. A duplicate run would
 * hit the primary key, so "exactly once" is checked by the database itself.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import type { JobHandler } from '../../src/jobs/index.js';

export const EFFECT_KIND = 'test.effect';

/** Creates the effects table (idempotent). */
export async function createEffectsTable(db: Db): Promise<void> {
  await db.execute(
    sql.raw(
      'CREATE TABLE IF NOT EXISTS job_effects (job_id text PRIMARY KEY, worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())',
    ),
  );
}

/** A handler inserting the job's effect atomically with "done"; `sleepMs` widens the window. */
export function effectHandler(sleepMs = 0): JobHandler<unknown> {
  return async (job, ctx) => {
    await ctx.commit(async (tx) => {
      if (sleepMs > 0) await tx.execute(sql`SELECT pg_sleep(${sleepMs / 1000}::double precision)`);
      await tx.execute(sql`INSERT INTO job_effects (job_id, worker) VALUES (${job.id}, ${ctx.workerId})`);
    });
  };
}

/** Rows of a query result on either driver. */
export function rowsOf<T>(result: unknown): T[] {
  const rows = (result as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) throw new Error('query result without rows');
  return rows as T[];
}

/** Number of effect rows. */
export async function countEffects(db: Db): Promise<number> {
  const [row] = rowsOf<{ n: number | string }>(
    await db.execute(sql`SELECT count(*)::int AS n FROM job_effects`),
  );
  return Number(row?.n ?? 0);
}
