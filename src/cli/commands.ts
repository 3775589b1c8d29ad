/**
 * The administration commands, written once and run either in the CLI process or, when
 * a server holds the embedded database, inside that server through its admin socket.
 * They speak French or English (the CLI's locale, carried over the socket): every message,
 * description and help heading comes from the `cli` namespace of the i18n layer.
 */
import { Command, CommanderError, Help, type ErrorOptions } from 'commander';
import { translator, type Lang, type Translate } from '../i18n/index.js';
import { PlatformError, type Platform, type PlatformRegistry } from '../platforms/registry.js';
import type { ToolUrls } from '../web/tool-urls.js';
import { registerBadgeCommands, type BadgeCommandContext } from './badge-commands.js';
import {
  alignedLines,
  CliRefusal,
  registerConnectorCommands,
  type ConnectorCommandContext,
} from './connector-commands.js';
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

/** How to run a command line. */
export interface RunOptions {
  /** The language of what the command prints (default English). */
  lang?: Lang;
}

const ACTOR = 'cli';

/** commander's English error messages (commander 14), with what they name. */
const COMMANDER_ERRORS: Record<string, { key: string; pattern: RegExp }> = {
  'commander.missingArgument': {
    key: 'cli:commander.missingArgument',
    pattern: /^error: missing required argument '(?<name>.*)'$/s,
  },
  'commander.optionMissingArgument': {
    key: 'cli:commander.optionMissingArgument',
    pattern: /^error: option '(?<flags>.*)' argument missing$/s,
  },
  'commander.missingMandatoryOptionValue': {
    key: 'cli:commander.missingMandatoryOptionValue',
    pattern: /^error: required option '(?<flags>.*)' not specified$/s,
  },
  'commander.unknownOption': {
    key: 'cli:commander.unknownOption',
    pattern: /^error: unknown option '(?<flag>.*)'$/s,
  },
  'commander.unknownCommand': {
    key: 'cli:commander.unknownCommand',
    pattern: /^error: unknown command '(?<name>.*)'$/s,
  },
  'commander.excessArguments': {
    key: 'cli:commander.excessArguments',
    pattern:
      /^error: too many arguments for '(?<command>.*)'\. Expected (?<count>\d+) arguments? but got (?<received>\d+)\.$/s,
  },
};
const SUGGESTION = /\n\(Did you mean (?<oneOf>one of )?(?<names>.*)\?\)$/s;

/** Says a commander error in the command's language; an error it does not know stays as it is. */
function localizeCommanderError(t: Translate, message: string, code: string | undefined): string {
  const known = code ? COMMANDER_ERRORS[code] : undefined;
  if (!known) return message;
  const suggestion = SUGGESTION.exec(message);
  const main = suggestion ? message.slice(0, suggestion.index) : message;
  const params = known.pattern.exec(main)?.groups;
  if (!params) return message;
  const text = t(known.key, { ...params, ...(params.count ? { count: Number(params.count) } : {}) });
  if (!suggestion?.groups) return text;
  const hint = suggestion.groups.oneOf ? 'cli:commander.didYouMeanOneOf' : 'cli:commander.didYouMean';
  return `${text}\n${t(hint, { names: suggestion.groups.names })}`;
}

const HELP_TITLES: Record<string, string> = {
  'Usage:': 'cli:help.usage',
  'Arguments:': 'cli:help.arguments',
  'Options:': 'cli:help.options',
  'Global Options:': 'cli:help.globalOptions',
  'Commands:': 'cli:help.commands',
};

/** commander's help with its headings and usage placeholders in the command's language. */
class LocalizedHelp extends Help {
  constructor(private readonly translate: Translate) {
    super();
  }

  override styleTitle(title: string): string {
    const key = HELP_TITLES[title];
    return super.styleTitle(key ? this.translate(key) : title);
  }

  override commandUsage(cmd: Command): string {
    return super.commandUsage(cmd).replace(/\[command\]/g, `[${this.translate('cli:arg.command')}]`);
  }
}

/** A commander command whose help and errors speak the given language, and so do its subcommands. */
class LocalizedCommand extends Command {
  constructor(
    name: string | undefined,
    private readonly translate: Translate,
  ) {
    super(name);
    this.helpOption('-h, --help', translate('cli:help.option'));
  }

  override createCommand(name?: string): Command {
    return new LocalizedCommand(name, this.translate);
  }

  override createHelp(): Help {
    return Object.assign(new LocalizedHelp(this.translate), this.configureHelp());
  }

  override error(message: string, errorOptions?: ErrorOptions): never {
    return super.error(localizeCommanderError(this.translate, message, errorOptions?.code), errorOptions);
  }
}

