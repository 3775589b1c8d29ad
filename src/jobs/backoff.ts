/** Exponential back-off between a job's attempts. */

/** Tuning of the back-off; the defaults suit LMS reads (30 s, 1 min, 2 min … capped at 1 h). */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 30_000, maxMs: 3_600_000 };

/**
 * Delay before the next try after `attempts` failed tries (1 → base, 2 → 2×base, …),
 * capped so that a long outage still gets retried at a steady pace.
 */
export function backoffMs(attempts: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const n = Math.max(1, Math.floor(attempts));
  // Cap the exponent too: 2 ** 1100 is Infinity, and the cap must win anyway.
  const delay = options.baseMs * 2 ** Math.min(n - 1, 52);
  return Math.min(delay, options.maxMs);
}
