/**
 * Starts a real Jalon server for a test file (one per file: ltijs's Provider is a
 * process-wide singleton) on a throw-away database, with its log captured so tests can
 * check that every refusal says why.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { Platform } from '../platform/index.js';
import { createTestDatabase, type TestDatabase } from './db.js';

/** A running Jalon for tests. */
export interface TestJalon {
  url: string;
  config: Config;
  running: RunningServer;
  database: TestDatabase;
  /** Every JSON log line written so far. */
  logs: Array<Record<string, unknown>>;
  /** The dynamic registration URL (with its invite). */
  registrationUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts Jalon on 127.0.0.1 with plain-HTTP cookies (the test platform is same-site), on
 * a port the server binds itself (no race with parallel test files). `publicHost` names
 * the host in PUBLIC_URL (e.g. `localhost`, a different site from the platform's
 * `127.0.0.1`, for the third-party-cookie tests).
 */
export async function startJalon(
  overrides: Partial<Config> = {},
  options: { publicHost?: string } = {},
): Promise<TestJalon> {
  const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'jalon-test-')), 'data');
  const publicHost = options.publicHost ?? '127.0.0.1';
  const config = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      cookieSecure: false,
      logLevel: 'debug',
      // No background workers: a test runs queued work with `services.jobs.drain()`.
      jobs: { workers: 0, pollMs: 50, timezone: 'America/Toronto' },
      ...overrides,
    },
  );
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const database = await createTestDatabase();
  const running = await startServer(config, createLogger('debug', sink), {
    database,
    adminSocket: false,
    publicUrlFromPort: overrides.publicUrl ? undefined : (port) => `http://${publicHost}:${port}`,
  });
  const finalConfig = running.services.config;
  return {
    url: finalConfig.publicUrl,
    config: finalConfig,
    running,
    database,
    logs,
    registrationUrl: running.services.urls.registration,
    async stop() {
      await running.stop();
      await database.close();
    },
  };
}

/** What registering Jalon on a test platform gave. */
export interface ManualRegistration {
  platformId: string;
  clientId: string;
  deploymentId: string;
}

/**
 * Registers Jalon by hand on both sides, as an administrator would: the tool on the LMS,
 * then the LMS in Jalon (activated unless `activate: false`).
 */
export async function registerManually(
  jalon: TestJalon,
  platform: Platform,
  options: { deepLinking?: boolean; activate?: boolean } = {},
): Promise<ManualRegistration> {
  const { clientId, deploymentId } = platform.addTool({
    loginUrl: `${jalon.url}/lti/login`,
    redirectUris: [`${jalon.url}/lti`],
    jwksUrl: `${jalon.url}/lti/keys`,
    ...(options.deepLinking ? { deepLinkUrl: `${jalon.url}/lti` } : {}),
  });
  const { registry } = jalon.running.services;
  const { platform: p } = await registry.add(
    {
      issuer: platform.issuer,
      clientId,
      authEndpoint: platform.endpoints.auth,
      tokenEndpoint: platform.endpoints.token,
      jwksUri: platform.endpoints.jwks,
      deploymentIds: [deploymentId],
      productFamily: platform.family,
    },
    'test',
    'manual',
  );
  if (options.activate !== false) await registry.activate(p.id, 'test');
  return { platformId: p.id, clientId, deploymentId };
}
