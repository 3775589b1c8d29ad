/**
 * Builds everything the service needs from the configuration, in one place, for the
 * server, the CLI and the tests: database (migrated), instance secrets, platform
 * registry, LTI engine on our storage plugin.
 */
import { hkdfSync } from 'node:crypto';
import type { Config } from './config/index.js';
import { ConnectorFactory } from './connectors/factory.js';
import { ConnectorSettingsStore } from './connectors/settings.js';
import { createSealer } from './crypto/seal.js';
import { loadInstanceSecrets, type InstanceSecrets } from './crypto/secrets.js';
import { openDatabase, type Database } from './db/client.js';
import { DefinitionRepository } from './definitions/repository.js';
import { recordLaunchedLearner } from './intake/launch-roster.js';
import { JobRuntime } from './jobs/runtime.js';
import type { Logger } from './log.js';
import { createLtiEngine, type ErrorRenderer, type LtiEngine } from './lti/engine.js';
import { LtiPgStore } from './lti/store.js';
import { PlatformRegistry } from './platforms/registry.js';
import type { ActivitySource, GradebookColumn } from './web/definition-pages.js';
import { FrameOrigins } from './web/frame-origins.js';
import { toolUrls, type ToolUrls } from './web/tool-urls.js';

function safeOrigin(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

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
  definitions: DefinitionRepository;
  /** Connector settings and Canvas users' tokens, sealed at rest. */
  connectorSettings: ConnectorSettingsStore;
  /** Builds the connector of a launch (or says why there is none). */
  connectors: ConnectorFactory;
  /** Lists a course's activities through its platform's connector; unset: no connector. */
  activities?: ActivitySource;
  /** Creates Jalon's own gradebook column (AGS line item); unset: not wired yet. */
  gradebookColumn?: GradebookColumn;
  /**
   * The durable queue: enqueue work anywhere; the server loads every module's handlers
   * (`src/job-catalog.ts`) and starts its workers, tests `drain()` it. The CLI only enqueues,
   * so it never loads the handlers' modules (the signing stack, the registrar…).
   */
  jobs: JobRuntime;
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
    (await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: config.dataDir }, {
      onIdleError: (err) => opts.log.warn({ err }, 'an idle database connection was closed by the server'),
    }));
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
      await recordLaunchedLearner(
        { db: database.db, definitions: new DefinitionRepository(database.db), log: opts.log },
        ctx,
      );
      // Learn the origin the LMS frames Jalon from (Canvas serves pages from the
      // institution's domain, not from its issuer); only a new origin costs a write.
      if (!ctx.returnUrl) return;
      const origin = safeOrigin(ctx.returnUrl);
      if (!origin) return;
      const platform = await registry.find(ctx.issuer, ctx.clientId);
      if (platform && !platform.origins.includes(origin)) {
        await registry.addOrigin(ctx.platformId, origin);
        await frameOrigins.refresh(); // before the first page is served with the CSP
      }
    },
  });
  registry.setEngineHooks({ activate: (p) => engine.activate(p), deactivate: (p) => engine.deactivate(p) });
  await frameOrigins.refresh();
  const connectorSettings = new ConnectorSettingsStore(
    database.db,
    createSealer(secrets.master, 'connectors'),
  );
  const jobs = new JobRuntime(database.db, { ...config.jobs, log: opts.log });
  const services: Services = {
    config,
    log: opts.log,
    database,
    secrets,
    registry,
    engine,
    frameOrigins,
    urls: toolUrls(config, secrets.registrationInvite),
    definitions: new DefinitionRepository(database.db),
    connectorSettings,
    connectors: new ConnectorFactory({
      settings: connectorSettings,
      publicUrl: config.publicUrl,
      log: opts.log,
    }),
    jobs,
    async close() {
      await jobs.stop();
      frameOrigins.stop();
      await engine.close();
      if (!opts.database) await database.close();
    },
  };
  return services;
}
