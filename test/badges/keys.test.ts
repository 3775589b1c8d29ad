import { describe, expect, test } from '@jest/globals';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { buildDidDocument, didWeb, didWebDocumentUrl } from '../../src/badges/did-web.js';
import {
  exportIssuerKey,
  generateIssuerKey,
  importIssuerKey,
  newestKey,
  publicKeyOf,
} from '../../src/badges/keys.js';
import {
  base58btcDecode,
  base58btcEncode,
  decodeMultibaseKey,
  ED25519_PUB_PREFIX,
} from '../../src/badges/multibase.js';

const DID = 'did:web:jalon.example.edu:issuers:abc';

describe('did:web', () => {
  test('builds DIDs for a host, a host with a port, and a path', () => {
    expect(didWeb('jalon.example.edu')).toBe('did:web:jalon.example.edu');
    expect(didWeb('localhost:3000')).toBe('did:web:localhost%3A3000');
    expect(didWeb('localhost%3A3000')).toBe('did:web:localhost%3A3000');
    expect(didWeb('jalon.example.edu', 'issuers/abc')).toBe(DID);
    expect(didWeb('Jalon.Example.edu', ['issuers', 'abc'])).toBe(DID);
    expect(() => didWeb('bad host')).toThrow(TypeError);
    expect(() => didWeb('jalon.example.edu', ['a:b'])).toThrow(TypeError);
  });

  test('maps a DID to the URL its document is served at', () => {
    expect(didWebDocumentUrl('did:web:jalon.example.edu')).toBe(
      'https://jalon.example.edu/.well-known/did.json',
    );
    expect(didWebDocumentUrl(DID)).toBe('https://jalon.example.edu/issuers/abc/did.json');
    expect(didWebDocumentUrl('did:web:localhost%3A3000#key')).toBe(
      'https://localhost:3000/.well-known/did.json',
    );
    expect(() => didWebDocumentUrl('did:key:z6Mk')).toThrow(TypeError);
  });

  test('the DID document lists every key as an assertion method, old ones included', () => {
    const k1 = generateIssuerKey(DID, new Date('2026-01-01T00:00:00Z'));
    const k2 = generateIssuerKey(DID, new Date('2026-06-01T00:00:00Z'));
    const doc = buildDidDocument(DID, [publicKeyOf(k1), publicKeyOf(k2)]);
    expect(doc).toEqual({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: DID,
      verificationMethod: [
        { id: k1.id, type: 'Multikey', controller: DID, publicKeyMultibase: k1.publicKeyMultibase },
        { id: k2.id, type: 'Multikey', controller: DID, publicKeyMultibase: k2.publicKeyMultibase },
      ],
      assertionMethod: [k1.id, k2.id],
    });
    expect(JSON.stringify(doc)).not.toContain(k1.secretKeyMultibase);
    expect(() => buildDidDocument(DID, [])).toThrow(TypeError);
    const foreign = generateIssuerKey('did:web:other.example');
    expect(() => buildDidDocument(DID, [publicKeyOf(foreign)])).toThrow(/not controlled/);
  });
});

describe('issuer keys', () => {
  test('generates an Ed25519 Multikey under the issuer DID', () => {
    const key = generateIssuerKey(DID);
    expect(key.type).toBe('Multikey');
    expect(key.controller).toBe(DID);
    expect(key.publicKeyMultibase).toMatch(/^z6Mk/);
    expect(key.secretKeyMultibase).toMatch(/^z3u2/);
    expect(key.id).toBe(`${DID}#${key.publicKeyMultibase}`);
    expect(generateIssuerKey(DID).publicKeyMultibase).not.toBe(key.publicKeyMultibase);
    expect(() => generateIssuerKey('https://not-a-did')).toThrow(TypeError);
  });

  test('the multibase public key is the raw Ed25519 key that verifies its signatures', () => {
    const key = generateIssuerKey(DID);
    const raw = decodeMultibaseKey(key.publicKeyMultibase, ED25519_PUB_PREFIX, 32);
    const seed = decodeMultibaseKey(key.secretKeyMultibase, Uint8Array.from([0x80, 0x26]), 32);
    const privateKey = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
      format: 'jwk',
    });
    const signature = sign(null, Buffer.from('badge'), privateKey);
    expect(verify(null, Buffer.from('badge'), publicKey, signature)).toBe(true);
  });

  test('exports and imports as JSON, unchanged', () => {
    const key = generateIssuerKey(DID, new Date('2026-03-01T12:00:00Z'));
    const json = exportIssuerKey(key);
    expect(importIssuerKey(json)).toEqual(key);
    expect(importIssuerKey(JSON.parse(json))).toEqual(key);
  });

  test('refuses a stored key whose halves do not match, or that is malformed', () => {
    const a = generateIssuerKey(DID);
    const b = generateIssuerKey(DID);
    expect(() => importIssuerKey({ ...a, secretKeyMultibase: b.secretKeyMultibase })).toThrow(
      /does not match/,
    );
    expect(() => importIssuerKey({ ...a, publicKeyMultibase: 'z0OIl' })).toThrow(/base58/);
    expect(() =>
      importIssuerKey({ ...a, publicKeyMultibase: `z${a.publicKeyMultibase.slice(2)}` }),
    ).toThrow();
    expect(() => importIssuerKey({ ...a, type: 'JsonWebKey' })).toThrow(/Multikey/);
    expect(() => importIssuerKey({ ...a, id: 'did:web:other.example#k' })).toThrow(/controller/);
    expect(() => importIssuerKey({ ...a, created: 'yesterday' })).toThrow(/created/);
    expect(() => importIssuerKey({ ...a, secretKeyMultibase: undefined })).toThrow(/secretKeyMultibase/);
    expect(() => importIssuerKey('not json')).toThrow();
    expect(() => importIssuerKey(null)).toThrow(/not an object/);
  });

  test('new badges use the newest key', () => {
    const old = generateIssuerKey(DID, new Date('2025-01-01T00:00:00Z'));
    const mid = generateIssuerKey(DID, new Date('2026-01-01T00:00:00Z'));
    const fresh = generateIssuerKey(DID, new Date('2026-06-01T00:00:00Z'));
    expect(newestKey([old, fresh, mid])).toBe(fresh);
    expect(() => newestKey([])).toThrow(/no signing key/);
  });

  test('base58-btc round-trips, leading zeros included', () => {
    for (const bytes of [
      new Uint8Array(0),
      Uint8Array.from([0, 0, 1, 2, 255]),
      Uint8Array.from([255, 255]),
    ]) {
      expect(base58btcDecode(base58btcEncode(bytes))).toEqual(bytes);
    }
    expect(base58btcEncode(Buffer.from('Hello World!'))).toBe('2NEpo7TZRRrLZSi2U');
  });
});
