/**
 * The one typed query layer: drizzle over PGlite (embedded default, files under DATA_DIR)
 * or node-postgres (`DATABASE_URL`). Both get the same schema and the same versioned
 * migrations (`drizzle/`), applied at open under an advisory lock so that two instances
 * starting together do not race.
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { ROOT_DIR } from '../config/index.js';
import * as schema from './schema/index.js';

export { schema };

/** A drizzle database over either driver. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database and how to close it. */
export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

const MIGRATIONS = path.join(ROOT_DIR, 'drizzle');
const MIGRATION_LOCK = 7_311_204; // arbitrary, fixed advisory-lock key for migrations

/** What to open: a PostgreSQL URL, a PGlite directory, or an in-memory PGlite (tests). */
export type DatabaseTarget = { url: string } | { dataDir: string } | { memory: true };

/** Opens the database and applies pending migrations. */
export async function openDatabase(
  target: DatabaseTarget,
  options: { onIdleError?: (err: Error) => void } = {},
): Promise<Database> {
  if ('url' in target) {
    const pool = new pg.Pool({ connectionString: target.url, max: 10 });
    // A connection the server ends while it sits idle in the pool (a restart, a failover,
    // an administrator's pg_terminate_backend) is an 'error' event on the pool: unhandled,
    // it would crash the process. The pool drops that client and opens a new one on the
    // next query, so it is only worth a log line.
    pool.on('error', (err) => options.onIdleError?.(err));
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return { db, kind: 'postgres', close: () => pool.end() };
  }
  let client: PGlite;
  if ('dataDir' in target) {
    const dir = path.join(target.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    client = new PGlite(dir);
  } else {
    client = new PGlite();
  }
  await client.waitReady;
  const pdb = drizzlePglite(client, { schema });
  await migratePglite(pdb, { migrationsFolder: MIGRATIONS });
  return { db: pdb as unknown as Db, kind: 'pglite', close: () => client.close() };
}
