/**
 * An award the instructor decided without a score: the credential states the decision (an OB 3.0
 * `Status` result linked to a "decided by the instructor" result description) and no score
 * anywhere, passes the 1EdTech schema and Jalon's verifier, and the public verification page says
 * "Decided by the instructor" in fr and en. A policy award without a score is refused rather than
 * given an invented one.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { decisionResultDescriptionId } from '../../src/badges/credential.js';
import { BadgeError, issueBadge } from '../../src/badges/issuance.js';
import { validateOpenBadgeCredential } from '../../src/badges/schema.js';
import { verifyCredential } from '../../src/badges/signing.js';
import { badgeLoader, type BadgeStoreDeps } from '../../src/badges/store.js';
import { badgePublicRouter } from '../../src/web/badge-public.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { addAward, storeDeps, withIssuerProfile } from './award-fixtures.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

let database: TestDatabase;
let deps: BadgeStoreDeps;
let platformId: string;
let server: Server;
let base = '';
const ana = { name: 'Ana Tremblay', email: 'ana@example.com' };

beforeAll(async () => {
  database = await createTestDatabase();
  deps = storeDeps(database.db);
  platformId = await addPlatformRow(database.db);
  await withIssuerProfile(database.db, platformId);
  const app = express();
  app.use(badgePublicRouter({ db: database.db, publicUrl: deps.publicUrl }));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await database?.close();
});

/** Every `value` key anywhere in a JSON tree (OB puts scores in `Result.value`). */
const valuesIn = (node: unknown): unknown[] =>
  Array.isArray(node)
    ? node.flatMap(valuesIn)
    : node && typeof node === 'object'
      ? Object.entries(node).flatMap(([k, v]) => (k === 'value' ? [v, ...valuesIn(v)] : valuesIn(v)))
      : [];

describe('a manual decision without a score', () => {
  let badgeId = '';

  test('is issued with a Status result, no score anywhere, schema-valid and verifiable', async () => {
    const { awardId } = await addAward(database.db, platformId, {
      userId: 'manual-1',
      score: null,
      passingAttempt: null,
      decidedBy: 'manual',
    });
    const { badge } = await issueBadge(deps, awardId, ana, { lang: 'en' });
    badgeId = badge.id;
    const loader = badgeLoader(database.db, deps.publicUrl);
    for (const lang of ['fr', 'en'] as const) {
      const vc = badge.credentials[lang] as Loose;
      expect(validateOpenBadgeCredential(vc)).toEqual({ valid: true, errors: [] });
      expect((await verifyCredential(vc, loader)).verdict).toBe('valid');
      const a = vc.credentialSubject.achievement;
      const decisionId = decisionResultDescriptionId(a.id);
      expect(a.resultDescription).toEqual([
        expect.objectContaining({ resultType: 'Percent', requiredValue: '80' }),
        {
          id: decisionId,
          type: ['ResultDescription'],
          name: lang === 'fr' ? 'Décidé par la personne enseignante' : 'Decided by the instructor',
          resultType: 'Status',
        },
      ]);
      // No score, and no attempt either: the decision rests on neither.
      expect(vc.credentialSubject.result).toEqual([
        { type: ['Result'], resultDescription: decisionId, status: 'Completed' },
      ]);
      expect(valuesIn(vc)).toEqual([]);
      expect(vc.evidence).toHaveLength(1);
      expect(vc.evidence[0].narrative).toBe(
        lang === 'fr'
          ? 'Attribué par décision de la personne enseignante dans Premiers soins 101, sans note.'
          : 'Awarded by the instructor’s decision in Premiers soins 101, without a score.',
      );
      // The only percentage left is the pass mark the criteria and the assessment describe.
      const percents = JSON.stringify(vc).match(/\d+(?:[.,]\d+)?\s?%/g) ?? [];
      expect(new Set(percents.map((p) => p.replace(/\s/g, '')))).toEqual(new Set(['80%']));
    }
  });

  test('the verification page says it was decided by the instructor, in en and fr', async () => {
    const en = await (await fetch(`${base}/badges/${badgeId}?lang=en`)).text();
    expect(en).toContain('data-verdict="valid"');
    expect(en).toContain('Decided by the instructor');
    expect(en).not.toContain('pass mark');
    const fr = await (await fetch(`${base}/badges/${badgeId}?lang=fr&edition=fr`)).text();
    expect(fr).toContain('Décidé par la personne enseignante');
    expect(fr).not.toContain('seuil');
  });

  test('a manual decision with a score keeps the score', async () => {
    const { awardId } = await addAward(database.db, platformId, {
      userId: 'manual-2',
      score: '91.00',
      decidedBy: 'manual',
    });
    const { badge } = await issueBadge(deps, awardId, ana);
    const vc = badge.credentials.en as Loose;
    expect(vc.credentialSubject.result[0]).toMatchObject({ value: '91', attemptNumber: 2 });
    expect(vc.credentialSubject.achievement.resultDescription).toHaveLength(1);
  });

  test('a policy award without a score is refused, not given the threshold as its score', async () => {
    const { awardId } = await addAward(database.db, platformId, { userId: 'policy-null', score: null });
    await expect(issueBadge(deps, awardId, ana)).rejects.toMatchObject({
      constructor: BadgeError,
      code: 'not-issuable',
    });
  });
});
