/**
 * CLR 2.0 export: one signed ClrCredential per learner, gathering that learner's held
 * achievements (revoked ones left out), each credential verified with the badge core's
 * verifier (signature, issuer key); records grouped by learner across pages.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { buildDidDocument, didWeb } from '../../src/badges/did-web.js';
import { createDocumentLoader, type OfflineDocumentLoader } from '../../src/badges/document-loader.js';
import { generateIssuerKey, publicKeyOf, type IssuerKey } from '../../src/badges/keys.js';
import { issueBadge, issuedCredentialsOfAwards } from '../../src/badges/issuance.js';
import { validateOpenBadgeCredential } from '../../src/badges/schema.js';
import { verifyCredential, type LoaderLike } from '../../src/badges/signing.js';
import { badgeLoader, currentIssuerKey } from '../../src/badges/store.js';
import { CLR_CONTEXTS, clrWriter, type ClrSigner } from '../../src/registrar/clr.js';
import { basicWriters, streamExport } from '../../src/registrar/export.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { storeDeps, withIssuerProfile } from '../badges/award-fixtures.js';
import { seedAward, seedCourse, seedRevocation } from './fixtures.js';

let database: TestDatabase;
let platformId: string;
let key: IssuerKey;
let loader: OfflineDocumentLoader;
let anaMath: string;

beforeAll(async () => {
  database = await createTestDatabase();
  platformId = await addPlatformRow(database.db);
  const did = didWeb('jalon.example.edu', 'issuers/college');
  key = generateIssuerKey(did, new Date('2026-01-01T00:00:00Z'));
  loader = createDocumentLoader({ publicUrl: 'https://jalon.example.edu' });
  loader.registerDidDocument(buildDidDocument(did, [publicKeyOf(key)]));
  const math = await seedCourse(database.db, platformId, 'math');
  const chem = await seedCourse(database.db, platformId, 'chem');
  const hist = await seedCourse(database.db, platformId, 'hist');
  // Interleaved so that a learner's records are far apart in seq order.
  anaMath = await seedAward(database.db, platformId, math, {
    learner: 'ana',
    name: 'Ana Martin',
    email: 'ana@example.edu',
  });
  await seedAward(database.db, platformId, math, { learner: 'bob', name: 'Bob' });
  await seedAward(database.db, platformId, chem, {
    learner: 'ana',
    name: 'Ana Martin',
    email: 'ana@example.edu',
  });
  const gone = await seedAward(database.db, platformId, hist, { learner: 'ana', name: 'Ana Martin' });
  await seedRevocation(database.db, gone);
  const only = await seedAward(database.db, platformId, chem, { learner: 'cy' });
  await seedRevocation(database.db, only);
}, 60_000);

afterAll(async () => {
  await database?.close();
});

interface Clr {
  '@context': unknown[];
  name: string;
  type: string[];
  credentialSubject: {
    type: string[];
    verifiableCredential: Array<Record<string, unknown> & { credentialSubject: { achievement: unknown } }>;
    achievement: Array<{ humanCode: string; creditsAvailable?: number }>;
    identifier: unknown[];
  };
}

/** Verifies with the badge core's verifier: valid, no check failed. */
async function expectVerified(credential: unknown, with_: LoaderLike = loader) {
  const v = await verifyCredential(credential as Record<string, unknown>, with_);
  expect({ verdict: v.verdict, failed: v.checks.filter((x) => x.outcome === 'failed') }).toEqual({
    verdict: 'valid',
    failed: [],
  });
}

async function exportClr(pageSize: number, signer: ClrSigner = { key, loader }) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const result = await streamExport(
    database.db,
    { platformId, filters: {}, format: 'clr', afterSeq: 0, timeZone: 'America/Toronto', pageSize },
    out,
    (f) => (f === 'clr' ? clrWriter(signer) : basicWriters(f)),
  );
  out.end();
  const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
  return { result, credentials: lines.map((l) => JSON.parse(l) as Clr) };
}

