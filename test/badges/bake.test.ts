import { beforeAll, describe, expect, test } from '@jest/globals';
import { crc32, deflateSync } from 'node:zlib';
import {
  bakePng,
  BakeError,
  bakeSvg,
  OB3_SVG_NAMESPACE,
  PNG_KEYWORD,
  unbake,
  unbakePng,
  unbakeSvg,
} from '../../src/badges/bake.js';
import { buildCredential } from '../../src/badges/credential.js';
import { signCredential, verifyCredential } from '../../src/badges/signing.js';
import type { OpenBadgeCredential, Signed } from '../../src/badges/types.js';
import { fullInput, makeIssuer, type TestIssuer } from './helpers.js';

/** A PNG chunk: length, type, data, CRC over type+data (written here with node:zlib, independent of the code under test). */
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}

/** A 2×2 RGBA PNG. */
function tinyPng(extra: Buffer[] = []): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.from([0, 255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    ...extra,
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** The chunks of a PNG as [type, data] (own parser, for assertions). */
function chunksOf(png: Uint8Array): Array<[string, Buffer]> {
  const buf = Buffer.from(png);
  const out: Array<[string, Buffer]> = [];
  for (let i = 8; i < buf.length;) {
    const len = buf.readUInt32BE(i);
    out.push([buf.toString('latin1', i + 4, i + 8), buf.subarray(i + 8, i + 8 + len)]);
    i += 12 + len;
  }
  return out;
}

/** The BakeError code `run` throws, `'other'` for another error, undefined when it does not throw. */
function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return e instanceof BakeError ? e.code : 'other';
  }
  return undefined;
}

const SVG =
  '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>\n';

let college: TestIssuer;
let badge: Signed<OpenBadgeCredential>;

beforeAll(async () => {
  college = await makeIssuer('issuers/bake');
  badge = await signCredential(
    buildCredential(fullInput(college, 'fr', 31)),
    college.keys[0]!,
    college.loader,
  );
});

describe('PNG baking', () => {
  test('embeds exactly one uncompressed iTXt chunk that unbakes to a verifiable badge', async () => {
    const baked = bakePng(tinyPng(), badge);
    const texts = chunksOf(baked).filter(([type]) => type === 'iTXt');
    expect(texts).toHaveLength(1);
    const data = texts[0]![1];
    const keywordEnd = data.indexOf(0);
    expect(data.toString('latin1', 0, keywordEnd)).toBe(PNG_KEYWORD);
    expect(data[keywordEnd + 1]).toBe(0); // compression flag: uncompressed
    expect(data.toString('utf8')).toContain('"OpenBadgeCredential"');
    expect(chunksOf(baked).map(([t]) => t)).toEqual(['IHDR', 'iTXt', 'IDAT', 'IEND']);
    const unbaked = unbakePng(baked);
    expect(unbaked).toEqual(badge);
    expect((await verifyCredential(unbaked, college.loader)).verdict).toBe('valid');
    expect(unbake(baked)).toEqual(badge);
  });

  test('re-baking replaces the previous credential', () => {
    const other = { ...badge, id: 'urn:uuid:00000000-0000-4000-8000-000000000000' };
    const twice = bakePng(bakePng(tinyPng(), badge), other);
    expect(chunksOf(twice).filter(([t]) => t === 'iTXt')).toHaveLength(1);
    expect(unbakePng(twice).id).toBe(other.id);
  });

  test('keeps other text chunks', () => {
    const comment = chunk('tEXt', Buffer.from('Comment\0made by hand', 'latin1'));
    const baked = bakePng(tinyPng([comment]), badge);
    expect(chunksOf(baked).filter(([t]) => t === 'tEXt')).toHaveLength(1);
  });

  test('a byte changed inside the credential chunk is caught by the CRC', () => {
    const baked = Buffer.from(bakePng(tinyPng(), badge));
    const at = baked.indexOf('Secourisme');
    baked[at] = 's'.charCodeAt(0);
    expect(codeOf(() => unbakePng(baked))).toBe('corrupt-png');
  });

  test('a tampered credential with a recomputed CRC unbakes but fails verification', async () => {
    const forged = structuredClone(badge);
    forged.credentialSubject.result[0]!.value = '100';
    const png = tinyPng([
      chunk('iTXt', Buffer.from(`${PNG_KEYWORD}\0\0\0\0\0${JSON.stringify(forged)}`, 'utf8')),
    ]);
    const unbaked = unbakePng(png);
    const result = await verifyCredential(unbaked, college.loader);
    expect(result.valid).toBe(false);
    expect(result.checks.find((c) => c.id === 'signature')?.code).toBe('invalid-signature');
  });

  test.each<[string, () => Uint8Array, string]>([
    ['a file that is not a PNG', () => Buffer.from('GIF89a not a png'), 'not-png'],
    ['a PNG without a credential', () => tinyPng(), 'no-credential'],
    [
      'a PNG with two credentials',
      () => {
        const c = chunk('iTXt', Buffer.from(`${PNG_KEYWORD}\0\0\0\0\0{}`, 'utf8'));
        return tinyPng([c, c]);
      },
      'several-credentials',
    ],
    [
      'a credential that is not JSON',
      () => tinyPng([chunk('iTXt', Buffer.from(`${PNG_KEYWORD}\0\0\0\0\0{oops`, 'utf8'))]),
      'invalid-json',
    ],
    [
      'a VC-JWT credential',
      () =>
        tinyPng([
          chunk('iTXt', Buffer.from(`${PNG_KEYWORD}\0\0\0\0\0eyJhbGciOiJFZERTQSJ9.e30.c2ln`, 'utf8')),
        ]),
      'jwt-not-supported',
    ],
  ])('unbaking %s gives a clear error', (_label, make, code) => {
    expect(codeOf(() => unbakePng(make()))).toBe(code);
  });
});

