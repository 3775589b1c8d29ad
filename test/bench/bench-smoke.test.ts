/**
 * `npm run bench -- --quick --only launch` still runs to the end and prints its rows.
 * No timed assertion: the numbers are not checked, only that both targets completed
 * launches without errors at both concurrencies and that the ratio rows are there.
 */
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'run.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

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
