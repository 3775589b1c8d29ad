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

/** Options of {@link startServer}. */
export interface StartOptions {
  /** A database opened by the caller (tests); otherwise the configured one. */
  database?: Database;
  adminSocket?: boolean;
  /**
   * Derives PUBLIC_URL from the port actually bound (port 0 = any free port), so that a
   * test or demo never races another process for a port it picked in advance.
   */
  publicUrlFromPort?: (port: number) => string;
}

/** Starts the service. */
export async function startServer(
  config: Config,
  log: Logger,
  opts: StartOptions = {},
): Promise<RunningServer> {
  const embedded = !config.databaseUrl && !opts.database;
  const release = embedded ? acquireDataDirLock(config.dataDir, 'server') : () => undefined;
  if (!release) {
    throw new Error(`Another Jalon process is using ${config.dataDir} (embedded database). Stop it first.`);
  }
  // Listen first (answering 503 until ready): the engine needs the final public URL.
  let handler: http.RequestListener = (_req, res) => {
    res.writeHead(503, { 'Retry-After': '1' }).end();
  };
  const server = http.createServer((req, res) => handler(req, res));
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    release();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const finalConfig: Config = opts.publicUrlFromPort
    ? Object.freeze({ ...config, port, publicUrl: opts.publicUrlFromPort(port).replace(/\/+$/, '') })
    : config;
  let services: Services;
  try {
    services = await createServices(finalConfig, { log, database: opts.database, renderError });
  } catch (err) {
    server.close();
    release();
    throw err;
  }
  services.frameOrigins.start();
  const { jobCatalog } = await import('./job-catalog.js');
  services.jobs.setCatalog(jobCatalog(services));
  services.jobs.start();
  handler = createApp(services);
  const closeSocket =
    opts.adminSocket === false ? async () => undefined : await startAdminSocket(config.dataDir, services);
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
