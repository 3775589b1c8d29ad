/**
 * `npm run bench`: runs every benchmark module in `bench/` (each `bench/<name>.ts` other
 * than this file that exports `benchmark`; support code lives in `lib/` and `apps/`) and
 * prints one table of Jalon against a baseline measured in the same run, interleaved.
 *
 *   npm run bench                      every benchmark, about two minutes
 *   npm run bench -- --quick           a few seconds each: proves they still run
 *   npm run bench -- --only launch     only the named benchmark(s), comma-separated
 *   npm run bench -- --profile <dir>   tool processes also write V8 CPU profiles to <dir>
 *   npm run bench -- --postgres <url>  Jalon on a throw-away database on that server, not PGlite
 *   npm run bench -- --list            names and descriptions
 *
 * Exits 0 when every benchmark ran and no operation failed, 1 otherwise, 2 on bad
 * arguments, 3 when the hard time limit is hit. Progress goes to stderr, the report to stdout.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatReport } from './lib/report.js';
import { isBenchmark, type Benchmark, type BenchResult } from './lib/types.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Args {
  quick: boolean;
  profileDir?: string;
  postgresUrl?: string;
  only?: string[];
  list: boolean;
}

function usage(): string {
  return 'usage: npm run bench -- [--quick] [--only <name>[,<name>…]] [--profile <dir>] [--postgres <url>] [--list]';
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--list') args.list = true;
    else if (a === '--postgres') {
      const v = argv[++i];
      if (!v || !/^postgres(ql)?:\/\//.test(v)) throw new Error('--postgres needs a postgres:// URL');
      args.postgresUrl = v;
    } else if (a === '--profile') {
      const v = argv[++i];
      if (!v) throw new Error('--profile needs a directory');
      args.profileDir = path.resolve(v);
    } else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!v) throw new Error('--only needs a benchmark name');
      args.only = [...(args.only ?? []), ...v.split(',').filter(Boolean)];
    } else if (a === '--help' || a === '-h') {
      console.log(usage());
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** Every benchmark module of `bench/`, in file-name order. */
async function discover(): Promise<Benchmark[]> {
  const files = readdirSync(HERE)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'run.ts')
    .sort();
  const found: Benchmark[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(HERE, f)).href)) as { benchmark?: unknown };
    if (isBenchmark(mod.benchmark)) found.push(mod.benchmark);
  }
  return found;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage()}`);
    return 2;
  }
  const all = await discover();
  if (args.list) {
    for (const b of all) console.log(`${b.name.padEnd(12)} ${b.description}`);
    return 0;
  }
  const unknown = (args.only ?? []).filter((n) => !all.some((b) => b.name === n));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${all.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const selected = args.only ? all.filter((b) => args.only!.includes(b.name)) : all;
  // Everything below is bounded already; this is the last resort if something hangs.
  const hardLimitMs = (args.quick ? 3 : 8) * 60_000 * Math.max(1, selected.length);
  setTimeout(() => {
    console.error(`bench: hard time limit (${hardLimitMs / 1000} s) reached, giving up`);
    process.exit(3);
  }, hardLimitMs).unref();

  const started = Date.now();
  const progress = (m: string) => console.error(m);
  const results: Array<{ benchmark: Benchmark; result: BenchResult }> = [];
  let failed = false;
  for (const benchmark of selected) {
    try {
      const ctx = {
        quick: args.quick,
        progress,
        ...(args.profileDir ? { profileDir: args.profileDir } : {}),
        ...(args.postgresUrl ? { postgresUrl: args.postgresUrl } : {}),
      };
      results.push({ benchmark, result: await benchmark.run(ctx) });
    } catch (err) {
      failed = true;
      console.error(`bench: ${benchmark.name} failed: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
  const cpus = os.cpus();
  console.log(
    `Jalon benchmarks${args.quick ? ' (--quick: smoke run, numbers not meaningful)' : ''} — ` +
      `Node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ` +
      `load ${os.loadavg()[0]!.toFixed(2)}, ${new Date().toISOString()}`,
  );
  console.log('');
  console.log(formatReport(results));
  console.log('');
  console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const errors = results
    .flatMap((r) => r.result.comparisons)
    .some((c) => c.subject.errors || c.baseline.errors);
  if (errors) console.error('bench: some operations failed (see "first error" above); numbers are not valid');
  return failed || errors ? 1 : 0;
}

const code = await main();
process.exitCode = code;
// Let stdout drain, then leave even if a stray handle would keep the process alive.
setTimeout(() => process.exit(code), 2_000).unref();
