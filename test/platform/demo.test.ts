/**
 * `npm run demo`, in-process: the real Jalon registered on a Moodle-shaped platform by
 * dynamic registration, and the course page where a newcomer acts as each person.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { Browser, type Navigation } from './browser.js';
import { demoPageRouter } from './demo-page.js';
import { startDemo, sweepStaleDemoDirs, type RunningDemo } from './demo.js';
import { parseForm } from './html.js';
import { startPlatform } from './platform.js';

let database: TestDatabase;
let demo: RunningDemo;
let page: string;

beforeAll(async () => {
  database = await createTestDatabase();
  demo = await startDemo({ database, log: createLogger('silent') });
  page = await (await fetch(demo.url)).text();
});

afterAll(async () => {
  await demo?.stop();
  await database?.close();
});

/** The href of the button (target = the course page's frame) whose text is `label`. */
function buttonHref(label: string): string {
  const re = /<a class="act" href="([^"]+)" target="jalon-frame">([^<]+)<\/a>/g;
  for (const m of page.matchAll(re)) if (m[2] === label) return new URL(m[1]!, demo.url).toString();
  throw new Error(`no button ${label}`);
}

/** What a browser does after a click: follow redirects and the LMS's auto-submitting forms. */
async function follow(browser: Browser, url: string): Promise<Navigation & { all: Navigation[] }> {
  const all: Navigation[] = [await browser.get(url)];
  for (let i = 0; i < 5; i++) {
    const last = all[all.length - 1]!;
    if (last.status !== 200 || !last.body.includes('document.forms[0].submit()')) break;
    all.push(await browser.submitForm(parseForm(last.body, last.url)!));
  }
  return { ...all[all.length - 1]!, all };
}

