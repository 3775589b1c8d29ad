/**
 * `badges …` commands: look up an award's badge (id and verification URL), revoke an award
 * with a reason, rotate a platform issuer's signing key. The signing stack (jsonld, vc) is
 * loaded only when a badge command runs, so other commands start as fast as before.
 */
import type { Command } from 'commander';
import { createSealer } from '../crypto/seal.js';
import type { Db } from '../db/client.js';
import type { BadgeStoreDeps } from '../badges/store.js';
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
): void {
  const deps = (): BadgeStoreDeps => {
    if (!ctx.secrets) throw new CliRefusal('the instance secrets are not available', 2);
    return {
      db: ctx.database.db,
      sealer: createSealer(ctx.secrets.master, 'badge-keys'),
      publicUrl: ctx.config.publicUrl,
    };
  };
  const issuance = () => import('../badges/issuance.js');
  const refuse = async (e: unknown): Promise<never> => {
    if (e instanceof (await issuance()).BadgeError)
      throw new CliRefusal(`refused: ${(e as { code: string }).code}`, 2);
    throw e;
  };
  const badges = program.command('badges').description('issued Open Badges: look up, revoke, rotate keys');
  badges
    .command('show <awardId>')
    .description("print an award's badge id and verification URL")
    .option('--json', 'as JSON')
    .action(async (awardId: string, opts: { json?: boolean }) => {
      const ref = await (await issuance()).badgeRefForAward(ctx.database.db, ctx.config.publicUrl, awardId);
      if (!ref) throw new CliRefusal(`no badge was issued for award ${awardId}`, 2);
      out(opts.json ? JSON.stringify(ref) : `${ref.badgeId}\t${ref.verificationUrl}`);
    });
  badges
    .command('revoke <awardId>')
    .description('revoke an award and its badge (status list, award, audit, transcript)')
    .requiredOption('--reason <text>', 'why (kept with the award and in the transcript)')
    .action(async (awardId: string, opts: { reason: string }) => {
      await (await issuance()).revokeBadge(deps(), awardId, opts.reason, ACTOR).catch(refuse);
      out(`revoked ${awardId}`);
    });
  badges
    .command('rotate-key <platformId>')
    .description("retire a platform issuer's signing key and create a new one (old badges still verify)")
    .action(async (platformId: string) => {
      const { rotateIssuerKey } = await import('../badges/store.js');
      out(`new key ${await rotateIssuerKey(deps(), platformId, ACTOR)}`);
    });
}
