import { describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSealer } from '../src/crypto/seal.js';
import { loadInstanceSecrets } from '../src/crypto/secrets.js';

describe('sealing', () => {
  const master = randomBytes(32);
  test('round-trips and never shows the plain text', () => {
    const s = createSealer(master, 'keys');
    const sealed = s.seal('-----BEGIN PRIVATE KEY-----abc');
    expect(sealed).not.toContain('PRIVATE');
    expect(s.open(sealed)).toBe('-----BEGIN PRIVATE KEY-----abc');
    expect(s.seal('x')).not.toBe(s.seal('x'));
  });
  test('refuses a tampered value, another purpose, another secret, and garbage', () => {
    const s = createSealer(master, 'keys');
    const sealed = s.seal('secret');
    const parts = sealed.split('.');
    const data = Buffer.from(parts[3]!, 'base64url');
    data[0] = data[0]! ^ 1;
    expect(() => s.open([parts[0], parts[1], parts[2], data.toString('base64url')].join('.'))).toThrow();
    expect(() => createSealer(master, 'tokens').open(sealed)).toThrow();
    expect(() => createSealer(randomBytes(32), 'keys').open(sealed)).toThrow();
    expect(() => s.open('garbage')).toThrow('not a sealed value');
    expect(() => createSealer(randomBytes(8), 'keys')).toThrow();
  });
  test('instance secrets are created once, owner-only', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'jalon-')), 'data');
    const a = loadInstanceSecrets(dir, {});
    const b = loadInstanceSecrets(dir, {});
    expect(a.master.equals(b.master)).toBe(true);
    expect(a.registrationInvite).toBe(b.registrationInvite);
    expect(statSync(path.join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'registration.invite')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o077).toBe(0);
  });
});
