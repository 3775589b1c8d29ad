/**
 * The push commands of the administration CLI: give a Moodle platform its logstore_xapi
 * credentials (the password is printed once, Jalon keeps its digest), turn Canvas Live Events
 * on for a Canvas platform, and show what each platform pushes and where.
 */
import type { Command } from 'commander';
import type { Db } from '../db/client.js';
import { createXapiCredentials, enableCanvasLiveEvents, pushSettingsOf } from '../intake/push-settings.js';
import { translator, type Translate } from '../i18n/index.js';
import type { PlatformRegistry } from '../platforms/registry.js';
import { alignedLines, CliRefusal, platformOrRefuse } from './connector-commands.js';

/** What these commands act on. */
export interface PushCommandContext {
  registry: PlatformRegistry;
  database: { db: Db };
  config: { publicUrl: string };
}

const ACTOR = 'cli';

/** The endpoint addresses of a platform (logstore_xapi appends `/statements` itself). */
export function pushUrls(publicUrl: string, platformId: string): { xapi: string; canvas: string } {
  const base = publicUrl.replace(/\/+$/, '');
  return { xapi: `${base}/push/xapi/${platformId}`, canvas: `${base}/push/canvas/${platformId}` };
}

/** Adds `push …` to the program. */
export function registerPushCommands(
  program: Command,
  ctx: PushCommandContext,
  out: (s: string) => void,
  t: Translate = translator('en'),
): void {
  const platformOf = (id: string) => platformOrRefuse(ctx.registry, id, t);
  const arg = (name: string) => t(`cli:arg.${name}`);
  const push = program.command('push').description(t('cli:push.description'));
  push
    .command('list')
    .description(t('cli:push.list.description'))
    .action(async () => {
      const columns = ['platform', 'family', 'xapi', 'canvasLiveEvents', 'address'];
      const rows = [columns.map((c) => t(`cli:push.list.columns.${c}`)).join('\t')];
      for (const p of await ctx.registry.list()) {
        const s = await pushSettingsOf(ctx.database.db, p.id);
        const urls = pushUrls(ctx.config.publicUrl, p.id);
        const xapi = s?.xapiUsername ? t('cli:push.list.xapiUser', { username: s.xapiUsername }) : '-';
        const canvas = s?.canvasJwks
          ? t('cli:push.list.inlineKeys')
          : s?.canvasJwksUrl
            ? t('cli:push.list.on')
            : '-';
        const address = p.productFamily === 'canvas' ? urls.canvas : urls.xapi;
        rows.push([p.id, p.productFamily, xapi, canvas, address].join('\t'));
      }
      out(rows.join('\n'));
    });
  push
    .command(`xapi-credentials <${arg('platformId')}>`)
    .description(t('cli:push.xapiCredentials.description'))
    .action(async (id: string) => {
      const p = await platformOf(id);
      if (p.productFamily !== 'moodle')
        throw new CliRefusal(t('cli:push.xapiCredentials.notMoodle', { id }), 2);
      const { username, password } = await createXapiCredentials(ctx.database.db, id, ACTOR);
      out(t('cli:push.xapiCredentials.intro'));
      const fields = alignedLines(
        [
          [t('cli:push.xapiCredentials.endpoint'), pushUrls(ctx.config.publicUrl, id).xapi],
          [t('cli:push.xapiCredentials.username'), username],
          [t('cli:push.xapiCredentials.password'), password],
        ],
        2,
        '  ',
      );
      for (const line of fields) out(line);
      out(t('cli:push.xapiCredentials.once'));
    });
  push
    .command(`canvas-enable <${arg('platformId')}>`)
    .description(t('cli:push.canvasEnable.description'))
    .option(`--jwks-url <${arg('url')}>`, t('cli:push.canvasEnable.jwksUrl'))
    .action(async (id: string, o: { jwksUrl?: string }) => {
      const p = await platformOf(id);
      if (p.productFamily !== 'canvas') throw new CliRefusal(t('cli:push.canvasEnable.notCanvas', { id }), 2);
      if (o.jwksUrl && !/^https:\/\//.test(o.jwksUrl))
        throw new CliRefusal(t('cli:push.canvasEnable.httpsOnly'), 2);
      await enableCanvasLiveEvents(ctx.database.db, id, ACTOR, o.jwksUrl ? { jwksUrl: o.jwksUrl } : {});
      out(t('cli:push.canvasEnable.intro'));
      out(`  ${pushUrls(ctx.config.publicUrl, id).canvas}`);
      out(t('cli:push.canvasEnable.events'));
      out(t('cli:push.canvasEnable.events2'));
    });
}
