/**
 * `npm run bench -- --quick --only launch` still runs to the end and prints its rows.
 * No timed assertion: the numbers are not checked, only that both targets completed
 * launches without errors at both concurrencies and that the ratio rows are there.
 */
import { describe, expect, test } from '@jest/globals';
import { runBench as run } from '../helpers/bench.js';

const runBench = (args: string[]) => run(args, 170_000);

/** The numeric cells of a table row `launch <case> <target> ops errors …`. */
function rowOf(stdout: string, label: string, target: string): string[] | undefined {
  const line = stdout.split('\n').find((l) => new RegExp(`^launch\\s+${label}\\s+${target}\\s`).test(l));
  return line?.trim().split(/\s+/).slice(3);
}

describe('npm run bench', () => {
  test('--quick --only launch measures Jalon and bare ltijs at 1 and 20 concurrent and prints the ratios', async () => {
    const r = await runBench(['--quick', '--only', 'launch']);
    expect(r.stderr).not.toMatch(/bench: \S+ failed/);
    expect(r.code).toBe(0);
    for (const label of ['c=1', 'c=20']) {
      for (const target of ['jalon', 'ltijs']) {
        const cells = rowOf(r.stdout, label, target);
        expect(cells).toBeDefined();
        const [ops, errors] = cells!.map(Number);
        expect(ops).toBeGreaterThan(0);
        expect(errors).toBe(0);
      }
      const ratio = rowOf(r.stdout, label, 'ratio');
      expect(ratio?.[0]).toBe('jalon/ltijs');
      expect(ratio?.[1]).toMatch(/^\d+\.\d\d×$/); // throughput ratio
    }
  }, 180_000);

  test('an unknown benchmark name is refused with exit code 2 before anything starts', async () => {
    const r = await runBench(['--only', 'no-such-benchmark']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown benchmark no-such-benchmark');
    expect(r.stdout).toBe('');
  }, 60_000);
});