describe('SVG baking', () => {
  test('adds the namespace and one credential element right after <svg>, JSON in CDATA, no verify attribute', async () => {
    const baked = bakeSvg(SVG, badge);
    expect(baked).toContain(`xmlns:openbadges="${OB3_SVG_NAMESPACE}"`);
    expect(baked).toMatch(
      /viewBox="0 0 10 10" xmlns:openbadges="[^"]+"><openbadges:credential><!\[CDATA\[\{/,
    );
    expect(baked).not.toMatch(/<openbadges:credential[^>]*verify=/);
    expect(baked.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
    expect(baked).toContain('<circle cx="5" cy="5" r="4"/></svg>\n');
    const unbaked = unbakeSvg(baked);
    expect(unbaked).toEqual(badge);
    expect((await verifyCredential(unbaked, college.loader)).verdict).toBe('valid');
    expect(unbake(Buffer.from(baked, 'utf8'))).toEqual(badge);
  });

  test('re-baking replaces the credential and does not repeat the namespace', () => {
    const other = { ...badge, id: 'urn:uuid:00000000-0000-4000-8000-000000000001' };
    const twice = bakeSvg(bakeSvg(SVG, badge), other);
    expect(twice.match(/<openbadges:credential>/g)).toHaveLength(1);
    expect(twice.match(/xmlns:openbadges=/g)).toHaveLength(1);
    expect(unbakeSvg(twice).id).toBe(other.id);
  });

  test('survives "]]>" inside the credential text', () => {
    const tricky = { ...badge, name: 'A ]]> B <script>' };
    expect(unbakeSvg(bakeSvg(SVG, tricky))).toEqual(tricky);
  });

  test('reads element text without CDATA and an empty self-closing <svg/>', () => {
    const escaped = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="${OB3_SVG_NAMESPACE}"><openbadges:credential>{"a":"&lt;b&gt; &amp; c"}</openbadges:credential></svg>`;
    expect(unbakeSvg(escaped)).toEqual({ a: '<b> & c' });
    expect(unbakeSvg(bakeSvg('<svg xmlns="http://www.w3.org/2000/svg"/>', { x: 1 }))).toEqual({ x: 1 });
  });

  test('a tampered SVG credential fails verification', async () => {
    const baked = bakeSvg(SVG, badge).replace('Secourisme', 'Sécurité');
    const result = await verifyCredential(unbakeSvg(baked), college.loader);
    expect(result.valid).toBe(false);
  });

  test.each<[string, string, string]>([
    ['text that is not SVG', '<html></html>', 'not-svg'],
    ['an SVG without a credential', SVG, 'no-credential'],
    [
      'an empty credential element',
      `<svg><openbadges:credential></openbadges:credential></svg>`,
      'no-credential',
    ],
    [
      'two credential elements',
      `<svg><openbadges:credential>{}</openbadges:credential><openbadges:credential>{}</openbadges:credential></svg>`,
      'several-credentials',
    ],
    [
      'a VC-JWT in the verify attribute',
      `<svg><openbadges:credential verify="eyJhbGciOiJFZERTQSJ9.e30.c2ln"></openbadges:credential></svg>`,
      'jwt-not-supported',
    ],
    [
      'broken JSON',
      `<svg><openbadges:credential><![CDATA[{nope]]></openbadges:credential></svg>`,
      'invalid-json',
    ],
  ])('unbaking %s gives a clear error', (_label, svg, code) => {
    expect(codeOf(() => unbakeSvg(svg))).toBe(code);
  });

  test('refuses to bake into something that is not an SVG', () => {
    expect(codeOf(() => bakeSvg('<html/>', badge))).toBe('not-svg');
  });
});
