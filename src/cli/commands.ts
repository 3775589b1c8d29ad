/**
 * The administration commands, written once and run either in the CLI process or, when
 * a server holds the embedded database, inside that server through its admin socket.
 */
import { Command, CommanderError } from 'commander';
import { PlatformError, type Platform, type PlatformRegistry } from '../platforms/registry.js';
import type { ToolUrls } from '../web/tool-urls.js';
import { registerBadgeCommands, type BadgeCommandContext } from './badge-commands.js';
import { CliRefusal, registerConnectorCommands, type ConnectorCommandContext } from './connector-commands.js';
import { registerPushCommands } from './push-commands.js';

/** What the commands act on. */
export interface CommandContext extends ConnectorCommandContext, BadgeCommandContext {
  registry: PlatformRegistry;
  urls: ToolUrls;
}

/** A finished command: exit code and what it printed. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const ACTOR = 'cli';

function table(rows: Platform[]): string {
  if (rows.length === 0) return 'No platform is registered.\n';
  const lines = rows.map((p) =>
    [p.id, p.status, p.productFamily, p.issuer, p.clientId, p.deploymentIds.join(',')].join('\t'),
  );
  return ['id\tstatus\tfamily\tissuer\tclient_id\tdeployment_ids', ...lines].join('\n') + '\n';
}

function json(p: Platform) {
  return {
    id: p.id,
    name: p.name,
    issuer: p.issuer,
    clientId: p.clientId,
    deploymentIds: p.deploymentIds,
    status: p.status,
    productFamily: p.productFamily,
    source: p.source,
    authEndpoint: p.authEndpoint,
    tokenEndpoint: p.tokenEndpoint,
    jwksUri: p.jwksUri,
  };
}

/** The paste-ready lines an LMS administrator needs. */
export function urlLines(urls: ToolUrls): string {
  return [
    `Login URL:                  ${urls.login}`,
    `Launch URL:                 ${urls.launch}`,
    `JWKS URL:                   ${urls.jwks}`,
    `Dynamic registration URL:   ${urls.registration}`,
    `Deep linking URL:           ${urls.deepLinking}`,
  ].join('\n');
}

/** Runs one command line (without the program name). */
export async function runCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  const out = (s: string) => {
    stdout += s.endsWith('\n') ? s : `${s}\n`;
  };
  const program = new Command('jalon')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) })
    .description('Jalon administration');

  const platforms = program.command('platforms').description('LMS platforms registered with Jalon');
  platforms
    .command('list')
    .description('list platforms')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const rows = await ctx.registry.list();
      out(opts.json ? JSON.stringify(rows.map(json), null, 2) : table(rows));
    });
  platforms
    .command('add')
    .description('register a platform manually (it stays pending until activated)')
    .requiredOption(
      '--issuer <url>',
      'platform issuer (Moodle: site URL; Canvas: https://canvas.instructure.com)',
    )
    .requiredOption('--client-id <id>', 'client ID the platform gave Jalon')
    .requiredOption('--auth-endpoint <url>', 'OIDC authentication request URL')
    .requiredOption('--token-endpoint <url>', 'OAuth 2 access token URL')
    .requiredOption('--jwks-uri <url>', "platform's public keyset URL")
    .requiredOption('--deployment-id <id...>', 'deployment ID(s)')
    .option('--name <name>', 'display name')
    .option('--family <family>', 'moodle, canvas or other')
    .option('--authorization-server <url>', 'audience for token requests if not the token URL')
    .option('--origin <url...>', 'web origin(s) the LMS pages are served from (iframe parent)')
    .option('--activate', 'activate at once')
    .action(
      async (o: {
        issuer: string;
        clientId: string;
        authEndpoint: string;
        tokenEndpoint: string;
        jwksUri: string;
        deploymentId: string[];
        name?: string;
        family?: string;
        authorizationServer?: string;
        origin?: string[];
        activate?: boolean;
      }) => {
        const { platform } = await ctx.registry.add(
          {
            issuer: o.issuer,
            clientId: o.clientId,
            authEndpoint: o.authEndpoint,
            tokenEndpoint: o.tokenEndpoint,
            jwksUri: o.jwksUri,
            deploymentIds: o.deploymentId,
            name: o.name,
            productFamily: o.family,
            authorizationServer: o.authorizationServer,
            origins: o.origin,
          },
          ACTOR,
          'manual',
        );
        const final = o.activate ? await ctx.registry.activate(platform.id, ACTOR) : platform;
        out(`Platform ${final.id} registered (${final.status}).`);
        if (final.status !== 'active') out(`Activate it with: npm run cli -- platforms activate ${final.id}`);
      },
    );
  for (const [name, verb, run] of [
    ['activate', 'activated', (id: string) => ctx.registry.activate(id, ACTOR)],
    ['disable', 'disabled', (id: string) => ctx.registry.disable(id, ACTOR)],
    ['remove', 'removed', (id: string) => ctx.registry.remove(id, ACTOR)],
  ] as const) {
    platforms
      .command(`${name} <id>`)
      .description(`${name} a platform`)
      .action(async (id: string) => {
        await run(id);
        out(`Platform ${id} ${verb}.`);
      });
  }
  platforms
    .command('add-deployment <id> <deploymentId>')
    .description('accept launches from another deployment of the platform')
    .action(async (id: string, dep: string) => {
      await ctx.registry.addDeployment(id, dep, ACTOR);
      out(`Deployment ${dep} added to ${id}.`);
    });
  platforms
    .command('remove-deployment <id> <deploymentId>')
    .description('refuse launches from a deployment')
    .action(async (id: string, dep: string) => {
      await ctx.registry.removeDeployment(id, dep, ACTOR);
      out(`Deployment ${dep} removed from ${id}.`);
    });
  program
    .command('urls')
    .description('print the addresses to paste into the LMS')
    .action(() => out(urlLines(ctx.urls)));
  registerConnectorCommands(program, ctx, out);
  registerPushCommands(program, ctx, out);
  registerBadgeCommands(program, ctx, out);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (err instanceof CommanderError) {
      return { code: err.exitCode === 0 ? 0 : 2, stdout, stderr };
    }
    if (err instanceof CliRefusal) return { code: err.exitCode, stdout, stderr: `${stderr}${err.message}\n` };
    if (err instanceof PlatformError) {
      return { code: err.code === 'NOT_FOUND' ? 3 : 2, stdout, stderr: `${stderr}Error: ${err.message}\n` };
    }
    return { code: 1, stdout, stderr: `${stderr}Error: ${(err as Error).message}\n` };
  }
}
