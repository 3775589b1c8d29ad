import { describe, expect, test } from '@jest/globals';
import { checkImage, ImageError } from '../../src/images/validate.js';
import { png } from '../helpers/png.js';

const refused = (bytes: Buffer) => {
  try {
    checkImage(bytes);
  } catch (e) {
    if (e instanceof ImageError) return e.key;
    throw e;
  }
  return 'accepted';
};

describe('badge image checks', () => {
  test('a square PNG is accepted with its dimensions and a content id', () => {
    const img = checkImage(png(256, 256));
    expect(img).toMatchObject({ mime: 'image/png', width: 256, height: 256 });
    expect(img.id).toMatch(/^[0-9a-f]{64}$/);
  });

  test('refuses empty, oversized, unknown, tiny and huge images', () => {
    expect(refused(Buffer.alloc(0))).toBe('images:empty');
    expect(refused(Buffer.alloc(2 * 1024 * 1024, 1))).toBe('images:tooLarge');
    expect(refused(Buffer.from('GIF89a....'))).toBe('images:badType');
    expect(refused(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('images:badType'); // JPEG
    expect(refused(png(20, 20))).toBe('images:badDimensions');
    expect(refused(png(5000, 100))).toBe('images:badDimensions');
    expect(refused(Buffer.concat([png(256, 256).subarray(0, 20)]))).toBe('images:unreadable');
  });

  test('SVG is sanitised: scripts, handlers, foreign objects and remote references go', () => {
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="200" viewBox="0 0 200 200" onload="alert(1)">
        <script>alert(2)</script>
        <foreignObject><iframe src="https://evil.example"></iframe></foreignObject>
        <a href="javascript:alert(3)"><circle cx="100" cy="100" r="80" fill="#0b5cad" onclick="alert(4)"/></a>
        <image xlink:href="https://evil.example/track.png" width="10" height="10"/>
        <use href="#c"/>
      </svg>`,
    );
    const img = checkImage(svg);
    const out = img.bytes.toString('utf8');
    expect(img.mime).toBe('image/svg+xml');
    expect(out).toContain('<circle');
    for (const bad of [
      'script',
      'onload',
      'onclick',
      'foreignObject',
      'iframe',
      'javascript:',
      'evil.example',
    ]) {
      expect(out).not.toContain(bad);
    }
    expect(out).toContain('href="#c"');
  });

  test('refuses SVG with entities (billion laughs) and SVG with nothing left', () => {
    expect(
      refused(
        Buffer.from(
          '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg width="200" height="200">&a;</svg>',
        ),
      ),
    ).toBe('images:svgDoctype');
    expect(refused(Buffer.from('<svg width="5" height="5"></svg>'))).toBe('images:badDimensions');
  });
});
