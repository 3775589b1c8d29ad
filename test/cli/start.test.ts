/**
 * `npm start` as an administrator runs it (a child process on the embedded database): it
 * prints where Jalon runs and the addresses to paste into the LMS, in the administrator's
 * language, and stops cleanly on SIGTERM.
 */
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnv, ROOT } from '../helpers/cli.js';

/** Starts `src/main.ts`, waits for the paste-ready lines, then stops it. */
async function start(lang: string): Promise<{ stdout: string; code: number | null }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jalon-start-'));
  // The embedded database, as on a fresh machine.
  const env = childEnv({
    DATABASE_URL: undefined,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JALON_LANG: lang,
    PUBLIC_URL: 'https://jalon.example.edu',
  });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('platforms list')) resolve();
      });
      child.on('close', (code) => reject(new Error(`exited ${code} before printing: ${stdout}${stderr}`)));
    });
    const code = await new Promise<number | null>((resolve) => {
      child.removeAllListeners('close');
      // Killed by the signal itself (code null) would mean no graceful stop.
      child.on('close', resolve);
      child.kill('SIGTERM');
    });
    return { stdout, code };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('npm start', () => {
  test('prints where Jalon runs and what to paste into the LMS, then stops on SIGTERM', async () => {
    const { stdout, code } = await start('en');
    expect(stdout).toMatch(
      /Jalon is running on http:\/\/127\.0\.0\.1:\d+ \(public URL https:\/\/jalon\.example\.edu\)/,
    );
    expect(stdout).toContain('database: embedded PGlite in');
    for (const label of [
      'Login URL:',
      'Launch URL:',
      'JWKS URL:',
      'Dynamic registration URL:',
      'Deep linking URL:',
    ])
      expect(stdout).toMatch(new RegExp(`${label}\\s+https://jalon\\.example\\.edu/`));
    expect(code).toBe(0);
  }, 120_000);

  test('in French for a French-speaking administrator', async () => {
    const { stdout, code } = await start('fr_CA.UTF-8');
    expect(stdout).toContain('Jalon fonctionne sur http://127.0.0.1:');
    expect(stdout).toContain('PGlite intégrée dans');
    expect(stdout).toContain('Collez ces adresses dans votre plateforme d’apprentissage');
    expect(stdout).toMatch(/URL de connexion\u00a0:\s+https:\/\/jalon\.example\.edu\//);
    expect(stdout).not.toContain('Paste these');
    expect(code).toBe(0);
  }, 120_000);
});
