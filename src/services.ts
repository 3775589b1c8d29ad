/**
 * Builds everything the service needs from the configuration, in one place, for the
 * server, the CLI and the tests: database (migrated), instance secrets, platform
 * registry, LTI engine on our storage plugin.
 */
import { hkdfSync } from 'node:crypto';
import type { Config } from './config/index.js';
import { createSealer } from './crypto/seal.js';
import { loadInstanceSecrets, type InstanceSecrets } from './crypto/secrets.js';
import { openDatabase, type Database } from './db/client.js';
import type { Logger } from './log.js';
import { createLtiEngine, type ErrorRenderer, type LtiEngine } from './lti/engine.js';
import { LtiPgStore } from './lti/store.js';
import { PlatformRegistry } from './platforms/registry.js';
import { FrameOrigins } from './web/frame-origins.js';
import { toolUrls, type ToolUrls } from './web/tool-urls.js';

/** The running service's parts. */
export interface Services {
  config: Config;
  log: Logger;
  database: Database;
  secrets: InstanceSecrets;
  registry: PlatformRegistry;
  engine: LtiEngine;
  frameOrigins: FrameOrigins;
  urls: ToolUrls;
  close(): Promise<void>;
}

/** Options mainly for tests: an already-open database, a renderer for refusals. */
export interface ServiceOptions {
  log: Logger;
  database?: Database;
  renderError: ErrorRenderer;
}

/** Opens the database, loads secrets and sets up the LTI engine. */
export async function createServices(config: Config, opts: ServiceOptions): Promise<Services> {
  const secrets = loadInstanceSecrets(config.dataDir);
  const database =
    opts.database ??
    (await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir }));
  const registry = new PlatformRegistry(database.db);
  const frameOrigins = new FrameOrigins(registry);
  const store = new LtiPgStore(database.db, createSealer(secrets.master, 'lti-store'), { logger: opts.log });
  const encryptionKey = Buffer.from(
    hkdfSync('sha256', secrets.master, Buffer.alloc(0), 'jalon:ltijs-cookies-ltik', 32),
  ).toString('hex');
  const engine = await createLtiEngine({
    config,
    log: opts.log,
    registry,
    store,
    encryptionKey,
    renderError: opts.renderError,
    onAccepted: async (ctx) => {
      if (ctx.returnUrl) await registry.addOrigin(ctx.platformId, ctx.returnUrl);
      await frameOrigins.refresh();
    },
  });
  registry.setEngineHooks({ activate: (p) => engine.activate(p), deactivate: (p) => engine.deactivate(p) });
  await frameOrigins.refresh();
  return {
    config,
    log: opts.log,
    database,
    secrets,
    registry,
    engine,
    frameOrigins,
    urls: toolUrls(config, secrets.registrationInvite),
    async close() {
      frameOrigins.stop();
      await engine.close();
      if (!opts.database) await database.close();
    },
  };
}
