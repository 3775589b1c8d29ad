/**
 * The registrar's background work: `export.run` (an export the area asked for),
 * `registrar.tick` (every minute: enqueue the schedules due) and `export.scheduled` (one
 * schedule's period, once, retried with back-off until it is written or finally failed).
 */
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { registrarSchedules } from '../db/schema/index.js';
import { PermanentJobError, type ClaimedJob, type JobContext } from '../jobs/index.js';
import type { JobCatalog } from '../jobs/runtime.js';
import type { Services } from '../services.js';
import { executeRun, type RunDeps } from './runs.js';
import {
  enqueueDue,
  runOfPeriod,
  SCHEDULED_KIND,
  TICK_KIND,
  tickMinute,
  type ScheduledPayload,
} from './schedules.js';
import { registrarWriters, type RegistrarServices } from './formats.js';

export type { RegistrarServices };

/** Kind of an export the area asked for. */
export const RUN_KIND = 'export.run';

/** Where export files go: `<DATA_DIR>/exports`. */
export const exportRootOf = (s: Pick<Services, 'config'>): string =>
  path.resolve(s.config.dataDir, 'exports');

/** The run dependencies from the services. */
export function runDeps(s: RegistrarServices): RunDeps {
  return {
    db: s.database.db,
    log: s.log,
    exportRoot: exportRootOf(s),
    timeZone: s.config.jobs.timezone,
    writers: registrarWriters(s),
  };
}

/** The registrar's job catalog (one line in `src/job-catalog.ts`). */
export function registrarJobs(s: RegistrarServices): JobCatalog {
  const deps = () => runDeps(s);
  return {
    handlers: {
      [RUN_KIND]: async (job: ClaimedJob<{ runId?: unknown }>, ctx: JobContext) => {
        if (typeof job.payload.runId !== 'string') throw new PermanentJobError('export.run without a run id');
        await executeRun(deps(), job.payload.runId, job, ctx);
      },
      [TICK_KIND]: async (job: ClaimedJob<unknown>) => {
        await enqueueDue(s.database.db, tickMinute(job), s.config.jobs.timezone);
      },
      [SCHEDULED_KIND]: async (job: ClaimedJob<Partial<ScheduledPayload>>, ctx: JobContext) => {
        const { scheduleId, period } = job.payload;
        if (typeof scheduleId !== 'string' || typeof period !== 'string') {
          throw new PermanentJobError('export.scheduled without schedule or period');
        }
        const [schedule] = await s.database.db
          .select()
          .from(registrarSchedules)
          .where(eq(registrarSchedules.id, scheduleId));
        if (!schedule) throw new PermanentJobError(`schedule ${scheduleId} not found`);
        if (!schedule.enabled) {
          s.log.info({ scheduleId, period }, 'scheduled export skipped: the schedule was disabled');
          return;
        }
        const run = await runOfPeriod(s.database.db, schedule, period);
        await executeRun(deps(), run.id, job, ctx);
      },
    },
    periodic: [{ name: 'registrar.schedules', cron: '* * * * *', kind: TICK_KIND, maxAttempts: 2 }],
  };
}
