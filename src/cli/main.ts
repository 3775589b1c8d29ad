/**
 * `npm run cli -- <command>`. Talks to the running server through its admin socket when
 * there is one (required with the embedded database, which only one process may open);
 * otherwise opens the database itself.
 */
import { loadConfig } from '../config/index.js';
import { createLogger } from '../log.js';
import { createServices } from '../services.js';
import { renderError } from '../web/error-page.js';
import { sendToServer } from './admin-socket.js';
import { runCommand } from './commands.js';
import { acquireDataDirLock } from './data-dir-lock.js';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const config = loadConfig();
  const remote = await sendToServer(config.dataDir, argv);
  if (remote) {
    process.stdout.write(remote.stdout);
    process.stderr.write(remote.stderr);
    return remote.code;
  }
  const release = config.databaseUrl ? () => undefined : acquireDataDirLock(config.dataDir, 'cli');
  if (!release) {
    process.stderr.write(
      'Jalon is running on the embedded database but its admin socket does not answer; stop it or retry.\n',
    );
    return 1;
  }
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const services = await createServices(config, { log, renderError });
  try {
    const result = await runCommand(argv, services);
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
    process.stderr.write(`Error: ${err.message}\n`);
    process.exit(1);
  },
);
