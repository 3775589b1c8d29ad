/**
 * The ltijs storage plugin on a real database (PGlite, or PostgreSQL with DATABASE_URL):
 * the contract ltijs 5.9.9 relies on, the traps of reference/ltijs.md §2 and §10, and the
 * real ltijs Provider running on it without ever touching MongoDB.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { sql, type SQL } from 'drizzle-orm';
import { createSealer } from '../../src/crypto/seal.js';
import { openDatabase } from '../../src/db/client.js';
import { createLogger } from '../../src/log.js';
import { LTI_TTL_SECONDS, LtiPgStore, LtiStoreError, type LtiCollection } from '../../src/lti/store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// Installed before ltijs/mongoose load, so any MongoDB socket would be seen.
const connectSpy = jest.spyOn(net.Socket.prototype, 'connect');

const LTI_TABLES = [
  'lti_platform',
  'lti_platform_status',
  'lti_publickey',
  'lti_privatekey',
  'lti_accesstoken',
  'lti_idtoken',
  'lti_contexttoken',
  'lti_nonce',
  'lti_state',
];
const TABLE_OF: Record<LtiCollection, string> = {
  platform: 'lti_platform',
  platformStatus: 'lti_platform_status',
  publickey: 'lti_publickey',
  privatekey: 'lti_privatekey',
  accesstoken: 'lti_accesstoken',
  idtoken: 'lti_idtoken',
  contexttoken: 'lti_contexttoken',
  nonce: 'lti_nonce',
  state: 'lti_state',
};

const KEY = 'ltijs-encryption-key-is-ignored-by-the-store';
const sealer = createSealer(randomBytes(32), 'lti-store');
const logLines: string[] = [];
const logger = createLogger('warn', { write: (line: string) => void logLines.push(line) });

let database: TestDatabase;
let store: LtiPgStore;

async function rows(query: SQL): Promise<Record<string, unknown>[]> {
  const result = (await database.db.execute(query)) as unknown as { rows: Record<string, unknown>[] };
  return result.rows;
}
async function count(table: string): Promise<number> {
  const [r] = await rows(sql`select count(*)::int as n from ${sql.identifier(table)}`);
  return Number(r?.n);
}
async function age(table: string, seconds: number): Promise<void> {
  await database.db.execute(
    sql`update ${sql.identifier(table)} set created_at = now() - make_interval(secs => ${seconds}::int)`,
  );
}

function pemPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
/** The base64 body of a PEM, which must never appear in the database. */
function pemBody(pem: string): string {
  return pem.split('\n').slice(1, -2).join('');
}

const platformDoc = (n: number, extra: Record<string, unknown> = {}) => ({
  platformName: `LMS ${n}`,
  platformUrl: `https://lms${n}.example`,
  clientId: `client-${n}`,
  authEndpoint: `https://lms${n}.example/auth`,
  accesstokenEndpoint: `https://lms${n}.example/token`,
  kid: `kid-${n}`,
  authConfig: { method: 'JWK_SET', key: `https://lms${n}.example/jwks` },
  ...extra,
});

beforeAll(async () => {
  database = await createTestDatabase();
  store = new LtiPgStore(database.db, sealer, { logger });
});
afterAll(async () => {
  await store?.Close();
  await database?.close();
});

