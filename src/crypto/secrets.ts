/**
 * The instance's own secrets, created on first run under DATA_DIR with owner-only
 * permissions: the master secret (sealing, cookie signing, ltijs's encryption key) and the
 * registration invite that the dynamic-registration URL carries.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Secrets an instance needs; all derived material comes from `master`. */
export interface InstanceSecrets {
  master: Buffer;
  registrationInvite: string;
}

function readOrCreate(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return value;
}

/**
 * Reads the secrets from `dataDir`, creating the folder (0700) and any missing file (0600).
 * `JALON_SECRET` (base64, ≥ 32 bytes), when set, replaces the master secret file, for
 * deployments that keep secrets outside the data volume.
 */
export function loadInstanceSecrets(dataDir: string, env = process.env): InstanceSecrets {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const master = env.JALON_SECRET
    ? Buffer.from(env.JALON_SECRET, 'base64')
    : Buffer.from(
        readOrCreate(path.join(dataDir, 'master.key'), () => randomBytes(48).toString('base64')),
        'base64',
      );
  if (master.length < 32) throw new Error('JALON_SECRET must decode to at least 32 bytes');
  const registrationInvite = readOrCreate(path.join(dataDir, 'registration.invite'), () =>
    randomBytes(18).toString('base64url'),
  );
  return { master, registrationInvite };
}
