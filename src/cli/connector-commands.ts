/**
 * The connector and issuer-profile commands of the administration CLI: the same actions as
 * the connector admin page (set, test, remove a connector; set the issuer profile), with the
 * same validation and messages, in the language the command runs in.
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
import { translator, type Translate } from '../i18n/index.js';
import { IssuerProfileSchema, getIssuerProfile, saveIssuerProfile } from '../platforms/issuer-profile.js';
import type { PlatformRegistry } from '../platforms/registry.js';

/** What these commands act on. */
export interface ConnectorCommandContext {
  registry: PlatformRegistry;
  connectorSettings: ConnectorSettingsStore;
  database: { db: Db };
  config: { publicUrl: string };
}

/** A refusal the CLI prints, with exit code 2 (bad input), 3 (no such platform) or 4 (a failed connection test). */
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

/** Label and value lines, the values lined up `gap` spaces after the longest label. */
export function alignedLines(
  rows: Array<[label: string, value: string]>,
  gap: number,
  indent = '',
): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + gap;
  return rows.map(([label, value]) => `${indent}${label.padEnd(width)}${value}`);
}

/** The platform a command names, or the refusal (exit code 3) that says there is none. */
export async function platformOrRefuse(registry: PlatformRegistry, id: string, t: Translate) {
  const p = await registry.get(id);
  if (!p) throw new CliRefusal(t('cli:error.noPlatform', { id }), 3);
  return p;
}

/** Adds `connectors …` and `issuer …` to the program. */
export function registerConnectorCommands(
  program: Command,
  ctx: ConnectorCommandContext,
  out: (s: string) => void,
  t: Translate = translator('en'),
): void {
  const settings = ctx.connectorSettings;
  const platformOf = (id: string) => platformOrRefuse(ctx.registry, id, t);
  const arg = (name: string) => t(`cli:arg.${name}`);
  /** The schema's messages are i18n keys (shared with the admin page). */
  function refuse(err: ZodError): never {
    const lines = [...new Set(err.issues.map((i) => i.message))].map((k) => (k.includes(':') ? t(k) : k));
    throw new CliRefusal(lines.join('\n'), 2);
  }

  const connectors = program.command('connectors').description(t('cli:connectors.description'));
  connectors
    .command('list')
    .description(t('cli:connectors.list.description'))
    .action(async () => {
      const columns = ['platform', 'family', 'connector', 'address', 'clientId', 'secret', 'lastTest'];
      const rows = [columns.map((c) => t(`cli:connectors.list.columns.${c}`)).join('\t')];
      for (const p of await ctx.registry.list()) {
        const c = await settings.get(p.id);
        const last = c?.lastCheck
          ? t(c.lastCheck.ok ? 'cli:connectors.list.passedAt' : 'cli:connectors.list.failedAt', {
              at: c.lastCheck.checkedAt,
            })
          : '-';
        rows.push(
          [
            p.id,
            p.productFamily,
            c?.kind ?? t('cli:connectors.list.none'),
            c?.baseUrl ?? '-',
            c?.kind === 'canvas' ? c.clientId : '-',
            c ? t('cli:connectors.list.set') : '-',
            c ? last : '-',
          ].join('\t'),
        );
      }
      out(rows.join('\n'));
    });
  connectors
    .command(`set-moodle <${arg('platformId')}>`)
    .description(t('cli:connectors.setMoodle.description'))
    .requiredOption(`--url <${arg('url')}>`, t('cli:connectors.setMoodle.url'))
    .requiredOption(`--token <${arg('token')}>`, t('cli:connectors.setMoodle.token'))
    .action(async (id: string, o: { url: string; token: string }) => {
      await platformOf(id);
      const parsed = MoodleSettingsSchema.safeParse({ baseUrl: o.url, token: o.token });
      if (!parsed.success) refuse(parsed.error);
      await settings.save(id, parsed.data, ACTOR);
      out(t('cli:connectors.setMoodle.done', { id }));
    });
  connectors
    .command(`set-canvas <${arg('platformId')}>`)
    .description(t('cli:connectors.setCanvas.description'))
    .requiredOption(`--url <${arg('url')}>`, t('cli:connectors.setCanvas.url'))
    .requiredOption(`--client-id <${arg('id')}>`, t('cli:connectors.setCanvas.clientId'))
    .requiredOption(`--client-secret <${arg('secret')}>`, t('cli:connectors.setCanvas.clientSecret'))
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
      out(t('cli:connectors.setCanvas.done', { id }));
      out(t('cli:connectors.setCanvas.redirectUri', { uri: factory.redirectUri }));
    });
  connectors
    .command(`test <${arg('platformId')}>`)
    .description(t('cli:connectors.test.description'))
    .action(async (id: string) => {
      await platformOf(id);
      const factory = new ConnectorFactory({ settings, publicUrl: ctx.config.publicUrl });
      const report = await factory.testPlatform(id);
      if (!report) throw new CliRefusal(t('cli:connectors.test.none', { id }), 2);
      for (const c of report.checks)
        out(
          t(c.ok ? 'cli:connectors.test.checkOk' : 'cli:connectors.test.checkFailed', {
            name: c.name,
            message: t(c.messageKey, c.params ?? {}),
          }),
        );
      if (!report.ok) throw new CliRefusal(t('cli:connectors.test.failed'), 4);
      out(t('cli:connectors.test.passed'));
    });
  connectors
    .command(`remove <${arg('platformId')}>`)
    .description(t('cli:connectors.remove.description'))
    .action(async (id: string) => {
      await platformOf(id);
      await settings.remove(id, ACTOR);
      out(t('cli:connectors.remove.done', { id }));
    });

  const issuer = program.command('issuer').description(t('cli:issuer.description'));
  issuer
    .command(`set <${arg('platformId')}>`)
    .description(t('cli:issuer.set.description'))
    .option(`--name-fr <${arg('name')}>`, t('cli:issuer.set.nameFr'))
    .option(`--name-en <${arg('name')}>`, t('cli:issuer.set.nameEn'))
    .requiredOption(`--url <${arg('url')}>`, t('cli:issuer.set.url'))
    .requiredOption(`--email <${arg('email')}>`, t('cli:issuer.set.email'))
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
      out(t('cli:issuer.set.done', { id }));
    });
}
