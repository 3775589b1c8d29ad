/**
 * `connectors …` and `issuer set` of the administration CLI, run in-process over a real
 * database and the Moodle-shaped test platform: set (validated, sealed), list (never the
 * secret), test (each check in words, exit code 4 when something is missing), remove.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { runCommand, type CommandContext } from '../../src/cli/commands.js';
import { MOODLE_REQUIRED_FUNCTIONS } from '../../src/connectors/moodle/index.js';
import { ConnectorSettingsStore } from '../../src/connectors/settings.js';
import { createSealer } from '../../src/crypto/seal.js';
import { issuerProfiles, lmsConnectors } from '../../src/db/schema/index.js';
import { PlatformRegistry } from '../../src/platforms/registry.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startPlatform, type Platform } from '../platform/platform.js';

let database: TestDatabase;
let moodle: Platform;
let ctx: CommandContext;
let id: string;

beforeAll(async () => {
  database = await createTestDatabase();
  moodle = await startPlatform({ family: 'moodle' });
  const registry = new PlatformRegistry(database.db);
  const { platform } = await registry.add(
    {
      issuer: moodle.issuer,
      clientId: 'c1',
      authEndpoint: moodle.endpoints.auth,
      tokenEndpoint: moodle.endpoints.token,
      jwksUri: moodle.endpoints.jwks,
      deploymentIds: ['1'],
      productFamily: 'moodle',
    },
    'test',
    'manual',
  );
  id = platform.id;
  const u = 'https://jalon.example.edu/lti';
  ctx = {
    registry,
    urls: {
      login: `${u}/login`,
      launch: u,
      jwks: `${u}/keys`,
      registration: `${u}/register/x`,
      deepLinking: u,
    },
    connectorSettings: new ConnectorSettingsStore(database.db, createSealer(randomBytes(32), 'connectors')),
    database,
    config: { publicUrl: 'https://jalon.example.edu' },
  };
});

afterAll(async () => {
  await moodle?.close();
  await database?.close();
});

const row = async () =>
  (await database.db.select().from(lmsConnectors).where(eq(lmsConnectors.platformId, id)))[0];

describe('connectors commands', () => {
  test('set-moodle refuses a malformed token or URL (exit 2) and an unknown platform (exit 3)', async () => {
    const bad = await runCommand(['connectors', 'set-moodle', id, '--url', 'moodle', '--token', 'x'], ctx);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Enter a web address starting with https://');
    expect(bad.stderr).toContain('A Moodle web-service token is 16 to 64 letters and digits');
    const unknown = await runCommand(
      ['connectors', 'set-moodle', 'p-nope', '--url', moodle.url, '--token', 'a'.repeat(32)],
      ctx,
    );
    expect(unknown.code).toBe(3);
    expect(await row()).toBeUndefined();
  });

  test('set-moodle saves the token sealed; list shows the connector but never the token', async () => {
    const token = moodle.createWsToken().token;
    const r = await runCommand(['connectors', 'set-moodle', id, '--url', moodle.url, '--token', token], ctx);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`Moodle connector saved for ${id}.`);
    expect((await row())!.secret).not.toContain(token);
    const list = await runCommand(['connectors', 'list'], ctx);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${id}\tmoodle\tmoodle\t${moodle.url}\t-\tset\t-`);
    expect(list.stdout).not.toContain(token);
  });

  test('test prints each check in words and passes', async () => {
    const r = await runCommand(['connectors', 'test', id], ctx);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const fn of MOODLE_REQUIRED_FUNCTIONS)
      expect(r.stdout).toContain(`ok    ${fn}: ${fn} is in the external service.`);
    expect(r.stdout).toContain('Connection test passed.');
    expect(((await row())!.lastCheck as { ok: boolean }).ok).toBe(true);
  });

  test('test names a missing function and exits 4', async () => {
    const missing = 'core_completion_get_course_completion_status';
    const token = moodle.createWsToken({
      functions: MOODLE_REQUIRED_FUNCTIONS.filter((f) => f !== missing),
    }).token;
    await runCommand(['connectors', 'set-moodle', id, '--url', moodle.url, '--token', token], ctx);
    const r = await runCommand(['connectors', 'test', id], ctx);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(`FAIL  ${missing}: ${missing} is missing from the token's external service`);
    expect(r.stderr).toContain('Connection test failed.');
  });

  test('set-canvas validates the client id and prints the redirect URI to register', async () => {
    const bad = await runCommand(
      [
        'connectors',
        'set-canvas',
        id,
        '--url',
        'https://canvas.example.edu',
        '--client-id',
        'abc',
        '--client-secret',
        's',
      ],
      ctx,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('A Canvas client ID is a number');
    const ok = await runCommand(
      [
        'connectors',
        'set-canvas',
        id,
        '--url',
        'https://canvas.example.edu',
        '--client-id',
        '10000000000042',
        '--client-secret',
        'S'.repeat(64),
      ],
      ctx,
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Its redirect URI must be: https://jalon.example.edu/oauth/canvas/callback');
    expect(await row()).toMatchObject({ kind: 'canvas', clientId: '10000000000042' });
    expect((await row())!.secret).not.toContain('S'.repeat(64));
  });

  test('remove deletes the connector; test then says nothing is set up', async () => {
    const r = await runCommand(['connectors', 'remove', id], ctx);
    expect(r.code).toBe(0);
    expect(await row()).toBeUndefined();
    const t = await runCommand(['connectors', 'test', id], ctx);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain(`No connector is set up for ${id}.`);
  });
});

describe('issuer set', () => {
  test('refuses a profile without a name or with a bad e-mail, then saves a valid one', async () => {
    const bad = await runCommand(
      ['issuer', 'set', id, '--url', 'https://college.example', '--email', 'nope'],
      ctx,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Enter the institution's name in French, in English, or both.");
    expect(bad.stderr).toContain('Enter a valid contact e-mail address.');
    const ok = await runCommand(
      [
        'issuer',
        'set',
        id,
        '--name-fr',
        'Collège du Nord',
        '--url',
        'https://college.example',
        '--email',
        'badges@college.example',
      ],
      ctx,
    );
    expect(ok.code).toBe(0);
    const [p] = await database.db.select().from(issuerProfiles).where(eq(issuerProfiles.platformId, id));
    expect(p).toMatchObject({ name: { fr: 'Collège du Nord' }, email: 'badges@college.example' });
  });
});