describe('CLR 2.0', () => {
  test('one signed ClrCredential per learner holding something, verified', async () => {
    const { result, credentials } = await exportClr(2);
    expect(result.records).toBe(7);
    expect(result.rows).toBe(2); // ana and bob; cy's only award was revoked
    expect(credentials).toHaveLength(2);
    const ana = credentials.find((c) => c.name.startsWith('Ana Martin'))!;
    expect(ana.type).toEqual(['VerifiableCredential', 'ClrCredential']);
    expect(ana.credentialSubject.type).toEqual(['ClrSubject']);
    expect(ana.credentialSubject.verifiableCredential).toHaveLength(2); // math, chem; hist revoked
    expect(ana.credentialSubject.achievement.map((a) => a.humanCode).sort()).toEqual(['MC-chem', 'MC-math']);
    expect(ana.credentialSubject.identifier).toContainEqual(
      expect.objectContaining({ identityType: 'sourcedId', identityHash: 'SIS-ana' }),
    );
    for (const c of credentials) await expectVerified(c);
  }, 60_000);

  test('under the contexts a CLR 2.0 validator expects, each achievement a signed OB 3.0 credential', async () => {
    const { credentials } = await exportClr(100);
    for (const c of credentials) {
      expect(c['@context']).toEqual([
        'https://www.w3.org/ns/credentials/v2',
        'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      ]);
      expect(c['@context']).toEqual([...CLR_CONTEXTS]);
      c.credentialSubject.verifiableCredential.forEach((vc, i) => {
        // The CLR lists the very achievement each embedded credential is about.
        expect(c.credentialSubject.achievement[i]).toEqual(vc.credentialSubject.achievement);
      });
      // As 1EdTech's CLR validator does: every embedded AchievementCredential is checked on its own.
      for (const vc of c.credentialSubject.verifiableCredential) {
        expect(vc.type).toEqual(['VerifiableCredential', 'AchievementCredential']);
        expect(validateOpenBadgeCredential(vc)).toEqual({ valid: true, errors: [] });
        await expectVerified(vc);
      }
    }
  }, 60_000);

  test('an embedded achievement changed after signing fails, inside and out', async () => {
    const { credentials } = await exportClr(100);
    const tampered = structuredClone(credentials[0]!);
    const inner = tampered.credentialSubject.verifiableCredential[0]!;
    inner.validFrom = '2020-01-01T00:00:00Z';
    expect((await verifyCredential(inner, loader)).verdict).toBe('invalid');
    expect((await verifyCredential(tampered, loader)).verdict).toBe('invalid');
  }, 60_000);

  test('a claimed badge is embedded exactly as the learner holds it, in the edition they claimed', async () => {
    const deps = storeDeps(database.db);
    await withIssuerProfile(database.db, platformId);
    const { badge } = await issueBadge(
      deps,
      anaMath,
      { name: 'Ana Martin', email: 'ana@example.edu' },
      // French, while the export is in English: the CLR carries what Ana holds.
      { lang: 'fr' },
    );
    const signer: ClrSigner = {
      key: await currentIssuerKey(deps, platformId),
      loader: badgeLoader(database.db, deps.publicUrl),
      issued: (ids) => issuedCredentialsOfAwards(database.db, ids),
    };
    const { credentials } = await exportClr(100, signer);
    const ana = credentials.find((c) => c.name.startsWith('Ana Martin'))!;
    const embedded = ana.credentialSubject.verifiableCredential;
    expect(embedded).toContainEqual(badge.credentials.fr);
    expect(embedded).not.toContainEqual(badge.credentials.en);
    // The badge's achievement, listed in the CLR, keeps its Jalon terms: the badge's other
    // contexts follow CLR's three.
    expect(ana['@context']).toEqual([
      ...CLR_CONTEXTS,
      'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
      'https://jalon.example.edu/contexts/jalon/v1',
    ]);
    const other = embedded.find((vc) => vc.id !== badge.credentials.fr.id)!;
    expect(other.id).toMatch(/^urn:jalon:award:/); // chem, never claimed: signed for the CLR
    for (const c of [ana, ...embedded]) await expectVerified(c, signer.loader);
  }, 60_000);

  test('a changed credential no longer verifies', async () => {
    const { credentials } = await exportClr(100);
    const tampered = structuredClone(credentials[0]!);
    tampered.credentialSubject.achievement[0]!.creditsAvailable = 30;
    const v = await verifyCredential(tampered, loader);
    expect(v.verdict).toBe('invalid');
  }, 60_000);
});
