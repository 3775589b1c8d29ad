/**
 * `npm run bench -- --quick --only registrar-export` still runs to the end: both targets
 * exported every generated record without an error and the ratio row is printed. The
 * numbers themselves are not checked.
 */
import { describe, expect, test } from '@jest/globals';
import { runBench as run } from '../helpers/bench.js';

const runBench = (args: string[]) => run(args, 110_000);

describe('registrar export benchmark', () => {
  test('--quick runs Jalon and COPY without errors and prints rows/s and memory', async () => {
    const r = await runBench(['--quick', '--only', 'registrar-export']);
    expect(r.stderr).not.toMatch(/bench: \S+ failed/);
    expect(r.code).toBe(0);
    for (const target of ['jalon', 'copy']) {
      const line = r.stdout
        .split('\n')
        .find((l) => new RegExp(`^registrar-export\\s+\\S+\\s+${target}\\s`).test(l));
      expect(line).toBeDefined();
      const [ops, errors] = line!.trim().split(/\s+/).slice(3).map(Number);
      expect(ops).toBeGreaterThan(0);
      expect(errors).toBe(0);
    }
    expect(r.stdout).toMatch(/rows\/s: jalon [\d,]+, copy [\d,]+/);
    expect(r.stdout).toMatch(/Peak growth during an export/);
  }, 120_000);
});
