/**
 * A PostgreSQL server that ends Jalon's idle connections (a restart, a failover, an
 * administrator) costs a log line, not the process: the pool's 'error' event is handled
 * and the next query opens a fresh connection. Server only: PGlite has no connections.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const onServer = Boolean(process.env.DATABASE_URL);
let database: TestDatabase;
let subject: Database | undefined;
const lost: Error[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  if (database.url) subject = await openDatabase({ url: database.url }, { onIdleError: (e) => lost.push(e) });
});
afterAll(async () => {
  await subject?.close();
  await database?.close();
});

(onServer ? describe : describe.skip)('idle connections ended by the server (PostgreSQL only)', () => {
  test('are reported to the callback, and the next query works', async () => {
    await subject!.db.execute(sql`select 1`); // one idle client in the pool now
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const name = new URL(database.url!).pathname.slice(1);
    const killed = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [name],
    );
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);
    for (let i = 0; i < 100 && lost.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(lost[0]?.message).toMatch(/terminating connection/);
    const again = (await subject!.db.execute(sql`select 2 as n`)) as unknown as { rows: unknown[] };
    expect(again.rows).toHaveLength(1);
  });
});
