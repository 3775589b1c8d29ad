/**
 * The driver side of the benchmark protocol: forks a tool file under tsx, waits for it to
 * listen, hands it the platform to trust, samples its counters, and stops it (killing it
 * if it does not exit in time). Only loopback is involved.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { FromTool, ProcessSample, ToolEndpoints, ToTool, TrustedPlatform } from './protocol.js';

/** A tool under test running in its own process. */
export interface ToolProcess {
  name: string;
  endpoints: ToolEndpoints;
  trust(platform: TrustedPlatform): Promise<void>;
  sample(): Promise<ProcessSample>;
  stop(): Promise<void>;
}

type Reply = Exclude<FromTool, { t: 'failed' }>['t'];

/** Starts `script` (a `.ts` file calling `serveDriver`) and waits until it listens. */
export async function startToolProcess(
  name: string,
  script: string,
  options: { startTimeoutMs?: number; env?: Record<string, string>; profileDir?: string } = {},
): Promise<ToolProcess> {
  const profile = options.profileDir
    ? // One folder per tool: tsx's loader thread writes a profile of its own there too.
      ['--cpu-prof', `--cpu-prof-dir=${path.join(options.profileDir, name)}`]
    : [];
  const child: ChildProcess = fork(script, [], {
    execArgv: ['--import', 'tsx', ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
  });
  let exited: string | undefined;
  const waiters: Array<{ t: Reply; resolve: (m: FromTool) => void; reject: (e: Error) => void }> = [];
  const failAll = (err: Error) => {
    for (const w of waiters.splice(0)) w.reject(err);
  };
  child.on('message', (raw: unknown) => {
    const m = raw as FromTool;
    if (m.t === 'failed') return failAll(new Error(`${name}: ${m.message}`));
    const i = waiters.findIndex((w) => w.t === m.t);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
  });
  child.on('exit', (code, signal) => {
    exited = `${name} exited (${signal ?? `code ${code}`}); its stderr is above`;
    failAll(new Error(exited));
  });
  child.on('error', (err) => failAll(err));

  const request = (message: ToTool | undefined, t: Reply, timeoutMs: number): Promise<FromTool> =>
    new Promise<FromTool>((resolve, reject) => {
      if (exited) return reject(new Error(exited));
      if (message && !child.connected) {
        return reject(new Error(`${name} is gone (its IPC channel closed); its stderr is above`));
      }
      const timer = setTimeout(() => {
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
        reject(new Error(`${name}: no '${t}' answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        t,
        resolve: (m: FromTool) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      waiters.push(waiter);
      if (message) {
        child.send(message, (err) => {
          if (err) waiter.reject(err);
        });
      }
    });

  const stop = async () => {
    if (exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.send({ t: 'stop' } satisfies ToTool);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  };

  let listening: FromTool;
  try {
    listening = await request(undefined, 'listening', options.startTimeoutMs ?? 90_000);
  } catch (err) {
    await stop();
    throw err;
  }
  if (listening.t !== 'listening') throw new Error('unreachable');
  return {
    name,
    endpoints: listening.endpoints,
    async trust(platform) {
      await request({ t: 'trust', platform }, 'trusted', 60_000);
    },
    async sample() {
      const m = await request({ t: 'sample' }, 'sample', 10_000);
      if (m.t !== 'sample') throw new Error('unreachable');
      return m.sample;
    },
    stop,
  };
}
