/**
 * Awards for the badge tests, made the way the award flow makes them but inserted directly:
 * a platform, its issuer profile, a micro-credential with a definition version (through the
 * repository), and an `awards` row.
 */
import { randomBytes } from 'node:crypto';
import { createSealer } from '../../src/crypto/seal.js';
import type { Db } from '../../src/db/client.js';
import { awards } from '../../src/db/schema/index.js';
import { DefinitionRepository } from '../../src/definitions/repository.js';
import type { MicroCredentialDefinition } from '../../src/microcredentials/definition.js';
import { validateDefinition } from '../../src/microcredentials/definition-schema.js';
import { saveIssuerProfile } from '../../src/platforms/issuer-profile.js';
import type { BadgeStoreDeps } from '../../src/badges/store.js';
import { definitionInput } from '../microcredentials/fixtures.js';

/** A complete, valid definition (every essential element), with overrides. */
export function definition(overrides: Record<string, unknown> = {}): MicroCredentialDefinition {
  const input = {
    ...definitionInput(),
    code: 'MC-PS-101',
    credits: 0.5,
    level: { fr: 'Introduction', en: 'Introductory' },
    prerequisites: { fr: 'Aucun', en: 'None' },
    stacking: { kind: 'stackable', towards: { fr: 'Certificat en santé', en: 'Health certificate' } },
    ...overrides,
  };
  const v = validateDefinition(input);
  if (!v.ok) throw new Error(`bad fixture: ${JSON.stringify(v.errors)}`);
  return v.definition;
}

/** Badge-store dependencies over a test database. */
export function storeDeps(db: Db, publicUrl = 'https://jalon.example.edu'): BadgeStoreDeps {
  return { db, sealer: createSealer(randomBytes(32), 'badge-keys'), publicUrl };
}

/** Saves the platform's issuer profile. */
export async function withIssuerProfile(db: Db, platformId: string): Promise<void> {
  await saveIssuerProfile(
    db,
    platformId,
    {
      nameFr: 'Collège Boréal',
      nameEn: 'Boreal College',
      url: 'https://college.example.edu',
      email: 'mc@college.example.edu',
    },
    'test',
  );
}

/** Inserts an award of `userId` in the course `contextId` of the platform; returns its id. */
export async function addAward(
  db: Db,
  platformId: string,
  options: {
    userId?: string;
    contextId?: string;
    def?: MicroCredentialDefinition;
    awardedAt?: Date;
    score?: string | null;
    byPriorLearning?: boolean;
    decidedBy?: 'policy' | 'manual';
    passingAttempt?: number | null;
  } = {},
): Promise<{ awardId: string; microcredentialId: string; definitionVersionId: string }> {
  const repo = new DefinitionRepository(db);
  const mc = await repo.ensure({
    platformId,
    contextId: options.contextId ?? 'math',
    title: 'Premiers soins 101',
  });
  const latest = await repo.latest(mc.id);
  const version = latest ?? (await repo.save(mc.id, options.def ?? definition(), 'prof')).version;
  const awardId = `aw-${randomBytes(6).toString('hex')}`;
  await db.insert(awards).values({
    id: awardId,
    microcredentialId: mc.id,
    definitionVersionId: version.id,
    userId: options.userId ?? 'learner-1',
    learnerName: 'Ana Tremblay',
    learnerEmail: 'ana@example.com',
    score: options.score === undefined ? '86.00' : options.score,
    passingAttempt: options.passingAttempt === undefined ? 2 : options.passingAttempt,
    byPriorLearning: options.byPriorLearning ?? false,
    decidedBy: options.decidedBy ?? 'policy',
    awardedAt: options.awardedAt ?? new Date(Date.now() - 86_400_000),
  });
  return { awardId, microcredentialId: mc.id, definitionVersionId: version.id };
}
