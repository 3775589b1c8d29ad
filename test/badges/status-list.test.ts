import { describe, expect, test } from '@jest/globals';
import { gunzipSync, gzipSync } from 'node:zlib';
import { verifyCredential } from '../../src/badges/signing.js';
import {
  allocateStatusIndex,
  buildStatusListCredential,
  MIN_STATUS_LIST_LENGTH,
  StatusList,
  statusListOf,
} from '../../src/badges/status-list.js';
import { makeIssuer } from './helpers.js';

describe('status list bits', () => {
  test('has at least 131,072 entries, all clear at first', () => {
    const list = StatusList.create();
    expect(MIN_STATUS_LIST_LENGTH).toBe(131_072);
    expect(list.length).toBe(131_072);
    expect(list.setIndexes()).toEqual([]);
    expect(() => StatusList.create(1024)).toThrow(RangeError);
    expect(() => StatusList.create(131_073)).toThrow(RangeError);
    expect(StatusList.create(262_144).length).toBe(262_144);
  });

  test('sets and clears an index, touching no other', () => {
    const list = StatusList.create();
    list.set(5, true);
    list.set(131_071, true);
    expect(list.get(5)).toBe(true);
    expect(list.get(4)).toBe(false);
    expect(list.get(6)).toBe(false);
    expect(list.setIndexes()).toEqual([5, 131_071]);
    list.set(5, false);
    expect(list.get(5)).toBe(false);
    expect(list.setIndexes()).toEqual([131_071]);
    list.set(131_071, true); // setting twice is harmless
    expect(list.setIndexes()).toEqual([131_071]);
  });

  test('refuses indexes outside the list', () => {
    const list = StatusList.create();
    for (const bad of [-1, 131_072, 1.5, Number.NaN]) {
      expect(() => list.get(bad)).toThrow(RangeError);
      expect(() => list.set(bad, true)).toThrow(RangeError);
    }
  });

  test('encodes as multibase base64url GZIP, bit 0 first (the spec order), and decodes back', () => {
    const list = StatusList.create();
    list.set(0, true);
    list.set(9, true);
    const encoded = list.encode();
    expect(encoded.startsWith('u')).toBe(true);
    const bytes = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    expect(bytes.length).toBe(16_384);
    expect([bytes[0], bytes[1], bytes[2]]).toEqual([0x80, 0x40, 0]);
    expect(StatusList.decode(encoded).setIndexes()).toEqual([0, 9]);
  });

  test('refuses malformed encoded lists', () => {
    expect(() => StatusList.decode('zabc')).toThrow(/multibase/);
    expect(() => StatusList.decode('unot-gzip')).toThrow(/GZIP/);
    const tooShort = `u${gzipSync(new Uint8Array(8)).toString('base64url')}`;
    expect(() => StatusList.decode(tooShort)).toThrow(/minimum length/);
  });
});

describe('index allocation', () => {
  test('picks a free index at random', () => {
    const taken = new Set([3, 4]);
    const draws = [3, 4, 10];
    const index = allocateStatusIndex(taken, MIN_STATUS_LIST_LENGTH, () => draws.shift() ?? 0);
    expect(index).toBe(10);
    const seen = new Set(Array.from({ length: 20 }, () => allocateStatusIndex(new Set())));
    expect(seen.size).toBeGreaterThan(1);
  });

  test('finds the last free slot of a nearly full list, and reports a full one', () => {
    const length = MIN_STATUS_LIST_LENGTH;
    expect(allocateStatusIndex((i) => i !== 77_777, length)).toBe(77_777);
    expect(() => allocateStatusIndex(() => true, length)).toThrow(/full/);
  });
});

describe('status list credential', () => {
  test('is issued by the badge issuer, served at its id, valid from a minute ago, and signed', async () => {
    const issuer = await makeIssuer('issuers/status');
    const issued = new Date('2026-11-23T10:00:00Z');
    const unsigned = buildStatusListCredential({
      id: issuer.listUrl,
      issuer: issuer.did,
      list: issuer.list,
      issued,
    });
    expect(unsigned).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: issuer.listUrl,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: issuer.did,
      validFrom: '2026-11-23T09:59:00Z',
      credentialSubject: {
        id: `${issuer.listUrl}#list`,
        type: 'BitstringStatusList',
        statusPurpose: 'revocation',
      },
    });
    const published = (await issuer.loader.load(issuer.listUrl)).document;
    const result = await verifyCredential(published, issuer.loader);
    expect(result.verdict).toBe('valid');
    expect(result.checks.find((c) => c.id === 'status')?.code).toBe('no-status');
    issuer.list.set(42, true);
    await issuer.publishList();
    expect(statusListOf((await issuer.loader.load(issuer.listUrl)).document as never).get(42)).toBe(true);
    expect(() =>
      buildStatusListCredential({ id: `${issuer.listUrl}#x`, issuer: issuer.did, list: issuer.list }),
    ).toThrow(TypeError);
    expect(() =>
      buildStatusListCredential({ id: issuer.listUrl, issuer: 'https://x', list: issuer.list }),
    ).toThrow(TypeError);
  });
});
