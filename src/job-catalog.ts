/**
 * Every module's background work, in one list: each module exports a function that takes
 * the services and returns its `JobCatalog` (handlers by kind, periodic schedules), and
 * adds one line here. The flow: LMS signal → results sync → standings → award → badge,
 * e-mail, gradebook → transcript exports.
 */
import { badgeJobs } from './badges/jobs.js';
import { intakeJobs } from './intake/jobs.js';
import { JOBS_PRUNE, PRUNE_SCHEDULE, pruneFinishedJobs } from './jobs/prune.js';
import { mergeCatalogs, type JobCatalog } from './jobs/runtime.js';
import { createMailer } from './notify/mailer.js';
import { registrarJobs } from './registrar/jobs.js';
import type { Services } from './services.js';
import { decisionsJobs } from './standings/jobs.js';

/** The catalog of the running service. */
export function jobCatalog(s: Services): JobCatalog {
  // One mailer (one SMTP transport) for every module that sends e-mail.
  const mailer = createMailer({
    smtpUrl: s.config.smtpUrl,
    from: s.config.mailFrom,
    dataDir: s.config.dataDir,
  });
  return mergeCatalogs(
    intakeJobs(s),
    decisionsJobs(s, { mailer }),
    badgeJobs(s, mailer),
    registrarJobs(s),
    queueJobs(s),
  );
}

/** The queue's own upkeep: finished jobs are forgotten after a while (`jobs/prune.ts`). */
function queueJobs(s: Services): JobCatalog {
  return {
    handlers: {
      [JOBS_PRUNE]: async () => {
        const deleted = await pruneFinishedJobs(s.database.db);
        s.log.info({ deleted }, 'finished jobs pruned');
      },
    },
    periodic: [PRUNE_SCHEDULE],
  };
}
