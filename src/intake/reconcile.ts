/**
 * The periodic reconcile: pushes are hints that may be lost (Canvas drops events during an
 * outage, logstore_xapi gives up on failed batches), so every micro-credential with a
 * definition is read again in full on a schedule. The cron only enqueues one
 * `results.reconcile` per period (its once key), whatever the number of instances; that job
 * enqueues one `results.sync` per course, so one broken course never holds up another.
 */
import { lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { definitionVersions, pushReceipts } from '../db/schema/index.js';
import { enqueue } from '../jobs/enqueue.js';
import type { PeriodicJob } from '../jobs/schedule.js';
import type { JobContext } from '../jobs/types.js';
import type { Logger } from '../log.js';
import { RESULTS_SYNC, syncDedupeKey, type ResultsSyncPayload } from './sync.js';

/** The reconcile job kind. */
export const RESULTS_RECONCILE = 'results.reconcile';

/** Every 15 minutes (the once key is the scheduled instant, see `jobs/schedule.ts`). */
export const RECONCILE_SCHEDULE: PeriodicJob = {
  name: 'results-reconcile',
  cron: '*/15 * * * *',
  kind: RESULTS_RECONCILE,
  maxAttempts: 3,
};

/** Push receipts older than this are forgotten: no sender replays that late (Canvas: 24 h). */
export const RECEIPT_RETENTION_MS = 3 * 24 * 3600_000;

/** Ids of micro-credentials that have a definition (there is something to follow). */
export async function definedMicrocredentials(db: Db): Promise<string[]> {
  const rows = await db
    .selectDistinct({ id: definitionVersions.microcredentialId })
    .from(definitionVersions)
    .orderBy(definitionVersions.microcredentialId);
  return rows.map((r) => r.id);
}

/**
 * Runs one reconcile: a whole-roster `results.sync` per defined micro-credential (coalescing
 * with one already queued), and old push receipts pruned, in one transaction with "done".
 */
export async function runReconcile(db: Db, ctx: JobContext, log: Logger): Promise<number> {
  const ids = await definedMicrocredentials(db);
  let created = 0;
  await ctx.commit(async (tx) => {
    for (const microcredentialId of ids) {
      const payload: ResultsSyncPayload = { microcredentialId };
      const r = await enqueue(tx, {
        kind: RESULTS_SYNC,
        payload,
        dedupeKey: syncDedupeKey(microcredentialId),
      });
      if (r.created) created++;
    }
    await tx
      .delete(pushReceipts)
      .where(lt(pushReceipts.receivedAt, sql`now() - ${`${RECEIPT_RETENTION_MS / 1000} seconds`}::interval`));
  });
  log.info({ courses: ids.length, enqueued: created }, 'results reconcile enqueued');
  return created;
}
