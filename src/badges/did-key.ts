/**
 * `did:key` documents for Ed25519 keys, built offline from the DID itself (a wallet's holder DID in
 * DID authentication). Only `did:key:z6Mk…` (Ed25519) is accepted.
 */
import { DID_V1_CONTEXT_URL, MULTIKEY_V1_CONTEXT_URL } from './contexts/index.js';
import { generateIssuerKey, type IssuerKey } from './keys.js';
import { decodeMultibaseKey, ED25519_PUB_PREFIX } from './multibase.js';

const DID_KEY = /^did:key:(z6Mk[1-9A-HJ-NP-Za-km-z]{40,50})$/;

/** The DID document of an Ed25519 `did:key`, or undefined for anything else. */
export function didKeyDocument(did: string): object | undefined {
  const m = DID_KEY.exec(did);
  const multibase = m?.[1];
  if (!multibase) return undefined;
  try {
    decodeMultibaseKey(multibase, ED25519_PUB_PREFIX, 32);
  } catch {
    return undefined;
  }
  const vm = `${did}#${multibase}`;
  return {
    '@context': [DID_V1_CONTEXT_URL, MULTIKEY_V1_CONTEXT_URL],
    id: did,
    verificationMethod: [{ id: vm, type: 'Multikey', controller: did, publicKeyMultibase: multibase }],
    authentication: [vm],
    assertionMethod: [vm],
  };
}

/** A new Ed25519 key whose controller is its own `did:key` (what a wallet holds). */
export function generateDidKey(): IssuerKey {
  const k = generateIssuerKey('did:key:pending');
  const did = `did:key:${k.publicKeyMultibase}`;
  return { ...k, controller: did, id: `${did}#${k.publicKeyMultibase}` };
}
