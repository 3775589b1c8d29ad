/**
 * The push commands of the administration CLI: give a Moodle platform its logstore_xapi
 * credentials (the password is printed once, Jalon keeps its digest), turn Canvas Live Events
 * on for a Canvas platform, and show what each platform pushes and where.
 */
import type { Command } from 'commander';
import type { Db } from '../db/client.js';
import { createXapiCredentials, enableCanvasLiveEvents, pushSettingsOf } from '../intake/push-settings.js';
import { PlatformError, type PlatformRegistry } from '../platforms/registry.js';
import { CliRefusal } from './connector-commands.js';

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
): void {
  const platformOf = async (id: string) => {
    const p = await ctx.registry.get(id);
    if (!p) throw new PlatformError('NOT_FOUND', `no platform ${id}`);
    return p;
  };
  const push = program.command('push').description('LMS push channels (hints that trigger a results read)');
  push
    .command('list')
    .description('which platforms push, and where (secrets are never printed)')
    .action(async () => {
      const rows = ['platform\tfamily\txapi\tcanvas_live_events\taddress'];
      for (const p of await ctx.registry.list()) {
        const s = await pushSettingsOf(ctx.database.db, p.id);
        const urls = pushUrls(ctx.config.publicUrl, p.id);
        const xapi = s?.xapiUsername ? `user ${s.xapiUsername}` : '-';
        const canvas = s?.canvasJwks ? 'inline keys' : s?.canvasJwksUrl ? 'on' : '-';
        const address = p.productFamily === 'canvas' ? urls.canvas : urls.xapi;
        rows.push([p.id, p.productFamily, xapi, canvas, address].join('\t'));
      }
      out(rows.join('\n'));
    });
  push
    .command('xapi-credentials <platformId>')
    .description('create (or replace) the Basic credentials for Moodle logstore_xapi')
    .action(async (id: string) => {
      const p = await platformOf(id);
      if (p.productFamily !== 'moodle') throw new CliRefusal(`${id} is not a Moodle platform.`, 2);
      const { username, password } = await createXapiCredentials(ctx.database.db, id, ACTOR);
      out('In Moodle: Site administration › Plugins › Logging › Logstore xAPI, set:');
      out(`  Endpoint:  ${pushUrls(ctx.config.publicUrl, id).xapi}`);
      out(`  Username:  ${username}`);
      out(`  Password:  ${password}`);
      out('The password is shown only now; running this again replaces it.');
    });
  push
    .command('canvas-enable <platformId>')
    .description('accept Canvas Live Events (signed JWT) for this platform')
    .option('--jwks-url <url>', "the signing keys' address (default: Instructure's)")
    .action(async (id: string, o: { jwksUrl?: string }) => {
      const p = await platformOf(id);
      if (p.productFamily !== 'canvas') throw new CliRefusal(`${id} is not a Canvas platform.`, 2);
      if (o.jwksUrl && !/^https:\/\//.test(o.jwksUrl))
        throw new CliRefusal('The key address must be https.', 2);
      await enableCanvasLiveEvents(ctx.database.db, id, ACTOR, o.jwksUrl ? { jwksUrl: o.jwksUrl } : {});
      out('In Canvas: Admin › Data Services, add a subscription "HTTPS, signed JWT" to:');
      out(`  ${pushUrls(ctx.config.publicUrl, id).canvas}`);
      out('with the events grade_change, submission_created, submission_updated, quiz_submitted,');
      out('submission_comment_created, course_progress and course_completed.');
    });
}
