/**
 * `npm run cli -- <command>`. Talks to the running server through its admin socket when
 * there is one (required with the embedded database, which only one process may open);
 * otherwise opens the database itself. Speaks the language of its environment (JALON_LANG,
 * else LC_ALL, LC_MESSAGES, LANG): French or English.
 */
import { loadConfig } from '../config/index.js';
import { langFromEnv, translator } from '../i18n/index.js';
import { createLogger } from '../log.js';
import { createServices } from '../services.js';
import { renderError } from '../web/error-page.js';
import { sendToServer } from './admin-socket.js';
import { runCommand } from './commands.js';
import { acquireDataDirLock } from './data-dir-lock.js';

const lang = langFromEnv();
const t = translator(lang);

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const config = loadConfig();
  const remote = await sendToServer(config.dataDir, argv, lang);
  if (remote) {
    process.stdout.write(remote.stdout);
    process.stderr.write(remote.stderr);
    return remote.code;
  }
  const release = config.databaseUrl ? () => undefined : acquireDataDirLock(config.dataDir, 'cli');
  if (!release) {
    process.stderr.write(`${t('cli:error.embeddedBusy')}\n`);
    return 1;
  }
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const services = await createServices(config, { log, renderError });
  try {
    const result = await runCommand(argv, services, { lang });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.code;
  } finally {
    await services.close();
    release();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${t('cli:error.generic', { message: err.message })}\n`);
    process.exit(1);
  },
);
