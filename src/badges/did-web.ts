/**
 * `did:web` identifiers and DID documents for issuers. The DID document lists every key the issuer
 * ever signed with (rotation never removes a key that signed a still-valid badge).
 */
import { DID_V1_CONTEXT_URL, MULTIKEY_V1_CONTEXT_URL } from './contexts/index.js';
import type { IssuerPublicKey } from './keys.js';

/** A Multikey verification method as it appears in a DID document. */
export interface MultikeyVerificationMethod {
  id: string;
  type: 'Multikey';
  controller: string;
  publicKeyMultibase: string;
}

/** An issuer's DID document (DID Core v1 + Multikey). */
export interface DidDocument {
  '@context': [typeof DID_V1_CONTEXT_URL, typeof MULTIKEY_V1_CONTEXT_URL];
  id: string;
  verificationMethod: MultikeyVerificationMethod[];
  assertionMethod: string[];
}

const SEGMENT = /^[A-Za-z0-9._~%-]+$/;

/**
 * Builds a `did:web` DID.
 * @param host a host name, optionally with a port: `jalon.example.edu`, `localhost:3000` or the
 *   already encoded `localhost%3A3000`
 * @param path optional path segments (`issuers/abc` or `['issuers', 'abc']`) →
 *   `did:web:jalon.example.edu:issuers:abc`
 */
export function didWeb(host: string, path?: string | readonly string[]): string {
  const encodedHost = host.toLowerCase().replace(/%3a/g, '%3A').replace(/:/g, '%3A');
  if (!SEGMENT.test(encodedHost)) throw new TypeError(`invalid did:web host: ${host}`);
  const segments = typeof path === 'string' ? path.split('/').filter(Boolean) : (path ?? []);
  for (const s of segments) if (!SEGMENT.test(s)) throw new TypeError(`invalid did:web path segment: ${s}`);
  return ['did:web', encodedHost, ...segments].join(':');
}

/**
 * The HTTPS URL a `did:web` DID document is served at (DID Web method spec): the bare host gives
 * `/.well-known/did.json`, a path gives `<path>/did.json`.
 * @throws TypeError when `did` is not a `did:web` DID
 */
export function didWebDocumentUrl(did: string): string {
  const [scheme, method, host, ...path] = did.split('#')[0]?.split(':') ?? [];
  if (scheme !== 'did' || method !== 'web' || !host) throw new TypeError(`not a did:web DID: ${did}`);
  const authority = decodeURIComponent(host);
  const suffix =
    path.length > 0 ? `/${path.map(decodeURIComponent).join('/')}/did.json` : '/.well-known/did.json';
  return `https://${authority}${suffix}`;
}

/**
 * The issuer's DID document: every key as a Multikey verification method, all usable for
 * `assertionMethod` (signing credentials).
 * @param did the issuer DID
 * @param keys the issuer's public keys, old and new (order kept: list the oldest first)
 * @throws TypeError when a key belongs to another controller or the list is empty
 */
export function buildDidDocument(did: string, keys: readonly IssuerPublicKey[]): DidDocument {
  if (keys.length === 0) throw new TypeError('a DID document needs at least one key');
  const verificationMethod = keys.map((k): MultikeyVerificationMethod => {
    if (k.controller !== did || !k.id.startsWith(`${did}#`)) {
      throw new TypeError(`key ${k.id} is not controlled by ${did}`);
    }
    return { id: k.id, type: 'Multikey', controller: did, publicKeyMultibase: k.publicKeyMultibase };
  });
  return {
    '@context': [DID_V1_CONTEXT_URL, MULTIKEY_V1_CONTEXT_URL],
    id: did,
    verificationMethod,
    assertionMethod: verificationMethod.map((vm) => vm.id),
  };
}
