/**
 * `badges …` commands: look up an award's badge (id and verification URL), revoke an award
 * with a reason, rotate a platform issuer's signing key. The signing stack (jsonld, vc) is
 * loaded only when a badge command runs, so other commands start as fast as before.
 */
import type { Command } from 'commander';
import { createSealer } from '../crypto/seal.js';
import type { Db } from '../db/client.js';
import type { BadgeStoreDeps } from '../badges/store.js';
import { translator, type Translate } from '../i18n/index.js';
import { CliRefusal } from './connector-commands.js';

/** What the badge commands need (the running services have all of it). */
export interface BadgeCommandContext {
  database: { db: Db };
  config: { publicUrl: string };
  /** The instance secrets; without them the commands that sign refuse. */
  secrets?: { master: Buffer };
}

const ACTOR = 'cli';

/** Adds `badges …` to the program. */
export function registerBadgeCommands(
  program: Command,
  ctx: BadgeCommandContext,
  out: (s: string) => void,
  t: Translate = translator('en'),
): void {
  const arg = (name: string) => t(`cli:arg.${name}`);
  const deps = (): BadgeStoreDeps => {
    if (!ctx.secrets) throw new CliRefusal(t('cli:badges.noSecrets'), 2);
    return {
      db: ctx.database.db,
      sealer: createSealer(ctx.secrets.master, 'badge-keys'),
      publicUrl: ctx.config.publicUrl,
    };
  };
  const issuance = () => import('../badges/issuance.js');
  const refuse = async (e: unknown): Promise<never> => {
    if (e instanceof (await issuance()).BadgeError)
      throw new CliRefusal(t('cli:badges.refused', { code: (e as { code: string }).code }), 2);
    throw e;
  };
  const badges = program.command('badges').description(t('cli:badges.description'));
  badges
    .command(`show <${arg('awardId')}>`)
    .description(t('cli:badges.show.description'))
    .option('--json', t('cli:badges.show.json'))
    .action(async (awardId: string, opts: { json?: boolean }) => {
      const ref = await (await issuance()).badgeRefForAward(ctx.database.db, ctx.config.publicUrl, awardId);
      if (!ref) throw new CliRefusal(t('cli:badges.show.none', { awardId }), 2);
      out(opts.json ? JSON.stringify(ref) : `${ref.badgeId}\t${ref.verificationUrl}`);
    });
  badges
    .command(`revoke <${arg('awardId')}>`)
    .description(t('cli:badges.revoke.description'))
    .requiredOption(`--reason <${arg('text')}>`, t('cli:badges.revoke.reason'))
    .action(async (awardId: string, opts: { reason: string }) => {
      await (await issuance()).revokeBadge(deps(), awardId, opts.reason, ACTOR).catch(refuse);
      out(t('cli:badges.revoke.done', { awardId }));
    });
  badges
    .command(`rotate-key <${arg('platformId')}>`)
    .description(t('cli:badges.rotateKey.description'))
    .action(async (platformId: string) => {
      const { rotateIssuerKey } = await import('../badges/store.js');
      out(t('cli:badges.rotateKey.done', { key: await rotateIssuerKey(deps(), platformId, ACTOR) }));
    });
}
