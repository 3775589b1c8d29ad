/**
 * The intake's part of the job catalog: `results.sync` (read a course's results through its
 * connector) and `results.reconcile` (the periodic full re-read), with its schedule.
 */
import type { JobCatalog } from '../jobs/runtime.js';
import type { JobHandler } from '../jobs/types.js';
import type { Services } from '../services.js';
import { RECONCILE_SCHEDULE, RESULTS_RECONCILE, runReconcile } from './reconcile.js';
import { RESULTS_SYNC, runResultsSync } from './sync.js';

/** Handlers and schedule of the results intake. */
export function intakeJobs(s: Services): JobCatalog {
  const deps = {
    db: s.database.db,
    definitions: s.definitions,
    connectors: s.connectors,
    log: s.log,
    engine: s.engine,
  };
  const sync: JobHandler<unknown> = async (job, ctx) => {
    await runResultsSync(deps, job, ctx);
  };
  const reconcile: JobHandler<unknown> = async (_job, ctx) => {
    await runReconcile(s.database.db, ctx, s.log);
  };
  return {
    handlers: { [RESULTS_SYNC]: sync, [RESULTS_RECONCILE]: reconcile },
    periodic: [RECONCILE_SCHEDULE],
  };
}
