/**
 * Revocation with a W3C Bitstring Status List: one bit per issued credential (1 = revoked), the
 * list GZIP-compressed and base64url-encoded inside a status list credential signed by the badge's
 * issuer and served at its `id`. Indexes are handed out at random so a list's bit positions say
 * nothing about issue order.
 */
import { randomInt } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { VC_V2_CONTEXT_URL } from './contexts/index.js';
import { isoSeconds, VALID_FROM_BACKDATE_MS } from './credential.js';
import { signCredential, type LoaderLike } from './signing.js';
import type { IssuerKey } from './keys.js';
import type { Signed } from './types.js';

/** Minimum list length the Bitstring Status List spec requires (16 KiB of bits), for herd privacy. */
export const MIN_STATUS_LIST_LENGTH = 131_072;

/** A mutable bitstring of revocation flags. Bit 0 is the left-most bit of the first byte (spec order). */
export class StatusList {
  /** Number of entries. */
  readonly length: number;
  private readonly bits: Uint8Array;

  private constructor(bits: Uint8Array) {
    this.bits = bits;
    this.length = bits.length * 8;
  }

  /**
   * A list with every bit clear.
   * @param length entries, a multiple of 8 and at least {@link MIN_STATUS_LIST_LENGTH}
   */
  static create(length: number = MIN_STATUS_LIST_LENGTH): StatusList {
    if (!Number.isSafeInteger(length) || length < MIN_STATUS_LIST_LENGTH || length % 8 !== 0) {
      throw new RangeError(`a status list needs a multiple of 8 entries, at least ${MIN_STATUS_LIST_LENGTH}`);
    }
    return new StatusList(new Uint8Array(length / 8));
  }

  /**
   * Reads an `encodedList` (multibase `u` + base64url of the GZIP-compressed bitstring).
   * @throws Error on a malformed or too-short list
   */
  static decode(encodedList: string): StatusList {
    if (!encodedList.startsWith('u'))
      throw new Error('encodedList must be multibase base64url (start with "u")');
    let bits: Uint8Array;
    try {
      bits = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
    } catch {
      throw new Error('encodedList is not GZIP-compressed data');
    }
    if (bits.length * 8 < MIN_STATUS_LIST_LENGTH)
      throw new Error('status list is shorter than the minimum length');
    return new StatusList(Uint8Array.from(bits));
  }

  /** The `encodedList` value for the status list credential. */
  encode(): string {
    return `u${gzipSync(this.bits).toString('base64url')}`;
  }

  private at(index: number): [number, number] {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`status list index out of range: ${index}`);
    }
    return [index >> 3, 0x80 >> (index & 7)];
  }

  /** True when the entry's bit is set (for revocation: revoked). */
  get(index: number): boolean {
    const [byte, mask] = this.at(index);
    return ((this.bits[byte] ?? 0) & mask) !== 0;
  }

  /** Sets (revoke) or clears (reinstate) an entry's bit. */
  set(index: number, value: boolean): void {
    const [byte, mask] = this.at(index);
    const current = this.bits[byte] ?? 0;
    this.bits[byte] = value ? current | mask : current & ~mask;
  }

  /** Indexes whose bit is set. */
  setIndexes(): number[] {
    const out: number[] = [];
    this.bits.forEach((b, i) => {
      if (b !== 0) for (let j = 0; j < 8; j++) if (b & (0x80 >> j)) out.push(i * 8 + j);
    });
    return out;
  }
}

/**
 * Picks a free index at random.
 * @param taken indexes already given to credentials (a set, or a predicate over the store)
 * @param length the list's length
 * @param random source of randomness (tests may pass a deterministic one)
 * @throws RangeError when the list is full
 */
export function allocateStatusIndex(
  taken: ReadonlySet<number> | ((index: number) => boolean),
  length: number = MIN_STATUS_LIST_LENGTH,
  random: (max: number) => number = (max) => randomInt(max),
): number {
  const isTaken = typeof taken === 'function' ? taken : (i: number) => taken.has(i);
  // Random probes first; when the list is nearly full, a scan from a random start finds the last free slots.
  for (let attempt = 0; attempt < 64; attempt++) {
    const i = random(length);
    if (!isTaken(i)) return i;
  }
  const start = random(length);
  for (let k = 0; k < length; k++) {
    const i = (start + k) % length;
    if (!isTaken(i)) return i;
  }
  throw new RangeError('the status list is full');
}

/** An unsigned Bitstring Status List credential. */
export interface StatusListCredential {
  '@context': [typeof VC_V2_CONTEXT_URL];
  id: string;
  type: ['VerifiableCredential', 'BitstringStatusListCredential'];
  issuer: string;
  validFrom: string;
  validUntil?: string;
  credentialSubject: {
    id: string;
    type: 'BitstringStatusList';
    statusPurpose: 'revocation';
    encodedList: string;
  };
}

/** Input of {@link buildStatusListCredential}. */
export interface StatusListCredentialInput {
  /** The URL the credential is served at; badges point at it in `statusListCredential`. */
  id: string;
  /** The badge issuer's DID (verifiers require the same issuer on badge and list). */
  issuer: string;
  list: StatusList;
  /** Issue time (defaults to now); `validFrom` is one minute earlier. */
  issued?: Date;
  /** Optional: when verifiers should stop trusting this copy (forces a re-fetch/re-sign). */
  validUntil?: Date;
}

/** Builds the unsigned status list credential. */
export function buildStatusListCredential(input: StatusListCredentialInput): StatusListCredential {
  const url = new URL(input.id);
  if (url.hash) throw new TypeError('the status list credential id must not have a fragment');
  if (!input.issuer.startsWith('did:')) throw new TypeError('the status list issuer must be a DID');
  const issued = input.issued ?? new Date();
  const credential: StatusListCredential = {
    '@context': [VC_V2_CONTEXT_URL],
    id: input.id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: input.issuer,
    validFrom: isoSeconds(new Date(issued.getTime() - VALID_FROM_BACKDATE_MS)),
    credentialSubject: {
      id: `${input.id}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: input.list.encode(),
    },
  };
  if (input.validUntil) credential.validUntil = isoSeconds(input.validUntil);
  return credential;
}

/**
 * Builds and signs the status list credential with the issuer's key. Re-sign and re-serve it after
 * every revocation; register it with the loader under its `id` so verification can read it.
 */
export async function signStatusListCredential(
  input: StatusListCredentialInput,
  key: IssuerKey,
  loader: LoaderLike,
): Promise<Signed<StatusListCredential>> {
  return signCredential(
    buildStatusListCredential(input),
    key,
    loader,
    input.issued ? { now: input.issued } : {},
  );
}

/** Reads the list out of a status list credential (e.g. the stored copy, before revoking one more). */
export function statusListOf(credential: { credentialSubject: { encodedList: string } }): StatusList {
  return StatusList.decode(credential.credentialSubject.encodedList);
}
