/**
 * The connector and issuer-profile commands of the administration CLI: the same actions as
 * the connector admin page (set, test, remove a connector; set the issuer profile), with the
 * same validation and messages (in English: the CLI speaks to administrators in one language).
 */
import type { Command } from 'commander';
import type { ZodError } from 'zod';
import { ConnectorFactory } from '../connectors/factory.js';
import {
  CanvasSettingsSchema,
  MoodleSettingsSchema,
  type ConnectorSettingsStore,
} from '../connectors/settings.js';
import type { Db } from '../db/client.js';
import { translator } from '../i18n/index.js';
import { IssuerProfileSchema, getIssuerProfile, saveIssuerProfile } from '../platforms/issuer-profile.js';
import { PlatformError, type PlatformRegistry } from '../platforms/registry.js';

/** What these commands act on. */
export interface ConnectorCommandContext {
  registry: PlatformRegistry;
  connectorSettings: ConnectorSettingsStore;
  database: { db: Db };
  config: { publicUrl: string };
}

/** A refusal the CLI prints with exit code 2 (bad input) or 4 (a failed connection test). */
export class CliRefusal extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliRefusal';
  }
}

const ACTOR = 'cli';
const t = translator('en');

function refuse(err: ZodError): never {
  const lines = [...new Set(err.issues.map((i) => i.message))].map((k) => (k.includes(':') ? t(k) : k));
  throw new CliRefusal(lines.join('\n'), 2);
}

/** Adds `connectors …` and `issuer …` to the program. */
export function registerConnectorCommands(
  program: Command,
  ctx: ConnectorCommandContext,
  out: (s: string) => void,
): void {
  const settings = ctx.connectorSettings;
  const platformOf = async (id: string) => {
    const p = await ctx.registry.get(id);
    if (!p) throw new PlatformError('NOT_FOUND', `no platform ${id}`);
    return p;
  };

  const connectors = program
    .command('connectors')
    .description('connectors to Moodle and Canvas (per platform)');
  connectors
    .command('list')
    .description('list platforms and their connectors (secrets are never printed)')
    .action(async () => {
      const rows = ['platform\tfamily\tconnector\taddress\tclient_id\tsecret\tlast_test'];
      for (const p of await ctx.registry.list()) {
        const c = await settings.get(p.id);
        const last = c?.lastCheck ? `${c.lastCheck.ok ? 'passed' : 'failed'} ${c.lastCheck.checkedAt}` : '-';
        rows.push(
          [
            p.id,
            p.productFamily,
            c?.kind ?? 'none',
            c?.baseUrl ?? '-',
            c?.kind === 'canvas' ? c.clientId : '-',
            c ? 'set' : '-',
            c ? last : '-',
          ].join('\t'),
        );
      }
      out(rows.join('\n'));
    });
  connectors
    .command('set-moodle <platformId>')
    .description('set (or replace) the Moodle web-service connector')
    .requiredOption('--url <url>', 'Moodle site URL')
    .requiredOption('--token <token>', 'web-service token')
    .action(async (id: string, o: { url: string; token: string }) => {
      await platformOf(id);
      const parsed = MoodleSettingsSchema.safeParse({ baseUrl: o.url, token: o.token });
      if (!parsed.success) refuse(parsed.error);
      await settings.save(id, parsed.data, ACTOR);
      out(`Moodle connector saved for ${id}. Check it with: npm run cli -- connectors test ${id}`);
    });
  connectors
    .command('set-canvas <platformId>')
    .description('set (or replace) the Canvas API developer key')
    .requiredOption('--url <url>', 'Canvas base URL')
    .requiredOption('--client-id <id>', 'developer key client id')
    .requiredOption('--client-secret <secret>', 'developer key secret')
    .action(async (id: string, o: { url: string; clientId: string; clientSecret: string }) => {
      await platformOf(id);
      const parsed = CanvasSettingsSchema.safeParse({
        baseUrl: o.url,
        clientId: o.clientId,
        clientSecret: o.clientSecret,
      });
      if (!parsed.success) refuse(parsed.error);
      await settings.save(id, parsed.data, ACTOR);
      const factory = new ConnectorFactory({ settings, publicUrl: ctx.config.publicUrl });
      out(`Canvas developer key saved for ${id}.`);
      out(`Its redirect URI must be: ${factory.redirectUri}`);
    });
  connectors
    .command('test <platformId>')
    .description('test the connection and say what is missing')
    .action(async (id: string) => {
      await platformOf(id);
      const factory = new ConnectorFactory({ settings, publicUrl: ctx.config.publicUrl });
      const report = await factory.testPlatform(id);
      if (!report) throw new CliRefusal(`No connector is set up for ${id}.`, 2);
      for (const c of report.checks)
        out(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${t(c.messageKey, c.params ?? {})}`);
      if (!report.ok) throw new CliRefusal('Connection test failed.', 4);
      out('Connection test passed.');
    });
  connectors
    .command('remove <platformId>')
    .description("remove the platform's connector (and the Canvas authorisations obtained through it)")
    .action(async (id: string) => {
      await platformOf(id);
      await settings.remove(id, ACTOR);
      out(`Connector removed from ${id}.`);
    });

  const issuer = program.command('issuer').description('the institution as badge issuer (per platform)');
  issuer
    .command('set <platformId>')
    .description('set the issuer profile (the logo is set from the admin page)')
    .option('--name-fr <name>', 'name in French')
    .option('--name-en <name>', 'name in English')
    .requiredOption('--url <url>', 'web site')
    .requiredOption('--email <email>', 'contact e-mail')
    .action(async (id: string, o: { nameFr?: string; nameEn?: string; url: string; email: string }) => {
      await platformOf(id);
      const existing = await getIssuerProfile(ctx.database.db, id);
      const parsed = IssuerProfileSchema.safeParse({
        nameFr: o.nameFr ?? '',
        nameEn: o.nameEn ?? '',
        url: o.url,
        email: o.email,
        // The logo set on the admin page stays.
        ...(existing?.imageId ? { imageId: existing.imageId } : {}),
      });
      if (!parsed.success) refuse(parsed.error);
      await saveIssuerProfile(ctx.database.db, id, parsed.data, ACTOR);
      out(`Issuer profile saved for ${id}.`);
    });
}
