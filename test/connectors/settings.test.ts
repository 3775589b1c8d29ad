import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import {
  CanvasSettingsSchema,
  ConnectorSettingsStore,
  MoodleSettingsSchema,
} from '../../src/connectors/settings.js';
import { createSealer } from '../../src/crypto/seal.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;
let store: ConnectorSettingsStore;
let platformId: string;
const TOKEN = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';

beforeAll(async () => {
  database = await createTestDatabase();
  store = new ConnectorSettingsStore(database.db, createSealer(randomBytes(32), 'connectors'));
  platformId = await addPlatformRow(database.db);
});
afterAll(async () => {
  await database?.close();
});

const raw = async (q: string) => JSON.stringify(await database.db.execute(sql.raw(q)));

describe('connector settings', () => {
  test('a Moodle token is sealed at rest and opened on read', async () => {
    await store.save(
      platformId,
      MoodleSettingsSchema.parse({ baseUrl: 'https://moodle.example.edu/', token: TOKEN }),
      'admin',
    );
    expect(await raw('select * from lms_connectors')).not.toContain(TOKEN);
    expect(await store.get(platformId)).toMatchObject({
      kind: 'moodle',
      baseUrl: 'https://moodle.example.edu',
      token: TOKEN,
    });
  });

  test('forms refuse malformed values', () => {
    expect(MoodleSettingsSchema.safeParse({ baseUrl: 'ftp://x', token: TOKEN }).success).toBe(false);
    expect(MoodleSettingsSchema.safeParse({ baseUrl: 'https://x', token: 'short' }).success).toBe(false);
    expect(
      CanvasSettingsSchema.safeParse({ baseUrl: 'https://c', clientId: 'abc', clientSecret: 'x'.repeat(20) })
        .success,
    ).toBe(false);
    expect(
      CanvasSettingsSchema.safeParse({ baseUrl: 'https://c', clientId: '1000', clientSecret: 'short' })
        .success,
    ).toBe(false);
  });

  test('switching to Canvas replaces the connector; user tokens are sealed and removed with it', async () => {
    const secret = 'S'.repeat(40);
    await store.save(
      platformId,
      CanvasSettingsSchema.parse({
        baseUrl: 'https://canvas.example.edu',
        clientId: '10000000000001',
        clientSecret: secret,
      }),
      'admin',
    );
    expect(await store.get(platformId)).toMatchObject({
      kind: 'canvas',
      clientId: '10000000000001',
      clientSecret: secret,
    });
    await store.saveUserTokens(
      platformId,
      'u1',
      { accessToken: 'AT-secret-123', refreshToken: 'RT-secret-456', expiresAt: '2030-01-01T00:00:00.000Z' },
      '48',
    );
    const dump = (await raw('select * from lms_user_tokens')) + (await raw('select * from lms_connectors'));
    for (const s of ['AT-secret-123', 'RT-secret-456', secret]) expect(dump).not.toContain(s);
    expect(await store.userTokens(platformId, 'u1')).toMatchObject({
      accessToken: 'AT-secret-123',
      lmsUserId: '48',
    });
    await store.saveUserTokens(platformId, 'u1', {
      accessToken: 'AT2',
      refreshToken: 'RT-secret-456',
      expiresAt: '2030-01-01T01:00:00.000Z',
    });
    expect(await store.userTokens(platformId, 'u1')).toMatchObject({ accessToken: 'AT2', lmsUserId: '48' });
    await store.remove(platformId, 'admin');
    expect(await store.get(platformId)).toBeUndefined();
    expect(await store.userTokens(platformId, 'u1')).toBeUndefined();
  });

  test('an OAuth state is single use and refuses garbage', async () => {
    const state = await store.createOAuthState(platformId, 'u1', '48');
    expect(await store.consumeOAuthState(state)).toEqual({ platformId, userId: 'u1', lmsUserId: '48' });
    expect(await store.consumeOAuthState(state)).toBeUndefined();
    expect(await store.consumeOAuthState("x' or 1=1 --")).toBeUndefined();
    expect(await store.consumeOAuthState('A'.repeat(32))).toBeUndefined();
  });
});
