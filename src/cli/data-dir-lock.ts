/**
 * One process at a time on an embedded (PGlite) data directory: a lock file holding the
 * owner's pid. A stale lock (its process is gone) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock or returns undefined when another live process holds it. */
export function acquireDataDirLock(dataDir: string, who: string): (() => void) | undefined {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'jalon.lock');
  for (let i = 0; i < 2; i++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, who }), { flag: 'wx', mode: 0o600 });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid?: number } = {};
      try {
        holder = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number };
      } catch {
        /* unreadable: treat as stale */
      }
      if (holder.pid && alive(holder.pid)) return undefined;
      rmSync(file, { force: true });
    }
  }
  return undefined;
}
