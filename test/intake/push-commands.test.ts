/**
 * `push …` of the administration CLI, in-process over a real database: xAPI credentials are
 * printed once and kept as a digest that the endpoint's check accepts, Canvas Live Events are
 * turned on with Instructure's keys, and `push list` never prints a secret.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { runCommand, type CommandContext } from '../../src/cli/commands.js';
import { checkBasicAuth } from '../../src/connectors/push/index.js';
import { ConnectorSettingsStore } from '../../src/connectors/settings.js';
import { createSealer } from '../../src/crypto/seal.js';
import { INSTRUCTURE_LIVE_EVENTS_JWKS, pushSettingsOf } from '../../src/intake/push-settings.js';
import { PlatformRegistry } from '../../src/platforms/registry.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;
let ctx: CommandContext;
const ids = { moodle: '', canvas: '' };

beforeAll(async () => {
  database = await createTestDatabase();
  const registry = new PlatformRegistry(database.db);
  for (const family of ['moodle', 'canvas'] as const) {
    const { platform } = await registry.add(
      {
        issuer: `https://${family}.example.edu`,
        clientId: 'c1',
        authEndpoint: `https://${family}.example.edu/auth`,
        tokenEndpoint: `https://${family}.example.edu/token`,
        jwksUri: `https://${family}.example.edu/jwks`,
        deploymentIds: ['1'],
        productFamily: family,
      },
      'test',
      'manual',
    );
    ids[family] = platform.id;
  }
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
  await database?.close();
});

describe('push commands', () => {
  test('xapi-credentials prints the endpoint and a password once; the digest checks it', async () => {
    const r = await runCommand(['push', 'xapi-credentials', ids.moodle], ctx);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`https://jalon.example.edu/push/xapi/${ids.moodle}`);
    const username = /Username:\s+(\S+)/.exec(r.stdout)?.[1];
    const password = /Password:\s+(\S+)/.exec(r.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const s = await pushSettingsOf(database.db, ids.moodle);
    expect(s?.xapiPasswordHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(s?.xapiPasswordHash).not.toContain(password!);
    const header = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    expect(checkBasicAuth(header, { username: s!.xapiUsername!, passwordHash: s!.xapiPasswordHash! })).toBe(
      true,
    );
    // Running it again replaces the password.
    const again = await runCommand(['push', 'xapi-credentials', ids.moodle], ctx);
    const s2 = await pushSettingsOf(database.db, ids.moodle);
    expect(checkBasicAuth(header, { username: s2!.xapiUsername!, passwordHash: s2!.xapiPasswordHash! })).toBe(
      false,
    );
    const list = await runCommand(['push', 'list'], ctx);
    expect(list.stdout).not.toContain(password!);
    expect(list.stdout).not.toContain(/Password:\s+(\S+)/.exec(again.stdout)![1]!);
    expect(list.stdout).toContain(`user ${s2!.xapiUsername}`);
  });

  test('canvas-enable uses Instructure keys by default and refuses a Moodle platform', async () => {
    const r = await runCommand(['push', 'canvas-enable', ids.canvas], ctx);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`https://jalon.example.edu/push/canvas/${ids.canvas}`);
    expect((await pushSettingsOf(database.db, ids.canvas))?.canvasJwksUrl).toBe(INSTRUCTURE_LIVE_EVENTS_JWKS);
    const wrong = await runCommand(['push', 'canvas-enable', ids.moodle], ctx);
    expect(wrong.code).toBe(2);
    expect((await runCommand(['push', 'xapi-credentials', ids.canvas], ctx)).code).toBe(2);
    expect(
      (await runCommand(['push', 'canvas-enable', ids.canvas, '--jwks-url', 'http://x'], ctx)).code,
    ).toBe(2);
  });
});
