/**
 * Enqueue that coalesces without losing news. A dedupe key holds one queued *or running* job;
 * a request that arrives while the job is already running would coalesce with a run that may
 * have read the LMS before the news happened. Such a request gets one follow-up job instead
 * (`<key>:next`), which itself coalesces everything arriving until it starts.
 */
import type { Db } from '../db/client.js';
import { enqueue, type EnqueueInput, type EnqueueResult } from '../jobs/enqueue.js';

/** Enqueues `input`; when its dedupe key is held by a running job, queues the follow-up. */
export async function enqueueCoalesced(
  db: Db,
  input: EnqueueInput & { dedupeKey: string },
): Promise<EnqueueResult> {
  const first = await enqueue(db, input);
  if (first.created || first.job.status !== 'running') return first;
  return enqueue(db, { ...input, dedupeKey: `${input.dedupeKey}:next` });
}
