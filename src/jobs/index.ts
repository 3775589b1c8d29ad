/** The durable job queue: enqueue work, run workers, schedule periodic enqueues. */
export { enqueue, type EnqueueInput, type EnqueueResult } from './enqueue.js';
export { Worker, type WorkerOptions } from './worker.js';
export { backoffMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { claimJobs, failExhaustedLeases, type ClaimOptions } from './claim.js';
export { JOBS_PRUNE, PRUNE_SCHEDULE, pruneFinishedJobs } from './prune.js';
export { startSchedule, enqueuePeriodic, periodKey, type PeriodicJob, type Schedule } from './schedule.js';
export {
  LeaseLostError,
  PermanentJobError,
  type ClaimedJob,
  type Job,
  type JobContext,
  type JobHandler,
  type JobHandlers,
} from './types.js';
