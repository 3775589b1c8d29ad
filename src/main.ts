/**
 * `npm start`: runs Jalon on the configured database (PGlite under DATA_DIR by default)
 * and prints what an LMS administrator pastes into Moodle or Canvas.
 */
import { loadConfig } from './config/index.js';
import { createLogger } from './log.js';
import { urlLines } from './cli/commands.js';
import { startServer } from './server.js';

const config = loadConfig();
const log = createLogger(config.logLevel);
const running = await startServer(config, log).catch((err: Error) => {
  process.stderr.write(`Jalon could not start: ${err.message}\n`);
  process.exit(1);
});

const db = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`;
process.stdout.write(
  [
    '',
    `Jalon is running on http://${config.host}:${running.port} (public URL ${config.publicUrl}), database: ${db}.`,
    '',
    'Paste these into your LMS (Moodle: Site administration > Plugins > Activity modules > External tool >',
    'Manage tools; Canvas: Admin > Developer Keys > + LTI Key):',
    urlLines(running.services.urls),
    '',
    'A new registration stays pending until you activate it: npm run cli -- platforms list',
    config.cookieSecure
      ? ''
      : 'COOKIE_SECURE=false: cookies are not Secure; launches work only when the LMS and Jalon are same-site (local runs).',
    '',
  ].join('\n'),
);

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
