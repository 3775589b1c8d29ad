/**
 * `/verify` with a credential of an issuer this Jalon does not know: it verifies offline, only
 * against the keys it holds, so the page says the issuer is unknown to this Jalon instead of
 * calling the credential forged. A tampered badge of Jalon's own issuer still says "not valid",
 * and an untouched one "valid".
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { buildCredential } from '../../src/badges/credential.js';
import { buildDidDocument, didWeb } from '../../src/badges/did-web.js';
import { createDocumentLoader } from '../../src/badges/document-loader.js';
import { issueBadge } from '../../src/badges/issuance.js';
import { generateIssuerKey, publicKeyOf } from '../../src/badges/keys.js';
import { signCredential, verifyCredential } from '../../src/badges/signing.js';
import { badgePublicRouter } from '../../src/web/badge-public.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { addAward, storeDeps, withIssuerProfile } from './award-fixtures.js';
import { fullInput, PUBLIC_URL } from './helpers.js';

let database: TestDatabase;
let server: Server;
let base = '';
let own = '';
let foreign = '';

beforeAll(async () => {
  database = await createTestDatabase();
  const deps = storeDeps(database.db, PUBLIC_URL);
  const platformId = await addPlatformRow(database.db);
  await withIssuerProfile(database.db, platformId);
  const { awardId } = await addAward(database.db, platformId);
  own = JSON.stringify(
    (await issueBadge(deps, awardId, { name: 'Ana', email: 'ana@example.com' })).badge.credentials.en,
  );

  // Another issuer, on another host, signing with its own key: genuine, but unknown here.
  const did = didWeb('badges.other.example.org', 'issuers/u1');
  const key = generateIssuerKey(did);
  const theirs = createDocumentLoader({ publicUrl: PUBLIC_URL });
  theirs.registerDidDocument(buildDidDocument(did, [publicKeyOf(key)]));
  const input = fullInput({ did, listUrl: 'https://badges.other.example.org/status/1' }, 'en');
  const signed = await signCredential(buildCredential(input), key, theirs);
  // Its signature does verify with its issuer's keys (sanity check of the fixture).
  expect((await verifyCredential(signed, theirs)).checks.find((c) => c.id === 'signature')?.outcome).toBe(
    'passed',
  );
  foreign = JSON.stringify(signed);

  const app = express();
  app.use(badgePublicRouter({ db: database.db, publicUrl: PUBLIC_URL }));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await database?.close();
});

const postVerify = async (credential: string, lang: 'en' | 'fr', accept = 'text/html') => {
  const form = new FormData();
  form.append('credential', credential);
  const res = await fetch(`${base}/verify?lang=${lang}`, { method: 'POST', body: form, headers: { accept } });
  return { status: res.status, body: await res.text() };
};

describe('/verify and issuers this Jalon does not know', () => {
  test('a credential of another issuer is reported as from an unknown issuer, in en and fr', async () => {
    const en = await postVerify(foreign, 'en');
    expect(en.status).toBe(200);
    expect(en.body).toContain('data-verdict="unknown-issuer"');
    expect(en.body).toContain('Issuer unknown to this Jalon');
    expect(en.body).toContain('only against the issuer keys it knows');
    expect(en.body).not.toContain('was altered');
    const fr = await postVerify(foreign, 'fr');
    expect(fr.body).toContain('Émetteur inconnu de ce Jalon');
    const json = JSON.parse((await postVerify(foreign, 'en', 'application/json')).body);
    expect(json).toMatchObject({
      valid: false,
      verdict: 'unknown-issuer',
      issuerId: 'did:web:badges.other.example.org:issuers:u1',
    });
  });

  test('Jalon’s own badge verifies, and a tampered copy is still "not valid"', async () => {
    expect((await postVerify(own, 'en')).body).toContain('data-verdict="valid"');
    const tampered = await postVerify(own.replace('"value":"86"', '"value":"99"'), 'en');
    expect(tampered.body).toContain('data-verdict="invalid"');
  });

  test('a credential naming one of Jalon’s issuer DIDs that has no keys is unknown too', async () => {
    const ghost = JSON.parse(foreign);
    ghost.issuer.id = didWeb('jalon.example.edu', 'issuers/no-such-platform');
    const r = await postVerify(JSON.stringify(ghost), 'en');
    expect(r.body).toContain('data-verdict="unknown-issuer"');
  });
});
