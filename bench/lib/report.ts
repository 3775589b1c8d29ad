/**
 * The printed report: one table for every benchmark (two rows per case plus the ratio
 * Jalon/baseline), then per-operation diagnostics and each benchmark's notes.
 */
import type { Benchmark, BenchResult, Comparison, Measure } from './types.js';

const HEADER = [
  'benchmark',
  'case',
  'target',
  'ops',
  'errors',
  'ops/s',
  'p50 ms',
  'p95 ms',
  'CPU ms/op',
  'ops/CPU-s',
  'driver CPU ms/op',
];

/** Labels of the per-operation counters benchmarks report (unknown keys print as is). */
const COUNTER_LABELS: Record<string, string> = {
  toolRequests: 'requests to the tool',
  platformRequests: 'requests to the platform',
  outgoingHttp: 'outgoing HTTP from the tool',
  storeCalls: 'ltijs store calls',
  dbQueries: 'SQL statements',
  dbMs: 'SQL ms (summed)',
};

const num = (v: number | undefined, digits = 1): string =>
  v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !Number.isFinite(a / b) || b === 0 ? '–' : `${(a / b).toFixed(2)}×`;
const opsPerCpuSecond = (m: Measure) => (m.cpuMsPerOp ? 1000 / m.cpuMsPerOp : undefined);

function row(bench: string, label: string, m: Measure): string[] {
  return [
    bench,
    label,
    m.target,
    String(m.ops),
    String(m.errors),
    num(m.opsPerSecond),
    num(m.p50Ms),
    num(m.p95Ms),
    num(m.cpuMsPerOp, 2),
    num(opsPerCpuSecond(m), 0),
    num(m.driverCpuMsPerOp, 2),
  ];
}

function ratioRow(bench: string, c: Comparison): string[] {
  const s = c.subject;
  const b = c.baseline;
  return [
    bench,
    c.label,
    'ratio',
    `${s.target}/${b.target}`,
    '',
    ratio(s.opsPerSecond, b.opsPerSecond),
    ratio(s.p50Ms, b.p50Ms),
    ratio(s.p95Ms, b.p95Ms),
    ratio(s.cpuMsPerOp, b.cpuMsPerOp),
    ratio(opsPerCpuSecond(s), opsPerCpuSecond(b)),
    ratio(s.driverCpuMsPerOp, b.driverCpuMsPerOp),
  ];
}

function table(rows: string[][]): string {
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function perOpLine(m: Measure): string {
  const parts = Object.entries(m.perOp)
    .filter(([, v]) => Number.isFinite(v) && v !== 0)
    .map(([k, v]) => `${num(v, Number.isInteger(v) ? 0 : 2)} ${COUNTER_LABELS[k] ?? k}`);
  return `  ${m.target}: ${parts.join(', ') || '–'}`;
}

/** The whole report for the benchmarks that ran. */
export function formatReport(results: Array<{ benchmark: Benchmark; result: BenchResult }>): string {
  const rows: string[][] = [HEADER];
  const details: string[] = [];
  for (const { benchmark, result } of results) {
    details.push('', `${benchmark.name}: ${benchmark.description}`);
    for (const c of result.comparisons) {
      rows.push(row(benchmark.name, c.label, c.subject), row(benchmark.name, c.label, c.baseline));
      rows.push(ratioRow(benchmark.name, c));
      const paired = c.subject.sliceOpsPerSecond.map((s, i) => s / (c.baseline.sliceOpsPerSecond[i] ?? NaN));
      details.push(
        `${c.label}: ${c.subject.target}/${c.baseline.target} throughput per round (paired slices): ${paired
          .map((r) => num(r, 2))
          .join(' ')}`,
        'per operation:',
        perOpLine(c.subject),
        perOpLine(c.baseline),
      );
      for (const m of [c.subject, c.baseline]) {
        if (m.firstError) details.push(`  ${m.target} first error: ${m.firstError}`);
      }
    }
    details.push(...result.notes);
  }
  return [
    table(rows),
    ...details,
    '',
    "ops/s: completed operations per wall-clock second of that target's slices; p50/p95: latency of one",
    'operation; CPU: the tool process only; ratio: first target / second (throughput > 1× and latency',
    '< 1× favour the first).',
  ].join('\n');
}
