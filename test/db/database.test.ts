import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { platforms } from '../../src/db/schema/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('database', () => {
  test('runs on the engine the environment selects, with migrations applied', async () => {
    expect(database.kind).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
    const rows = await database.db.execute(sql`select version() as v`);
    expect(JSON.stringify(rows)).toContain('PostgreSQL');
    expect(await database.db.select().from(platforms)).toEqual([]);
  });

  test('enforces one platform per (issuer, client id)', async () => {
    const row = {
      id: 'p1',
      issuer: 'https://lms.example',
      clientId: 'c1',
      name: 'LMS',
      authEndpoint: 'https://lms.example/auth',
      tokenEndpoint: 'https://lms.example/token',
      jwksUri: 'https://lms.example/jwks',
      source: 'manual',
    };
    await database.db.insert(platforms).values(row);
    await expect(database.db.insert(platforms).values({ ...row, id: 'p2' })).rejects.toThrow();
    expect(await database.db.select().from(platforms)).toHaveLength(1);
  });
});
