/**
 * The tool side of the benchmark protocol: counts what a tool process does (CPU, outgoing
 * HTTP, storage calls) and answers the driver over IPC. A tool process never outlives its
 * driver: it exits when the IPC channel closes and after a hard time limit.
 */
import dc from 'node:diagnostics_channel';
import type { FromTool, ProcessSample, ToolEndpoints, ToTool, TrustedPlatform } from './protocol.js';

/** Counters the tool's instrumentation increments. */
export const counters = { outgoingHttp: 0, storeCalls: 0, dbQueries: 0, dbMs: 0 };

// Both clients a tool may use: node:http (ltijs's `got`) and fetch (jose's JWKS fetch).
dc.subscribe('http.client.request.start', () => {
  counters.outgoingHttp++;
});
dc.subscribe('undici:request:create', () => {
  counters.outgoingHttp++;
});

/** What a tool process implements. */
export interface ToolUnderTest {
  endpoints: ToolEndpoints;
  /** Registers and activates the platform. */
  trust(platform: TrustedPlatform): Promise<void>;
  stop(): Promise<void>;
}

const HARD_LIMIT_MS = Number(process.env.BENCH_CHILD_MAX_MS ?? 15 * 60_000);

function send(message: FromTool): void {
  process.send?.(message);
}

function sample(): ProcessSample {
  const cpu = process.cpuUsage();
  return {
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    rssBytes: process.memoryUsage.rss(),
    ...counters,
  };
}

/** Wraps an async method so each call counts (and optionally times) itself. */
export function countCalls<T extends object>(
  target: T,
  names: readonly string[],
  onCall: (ms: number) => void,
): void {
  const record = target as Record<string, unknown>;
  for (const name of names) {
    const original = record[name];
    if (typeof original !== 'function') continue;
    record[name] = async function (this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      try {
        return await (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      } finally {
        onCall(performance.now() - t0);
      }
    };
  }
}

/** Starts the tool and serves the driver until told to stop (or orphaned). */
export async function serveDriver(start: () => Promise<ToolUnderTest>): Promise<void> {
  if (!process.send) {
    console.error('This file is started by `npm run bench` (it needs an IPC channel).');
    process.exit(2);
  }
  let tool: ToolUnderTest | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await tool?.stop().catch(() => undefined);
    process.exit(code);
  };
  setTimeout(() => void stop(3), HARD_LIMIT_MS).unref();
  process.on('disconnect', () => void stop(0));
  process.on('message', (raw: unknown) => {
    const m = raw as ToTool;
    if (m.t === 'sample') send({ t: 'sample', sample: sample() });
    else if (m.t === 'stop') void stop(0);
    else if (m.t === 'trust') {
      const t = tool;
      if (!t) return send({ t: 'failed', message: 'trust before listening' });
      t.trust(m.platform).then(
        () => send({ t: 'trusted' }),
        (err: unknown) => send({ t: 'failed', message: String((err as Error)?.stack ?? err) }),
      );
    }
  });
  try {
    tool = await start();
    send({ t: 'listening', endpoints: tool.endpoints });
  } catch (err) {
    send({ t: 'failed', message: String((err as Error)?.stack ?? err) });
    await stop(1);
  }
}
