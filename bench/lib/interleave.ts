/**
 * Runs two targets (the subject and its baseline) in alternating short slices at a given
 * concurrency, so both see the same background load on a shared, noisy machine. Rounds
 * alternate the order (AB, BA, AB…) so that neither always runs first. Every slice is
 * bounded in launches and in time, and every operation has a timeout.
 */
import type { Measure } from './types.js';
import { percentile } from './stats.js';

/** Cumulative counters of whatever runs a target (its process), sampled around a slice. */
export interface CounterSample {
  /** CPU of the target's process, microseconds; absent when it cannot be attributed. */
  cpuUs?: number;
  counters: Record<string, number>;
}

/** One side of the comparison. */
export interface Target {
  name: string;
  /** One operation; resolves with per-operation counters (summed), throws on failure. */
  op(index: number): Promise<Record<string, number> | void>;
  sample?(): Promise<CounterSample>;
  /** Operations in flight for this target, when it differs from the plan's (e.g. a worker pool). */
  concurrency?: number;
}

/** How much to run. */
export interface SlicePlan {
  concurrency: number;
  rounds: number;
  opsPerSlice: number;
  /** A slice stops starting operations after this long. */
  sliceTimeLimitMs: number;
  opTimeoutMs: number;
}

interface Tally {
  latencies: number[];
  errors: number;
  firstError?: string;
  seconds: number;
  cpuUs: number;
  cpuKnown: boolean;
  driverCpuUs: number;
  attempted: number;
  sliceOpsPerSecond: number[];
  sums: Record<string, number>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function driverCpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

async function runSlice(target: Target, plan: SlicePlan, tally: Tally, nextIndex: { n: number }) {
  const before = await target.sample?.();
  const driverBefore = driverCpuUs();
  const started = performance.now();
  const deadline = started + plan.sliceTimeLimitMs;
  let issued = 0;
  let done = 0;
  const worker = async () => {
    while (issued < plan.opsPerSlice && performance.now() < deadline) {
      issued++;
      const index = nextIndex.n++;
      const t0 = performance.now();
      try {
        const extra = await withTimeout(target.op(index), plan.opTimeoutMs);
        tally.latencies.push(performance.now() - t0);
        done++;
        for (const [k, v] of Object.entries(extra ?? {})) tally.sums[k] = (tally.sums[k] ?? 0) + v;
      } catch (err) {
        tally.errors++;
        tally.firstError ??= (err as Error)?.message ?? String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: target.concurrency ?? plan.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  tally.driverCpuUs += driverCpuUs() - driverBefore;
  const after = await target.sample?.();
  tally.seconds += seconds;
  tally.attempted += issued;
  tally.sliceOpsPerSecond.push(done / seconds);
  if (before && after) {
    if (before.cpuUs !== undefined && after.cpuUs !== undefined) tally.cpuUs += after.cpuUs - before.cpuUs;
    else tally.cpuKnown = false;
    for (const [k, v] of Object.entries(after.counters)) {
      tally.sums[k] = (tally.sums[k] ?? 0) + v - (before.counters[k] ?? 0);
    }
  } else tally.cpuKnown = false;
}

function toMeasure(name: string, t: Tally): Measure {
  const ops = t.latencies.length;
  const perOp: Record<string, number> = {};
  for (const [k, v] of Object.entries(t.sums)) perOp[k] = t.attempted ? v / t.attempted : Number.NaN;
  return {
    target: name,
    ops,
    errors: t.errors,
    seconds: t.seconds,
    opsPerSecond: t.seconds > 0 ? ops / t.seconds : Number.NaN,
    p50Ms: percentile(t.latencies, 50),
    p95Ms: percentile(t.latencies, 95),
    ...(t.cpuKnown && t.attempted ? { cpuMsPerOp: t.cpuUs / 1000 / t.attempted } : {}),
    ...(t.attempted ? { driverCpuMsPerOp: t.driverCpuUs / 1000 / t.attempted } : {}),
    sliceOpsPerSecond: t.sliceOpsPerSecond,
    perOp,
    ...(t.firstError !== undefined ? { firstError: t.firstError } : {}),
  };
}

function freshTally(): Tally {
  return {
    latencies: [],
    errors: 0,
    seconds: 0,
    cpuUs: 0,
    cpuKnown: true,
    driverCpuUs: 0,
    attempted: 0,
    sliceOpsPerSecond: [],
    sums: {},
  };
}

/**
 * Like {@link runInterleaved} for any number of targets: each round runs one slice of every
 * target, the order rotated by one each round so none always runs first (or last).
 */
export async function runInterleavedMany(
  targets: readonly Target[],
  plan: SlicePlan,
  onSlice?: (round: number, target: string, opsPerSecond: number) => void,
): Promise<Measure[]> {
  const tallies = targets.map(freshTally);
  const nextIndex = { n: 0 };
  for (let round = 0; round < plan.rounds; round++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (round + k) % targets.length;
      const tally = tallies[i]!;
      await runSlice(targets[i]!, plan, tally, nextIndex);
      onSlice?.(round, targets[i]!.name, tally.sliceOpsPerSecond[tally.sliceOpsPerSecond.length - 1]!);
    }
  }
  return targets.map((t, i) => toMeasure(t.name, tallies[i]!));
}

/** Runs `plan.rounds` rounds of one slice per target, alternating the order each round. */
export async function runInterleaved(
  subject: Target,
  baseline: Target,
  plan: SlicePlan,
  onSlice?: (round: number, target: string, opsPerSecond: number) => void,
): Promise<{ subject: Measure; baseline: Measure }> {
  const fresh = (): Tally => ({
    latencies: [],
    errors: 0,
    seconds: 0,
    cpuUs: 0,
    cpuKnown: true,
    driverCpuUs: 0,
    attempted: 0,
    sliceOpsPerSecond: [],
    sums: {},
  });
  const tallies = new Map<Target, Tally>([
    [subject, fresh()],
    [baseline, fresh()],
  ]);
  const nextIndex = { n: 0 };
  for (let round = 0; round < plan.rounds; round++) {
    const order = round % 2 === 0 ? [subject, baseline] : [baseline, subject];
    for (const target of order) {
      const tally = tallies.get(target)!;
      await runSlice(target, plan, tally, nextIndex);
      onSlice?.(round, target.name, tally.sliceOpsPerSecond[tally.sliceOpsPerSecond.length - 1]!);
    }
  }
  return {
    subject: toMeasure(subject.name, tallies.get(subject)!),
    baseline: toMeasure(baseline.name, tallies.get(baseline)!),
  };
}