function table(t: Translate, rows: Platform[]): string {
  if (rows.length === 0) return `${t('cli:platforms.list.none')}\n`;
  const lines = rows.map((p) =>
    [p.id, p.status, p.productFamily, p.issuer, p.clientId, p.deploymentIds.join(',')].join('\t'),
  );
  const header = ['id', 'status', 'family', 'issuer', 'clientId', 'deploymentIds'].map((c) =>
    t(`cli:platforms.list.columns.${c}`),
  );
  return [header.join('\t'), ...lines].join('\n') + '\n';
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

/** The paste-ready lines an LMS administrator needs (in English unless told otherwise). */
export function urlLines(urls: ToolUrls, lang: Lang = 'en'): string {
  const t = translator(lang);
  return alignedLines(
    [
      [t('cli:urls.login'), urls.login],
      [t('cli:urls.launch'), urls.launch],
      [t('cli:urls.jwks'), urls.jwks],
      [t('cli:urls.registration'), urls.registration],
      [t('cli:urls.deepLinking'), urls.deepLinking],
    ],
    3,
  ).join('\n');
}

/** Runs one command line (without the program name), in English unless `options.lang` says otherwise. */
export async function runCommand(
  argv: string[],
  ctx: CommandContext,
  options: RunOptions = {},
): Promise<CommandResult> {
  const t = translator(options.lang ?? 'en');
  let stdout = '';
  let stderr = '';
  const out = (s: string) => {
    stdout += s.endsWith('\n') ? s : `${s}\n`;
  };
  const arg = (name: string) => t(`cli:arg.${name}`);
  /** The registry's "no such platform" for a platform the command names, in words. */
  const known = async (id: string, work: Promise<unknown>): Promise<unknown> =>
    work.catch((err: unknown) => {
      if (err instanceof PlatformError && err.code === 'NOT_FOUND') {
        throw new CliRefusal(t('cli:error.noPlatform', { id }), 3);
      }
      throw err;
    });
  const program = new LocalizedCommand('jalon', t)
    .exitOverride()
    .configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) })
    .helpCommand(`help [${arg('command')}]`, t('cli:help.command'))
    .description(t('cli:program.description'));

  const platforms = program.command('platforms').description(t('cli:platforms.description'));
  platforms
    .command('list')
    .description(t('cli:platforms.list.description'))
    .option('--json', t('cli:platforms.list.json'))
    .action(async (opts: { json?: boolean }) => {
      const rows = await ctx.registry.list();
      out(opts.json ? JSON.stringify(rows.map(json), null, 2) : table(t, rows));
    });
  platforms
    .command('add')
    .description(t('cli:platforms.add.description'))
    .requiredOption(`--issuer <${arg('url')}>`, t('cli:platforms.add.issuer'))
    .requiredOption(`--client-id <${arg('id')}>`, t('cli:platforms.add.clientId'))
    .requiredOption(`--auth-endpoint <${arg('url')}>`, t('cli:platforms.add.authEndpoint'))
    .requiredOption(`--token-endpoint <${arg('url')}>`, t('cli:platforms.add.tokenEndpoint'))
    .requiredOption(`--jwks-uri <${arg('url')}>`, t('cli:platforms.add.jwksUri'))
    .requiredOption(`--deployment-id <${arg('id')}...>`, t('cli:platforms.add.deploymentId'))
    .option(`--name <${arg('name')}>`, t('cli:platforms.add.name'))
    .option(`--family <${arg('family')}>`, t('cli:platforms.add.family'))
    .option(`--authorization-server <${arg('url')}>`, t('cli:platforms.add.authorizationServer'))
    .option(`--origin <${arg('url')}...>`, t('cli:platforms.add.origin'))
    .option('--activate', t('cli:platforms.add.activate'))
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
        out(
          t('cli:platforms.add.done', {
            id: final.id,
            status: t(`cli:status.${final.status}`, { defaultValue: final.status }),
          }),
        );
        if (final.status !== 'active') out(t('cli:platforms.add.activateHint', { id: final.id }));
      },
    );
  for (const [name, run] of [
    ['activate', (id: string) => ctx.registry.activate(id, ACTOR)],
    ['disable', (id: string) => ctx.registry.disable(id, ACTOR)],
    ['remove', (id: string) => ctx.registry.remove(id, ACTOR)],
  ] as const) {
    platforms
      .command(`${name} <${arg('id')}>`)
      .description(t(`cli:platforms.${name}.description`))
      .action(async (id: string) => {
        await known(id, run(id));
        out(t(`cli:platforms.${name}.done`, { id }));
      });
  }
  platforms
    .command(`add-deployment <${arg('id')}> <${arg('deploymentId')}>`)
    .description(t('cli:platforms.addDeployment.description'))
    .action(async (id: string, dep: string) => {
      await known(id, ctx.registry.addDeployment(id, dep, ACTOR));
      out(t('cli:platforms.addDeployment.done', { id, deploymentId: dep }));
    });
  platforms
    .command(`remove-deployment <${arg('id')}> <${arg('deploymentId')}>`)
    .description(t('cli:platforms.removeDeployment.description'))
    .action(async (id: string, dep: string) => {
      await known(id, ctx.registry.removeDeployment(id, dep, ACTOR));
      out(t('cli:platforms.removeDeployment.done', { id, deploymentId: dep }));
    });
  program
    .command('urls')
    .description(t('cli:urls.description'))
    .action(() => out(urlLines(ctx.urls, options.lang)));
  registerConnectorCommands(program, ctx, out, t);
  registerPushCommands(program, ctx, out, t);
  registerBadgeCommands(program, ctx, out, t);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (err instanceof CommanderError) {
      return { code: err.exitCode === 0 ? 0 : 2, stdout, stderr };
    }
    if (err instanceof CliRefusal) return { code: err.exitCode, stdout, stderr: `${stderr}${err.message}\n` };
    if (err instanceof PlatformError) {
      const message = t(`cli:error.platform.${err.code}`, { detail: err.message });
      return { code: err.code === 'NOT_FOUND' ? 3 : 2, stdout, stderr: `${stderr}${message}\n` };
    }
    return {
      code: 1,
      stdout,
      stderr: `${stderr}${t('cli:error.generic', { message: (err as Error).message })}\n`,
    };
  }
}
