/**
 * Identifier shapes of each LMS, so that a tool meets the same strings as in production:
 * Moodle's 15-character client ids and numeric ids, Canvas' 14-digit developer-key ids,
 * UUID `sub`s, 40-hex context ids and `<install>:<hex>` deployment ids.
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Moodle `random_string(15)`: the client id of a dynamically registered tool. */
export function moodleClientId(): string {
  let out = '';
  for (let i = 0; i < 15; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/** Canvas developer-key global id, e.g. `10000000000068`. */
export function canvasClientId(sequence: number): string {
  return String(10000000000000 + sequence);
}

/** 40 lowercase hex characters (Canvas opaque ids). */
export function hex40(seed?: string): string {
  return seed ? createHash('sha1').update(seed).digest('hex') : randomBytes(20).toString('hex');
}

/** A random UUID (Canvas `lti_id`, resource link ids). */
export function uuid(): string {
  return randomUUID();
}

/** An unguessable opaque token (bearer tokens, hints, states). */
export function opaque(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** Monotonic counters for numeric ids, one sequence per kind. */
export class Sequence {
  private next: number;
  constructor(start: number) {
    this.next = start;
  }
  /** The next number of the sequence. */
  take(): number {
    return this.next++;
  }
}
