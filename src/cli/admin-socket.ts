/**
 * A local admin endpoint on a Unix socket under DATA_DIR (owner-only), so that the CLI can
 * act while the server holds the embedded database: PGlite is one process's database
 * (reference/ltijs.md §10). File permissions are the authentication. The CLI sends its
 * language with the command line, so that the server answers in it.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { LANGUAGES, translator, type Lang } from '../i18n/index.js';
import type { CommandContext, CommandResult } from './commands.js';
import { runCommand } from './commands.js';

/** What the CLI sends: `{ argv, lang }`. */
interface CliRequest {
  argv?: unknown;
  lang?: unknown;
}

/** Where the socket lives for a data directory. */
export function adminSocketPath(dataDir: string): string {
  return path.join(dataDir, 'admin.sock');
}

/** The language a request asks for: French or English only, English when missing or anything else. */
function requestLang(lang: unknown): Lang {
  return LANGUAGES.find((l) => l === lang) ?? 'en';
}

function isCommandResult(r: unknown): r is CommandResult {
  const o = r as Partial<CommandResult> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.code === 'number' &&
    typeof o.stdout === 'string' &&
    typeof o.stderr === 'string'
  );
}

/** Starts the admin socket; returns a closer. */
export async function startAdminSocket(dataDir: string, ctx: CommandContext): Promise<() => Promise<void>> {
  const socket = adminSocketPath(dataDir);
  if (existsSync(socket)) rmSync(socket);
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/cli') {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    let tooLarge = false;
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      if (tooLarge) return;
      body += c;
      if (body.length > 64 * 1024) {
        tooLarge = true;
        body = '';
      }
    });
    req.on('end', () => {
      // Answered, not cut off: a CLI that gets no answer would think no server is running.
      if (tooLarge) {
        res
          .writeHead(413, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ error: 'command line too long' }));
        return;
      }
      let request: CliRequest = {};
      try {
        const parsed: unknown = JSON.parse(body);
        if (parsed && typeof parsed === 'object') request = parsed as CliRequest;
      } catch {
        request = {};
      }
      const { argv } = request;
      const lang = requestLang(request.lang);
      if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) {
        res
          .writeHead(400, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ error: 'argv must be strings' }));
        return;
      }
      runCommand(argv, ctx, { lang }).then(
        (result) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result)),
        (err: Error) =>
          res.writeHead(500, { 'Content-Type': 'application/json' }).end(
            JSON.stringify({
              code: 1,
              stdout: '',
              stderr: `${translator(lang)('cli:error.generic', { message: err.message })}\n`,
            }),
          ),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  chmodSync(socket, 0o600);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        if (existsSync(socket)) rmSync(socket, { force: true });
        resolve();
      });
    });
}

/**
 * Sends a command line to a running server, to be run and answered in `lang`; undefined when
 * no server answers.
 */
export async function sendToServer(
  dataDir: string,
  argv: string[],
  lang: Lang = 'en',
): Promise<CommandResult | undefined> {
  const socket = adminSocketPath(dataDir);
  if (!existsSync(socket)) return undefined;
  const unreadable: CommandResult = {
    code: 1,
    stdout: '',
    stderr: `${translator(lang)('cli:error.unreadableAnswer')}\n`,
  };
  return new Promise((resolve) => {
    const req = http.request(
      { socketPath: socket, path: '/cli', method: 'POST', headers: { 'Content-Type': 'application/json' } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => {
          try {
            const answer: unknown = JSON.parse(data);
            resolve(isCommandResult(answer) ? answer : unreadable);
          } catch {
            resolve(unreadable);
          }
        });
      },
    );
    req.on('error', () => resolve(undefined));
    req.end(JSON.stringify({ argv, lang } satisfies CliRequest));
  });
}
