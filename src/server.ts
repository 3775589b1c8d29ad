/**
 * Starts Jalon: services, HTTP listener on the configured host, the admin socket for the
 * CLI, and an orderly shutdown. Used by `src/main.ts`, the demo and the tests.
 */
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import type { Config } from './config/index.js';
import type { Database } from './db/client.js';
import type { Logger } from './log.js';
import { startAdminSocket } from './cli/admin-socket.js';
import { acquireDataDirLock } from './cli/data-dir-lock.js';
import { createServices, type Services } from './services.js';
import { createApp, renderError } from './web/app.js';

/** A running Jalon. */
export interface RunningServer {
  services: Services;
  server: http.Server;
  port: number;
  stop(): Promise<void>;
}

/** Starts the service; `database` lets tests pass their own. */
export async function startServer(
  config: Config,
  log: Logger,
  opts: { database?: Database; adminSocket?: boolean } = {},
): Promise<RunningServer> {
  const embedded = !config.databaseUrl && !opts.database;
  const release = embedded ? acquireDataDirLock(config.dataDir, 'server') : () => undefined;
  if (!release) {
    throw new Error(`Another Jalon process is using ${config.dataDir} (embedded database). Stop it first.`);
  }
  let services: Services;
  try {
    services = await createServices(config, { log, database: opts.database, renderError });
  } catch (err) {
    release();
    throw err;
  }
  services.frameOrigins.start();
  const app = createApp(services);
  const server = http.createServer(app);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const closeSocket =
    opts.adminSocket === false ? async () => undefined : await startAdminSocket(config.dataDir, services);
  const port = (server.address() as AddressInfo).port;
  return {
    services,
    server,
    port,
    async stop() {
      await closeSocket();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await services.close();
      release();
    },
  };
}
