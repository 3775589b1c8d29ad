import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { auditLog } from '../../src/db/schema/index.js';
import { PlatformError, PlatformRegistry, type Platform } from '../../src/platforms/registry.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;
let registry: PlatformRegistry;
const engineCalls: string[] = [];

const moodle = {
  issuer: 'https://moodle.example.edu',
  clientId: 'Kx3Zp9aaaaaaaaa',
  authEndpoint: 'https://moodle.example.edu/mod/lti/auth.php',
  tokenEndpoint: 'https://moodle.example.edu/mod/lti/token.php',
  jwksUri: 'https://moodle.example.edu/mod/lti/certs.php',
  deploymentIds: ['2'],
  productFamily: 'moodle',
};

beforeAll(async () => {
  database = await createTestDatabase();
  registry = new PlatformRegistry(database.db);
  registry.setEngineHooks({
    activate: async (p: Platform) => void engineCalls.push(`activate:${p.id}`),
    deactivate: async (p: Platform) => void engineCalls.push(`deactivate:${p.id}`),
  });
});
afterAll(async () => {
  await database?.close();
});

describe('platform registry', () => {
  let id: string;

  test('a new platform is pending, with its deployment, and audited', async () => {
    const { platform, created } = await registry.add(moodle, 'test', 'manual');
    id = platform.id;
    expect(created).toBe(true);
    expect(platform).toMatchObject({
      status: 'pending',
      deploymentIds: ['2'],
      source: 'manual',
      name: 'moodle.example.edu',
    });
    expect(platform.origins).toEqual(['https://moodle.example.edu']);
    const audits = await database.db.select().from(auditLog);
    expect(audits.map((a) => a.action)).toContain('platform.add');
    expect(await registry.acceptsDeployment(moodle.issuer, moodle.clientId, '2')).toBe(false); // pending
  });

  test('refuses a duplicate (issuer, client id) and invalid input, writing nothing', async () => {
    await expect(registry.add(moodle, 'test', 'manual')).rejects.toMatchObject({ code: 'EXISTS' });
    for (const bad of [
      { ...moodle, clientId: 'other', issuer: 'not a url' },
      { ...moodle, clientId: 'other', jwksUri: 'ftp://x/keys' },
      { ...moodle, clientId: 'other', deploymentIds: [] },
      { ...moodle, clientId: '' },
    ]) {
      await expect(registry.add(bad, 'test', 'manual')).rejects.toBeInstanceOf(PlatformError);
    }
    expect(await registry.list()).toHaveLength(1);
  });

  test('activation tells the engine, then the deployment is accepted; others are not', async () => {
    const p = await registry.activate(id, 'test');
    expect(p.status).toBe('active');
    expect(engineCalls).toEqual([`activate:${id}`]);
    expect(await registry.acceptsDeployment(moodle.issuer, moodle.clientId, '2')).toBe(true);
    expect(await registry.acceptsDeployment(moodle.issuer, moodle.clientId, '3')).toBe(false);
    await registry.addDeployment(id, '3', 'test');
    expect(await registry.acceptsDeployment(moodle.issuer, moodle.clientId, '3')).toBe(true);
    await registry.removeDeployment(id, '3', 'test');
    expect(await registry.acceptsDeployment(moodle.issuer, moodle.clientId, '3')).toBe(false);
    await expect(registry.activate('p-nope', 'test')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('a re-registration with the same keys keeps the status; changed keys need a new activation', async () => {
    const same = await registry.add({ ...moodle, deploymentIds: ['2'] }, 'dr', 'dynamic', true);
    expect(same.created).toBe(false);
    expect(same.platform.status).toBe('active');
    const moved = await registry.add(
      { ...moodle, jwksUri: 'https://evil.example/keys' },
      'dr',
      'dynamic',
      true,
    );
    expect(moved.platform.status).toBe('pending');
    expect(engineCalls).toContain(`deactivate:${id}`);
    await registry.add(moodle, 'dr', 'dynamic', true);
    await registry.activate(id, 'test');
  });

  test('several platforms side by side; frame origins exclude disabled ones', async () => {
    const canvas = await registry.add(
      {
        issuer: 'https://canvas.instructure.com',
        clientId: '10000000000068',
        authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
        tokenEndpoint: 'https://sso.canvaslms.com/login/oauth2/token',
        jwksUri: 'https://sso.canvaslms.com/api/lti/security/jwks',
        deploymentIds: ['106:8865aa05b4b79b64a91a86042e43af5ea8ae79eb'],
        origins: ['https://school.instructure.com'],
      },
      'test',
      'manual',
    );
    expect(await registry.list()).toHaveLength(2);
    expect(await registry.frameOrigins()).toEqual(
      expect.arrayContaining(['https://moodle.example.edu', 'https://school.instructure.com']),
    );
    await registry.disable(canvas.platform.id, 'test');
    expect(await registry.frameOrigins()).not.toContain('https://school.instructure.com');
    await registry.addOrigin(id, 'https://moodle.example.edu/mod/lti/return.php?x=1');
    await registry.addOrigin(id, 'javascript:alert(1)');
    expect((await registry.get(id))!.origins).toEqual(['https://moodle.example.edu']);
  });

  test('removal forgets the platform and its deployments', async () => {
    await registry.remove(id, 'test');
    expect(await registry.get(id)).toBeUndefined();
    const rows = await database.db.execute(
      sql`select count(*)::int as n from platform_deployments where platform_id = ${id}`,
    );
    expect(JSON.stringify(rows)).toContain('"n":0');
    expect(await registry.countPending()).toBe(0);
  });
});

describe('concurrent registrations', () => {
  const racer = (clientId: string) => ({
    ...moodle,
    issuer: 'https://race.example.edu',
    authEndpoint: 'https://race.example.edu/auth',
    clientId,
  });

  test('the same registration three times at once: one record, every caller answered', async () => {
    for (let round = 0; round < 25; round++) {
      const input = racer(`race-${round}`);
      const results = await Promise.allSettled(
        [0, 1, 2].map(() => registry.add(input, 'test', 'dynamic', true)),
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      const ids = results.map((r) => (r as PromiseFulfilledResult<{ platform: Platform }>).value.platform.id);
      expect(new Set(ids).size).toBe(1);
      const created = results.filter(
        (r) => (r as PromiseFulfilledResult<{ created: boolean }>).value.created,
      );
      expect(created).toHaveLength(1);
    }
    const rows = await database.db.execute(
      sql`select count(*)::int as n from platforms where issuer = 'https://race.example.edu'`,
    );
    expect(JSON.stringify(rows)).toContain('"n":25');
  });

  test('a lookup running while a platform is stored never leaves a stale "unknown" behind', async () => {
    for (let round = 0; round < 25; round++) {
      const input = racer(`seen-${round}`);
      const [, stored] = await Promise.all([
        registry.find(input.issuer, input.clientId),
        registry.add(input, 'test', 'dynamic', true),
      ]);
      expect((await registry.find(input.issuer, input.clientId))?.id).toBe(stored.platform.id);
    }
  });

  test('without update permission a concurrent duplicate is refused, not merged', async () => {
    const input = racer('strict');
    const results = await Promise.allSettled([0, 1].map(() => registry.add(input, 'test', 'manual')));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });
});