describe('npm run demo', () => {
  test('the course page names the course and offers the four people, each opening in the frame or a new tab', async () => {
    const res = await fetch(demo.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(page).toContain('Premiers soins / First aid');
    expect(page).toContain('<iframe name="jalon-frame"');
    for (const label of [
      'Act as the instructor (Prof, français)',
      'Act as a learner (Ana, français)',
      'Act as a learner (Ben, English)',
      'Act as the administrator',
    ]) {
      const href = new URL(buttonHref(label)).pathname;
      expect(page).toContain(`href="${href}" target="_blank"`);
    }
    expect(demo.personas.map((p) => p.url)).toContain(buttonHref('Act as a learner (Ana, français)'));
  });

  test('Jalon was registered by dynamic registration and is active on both sides', async () => {
    const registered = await demo.jalon.services.registry.get(demo.platformId);
    expect(registered?.status).toBe('active');
    expect(registered?.issuer).toBe(demo.platform.issuer);
    const tool = demo.platform.tool(registered!.clientId);
    expect(tool.status).toBe('active');
    expect(tool.loginUrl).toBe(`${demo.jalonUrl}/lti/login`);
  });

  test('Ana’s button signs her in to the LMS and opens Jalon’s learner page in French', async () => {
    const browser = new Browser();
    const r = await follow(browser, buttonHref('Act as a learner (Ana, français)'));
    const urls = r.all.flatMap((n) => n.steps.map((s) => s.url));
    expect(urls.some((u) => u.startsWith(`${demo.platform.url}/mod/lti/launch.php`))).toBe(true);
    expect(urls).toContain(`${demo.jalonUrl}/lti/login`);
    expect(browser.jar.all().some((c) => c.name === 'MoodleSession')).toBe(true);
    expect(r.status).toBe(200);
    expect(r.url).toContain(`${demo.jalonUrl}/lti/learner?ltik=`);
    expect(r.body).toContain('<html lang="fr">');
    expect(r.body).toContain('Votre microcertification');
    expect(r.body).toContain('Ana Martin');
    expect(r.body).toContain('Premiers soins / First aid');
  });

  test('Ben gets English; the instructor and the administrator get the course console', async () => {
    const ben = await follow(new Browser(), buttonHref('Act as a learner (Ben, English)'));
    expect(ben.url).toContain('/lti/learner?ltik=');
    expect(ben.body).toContain('Your micro-credential');
    const prof = await follow(new Browser(), buttonHref('Act as the instructor (Prof, français)'));
    expect(prof.url).toContain('/lti/console?ltik=');
    const admin = await follow(new Browser(), buttonHref('Act as the administrator'));
    expect(admin.url).toContain('/lti/console?ltik=');
    expect(admin.body).toMatch(/href="\/lti\/admin\?ltik=/);
  });

  test('each click is a fresh launch: clicking again, or another person in the same browser, works', async () => {
    const browser = new Browser();
    const first = await follow(browser, buttonHref('Act as a learner (Ana, français)'));
    const again = await follow(browser, buttonHref('Act as a learner (Ana, français)'));
    expect(again.url).toContain('/lti/learner?ltik=');
    expect(again.url).not.toBe(first.url);
    const other = await follow(browser, buttonHref('Act as a learner (Ben, English)'));
    expect(other.body).toContain('Ben Tremblay');
    expect(other.body).not.toContain('Ana Martin');
  });

  test('a used LMS launch page cannot be replayed, and unknown people get 404', async () => {
    const browser = new Browser();
    const hop = await browser.request('GET', buttonHref('Act as a learner (Ana, français)'));
    expect(hop.status).toBe(303);
    const lmsPage = new URL(hop.location!, demo.url).toString();
    expect((await follow(browser, lmsPage)).url).toContain('/lti/learner?ltik=');
    const replay = await follow(browser, lmsPage);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('already used');
    for (const who of ['eve', 'dean', '..%2Fadmin', '']) {
      expect((await fetch(`${demo.url}/launch/${who}`)).status).toBe(404);
    }
  });
});

describe('demo page before any tool is registered', () => {
  test('a button answers 503 instead of launching nothing', async () => {
    const platform = await startPlatform({
      family: 'moodle',
      routes: (p) => demoPageRouter(p, { course: 'math', target: () => undefined }),
    });
    try {
      expect((await fetch(`${platform.url}/demo`)).status).toBe(200);
      const res = await fetch(`${platform.url}/demo/launch/learner-fr`, { redirect: 'manual' });
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('No tool is registered');
    } finally {
      await platform.close();
    }
  });
});

describe('stopping the demo', () => {
  test('stop() closes the platform and Jalon and deletes its temporary data directory', async () => {
    const dataDir = demo.jalon.services.config.dataDir;
    expect(existsSync(dataDir)).toBe(true);
    await demo.stop();
    await expect(fetch(demo.url)).rejects.toThrow();
    await expect(fetch(`${demo.jalonUrl}/lti/keys`)).rejects.toThrow();
    expect(existsSync(dataDir)).toBe(false);
    await demo.stop(); // idempotent: afterAll calls it again
  });
});

describe('data left by a demo killed during start-up', () => {
  test('only demo directories whose lock names a dead process are removed', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweep-'));
    try {
      const dead = spawnSync(process.execPath, ['-e', '0']).pid; // has exited
      const make = (name: string, lock?: unknown) => {
        mkdirSync(path.join(tmp, name, 'pgdata'), { recursive: true });
        if (lock !== undefined) writeFileSync(path.join(tmp, name, 'jalon.lock'), JSON.stringify(lock));
      };
      make('jalon-demo-dead', { pid: dead, who: 'server' });
      make('jalon-demo-live', { pid: process.pid, who: 'server' });
      make('jalon-demo-nolock');
      make('jalon-demo-garbled', { pid: 'x' });
      make('someone-else', { pid: dead, who: 'server' });
      expect(sweepStaleDemoDirs(tmp)).toEqual([path.join(tmp, 'jalon-demo-dead')]);
      for (const kept of ['jalon-demo-live', 'jalon-demo-nolock', 'jalon-demo-garbled', 'someone-else']) {
        expect(existsSync(path.join(tmp, kept))).toBe(true);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
