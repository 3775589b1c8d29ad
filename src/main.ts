/**
 * `npm start`: runs Jalon on the configured database (PGlite under DATA_DIR by default)
 * and prints what an LMS administrator pastes into Moodle or Canvas.
 */
import { loadConfig } from './config/index.js';
import { createLogger } from './log.js';
import { urlLines } from './cli/commands.js';
import { langFromEnv, translator } from './i18n/index.js';
import { startServer } from './server.js';

const config = loadConfig();
const log = createLogger(config.logLevel);
// The administrator's language, as the CLI picks it (JALON_LANG, LC_ALL, LC_MESSAGES, LANG).
const lang = langFromEnv();
const t = translator(lang);
const running = await startServer(config, log).catch((err: Error) => {
  process.stderr.write(`${t('cli:startup.couldNotStart', { message: err.message })}\n`);
  process.exit(1);
});

// Before anything is printed: whoever reads the output may stop Jalon the moment it appears.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

const database = config.databaseUrl
  ? t('cli:startup.databaseServer')
  : t('cli:startup.databaseEmbedded', { dir: config.dataDir });
process.stdout.write(
  [
    '',
    t('cli:startup.running', {
      host: config.host,
      port: running.port,
      publicUrl: config.publicUrl,
      database,
    }),
    '',
    t('cli:startup.paste'),
    urlLines(running.services.urls, lang),
    '',
    t('cli:startup.pending'),
    config.cookieSecure ? '' : t('cli:startup.cookieInsecure'),
    '',
  ].join('\n'),
);
