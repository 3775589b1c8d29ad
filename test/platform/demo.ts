/**
 * `npm run demo`: Jalon without any LMS. Starts the real Jalon (embedded PGlite in a
 * throw-away data directory) and a Moodle-shaped test platform on 127.0.0.1 (same site,
 * so plain-HTTP cookies work), registers Jalon on it by LTI Dynamic Registration as an
 * administrator would, activates it on both sides, and serves a course page
 * (`/demo`) where a newcomer acts as the instructor, a learner or the administrator.
 * Runs until Ctrl-C. Tests use `startDemo()`; the script part runs only when executed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/index.js';
import type { Database } from '../../src/db/client.js';
import { createLogger, type Logger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { DEMO_PATH, DEMO_PERSONAS, demoLaunchPath, demoPageRouter, type DemoPersona } from './demo-page.js';
import { startPlatform, type Platform } from './platform.js';

/** Options of `startDemo`. */
export interface DemoOptions {
  /** Jalon's database; default: embedded PGlite in `dataDir`. */
  database?: Database;
  /** Jalon's data directory; default: a fresh temporary one, deleted by `stop()`. */
  dataDir?: string;
  /** Jalon's logger; default: warnings and errors on stderr. */
  log?: Logger;
}

/** A running demo. */
export interface RunningDemo {
  /** The demo course page. */
  url: string;
  /** Jalon's public URL. */
  jalonUrl: string;
  jalon: RunningServer;
  platform: Platform;
  /** Jalon's id for the platform (registered and active). */
  platformId: string;
  /** One launch URL per persona. */
  personas: Array<{ persona: DemoPersona; url: string }>;
  /** Stops the platform, then Jalon; removes the temporary data directory. */
  stop(): Promise<void>;
}

const TEMP_PREFIX = 'jalon-demo-';

/**
 * Removes the data of demos that were killed during start-up (tsx answers a Ctrl-C that
 * the busy process cannot take within 30 ms with SIGKILL): temporary demo directories
 * whose embedded-database lock names a process that is gone.
 */
export function sweepStaleDemoDirs(tmp = os.tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(tmp)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const dir = path.join(tmp, name);
    let pid: unknown;
    try {
      pid = (JSON.parse(readFileSync(path.join(dir, 'jalon.lock'), 'utf8')) as { pid?: unknown }).pid;
    } catch {
      continue; // no lock: starting right now, or a test's directory that cleans itself
    }
    if (typeof pid !== 'number' || processAlive(pid)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The demo course: a course of its own so the page reads like a real one. */
const COURSE = { handle: 'firstaid', label: 'SST101', title: 'Premiers soins / First aid' };

/** Starts Jalon and the platform, registers and activates Jalon, and returns the demo URLs. */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const ownDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX));
  // The environment is ignored on purpose: the demo must never write into the
  // DATABASE_URL or DATA_DIR of a real installation.
  const config = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      databaseUrl: undefined,
      cookieSecure: false,
    },
  );
  const log = options.log ?? createLogger('warn', process.stderr);
  const cleanups: Array<() => Promise<void> | void> = [];
  if (ownDir) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  try {
    const jalon = await startServer(config, log, {
      ...(options.database ? { database: options.database } : {}),
      adminSocket: false,
      publicUrlFromPort: (port) => `http://127.0.0.1:${port}`,
    });
    cleanups.push(() => jalon.stop());

    // The course page exists before the tool does: it reads the placement once it is made.
    const placement: { current?: { tool: string; resourceLink: string } } = {};
    const platform = await startPlatform({
      family: 'moodle',
      routes: (p) => demoPageRouter(p, { course: COURSE.handle, target: () => placement.current }),
    });
    cleanups.push(() => platform.close());
    platform.addCourse(COURSE);
    platform.enrol('prof', COURSE.handle, 'instructor');
    platform.enrol('ana', COURSE.handle, 'learner');
    platform.enrol('ben', COURSE.handle, 'learner');

    // What the LMS administrator does: paste Jalon's registration URL, then "Activate".
    const reg = await platform.runDynamicRegistration(jalon.services.urls.registration);
    if (!reg.tool) {
      throw new Error(`dynamic registration failed: HTTP ${reg.status} ${reg.body.slice(0, 300)}`);
    }
    const clientId = reg.tool.clientId;
    platform.activateTool(clientId);
    // …and what Jalon's administrator does: approve the pending platform.
    const registered = (await jalon.services.registry.list()).find(
      (p) => p.issuer === platform.issuer && p.clientId === clientId,
    );
    if (!registered) throw new Error('Jalon did not record the platform after dynamic registration');
    await jalon.services.registry.activate(registered.id, 'demo');

    const link = platform.addResourceLink({
      course: COURSE.handle,
      tool: clientId,
      title: 'Jalon — micro-credential / microcertification',
      acceptGrades: true,
    });
    placement.current = { tool: clientId, resourceLink: link.id };

    const url = `${platform.url}${DEMO_PATH}`;
    return {
      url,
      jalonUrl: jalon.services.config.publicUrl,
      jalon,
      platform,
      platformId: registered.id,
      personas: DEMO_PERSONAS.map((persona) => ({
        persona,
        url: `${platform.url}${demoLaunchPath(persona)}`,
      })),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function finish(demo: RunningDemo): void {
  demo.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}

async function main(): Promise<void> {
  // Signals are taken before start-up so that Ctrl-C during it still removes the data.
  const started: { demo?: RunningDemo } = {};
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('\nStopping the demo…\n');
      if (started.demo) finish(started.demo);
    });
  }
  sweepStaleDemoDirs();
  const demo = await startDemo();
  started.demo = demo;
  if (stopping) return finish(demo);
  const width = Math.max(...demo.personas.map((p) => p.persona.label.length));
  process.stdout.write(
    [
      '',
      'Jalon demo: a Moodle-shaped test platform with Jalon registered by LTI Dynamic Registration.',
      '',
      `Demo course: ${demo.url}`,
      ...demo.personas.map((p) => `  ${p.persona.label.padEnd(width)}  ${p.url}`),
      '',
      `Jalon: ${demo.jalonUrl} (fresh data in a temporary directory, deleted on exit)`,
      'Open the demo course in a browser on this machine. Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

const executed =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (executed) {
  main().catch((err: unknown) => {
    process.stderr.write(`The demo could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