describe('LtiPgStore contract', () => {
  beforeEach(async () => {
    for (const t of LTI_TABLES) await database.db.execute(sql`delete from ${sql.identifier(t)}`);
    logLines.length = 0;
  });

  test('Get resolves false (not []) when nothing matches, and every row when the query is undefined', async () => {
    expect(await store.Get(false, 'platform', { kid: 'nope' })).toBe(false);
    expect(await store.Get(false, 'platform')).toBe(false);
    await store.Insert(false, 'platform', platformDoc(1));
    await store.Insert(false, 'platform', platformDoc(2));
    const all = await store.Get(false, 'platform');
    expect(all && all.map((p) => p.kid).sort()).toEqual(['kid-1', 'kid-2']);
  });

  test('rows come back with ltijs field names, optional fields absent, no internal columns', async () => {
    await store.Insert(false, 'platform', platformDoc(1, { authorizationServer: undefined }));
    const got = await store.Get(false, 'platform', {
      platformUrl: 'https://lms1.example',
      clientId: 'client-1',
    });
    expect(got).toEqual([platformDoc(1)]);
    const [p] = got || [];
    expect(p && 'authorizationServer' in p).toBe(false);
    expect(p && 'createdAt' in p).toBe(false);

    const context = {
      contextId: 'ctx%2F1',
      user: 'u-ada',
      roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
      path: '/',
      context: { id: 'c1', label: 'C1', title: 'Course 1' },
      resource: { id: 'rl1' },
      custom: { jalon_course: '42' },
      messageType: 'LtiResourceLinkRequest',
      version: '1.3.0',
      endpoint: { lineitems: 'https://lms1.example/li', scope: ['a', 'b'] },
      namesRoles: { context_memberships_url: 'https://lms1.example/m' },
    };
    await store.Replace(false, 'contexttoken', { contextId: 'ctx%2F1', user: 'u-ada' }, context);
    const [c] = (await store.Get(false, 'contexttoken', { contextId: 'ctx%2F1', user: 'u-ada' })) || [];
    const { createdAt, ...rest } = c ?? {};
    expect(rest).toEqual(context);
    expect(createdAt).toBeInstanceOf(Date); // ltijs' idtoken/contexttoken schemas have createdAt
    expect(c && 'deepLinkingSettings' in c).toBe(false);
  });

  test('unknown fields and collections throw instead of being dropped or matching', async () => {
    const unknown = { code: 'UNKNOWN_FIELD' };
    await expect(store.Insert(false, 'platform', platformDoc(1, { secret: 'x' }))).rejects.toMatchObject(
      unknown,
    );
    await expect(store.Get(false, 'platform', { platform_url: 'x' })).rejects.toMatchObject(unknown);
    await expect(store.Modify(false, 'platform', { kid: 'kid-1' }, { nope: 1 })).rejects.toMatchObject(
      unknown,
    );
    await expect(store.Delete('platform', { nope: 'x' })).rejects.toMatchObject(unknown);
    await expect(
      store.Replace(false, 'nonce', { nonce: 'n' }, { nonce: 'n', extra: 1 }),
    ).rejects.toMatchObject(unknown);
    // Internal columns are not fields.
    await expect(store.Get(false, 'publickey', { data: 'x' })).rejects.toMatchObject(unknown);
    await expect(store.Get(false, 'nonce', { createdAt: new Date().toISOString() })).rejects.toMatchObject(
      unknown,
    );
    // Prototype keys are not fields either.
    await expect(store.Get(false, 'platform', { constructor: 'x' })).rejects.toMatchObject(unknown);
    await expect(store.Get(false, 'users', { id: 'x' })).rejects.toMatchObject({
      code: 'UNKNOWN_COLLECTION',
    });
    await expect(store.Get(false, '', { id: 'x' })).rejects.toMatchObject({ code: 'MISSING_COLLECTION' });
    expect(await count('lti_platform')).toBe(0);
  });

  test('undefined and null match NULL only; a query never matches everything', async () => {
    await store.Insert(false, 'platform', platformDoc(1));
    await store.Insert(
      false,
      'platform',
      platformDoc(2, { authorizationServer: 'https://lms2.example/aud' }),
    );
    const withoutAud = await store.Get(false, 'platform', { authorizationServer: undefined });
    expect(withoutAud && withoutAud.map((p) => p.kid)).toEqual(['kid-1']);
    const withNull = await store.Get(false, 'platform', { authorizationServer: null });
    expect(withNull && withNull.map((p) => p.kid)).toEqual(['kid-1']);

    // ltijs' error path: Delete('publickey', { kid }) with kid undefined.
    await store.Replace(
      KEY,
      'publickey',
      { platformUrl: 'u1', clientId: 'c1' },
      { key: 'k', kid: 'k1' },
      {
        kid: 'k1',
        platformUrl: 'u1',
        clientId: 'c1',
      },
    );
    expect(await store.Delete('publickey', { kid: undefined })).toBe(true);
    expect(await count('lti_publickey')).toBe(1);
    expect(await store.Delete('platform', { kid: null })).toBe(true);
    expect(await count('lti_platform')).toBe(2);

    for (const call of [
      () => store.Get(false, 'platform', {}),
      () => store.Delete('platform', {}),
      () => store.Modify(false, 'platform', {}, { platformName: 'x' }),
      () => store.Replace(false, 'platform', {}, platformDoc(3)),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'EMPTY_QUERY' });
    }
    // Mongo operators are refused, not interpreted.
    await expect(store.Delete('platform', { kid: { $ne: null } })).rejects.toMatchObject({
      code: 'INVALID_QUERY',
    });
    await expect(store.Get(false, 'platform', { kid: ['kid-1'] })).rejects.toMatchObject({
      code: 'INVALID_QUERY',
    });
    await expect(store.Delete('platform', undefined as never)).rejects.toMatchObject({
      code: 'MISSING_PARAMS',
    });
    expect(await count('lti_platform')).toBe(2);
  });

  test('sealed collections keep index columns in clear and the item sealed; Get opens it', async () => {
    const { publicKey, privateKey } = pemPair();
    const index = { kid: 'k1', platformUrl: 'https://lms1.example', clientId: 'client-1' };
    const where = { platformUrl: 'https://lms1.example', clientId: 'client-1' };
    await store.Replace(KEY, 'publickey', where, { key: publicKey, kid: 'k1' }, index);
    await store.Replace(KEY, 'privatekey', where, { key: privateKey, kid: 'k1' }, index);

    const raw = await rows(sql`select * from lti_privatekey union all select * from lti_publickey`);
    expect(raw).toHaveLength(2);
    const text = JSON.stringify(raw);
    expect(text).not.toContain('BEGIN');
    expect(text).not.toContain(pemBody(privateKey));
    expect(text).not.toContain(pemBody(publicKey));
    expect(raw[0]).toMatchObject({ kid: 'k1', platform_url: 'https://lms1.example', client_id: 'client-1' });

    expect(await store.Get(KEY, 'privatekey', { kid: 'k1' })).toEqual([{ key: privateKey, kid: 'k1' }]);
    expect(await store.Get(KEY, 'publickey')).toEqual([{ key: publicKey, kid: 'k1' }]);
    // Without the key, only the clear lookup fields.
    expect(await store.Get(false, 'publickey', { kid: 'k1' })).toEqual([index]);
  });

  test('a secret is never stored in clear, and sealed rows cannot be swapped or forged', async () => {
    const { privateKey } = pemPair();
    const index = { kid: 'k1', platformUrl: 'u', clientId: 'c' };
    // Forgetting the key: `key` is not a column, so the call fails instead of dropping or leaking it.
    await expect(store.Insert(false, 'privatekey', { key: privateKey, kid: 'k1' })).rejects.toMatchObject({
      code: 'UNKNOWN_FIELD',
    });
    await expect(store.Insert(KEY, 'privatekey', { key: privateKey, kid: 'k1' })).rejects.toMatchObject({
      code: 'MISSING_PARAMS',
    });
    await expect(store.Insert(KEY, 'platform', platformDoc(1), { kid: 'kid-1' })).rejects.toMatchObject({
      code: 'NOT_SEALED_COLLECTION',
    });
    expect(await count('lti_privatekey')).toBe(0);

    // A private key copied into the public key table is refused, not served at /keys.
    await store.Insert(KEY, 'privatekey', { key: privateKey, kid: 'k1' }, index);
    await database.db.execute(sql`insert into lti_publickey (kid, platform_url, client_id, data)
      select kid, platform_url, client_id, data from lti_privatekey`);
    await expect(store.Get(KEY, 'publickey')).rejects.toMatchObject({ code: 'SEALED_ROW_MISMATCH' });

    // Tampered ciphertext, or one sealed under another master secret, does not open.
    const [row] = await rows(sql`select data from lti_privatekey`);
    const parts = String(row?.data).split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    await database.db.execute(sql`update lti_privatekey set data = ${parts.join('.')}`);
    await expect(store.Get(KEY, 'privatekey', { kid: 'k1' })).rejects.toThrow();
    const other = new LtiPgStore(database.db, createSealer(randomBytes(32), 'lti-store'), { logger });
    await store.Replace(
      KEY,
      'privatekey',
      { platformUrl: 'u', clientId: 'c' },
      { key: privateKey, kid: 'k1' },
      index,
    );
    await expect(other.Get(KEY, 'privatekey', { kid: 'k1' })).rejects.toThrow();
  });

  test('access tokens are sealed and come back with a numeric createdAt (epoch ms)', async () => {
    const token = {
      access_token: `at-${randomBytes(12).toString('hex')}`,
      token_type: 'bearer',
      expires_in: 3600,
    };
    const index = { platformUrl: 'https://lms1.example', clientId: 'client-1', scopes: 'a b' };
    await store.Replace(KEY, 'accesstoken', index, { token }, index);
    const [raw] = await rows(sql`select data, created_at from lti_accesstoken`);
    expect(JSON.stringify(raw)).not.toContain(token.access_token);
    const got = await store.Get(KEY, 'accesstoken', index);
    expect(got).toHaveLength(1);
    const [t] = got || [];
    expect(t?.token).toEqual(token);
    expect(typeof t?.createdAt).toBe('number');
    expect(t?.createdAt).toBe(new Date(String(raw?.created_at)).getTime());
  });

  test('Replace is one upsert on the unique key: whole row replaced, createdAt reset', async () => {
    const q = { platformUrl: 'https://lms1.example', clientId: 'client-1' };
    await store.Replace(false, 'platform', q, platformDoc(1, { authorizationServer: 'https://aud.example' }));
    await age('lti_platform', 5000);
    const [before] = await rows(sql`select created_at from lti_platform`);
    await store.Replace(false, 'platform', q, platformDoc(1, { platformName: 'Renamed' }));
    const [after] = await rows(sql`select created_at from lti_platform`);
    expect(await count('lti_platform')).toBe(1);
    expect(new Date(String(after?.created_at)).getTime()).toBeGreaterThan(
      new Date(String(before?.created_at)).getTime() + 4000_000,
    );
    // Replace, not merge: the old authorizationServer is gone.
    expect(await store.Get(false, 'platform', q)).toEqual([platformDoc(1, { platformName: 'Renamed' })]);

    // Another query shape still replaces the matching row (delete + insert in one transaction).
    await store.Replace(false, 'platform', { kid: 'kid-1' }, platformDoc(9, { kid: 'kid-1' }));
    expect(await store.Get(false, 'platform')).toEqual([platformDoc(9, { kid: 'kid-1' })]);
  });

  test('concurrent Replace calls on the same key leave exactly one row', async () => {
    const q = { iss: 'https://lms1.example', clientId: 'client-1', deploymentId: 'd1', user: 'u1' };
    const names = Array.from({ length: 16 }, (_, i) => `User ${i}`);
    await Promise.all(
      names.map((name) =>
        store.Replace(false, 'idtoken', q, { ...q, platformId: 'kid-1', userInfo: { name } }),
      ),
    );
    expect(await count('lti_idtoken')).toBe(1);
    const [row] = (await store.Get(false, 'idtoken', q)) || [];
    expect(names).toContain((row?.userInfo as { name?: string } | undefined)?.name);

    // A NULL in the key is still one key value (NULLS NOT DISTINCT), so upserts do not pile up.
    const nullKey = { ...q, deploymentId: undefined };
    await Promise.all(
      names.map(() => store.Replace(false, 'idtoken', nullKey, { ...nullKey, platformId: 'k' })),
    );
    expect(await count('lti_idtoken')).toBe(2);
  });

  test('Modify sets only the given fields and skips undefined ones', async () => {
    await store.Insert(false, 'platform', platformDoc(1, { authorizationServer: 'https://aud.example' }));
    await store.Modify(
      false,
      'platform',
      { kid: 'kid-1' },
      { platformName: 'New', authorizationServer: undefined },
    );
    expect(await store.Get(false, 'platform', { kid: 'kid-1' })).toEqual([
      platformDoc(1, { platformName: 'New', authorizationServer: 'https://aud.example' }),
    ]);
    await store.Modify(false, 'platform', { kid: 'other' }, { platformName: 'Ghost' });
    expect(await count('lti_platform')).toBe(1);
    await expect(store.Modify(false, 'platform', { kid: 'kid-1' }, {})).rejects.toMatchObject({
      code: 'MISSING_PARAMS',
    });

    // With a key on a sealed collection, the sealed item is updated.
    const index = { kid: 'k1', platformUrl: 'u', clientId: 'c' };
    await store.Insert(KEY, 'publickey', { key: 'old', kid: 'k1' }, index);
    await store.Modify(KEY, 'publickey', { kid: 'k1' }, { key: 'new' });
    expect(await store.Get(KEY, 'publickey', { kid: 'k1' })).toEqual([{ key: 'new', kid: 'k1' }]);
    // ltijs' updatePlatformById moves a key pair to a new URL with a clear Modify.
    await store.Modify(false, 'publickey', { kid: 'k1' }, { platformUrl: 'u2' });
    expect(await store.Get(false, 'publickey', { kid: 'k1' })).toEqual([{ ...index, platformUrl: 'u2' }]);
    expect(await store.Get(KEY, 'publickey', { kid: 'k1' })).toEqual([{ key: 'new', kid: 'k1' }]);
  });

  test('platformStatus: Insert with active undefined stores false; active must be a boolean', async () => {
    await store.Insert(false, 'platformStatus', { id: 'kid-1', active: undefined });
    expect(await store.Get(false, 'platformStatus', { id: 'kid-1' })).toEqual([
      { id: 'kid-1', active: false },
    ]);
    await store.Replace(false, 'platformStatus', { id: 'kid-1' }, { id: 'kid-1', active: true });
    expect(await store.Get(false, 'platformStatus', { id: 'kid-1' })).toEqual([
      { id: 'kid-1', active: true },
    ]);
    await expect(store.Insert(false, 'platformStatus', { id: 'kid-2', active: 'yes' })).rejects.toMatchObject(
      {
        code: 'INVALID_VALUE',
      },
    );
    await expect(store.Insert(false, 'platformStatus', { id: 'kid-1', active: true })).rejects.toMatchObject({
      code: 'DUPLICATE_KEY',
    });
    await expect(
      store.Insert(false, 'platform', platformDoc(1, { platformName: { x: 1 } })),
    ).rejects.toMatchObject({
      code: 'INVALID_VALUE',
    });
  });

  test('a replayed nonce is refused while live; an expired one is hidden and can be reused', async () => {
    await store.Insert(false, 'nonce', { nonce: 'n-1' });
    expect(await store.Get(false, 'nonce', { nonce: 'n-1' })).toHaveLength(1);
    await expect(store.Insert(false, 'nonce', { nonce: 'n-1' })).rejects.toMatchObject({
      code: 'DUPLICATE_KEY',
    });
    await age('lti_nonce', 3600 + 60);
    expect(await store.Get(false, 'nonce', { nonce: 'n-1' })).toBe(false);
    expect(await count('lti_nonce')).toBe(1); // hidden, not yet swept
    await store.Insert(false, 'nonce', { nonce: 'n-1' });
    expect(await store.Get(false, 'nonce', { nonce: 'n-1' })).toHaveLength(1);
  });

  test.each(Object.entries(LTI_TTL_SECONDS) as Array<[LtiCollection, number]>)(
    '%s rows live %i s: visible just before, hidden just after',
    async (collection, ttl) => {
      const table = TABLE_OF[collection];
      const docs: Record<string, [Record<string, unknown>, Record<string, unknown> | undefined]> = {
        nonce: [{ nonce: 'n' }, undefined],
        state: [{ state: 's', query: { a: '1' } }, undefined],
        idtoken: [{ iss: 'i', clientId: 'c', deploymentId: 'd', user: 'u' }, undefined],
        contexttoken: [{ contextId: 'x', user: 'u' }, undefined],
        accesstoken: [{ token: { access_token: 't' } }, { platformUrl: 'u', clientId: 'c', scopes: 's' }],
      };
      const [item, index] = docs[collection] ?? [{}, undefined];
      await store.Insert(index ? KEY : false, collection, item, index);
      await age(table, ttl - 60);
      expect(await store.Get(index ? KEY : false, collection)).toHaveLength(1);
      await age(table, ttl + 60);
      expect(await store.Get(index ? KEY : false, collection)).toBe(false);
    },
  );

  test('setup() sweeps expired rows only, then runs an unref()d sweeper at the configured interval', async () => {
    await store.Insert(false, 'state', { state: 'old', query: {} });
    await store.Insert(false, 'state', { state: 'new', query: {} });
    await store.Insert(false, 'idtoken', { iss: 'i', clientId: 'c', deploymentId: 'd', user: 'u' });
    await store.Insert(false, 'platform', platformDoc(1));
    await database.db.execute(
      sql`update lti_state set created_at = now() - interval '601 seconds' where state = 'old'`,
    );
    await age('lti_idtoken', 86_400 - 60);
    await age('lti_platform', 10 * 365 * 86_400); // platforms never expire

    const setIntervalSpy = jest.spyOn(globalThis, 'setInterval');
    const clearIntervalSpy = jest.spyOn(globalThis, 'clearInterval');
    const sweeping = new LtiPgStore(database.db, sealer, { logger, sweepIntervalMs: 4321 });
    try {
      expect(await sweeping.setup()).toBe(true);
      expect(await rows(sql`select state from lti_state`)).toEqual([{ state: 'new' }]);
      expect(await count('lti_idtoken')).toBe(1);
      expect(await count('lti_platform')).toBe(1);

      const started = setIntervalSpy.mock.calls.filter(([, ms]) => ms === 4321);
      expect(started).toHaveLength(1);
      const timer = setIntervalSpy.mock.results[setIntervalSpy.mock.calls.findIndex(([, ms]) => ms === 4321)]
        ?.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      await sweeping.setup(); // idempotent: no second timer
      expect(setIntervalSpy.mock.calls.filter(([, ms]) => ms === 4321)).toHaveLength(1);

      // The periodic tick sweeps too.
      await store.Insert(false, 'state', { state: 'later', query: {} });
      await age('lti_state', 700);
      await sweeping.sweep();
      expect(await count('lti_state')).toBe(0);

      expect(await sweeping.Close()).toBe(true);
      expect(clearIntervalSpy).toHaveBeenCalledWith(timer);
      // Close() leaves the database open for the application.
      expect(await count('lti_platform')).toBe(1);
    } finally {
      setIntervalSpy.mockRestore();
      clearIntervalSpy.mockRestore();
      await sweeping.Close();
    }
  });

  test('fire-and-forget state deletes never reject; they are logged', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const closed = await openDatabase({ memory: true });
    await closed.close();
    const broken = new LtiPgStore(closed.db, sealer, { logger });
    try {
      // As ltijs does it: not awaited.
      void broken.Delete('state', { state: 's' });
      void store.Delete('state', {});
      expect(await broken.Delete('state', { state: 's' })).toBe(false);
      expect(await store.Delete('state', { nope: 1 })).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(logLines.filter((l) => l.includes('state delete failed')).length).toBeGreaterThanOrEqual(4);
      // Other collections still fail loud (their deletes are awaited by ltijs).
      await expect(broken.Delete('nonce', { nonce: 'n' })).rejects.toThrow();
      await expect(store.Delete('publickey', {})).rejects.toBeInstanceOf(LtiStoreError);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('rejects a non-positive sweep interval', () => {
    for (const sweepIntervalMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new LtiPgStore(database.db, sealer, { sweepIntervalMs })).toThrow(RangeError);
    }
  });
});

