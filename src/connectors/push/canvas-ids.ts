/**
 * Canvas global ids → REST ids.
 *
 * Canvas shards its database; an id that leaves its shard (Live Events, Caliper) is "global":
 * `shard_id × 10^13 + local_id`, e.g. `21070000000000565` = shard 2107, local id 565
 * (canvas-lms `Shard::IDS_PER_SHARD` = 10_000_000_000_000). The REST API takes the local id
 * (`/courses/565`) on the account's own shard, and also the global id or `2107~565` anywhere.
 * An id below 10^13 is already local (the `course_progress` body carries short ids). Jalon keeps
 * both: the local id to call REST and match LTI custom `$Canvas.course.id`, the global id to be
 * exact when two shards share a local id.
 */

/** Ids per Canvas shard. */
export const CANVAS_IDS_PER_SHARD = 10_000_000_000_000n;

/** A Canvas id in both forms. */
export interface CanvasIdPair {
  /** The id as Canvas sent it when it was global (≥ 10^13), else undefined. */
  canvasGlobalId?: string;
  /** The shard-local id, as the REST API shows it in URLs. */
  canvasId?: string;
  /** The shard number, when the id was global. */
  shard?: string;
}

/** A decimal id string from a number or string, or undefined if it is not a positive integer. */
export function canvasIdString(x: unknown): string | undefined {
  if (typeof x === 'number' && Number.isSafeInteger(x) && x > 0) return String(x);
  if (typeof x === 'string' && /^[1-9]\d{0,24}$/.test(x)) return x;
  return undefined;
}

/**
 * Splits a Canvas id (global or local, number or string; `shard~local` too) into its forms.
 * Anything that is not an id gives `{}`, so callers simply get no id rather than a wrong one.
 */
export function splitCanvasId(x: unknown): CanvasIdPair {
  if (typeof x === 'string') {
    const tilde = /^([1-9]\d{0,11})~([1-9]\d{0,12})$/.exec(x);
    if (tilde?.[1] && tilde[2]) {
      const global = BigInt(tilde[1]) * CANVAS_IDS_PER_SHARD + BigInt(tilde[2]);
      return { canvasGlobalId: global.toString(), canvasId: tilde[2], shard: tilde[1] };
    }
  }
  const s = canvasIdString(x);
  if (!s) return {};
  const n = BigInt(s);
  if (n < CANVAS_IDS_PER_SHARD) return { canvasId: s };
  return {
    canvasGlobalId: s,
    canvasId: (n % CANVAS_IDS_PER_SHARD).toString(),
    shard: (n / CANVAS_IDS_PER_SHARD).toString(),
  };
}
