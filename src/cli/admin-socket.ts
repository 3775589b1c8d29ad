/**
 * A local admin endpoint on a Unix socket under DATA_DIR (owner-only), so that the CLI can
 * act while the server holds the embedded database: PGlite is one process's database
 * (reference/ltijs.md §10). File permissions are the authentication.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { CommandContext, CommandResult } from './commands.js';
import { runCommand } from './commands.js';

/** Where the socket lives for a data directory. */
export function adminSocketPath(dataDir: string): string {
  return path.join(dataDir, 'admin.sock');
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
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
      if (body.length > 64 * 1024) req.destroy();
    });
    req.on('end', () => {
      let argv: unknown;
      try {
        argv = (JSON.parse(body) as { argv?: unknown }).argv;
      } catch {
        argv = undefined;
      }
      if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) {
        res
          .writeHead(400, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ error: 'argv must be strings' }));
        return;
      }
      runCommand(argv, ctx).then(
        (result) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result)),
        (err: Error) => res.writeHead(500).end(JSON.stringify({ code: 1, stdout: '', stderr: err.message })),
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

/** Sends a command line to a running server; undefined when no server answers. */
export async function sendToServer(dataDir: string, argv: string[]): Promise<CommandResult | undefined> {
  const socket = adminSocketPath(dataDir);
  if (!existsSync(socket)) return undefined;
  return new Promise((resolve) => {
    const req = http.request(
      { socketPath: socket, path: '/cli', method: 'POST', headers: { 'Content-Type': 'application/json' } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(data) as CommandResult);
          } catch {
            resolve({ code: 1, stdout: '', stderr: 'The running server gave an unreadable answer.\n' });
          }
        });
      },
    );
    req.on('error', () => resolve(undefined));
    req.end(JSON.stringify({ argv }));
  });
}