describe('the real ltijs Provider on the plugin', () => {
  // Imported here so the socket spy above is already in place.
  let lti: typeof import('ltijs').Provider;
  let mongoose: typeof import('mongoose').default;
  let tokenServer: http.Server;
  let tokenRequests = 0;
  let tokenUrl = '';
  const issuer = 'http://127.0.0.1:1/fake-lms';

  beforeAll(async () => {
    for (const t of LTI_TABLES) await database.db.execute(sql`delete from ${sql.identifier(t)}`);
    mongoose = (await import('mongoose')).default;
    lti = (await import('ltijs')).Provider;
    tokenServer = http.createServer((req, res) => {
      tokenRequests += 1;
      req.resume();
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          access_token: `tok-${tokenRequests}-${'s3cr3t'}`,
          token_type: 'bearer',
          expires_in: 60,
        }),
      );
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;

    lti.setup(
      KEY,
      { plugin: store },
      { cookies: { secure: false, sameSite: 'Lax' }, devMode: false, cors: false },
    );
    await store.setup(); // instead of lti.deploy() (reference/ltijs.md §9)
  });
  afterAll(async () => {
    await lti?.close({ silent: true });
    await new Promise((resolve) => tokenServer?.close(resolve));
  });

  test('registerPlatform lands in PostgreSQL, sealed, and the Provider reads it back', async () => {
    const registered = await lti.registerPlatform({
      url: issuer,
      name: 'Fake LMS',
      clientId: 'jalon-client',
      authenticationEndpoint: `${issuer}/auth`,
      accesstokenEndpoint: tokenUrl,
      authConfig: { method: 'JWK_SET', key: `${issuer}/jwks` },
    });
    const kid = await registered.platformId();

    const [platformRow] = await rows(sql`select * from lti_platform`);
    expect(platformRow).toMatchObject({
      platform_url: issuer,
      client_id: 'jalon-client',
      platform_name: 'Fake LMS',
      kid,
      auth_config: { method: 'JWK_SET', key: `${issuer}/jwks` },
      authorization_server: null,
    });
    const keyRows = await rows(sql`select kid, platform_url, client_id, data from lti_publickey
      union all select kid, platform_url, client_id, data from lti_privatekey`);
    expect(keyRows).toHaveLength(2);
    for (const r of keyRows)
      expect(r).toMatchObject({ kid, platform_url: issuer, client_id: 'jalon-client' });
    expect(JSON.stringify(keyRows)).not.toContain('BEGIN');

    const all = await lti.getAllPlatforms();
    expect(all).toHaveLength(1);
    const platform = await lti.getPlatform(issuer, 'jalon-client');
    expect(platform).not.toBe(false);
    if (!platform) return;
    expect(await platform.platformId()).toBe(kid);
    expect(await platform.platformAuthConfig()).toEqual({ method: 'JWK_SET', key: `${issuer}/jwks` });
    const privatePem = await platform.platformPrivateKey();
    expect(privatePem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(JSON.stringify(keyRows)).not.toContain(pemBody(privatePem));
    expect(await platform.platformPublicKey()).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(await lti.getPlatform(issuer)).toHaveLength(1);
    expect(await lti.getPlatformById(kid)).not.toBe(false);

    // Status: no row means active; setting it writes lti_platform_status.
    expect(await platform.platformActive()).toBe(true);
    await platform.platformActive(false);
    expect(await rows(sql`select id, active from lti_platform_status`)).toEqual([{ id: kid, active: false }]);
    expect(await platform.platformActive()).toBe(false);
    await platform.platformActive(true);

    // updatePlatformById passes authorizationServer undefined: it must not be wiped or set.
    await lti.updatePlatformById(kid, { name: 'Renamed LMS' });
    expect(await rows(sql`select platform_name, authorization_server from lti_platform`)).toEqual([
      { platform_name: 'Renamed LMS', authorization_server: null },
    ]);
  });

  test('the keyset route serves the public key from the plugin over real HTTP', async () => {
    const server = http.createServer(lti.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { keys: Array<{ kid: string; kty: string; d?: string }> };
      const platform = await lti.getPlatform(issuer, 'jalon-client');
      expect(body.keys).toHaveLength(1);
      expect(body.keys[0]).toMatchObject({
        kty: 'RSA',
        kid: platform ? await platform.platformId() : 'missing',
      });
      expect(body.keys[0]?.d).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('access tokens are cached sealed and refreshed once older than expires_in', async () => {
    const platform = await lti.getPlatform(issuer, 'jalon-client');
    if (!platform) throw new Error('platform missing');
    const first = await platform.platformAccessToken('scope-a');
    expect(first).toMatchObject({ access_token: 'tok-1-s3cr3t', token_type: 'Bearer' });
    expect(tokenRequests).toBe(1);
    expect((await platform.platformAccessToken('scope-a')).access_token).toBe('tok-1-s3cr3t');
    expect(tokenRequests).toBe(1); // served from lti_accesstoken
    expect(JSON.stringify(await rows(sql`select * from lti_accesstoken`))).not.toContain('s3cr3t');

    // 120 s old is within the row TTL but past expires_in (60): ltijs needs the numeric createdAt.
    await age('lti_accesstoken', 120);
    expect((await platform.platformAccessToken('scope-a')).access_token).toBe('tok-2-s3cr3t');
    expect(tokenRequests).toBe(2);
    expect(await count('lti_accesstoken')).toBe(1);
  });

  test('deletePlatform removes every row of the platform through the plugin', async () => {
    expect(await lti.deletePlatform(issuer, 'jalon-client')).toBe(true);
    for (const t of ['lti_platform', 'lti_platform_status', 'lti_publickey', 'lti_privatekey']) {
      expect(await count(t)).toBe(0);
    }
    expect(await lti.getAllPlatforms()).toEqual([]);
    expect(await lti.getPlatform(issuer, 'jalon-client')).toBe(false);
  });

  test('MongoDB is never contacted', async () => {
    // The spy works: it sees a connection we make ourselves.
    const probe = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const probePort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve, reject) => {
      const s = net.connect(probePort, '127.0.0.1', () => {
        s.end();
        resolve();
      });
      s.on('error', reject);
    });
    await new Promise((resolve) => probe.close(resolve));

    const ports = connectSpy.mock.calls.map((args) => portOf(args));
    expect(ports).toContain(probePort);
    expect(ports).not.toContain(27017);
    expect(mongoose.connection.readyState).toBe(0);
    expect(mongoose.modelNames()).toEqual([]);
  });
});

/** The port a `Socket.connect` call aims at, whatever form its arguments take. */
function portOf(args: unknown[]): number | undefined {
  let first: unknown = args[0];
  if (Array.isArray(first)) first = first[0];
  if (typeof first === 'number') return first;
  if (typeof first === 'string' && /^\d+$/.test(first)) return Number(first);
  if (typeof first === 'object' && first !== null && 'port' in first) return Number(first.port);
  return undefined;
}
