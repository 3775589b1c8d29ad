/**
 * Identifiers for credentials, achievements and result descriptions. JSON-LD safe mode rejects
 * relative ids, so everything Jalon mints is a `urn:uuid:` IRI.
 */
import { createHash, randomUUID } from 'node:crypto';

const URN_UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A fresh random `urn:uuid:` (UUID v4). */
export function newUrnUuid(): string {
  return `urn:uuid:${randomUUID()}`;
}

/** True when `value` is a lower-case `urn:uuid:` IRI with a well-formed UUID. */
export function isUrnUuid(value: unknown): value is string {
  return typeof value === 'string' && URN_UUID.test(value);
}

/**
 * A name-based `urn:uuid:` (UUID v5, RFC 9562) derived from another `urn:uuid:` and a label, so the
 * same definition version always yields the same per-language achievement and result-description ids.
 * @param namespace a `urn:uuid:` IRI used as the UUID namespace
 * @param name the label, e.g. `achievement:fr`
 */
export function deriveUrnUuid(namespace: string, name: string): string {
  if (!isUrnUuid(namespace)) throw new TypeError(`not a urn:uuid: ${namespace}`);
  const ns = Buffer.from(namespace.slice('urn:uuid:'.length).replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
