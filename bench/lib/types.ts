/**
 * The contract between `bench/run.ts` and the benchmark modules. A benchmark module is any
 * `bench/<name>.ts` file (other than `run.ts`) that exports `benchmark`; it compares Jalon
 * with a baseline measured in the same run and returns one comparison per case.
 */

/** What the runner hands every benchmark. */
export interface BenchContext {
  /** `--quick`: a few seconds, enough to prove the benchmark still runs. */
  quick: boolean;
  /** Progress lines (stderr), so stdout stays the report. */
  progress(message: string): void;
  /** `--profile <dir>`: tool processes write V8 CPU profiles there (open in Chrome DevTools). */
  profileDir?: string;
  /** `--postgres <url>`: Jalon runs on a throw-away database on this server, not PGlite. */
  postgresUrl?: string;
}

/** One side (Jalon or the baseline) of one case, over every slice it ran. */
export interface Measure {
  /** Short name shown in the table, e.g. `jalon`, `ltijs`. */
  target: string;
  /** Operations that completed correctly. */
  ops: number;
  /** Operations that failed or timed out (not in the timings). */
  errors: number;
  /** Wall-clock seconds spent in this side's slices. */
  seconds: number;
  opsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  /** CPU of the process under test per operation, when it can be attributed. */
  cpuMsPerOp?: number;
  /** CPU of the driving process (load generator, and whatever runs with it) per operation. */
  driverCpuMsPerOp?: number;
  /** Throughput of each slice, in run order (for the spread of the paired ratios). */
  sliceOpsPerSecond: number[];
  /** Counters averaged per operation (diagnostics: requests, queries…). */
  perOp: Record<string, number>;
  /** First failure, to say why `errors` is not zero. */
  firstError?: string;
}

/** Jalon beside its baseline for one case. */
export interface Comparison {
  /** e.g. `c=1`, `c=20`. */
  label: string;
  subject: Measure;
  baseline: Measure;
}

/** What a benchmark returns. */
export interface BenchResult {
  comparisons: Comparison[];
  /** Lines printed under the table: what the numbers include, set-up facts. */
  notes: string[];
}

/** A benchmark module's export. */
export interface Benchmark {
  /** Used by `--only` and as the first table column. */
  name: string;
  /** One line: what an operation is. */
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

/** Whether a module export looks like a benchmark (modules are discovered, not listed). */
export function isBenchmark(value: unknown): value is Benchmark {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.description === 'string' && typeof v.run === 'function';
}
