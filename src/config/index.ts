/**
 * Configuration: `config/default.json`, then an optional `config/local.json`, then the
 * environment (PORT, HOST, PUBLIC_URL, DATA_DIR, DATABASE_URL, COOKIE_SECURE, LOG_LEVEL,
 * ALLOW_INSECURE_PLATFORMS, REGISTRATION_REQUIRE_INVITE). Validated once; the rest of the
 * code receives a typed, frozen object and never reads `process.env` itself. One exception:
 * the administrator's language (`JALON_LANG` and the locale variables, `i18n/langFromEnv`),
 * which belongs to whoever runs the command, not to the server's configuration.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root (where `config/`, `views/` and `drizzle/` live). */
export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const boolFromEnv = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  publicUrl: z.string(),
  dataDir: z.string().min(1),
  databaseUrl: z.string().optional(),
  cookieSecure: boolFromEnv,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  ltiTokenMaxAgeSeconds: z.coerce.number().int().min(5).max(3600),
  clockSkewSeconds: z.coerce.number().int().min(0).max(600),
  allowInsecurePlatforms: boolFromEnv,
  /** Background work: queue workers in this process (0: none, e.g. a web-only instance). */
  jobs: z.object({
    workers: z.coerce.number().int().min(0).max(16),
    pollMs: z.coerce.number().int().min(10).max(60_000),
    /** Timezone of the periodic schedules (reconciliation, reminders, exports). */
    timezone: z.string().min(1),
  }),
  /** Outgoing e-mail: an SMTP URL, or empty to write each message as a .eml under DATA_DIR/outbox. */
  smtpUrl: z.string(),
  mailFrom: z.string().min(3),
  registration: z.object({
    requireInvite: boolFromEnv,
    maxPendingPlatforms: z.coerce.number().int().min(1),
    perIpPerHour: z.coerce.number().int().min(1),
  }),
});

export type Config = Readonly<z.infer<typeof ConfigSchema>> & { readonly publicUrl: string };

type Env = Record<string, string | undefined>;

function readJson(file: string): Record<string, unknown> {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
}

/**
 * Loads the configuration. `overrides` win over everything (tests and the demo use it).
 * Throws an Error whose message names each invalid setting.
 */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const base = { ...readJson(path.join(ROOT_DIR, 'config', 'default.json')) };
  const local = readJson(path.join(ROOT_DIR, 'config', 'local.json'));
  const merged: Record<string, unknown> = { ...base, ...local };
  const reg = { ...(base.registration as object), ...(local.registration as object | undefined) } as Record<
    string,
    unknown
  >;
  const fromEnv: Record<string, unknown> = {};
  if (env.PORT) fromEnv.port = env.PORT;
  if (env.HOST) fromEnv.host = env.HOST;
  if (env.PUBLIC_URL) fromEnv.publicUrl = env.PUBLIC_URL;
  if (env.DATA_DIR) fromEnv.dataDir = env.DATA_DIR;
  if (env.DATABASE_URL) fromEnv.databaseUrl = env.DATABASE_URL;
  if (env.COOKIE_SECURE) fromEnv.cookieSecure = env.COOKIE_SECURE;
  if (env.LOG_LEVEL) fromEnv.logLevel = env.LOG_LEVEL;
  if (env.ALLOW_INSECURE_PLATFORMS) fromEnv.allowInsecurePlatforms = env.ALLOW_INSECURE_PLATFORMS;
  const jobs = { ...(base.jobs as object), ...(local.jobs as object | undefined) } as Record<string, unknown>;
  if (env.JOB_WORKERS) jobs.workers = env.JOB_WORKERS;
  if (env.JOB_POLL_MS) jobs.pollMs = env.JOB_POLL_MS;
  if (env.TZ_SCHEDULE) jobs.timezone = env.TZ_SCHEDULE;
  fromEnv.jobs = jobs;
  if (env.SMTP_URL !== undefined) fromEnv.smtpUrl = env.SMTP_URL;
  if (env.MAIL_FROM) fromEnv.mailFrom = env.MAIL_FROM;
  if (env.REGISTRATION_REQUIRE_INVITE) reg.requireInvite = env.REGISTRATION_REQUIRE_INVITE;
  const parsed = ConfigSchema.safeParse({ ...merged, ...fromEnv, registration: reg, ...overrides });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const dataDir = path.resolve(ROOT_DIR, c.dataDir);
  const publicUrl = (c.publicUrl || `http://localhost:${c.port}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new Error(`Invalid configuration:\n  publicUrl: "${publicUrl}" is not an http(s) URL`);
  }
  return Object.freeze({ ...c, dataDir, publicUrl });
}
