/**
 * Issuing and revoking on a real database: every element of the definition lands in the
 * credential, both editions pass the 1EdTech schema and Jalon's verifier, a second claim returns
 * the same badge, one changed byte fails, a revoked or expired badge is never reported valid, and a
 * revocation writes the award, the audit line and the transcript record together.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eq, sql } from 'drizzle-orm';
import { auditLog, awards, issuedBadges, transcriptRecords } from '../../src/db/schema/index.js';
import {
  badgeRefForAward,
  badgeRefsForAwards,
  BadgeError,
  issueBadge,
  revokeBadge,
} from '../../src/badges/issuance.js';
import { validateOpenBadgeCredential } from '../../src/badges/schema.js';
import { verifyCredential } from '../../src/badges/signing.js';
import { emailIdentityMatches } from '../../src/badges/identity.js';
import {
  badgeLoader,
  issuerDid,
  issuerDidDocument,
  rotateIssuerKey,
  type BadgeStoreDeps,
} from '../../src/badges/store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { addAward, definition, storeDeps, withIssuerProfile } from './award-fixtures.js';

/** The credential read as loose JSON (the assertions below name the fields). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

let database: TestDatabase;
let deps: BadgeStoreDeps;
let platformId: string;
const ana = { name: '  Ana   Tremblay ', email: 'Ana.Tremblay@Example.com' };

beforeAll(async () => {
  database = await createTestDatabase();
  deps = storeDeps(database.db);
  platformId = await addPlatformRow(database.db);
  await withIssuerProfile(database.db, platformId);
}, 60_000);

afterAll(async () => {
  await database?.close();
});

const count = async (table: string) =>
  Number(
    (
      (await database.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as {
        rows: Array<{ n: number }>;
      }
    ).rows[0]?.n,
  );

describe('issueBadge', () => {
  test('issues both editions with every essential element, schema-valid and verifiable', async () => {
    const { awardId } = await addAward(database.db, platformId);
    const { badge, created } = await issueBadge(deps, awardId, ana, { lang: 'en' });
    expect(created).toBe(true);
    expect(badge.recipientName).toBe('Ana Tremblay');
    const loader = badgeLoader(database.db, deps.publicUrl);
    for (const lang of ['fr', 'en'] as const) {
      const vc = badge.credentials[lang] as Loose;
      expect(validateOpenBadgeCredential(vc)).toEqual({ valid: true, errors: [] });
      const result = await verifyCredential(vc, loader);
      expect(result.checks.filter((c) => c.outcome !== 'passed' && c.id !== 'expiry')).toEqual([]);
      expect(result.verdict).toBe('valid');
      expect(vc.issuer).toMatchObject({
        id: issuerDid(deps.publicUrl, platformId),
        url: 'https://college.example.edu',
      });
      expect(vc.issuer.name).toBe(lang === 'fr' ? 'Collège Boréal' : 'Boreal College');
      const a = vc.credentialSubject.achievement;
      expect(a.inLanguage).toBe(lang);
      expect(a.related[0].inLanguage).toBe(lang === 'fr' ? 'en' : 'fr');
      expect(a.name).toBe(lang === 'fr' ? 'Premiers soins en milieu de travail' : 'Workplace first aid');
      expect(a).toMatchObject({
        notionalHours: 15,
        creditsAvailable: 0.5,
        deliveryMode: 'hybrid',
        assessmentType: ['test', 'practical-demonstration'],
        supervision: 'supervised',
        identityVerification: 'photo-id',
        learnerOutcome: ['badge'],
        stackability: 'stackable',
        learningLevel: lang === 'fr' ? 'Introduction' : 'Introductory',
      });
      expect(a.resultDescription[0]).toMatchObject({ resultType: 'Percent', requiredValue: '80' });
      expect(a.criteria.narrative).toContain('80');
      expect(a.alignment[0]).toMatchObject({
        targetUrl: 'https://example.org/csa-z1210',
        targetCode: 'Z1210',
      });
      expect(a.qualityAssurance.name).toBe('Comité des programmes');
      expect(a.stacksTowards[0].name).toBe(lang === 'fr' ? 'Certificat en santé' : 'Health certificate');
      expect(vc.credentialSubject.result[0]).toMatchObject({ value: '86', attemptNumber: 2 });
      expect(vc.credentialSubject.byPriorLearning).toBe(false);
      expect(vc.credentialSubject.name).toBe('Ana Tremblay');
      expect(emailIdentityMatches(vc.credentialSubject.identifier[0], 'ana.tremblay@example.com')).toBe(true);
      expect(JSON.stringify(vc)).not.toContain('ana.tremblay@example.com');
      // Three-year expiry from the award date.
      expect(Date.parse(vc.validUntil) - Date.parse(vc.awardedDate)).toBeGreaterThan(
        3 * 365 * 86_400_000 - 2 * 86_400_000,
      );
      expect(vc.credentialStatus.statusListIndex).toBe(String(badge.statusIndex));
    }
    expect(badge.credentials.fr.credentialStatus).toEqual(badge.credentials.en.credentialStatus);
    const refs = await badgeRefsForAwards(database.db, deps.publicUrl, [awardId, 'aw-unclaimed']);
    expect([...refs.keys()]).toEqual([awardId]);
    const ref = await badgeRefForAward(database.db, deps.publicUrl, awardId);
    expect(ref).toMatchObject({
      badgeId: badge.id,
      verificationUrl: `https://jalon.example.edu/badges/${badge.id}`,
    });
  });

  test('a second claim returns the stored badge, even with other details; concurrent claims make one', async () => {
    const { awardId } = await addAward(database.db, platformId, { userId: 'learner-2' });
    const [a, b] = await Promise.all([issueBadge(deps, awardId, ana), issueBadge(deps, awardId, ana)]);
    expect(a.badge.id).toBe(b.badge.id);
    const again = await issueBadge(deps, awardId, { name: 'Someone Else', email: 'x@example.com' });
    expect(again).toMatchObject({ created: false, badge: { id: a.badge.id, recipientName: 'Ana Tremblay' } });
    const rows = await database.db.select().from(issuedBadges).where(eq(issuedBadges.awardId, awardId));
    expect(rows).toHaveLength(1);
  });

  test('bad input is refused with a code, and nothing is stored', async () => {
    const { awardId } = await addAward(database.db, platformId, { userId: 'learner-3' });
    const before = await count('issued_badges');
    await expect(issueBadge(deps, awardId, { name: '', email: 'a@b.ca' })).rejects.toMatchObject({
      code: 'bad-name',
    });
    await expect(issueBadge(deps, awardId, { name: '<script>', email: 'a@b.ca' })).rejects.toMatchObject({
      code: 'bad-name',
    });
    await expect(issueBadge(deps, awardId, { name: 'Ana', email: 'not-an-address' })).rejects.toMatchObject({
      code: 'bad-email',
    });
    await expect(issueBadge(deps, awardId, { name: 42, email: ['a@b.ca'] })).rejects.toBeInstanceOf(
      BadgeError,
    );
    await expect(issueBadge(deps, 'aw-forged', ana)).rejects.toMatchObject({ code: 'no-award' });
    expect(await count('issued_badges')).toBe(before);
  });

  test('one changed byte makes the credential invalid', async () => {
    const { awardId } = await addAward(database.db, platformId, { userId: 'learner-4' });
    const { badge } = await issueBadge(deps, awardId, ana);
    const loader = badgeLoader(database.db, deps.publicUrl);
    const text = JSON.stringify(badge.credentials.en).replace('"value":"86"', '"value":"96"');
    const forged = await verifyCredential(JSON.parse(text), loader);
    expect(forged.verdict).toBe('invalid');
    expect(forged.checks.find((c) => c.id === 'signature')?.outcome).toBe('failed');
  });

  test('an award earned through recognition of prior learning says so', async () => {
    const { awardId } = await addAward(database.db, platformId, {
      userId: 'learner-5',
      byPriorLearning: true,
    });
    const { badge } = await issueBadge(deps, awardId, ana);
    const vc = badge.credentials.fr as Loose;
    expect(vc.credentialSubject.byPriorLearning).toBe(true);
    expect(vc.credentialSubject.result[0].value).toBe('86');
    expect(vc.evidence[0].narrative).toContain('Reconnaissance des acquis');
  });

  test('an expired award cannot be claimed; an issued badge past its expiry reports expired', async () => {
    const def = definition({ expiry: { kind: 'after_award', amount: 10, unit: 'days' } });
    const old = await addAward(database.db, platformId, {
      userId: 'l-old',
      contextId: 'short',
      def,
      awardedAt: new Date(Date.now() - 20 * 86_400_000),
    });
    await expect(issueBadge(deps, old.awardId, ana)).rejects.toMatchObject({ code: 'expired' });
    const fresh = await addAward(database.db, platformId, { userId: 'l-new', contextId: 'short' });
    const { badge } = await issueBadge(deps, fresh.awardId, ana);
    const later = new Date(Date.now() + 30 * 86_400_000);
    const result = await verifyCredential(
      badge.credentials.en,
      badgeLoader(database.db, deps.publicUrl),
      later,
    );
    expect(result.verdict).toBe('expired');
    expect(result.valid).toBe(false);
  });

  test('after a key rotation, old badges still verify and new ones use the new key', async () => {
    const one = await addAward(database.db, platformId, { userId: 'rot-1' });
    const before = await issueBadge(deps, one.awardId, ana);
    await rotateIssuerKey(deps, platformId, 'admin');
    const two = await addAward(database.db, platformId, { userId: 'rot-2' });
    const after = await issueBadge(deps, two.awardId, ana);
    expect(after.badge.keyId).not.toBe(before.badge.keyId);
    const doc = await issuerDidDocument(database.db, deps.publicUrl, platformId);
    expect(doc?.assertionMethod).toEqual(expect.arrayContaining([before.badge.keyId, after.badge.keyId]));
    const loader = badgeLoader(database.db, deps.publicUrl);
    expect((await verifyCredential(before.badge.credentials.fr, loader)).verdict).toBe('valid');
    expect((await verifyCredential(after.badge.credentials.fr, loader)).verdict).toBe('valid');
  });
});

describe('revokeBadge', () => {
  test('sets the bit, marks the award, writes the audit line and the transcript record; never valid again', async () => {
    const { awardId } = await addAward(database.db, platformId, { userId: 'learner-r' });
    const { badge } = await issueBadge(deps, awardId, ana);
    const other = await addAward(database.db, platformId, { userId: 'learner-r2' });
    const kept = await issueBadge(deps, other.awardId, ana);
    await revokeBadge(deps, awardId, 'Academic misconduct', 'prof');
    const loader = badgeLoader(database.db, deps.publicUrl);
    for (const lang of ['fr', 'en'] as const) {
      const r = await verifyCredential(badge.credentials[lang], loader);
      expect(r.verdict).toBe('revoked');
      expect(r.valid).toBe(false);
    }
    // Another badge on the same list is untouched.
    expect((await verifyCredential(kept.badge.credentials.fr, loader)).verdict).toBe('valid');
    const [award] = await database.db.select().from(awards).where(eq(awards.id, awardId));
    expect(award).toMatchObject({ status: 'revoked', revokedReason: 'Academic misconduct' });
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.subject, awardId));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['badge.issue', 'badge.revoke']));
    const records = await database.db
      .select()
      .from(transcriptRecords)
      .where(eq(transcriptRecords.awardId, awardId));
    expect(records).toEqual([
      expect.objectContaining({ event: 'revoked', reason: 'Academic misconduct', learnerId: 'learner-r' }),
    ]);
    await expect(revokeBadge(deps, awardId, 'again', 'prof')).rejects.toMatchObject({
      code: 'already-revoked',
    });
    await expect(issueBadge(deps, awardId, ana)).resolves.toMatchObject({ created: false });
  });

  test('an unclaimed revoked award can no longer be claimed; a reason is required', async () => {
    const { awardId } = await addAward(database.db, platformId, { userId: 'learner-u' });
    await expect(revokeBadge(deps, awardId, '  ', 'prof')).rejects.toBeInstanceOf(BadgeError);
    await revokeBadge(deps, awardId, 'Entered by mistake', 'prof');
    await expect(issueBadge(deps, awardId, ana)).rejects.toMatchObject({ code: 'revoked' });
    await expect(revokeBadge(deps, 'aw-nope', 'x', 'prof')).rejects.toMatchObject({ code: 'no-award' });
  });
});
