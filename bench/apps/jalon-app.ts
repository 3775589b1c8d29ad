/**
 * Jalon under test for `npm run bench`: the real server (`startServer`) on an in-memory
 * PGlite (or a throw-away database on BENCH_DATABASE_URL), plain-HTTP cookies, a throw-away DATA_DIR, silent log, on 127.0.0.1. Runs in its
 * own process (ltijs's Provider is a singleton, and its CPU can then be measured). SQL
 * statements and storage-plugin calls are counted for the report. Started by
 * bench/launch.ts, not by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { LtiPgStore } from '../../src/lti/store.js';
import { createLogger } from '../../src/log.js';
import { startServer } from '../../src/server.js';
import { createTestDatabase } from '../../test/helpers/db.js';
import { countCalls, counters, serveDriver } from '../lib/child-runtime.js';

/** A free port on loopback: PUBLIC_URL must be known before the engine starts. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

await serveDriver(async () => {
  // Transactions run their statements through another object; the launch path uses none.
  countCalls(PGlite.prototype, ['query', 'exec'], (ms) => {
    counters.dbQueries++;
    counters.dbMs += ms;
  });
  // node-postgres (`--postgres`): counted, not timed (the pool also takes callbacks).
  const poolQuery = pg.Pool.prototype.query as (...args: unknown[]) => unknown;
  (pg.Pool.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
    this: pg.Pool,
    ...args: unknown[]
  ) {
    counters.dbQueries++;
    return poolQuery.apply(this, args);
  };
  countCalls(LtiPgStore.prototype, ['Get', 'Insert', 'Replace', 'Modify', 'Delete'], () => {
    counters.storeCalls++;
  });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jalon-bench-'));
  const port = await freePort();
  const config = loadConfig(
    {},
    {
      port,
      host: '127.0.0.1',
      publicUrl: `http://127.0.0.1:${port}`,
      dataDir: path.join(tmp, 'data'),
      cookieSecure: false,
      logLevel: 'silent',
    },
  );
  // BENCH_DATABASE_URL (`--postgres <url>`): a throw-away database on that server instead.
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (serverUrl) process.env.DATABASE_URL = serverUrl;
  const database: Database = serverUrl ? await createTestDatabase() : await openDatabase({ memory: true });
  const running = await startServer(config, createLogger('silent'), { database, adminSocket: false });
  const url = config.publicUrl;
  return {
    endpoints: { url, loginUrl: `${url}/lti/login`, launchUrl: `${url}/lti`, jwksUrl: `${url}/lti/keys` },
    async trust(p) {
      const { registry } = running.services;
      const { platform } = await registry.add(
        {
          issuer: p.issuer,
          clientId: p.clientId,
          authEndpoint: p.authEndpoint,
          tokenEndpoint: p.tokenEndpoint,
          jwksUri: p.jwksUri,
          deploymentIds: [p.deploymentId],
          productFamily: p.productFamily,
        },
        'bench',
        'manual',
      );
      await registry.activate(platform.id, 'bench');
    },
    async stop() {
      await running.stop();
      await database.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
});
