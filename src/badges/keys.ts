/**
 * Issuer signing keys: Ed25519 Multikeys (the key type eddsa-rdfc-2022 signs with), generated with
 * node:crypto and stored as JSON. The caller seals `secretKeyMultibase` at rest; this module never
 * logs or persists anything. An issuer may hold several keys: all stay in its DID document so old
 * badges keep verifying, and new badges are signed with the newest one.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  decodeMultibaseKey,
  ED25519_PRIV_PREFIX,
  ED25519_PUB_PREFIX,
  encodeMultibaseKey,
} from './multibase.js';

/** The public half of an issuer key: what the DID document lists as a verification method. */
export interface IssuerPublicKey {
  type: 'Multikey';
  /** Verification method id: `<issuer DID>#<publicKeyMultibase>`. */
  id: string;
  /** The issuer DID that controls the key. */
  controller: string;
  /** `z6Mk…`: multibase base58-btc of the multicodec Ed25519 public key. */
  publicKeyMultibase: string;
  /** ISO 8601 creation time; the newest key signs new badges. */
  created: string;
}

/** A full issuer key as exported to storage. `secretKeyMultibase` must be sealed at rest. */
export interface IssuerKey extends IssuerPublicKey {
  /** `z3u2…`: multibase base58-btc of the multicodec Ed25519 32-byte seed. Secret. */
  secretKeyMultibase: string;
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('Ed25519 public key export failed');
  return Buffer.from(jwk.x, 'base64url');
}

/**
 * Generates a new Ed25519 Multikey for an issuer.
 * @param controller the issuer DID (e.g. `did:web:jalon.example.edu:issuers:abc`)
 * @param created creation time (defaults to now); used to pick the newest key
 */
export function generateIssuerKey(controller: string, created: Date = new Date()): IssuerKey {
  if (!controller.startsWith('did:')) throw new TypeError(`controller must be a DID: ${controller}`);
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw new Error('Ed25519 key export failed');
  const publicKeyMultibase = encodeMultibaseKey(ED25519_PUB_PREFIX, Buffer.from(jwk.x, 'base64url'));
  return {
    type: 'Multikey',
    id: `${controller}#${publicKeyMultibase}`,
    controller,
    publicKeyMultibase,
    secretKeyMultibase: encodeMultibaseKey(ED25519_PRIV_PREFIX, Buffer.from(jwk.d, 'base64url')),
    created: created.toISOString(),
  };
}

/** Serialises a key for storage (seal the result, or at least its secret part, before writing it). */
export function exportIssuerKey(key: IssuerKey): string {
  const { type, id, controller, publicKeyMultibase, secretKeyMultibase, created } = key;
  return JSON.stringify({ type, id, controller, publicKeyMultibase, secretKeyMultibase, created });
}

/**
 * Parses and checks a stored key: shape, multibase encodings, and that the secret key really
 * produces the public key (a mismatched pair would sign badges nobody can verify).
 * @param json the text from {@link exportIssuerKey}, or the parsed object
 * @throws Error when anything is malformed or inconsistent
 */
export function importIssuerKey(json: unknown): IssuerKey {
  const value: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  if (!value || typeof value !== 'object') throw new Error('issuer key: not an object');
  const v = value as Record<string, unknown>;
  for (const field of ['id', 'controller', 'publicKeyMultibase', 'secretKeyMultibase', 'created'] as const) {
    if (typeof v[field] !== 'string' || v[field] === '') throw new Error(`issuer key: "${field}" missing`);
  }
  if (v.type !== 'Multikey') throw new Error('issuer key: type must be "Multikey"');
  const key = v as unknown as IssuerKey;
  if (!key.id.startsWith(`${key.controller}#`))
    throw new Error('issuer key: id is not under its controller DID');
  if (Number.isNaN(Date.parse(key.created))) throw new Error('issuer key: "created" is not a date');
  const pub = decodeMultibaseKey(key.publicKeyMultibase, ED25519_PUB_PREFIX, 32);
  const seed = decodeMultibaseKey(key.secretKeyMultibase, ED25519_PRIV_PREFIX, 32);
  if (!Buffer.from(rawPublicKey(privateKeyFromSeed(seed))).equals(Buffer.from(pub))) {
    throw new Error('issuer key: secret key does not match public key');
  }
  const { type, id, controller, publicKeyMultibase, secretKeyMultibase, created } = key;
  return { type, id, controller, publicKeyMultibase, secretKeyMultibase, created };
}

/** The public half of a key (safe to publish, e.g. in the DID document). */
export function publicKeyOf(key: IssuerPublicKey): IssuerPublicKey {
  const { type, id, controller, publicKeyMultibase, created } = key;
  return { type, id, controller, publicKeyMultibase, created };
}

/**
 * The key new badges are signed with: the most recently created one.
 * @throws Error when the list is empty
 */
export function newestKey<K extends IssuerPublicKey>(keys: readonly K[]): K {
  let newest: K | undefined;
  for (const k of keys) if (!newest || Date.parse(k.created) > Date.parse(newest.created)) newest = k;
  if (!newest) throw new Error('the issuer has no signing key');
  return newest;
}
