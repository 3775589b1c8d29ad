/**
 * The administration CLI as an administrator runs it: a separate process, on the embedded
 * database of a stopped server, and through the admin socket of a running one; in the
 * language of its environment, which travels over the socket.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { adminSocketPath } from '../../src/cli/admin-socket.js';
import type { CommandResult } from '../../src/cli/commands.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { runCli } from '../helpers/cli.js';

const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'jalon-cli-')), 'data');
// On CI's PostgreSQL pass, the CLI and the server share a throw-away database too.
// English whatever the locale of the machine running the tests.
const env = {
  DATA_DIR: dataDir,
  PORT: '0',
  DATABASE_URL: undefined as string | undefined,
  JALON_LANG: 'en' as string | undefined,
};
/** The CLI's environment with only these locale variables set. */
const locale = (vars: { JALON_LANG?: string; LC_ALL?: string; LC_MESSAGES?: string; LANG?: string }) => ({
  ...env,
  JALON_LANG: undefined,
  LC_ALL: undefined,
  LC_MESSAGES: undefined,
  LANG: undefined,
  ...vars,
});
const NBSP = '\u00a0';

/** Posts a raw request body to the admin socket, as a client other than the CLI could. */
function postToSocket(body: unknown, raw?: string): Promise<{ status: number; answer: CommandResult }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: adminSocketPath(dataDir), path: '/cli', method: 'POST' },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, answer: JSON.parse(data) as CommandResult }),
        );
      },
    );
    req.on('error', reject);
    req.end(raw ?? JSON.stringify(body));
  });
}
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

  test('speaks the language of its environment: JALON_LANG, else LC_ALL, LC_MESSAGES, LANG', async () => {
    const fr = await runCli(['platforms', 'activate', 'p-doesnotexist'], locale({ LANG: 'fr_CA.UTF-8' }));
    expect(fr.code).toBe(3);
    expect(fr.stderr).toBe(`Erreur${NBSP}: aucune plateforme n’a l’identifiant p-doesnotexist\n`);
    const c = await runCli(
      ['platforms', 'activate', 'p-doesnotexist'],
      locale({ LC_ALL: 'C', LANG: 'fr_CA.UTF-8' }),
    );
    expect(c.stderr).toBe('Error: no platform with id p-doesnotexist\n');
    const help = await runCli(['--help'], locale({ JALON_LANG: 'fr', LANG: 'en_CA.UTF-8' }));
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`Utilisation${NBSP}: jalon [options] [commande]`);
    expect(help.stdout).toContain(`Commandes${NBSP}:`);
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

  test('the admin socket carries the CLI’s language to the server', async () => {
    const fr = await runCli(['platforms', 'activate', 'p-nope'], locale({ LANG: 'fr_CA.UTF-8' }));
    expect(fr.code).toBe(3);
    expect(fr.stderr).toBe(`Erreur${NBSP}: aucune plateforme n’a l’identifiant p-nope\n`);
    const list = await runCli(['platforms', 'list'], locale({ JALON_LANG: 'fr' }));
    expect(list).toMatchObject({ code: 0, stdout: 'Aucune plateforme n’est inscrite.\n', stderr: '' });
    const en = await runCli(['platforms', 'list'], locale({ LANG: 'en_US.UTF-8' }));
    expect(en).toMatchObject({ code: 0, stdout: 'No platform is registered.\n', stderr: '' });
    const help = await runCli(['platforms', '--help'], locale({ JALON_LANG: 'fr' }));
    expect(help.stdout).toContain(`Utilisation${NBSP}: jalon platforms [options] [commande]`);
    expect(help.stdout).toMatch(/list \[options\] +lister les plateformes/);
  });

  test('over the socket, a lang other than fr or en falls back to English', async () => {
    const argv = ['platforms', 'activate', 'p-nope'];
    const french = await postToSocket({ argv, lang: 'fr' });
    expect(french.status).toBe(200);
    expect(french.answer.stderr).toBe(`Erreur${NBSP}: aucune plateforme n’a l’identifiant p-nope\n`);
    for (const lang of ['de', 'FR', 'fr-CA', 42, null, { fr: true }, undefined]) {
      const r = await postToSocket({ argv, lang });
      expect({ lang, status: r.status, answer: r.answer }).toEqual({
        lang,
        status: 200,
        answer: { code: 3, stdout: '', stderr: 'Error: no platform with id p-nope\n' },
      });
    }
    expect((await postToSocket({ argv: [1], lang: 'fr' })).status).toBe(400);
  });

  test('the admin socket refuses what is not a command line, and says so, running nothing', async () => {
    const before = await postToSocket({ argv: ['platforms', 'list', '--json'] });
    for (const raw of ['not json', 'null', '[]', '"platforms list"', '{}', '{"argv":["platforms",1]}']) {
      const r = await postToSocket(undefined, raw);
      expect({ raw, status: r.status }).toEqual({ raw, status: 400 });
    }
    const huge = await postToSocket({ argv: ['platforms', 'list', 'x'.repeat(70 * 1024)] });
    expect(huge.status).toBe(413);
    // Nothing was run or registered along the way.
    expect(await postToSocket({ argv: ['platforms', 'list', '--json'] })).toEqual(before);
  });

  test('a second server on the same embedded database is refused', async () => {
    const config = loadConfig({ ...env } as Record<string, string>);
    await expect(startServer(config, createLogger('silent'))).rejects.toThrow(/Another Jalon process/);
  });
});
