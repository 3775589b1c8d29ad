/**
 * The administration CLI as an administrator runs it: a separate process, on the embedded
 * database of a stopped server, and through the admin socket of a running one.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { runCli } from '../helpers/cli.js';

const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'jalon-cli-')), 'data');
// On CI's PostgreSQL pass, the CLI and the server share a throw-away database too.
const env = { DATA_DIR: dataDir, PORT: '0', DATABASE_URL: undefined as string | undefined };
const add = [
  'platforms',
  'add',
  '--issuer',
  'https://moodle.example.edu',
  '--client-id',
  'abcDEF123456789',
  '--auth-endpoint',
  'https://moodle.example.edu/mod/lti/auth.php',
  '--token-endpoint',
  'https://moodle.example.edu/mod/lti/token.php',
  '--jwks-uri',
  'https://moodle.example.edu/mod/lti/certs.php',
  '--deployment-id',
  '2',
  '--family',
  'moodle',
];

interface Listed {
  id: string;
  issuer: string;
  clientId: string;
  deploymentIds: string[];
  status: string;
}

describe('npm run cli (embedded database, no server running)', () => {
  let id: string;
  test('platforms add registers a pending platform', async () => {
    const r = await runCli(add, env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Platform p-[0-9a-f]+ registered \(pending\)/);
    id = /Platform (p-[0-9a-f]+)/.exec(r.stdout)![1]!;
  });

  test('platforms list --json prints a JSON array with id, issuer, client id, deployments and status', async () => {
    const r = await runCli(['platforms', 'list', '--json'], env);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Listed[];
    expect(list).toEqual([
      expect.objectContaining({
        id,
        issuer: 'https://moodle.example.edu',
        clientId: 'abcDEF123456789',
        deploymentIds: ['2'],
        status: 'pending',
      }),
    ]);
  });

  test('bad input gets a clear error and changes nothing', async () => {
    const dup = await runCli(add, env);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/already registered/);
    const bad = await runCli([...add.slice(0, 3), 'not-a-url', ...add.slice(4)], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/issuer/);
    const missing = await runCli(['platforms', 'activate', 'p-doesnotexist'], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no platform with id p-doesnotexist/);
    const unknown = await runCli(['platforms', 'frobnicate'], env);
    expect(unknown.code).toBe(2);
    const list = JSON.parse((await runCli(['platforms', 'list', '--json'], env)).stdout) as Listed[];
    expect(list).toHaveLength(1);
  });

  test('platforms activate then remove', async () => {
    const a = await runCli(['platforms', 'activate', id], env);
    expect(a.code).toBe(0);
    const list = JSON.parse((await runCli(['platforms', 'list', '--json'], env)).stdout) as Listed[];
    expect(list[0]!.status).toBe('active');
  });
});

describe('npm run cli while the server runs on the same embedded database', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const config = loadConfig({ ...env, COOKIE_SECURE: 'false' } as Record<string, string>);
    server = await startServer(config, createLogger('silent'));
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('goes through the admin socket and sees the server’s data', async () => {
    const list = await runCli(['platforms', 'list', '--json'], env);
    expect(list.code).toBe(0);
    const platforms = JSON.parse(list.stdout) as Listed[];
    expect(platforms).toHaveLength(1);
    const removed = await runCli(['platforms', 'remove', platforms[0]!.id], env);
    expect(removed.code).toBe(0);
    expect(await server.services.registry.list()).toEqual([]);
  });

  test('a second server on the same embedded database is refused', async () => {
    const config = loadConfig({ ...env } as Record<string, string>);
    await expect(startServer(config, createLogger('silent'))).rejects.toThrow(/Another Jalon process/);
  });
});
