/**
 * `npm run bench -- --quick --only registrar-export` still runs to the end: both targets
 * exported every generated record without an error and the ratio row is printed. The
 * numbers themselves are not checked.
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
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

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
