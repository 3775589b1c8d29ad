/**
 * Issuing and revoking badges for awards. `issueBadge` turns an award (and the definition
 * version it was earned under) into two signed OpenBadgeCredentials, French and English, that
 * share one revocation bit, and stores them; a second call returns the stored badge.
 * `revokeBadge` sets the bit, marks the award revoked and writes the audit line and the
 * transcript record, in one transaction.
 */
import { randomBytes } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  auditLog,
  awards,
  definitionVersions,
  images,
  issuedBadges,
  microcredentials,
  platforms,
  transcriptRecords,
} from '../db/schema/index.js';
import { translator } from '../i18n/index.js';
import { expiresAt } from '../microcredentials/expiry.js';
import type { LocalizedText, MicroCredentialDefinition } from '../microcredentials/definition.js';
import { getIssuerProfile } from '../platforms/issuer-profile.js';
import { appendTranscriptRecord } from '../transcripts/record.js';
import { buildCredential, CredentialInputError } from './credential.js';
import { newIdentitySalt, normaliseEmail } from './identity.js';
import { deriveUrnUuid, newUrnUuid } from './ids.js';
import { signCredential } from './signing.js';
import {
  allocateIndex,
  currentIssuerKey,
  issuerDid,
  openStatusList,
  setStatusBit,
  statusListUrl,
  verificationUrl,
  type BadgeStoreDeps,
} from './store.js';
import { createDocumentLoader } from './document-loader.js';
import type {
  AchievementInput,
  AssessmentType,
  Bilingual,
  CredentialInput,
  DeliveryMode,
  EvidenceInput,
  IdentityVerification,
  IssuerProfileInput,
  Lang,
  OpenBadgeCredential,
  ResultInput,
  Signed,
  StackTargetInput,
  Supervision,
} from './types.js';

/** Why a badge cannot be issued or revoked (codes are i18n keys under `claim:errors.`). */
export const BADGE_ERROR_CODES = [
  'no-award',
  'revoked',
  'expired',
  'bad-name',
  'bad-email',
  'not-issuable',
  'already-revoked',
  'not-issued',
] as const;
export type BadgeErrorCode = (typeof BADGE_ERROR_CODES)[number];

/** A refusal with a stable code a page can translate. */
export class BadgeError extends Error {
  constructor(
    readonly code: BadgeErrorCode,
    message: string = code,
  ) {
    super(message);
    this.name = 'BadgeError';
  }
}

/** Fixed namespace for Jalon's definition-version `urn:uuid`s (derived from the version's row id). */
const DEFINITION_NAMESPACE = 'urn:uuid:6c1f0b7e-2a4d-4e8b-9f3a-0d5e7c9b1a24';

/** The stable `urn:uuid` of a definition version. */
export const definitionVersionUrn = (definitionVersionId: string): string =>
  deriveUrnUuid(DEFINITION_NAMESPACE, `definition-version:${definitionVersionId}`);

/** An issued badge as stored. */
export type IssuedBadge = typeof issuedBadges.$inferSelect;

/** What others need to point at a badge (the registrar, e-mails, the learner page). */
export interface BadgeRef {
  badgeId: string;
  awardId: string;
  verificationUrl: string;
  /** The credential ids (`urn:uuid`) of the two editions. */
  credentialIds: Record<Lang, string>;
  issuedAt: Date;
}

/** The stored badge of an award, if it was claimed. */
export async function badgeOfAward(db: Db, awardId: string): Promise<IssuedBadge | undefined> {
  const [row] = await db.select().from(issuedBadges).where(eq(issuedBadges.awardId, awardId));
  return row;
}

/** A badge by its public id. */
export async function badgeById(db: Db, badgeId: string): Promise<IssuedBadge | undefined> {
  if (!/^[a-z0-9-]{8,64}$/.test(badgeId)) return undefined;
  const [row] = await db.select().from(issuedBadges).where(eq(issuedBadges.id, badgeId));
  return row;
}

/** The reference of a stored badge. */
export function badgeRef(publicUrl: string, row: IssuedBadge): BadgeRef {
  return {
    badgeId: row.id,
    awardId: row.awardId,
    verificationUrl: verificationUrl(publicUrl, row.id),
    credentialIds: { fr: String(row.credentials.fr.id), en: String(row.credentials.en.id) },
    issuedAt: row.issuedAt,
  };
}

/** For the registrar: the badge id and verification URL of an award, or undefined if unclaimed. */
export async function badgeRefForAward(
  db: Db,
  publicUrl: string,
  awardId: string,
): Promise<BadgeRef | undefined> {
  const row = await badgeOfAward(db, awardId);
  return row ? badgeRef(publicUrl, row) : undefined;
}

/** The issued badges of many awards at once, by award id (awards never claimed are absent). */
async function badgesOfAwards(db: Db, awardIds: readonly string[]) {
  if (awardIds.length === 0) return [];
  return db
    .select()
    .from(issuedBadges)
    .where(inArray(issuedBadges.awardId, [...awardIds]));
}

/** For exports: the badge references of many awards at once (awards never claimed are absent). */
export async function badgeRefsForAwards(
  db: Db,
  publicUrl: string,
  awardIds: readonly string[],
): Promise<Map<string, BadgeRef>> {
  const rows = await badgesOfAwards(db, awardIds);
  return new Map(rows.map((row) => [row.awardId, badgeRef(publicUrl, row)]));
}

/**
 * For the CLR export: the signed credential each learner holds, by award id (the edition in
 * the language they claimed in; awards never claimed are absent), so a learner's record
 * embeds the very credentials they hold.
 */
export async function issuedCredentialsOfAwards(
  db: Db,
  awardIds: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const rows = await badgesOfAwards(db, awardIds);
  return new Map(rows.map((row) => [row.awardId, row.credentials[row.lang]]));
}

// ---- From the definition's words to the badge core's ----

const both = (t: LocalizedText | undefined): Bilingual | undefined => {
  const fr = t?.fr?.trim() || t?.en?.trim();
  const en = t?.en?.trim() || t?.fr?.trim();
  return fr && en ? { fr, en } : undefined;
};
const must = (t: LocalizedText | undefined, field: string): Bilingual => {
  const b = both(t);
  if (!b) throw new BadgeError('not-issuable', `definition field ${field} is empty`);
  return b;
};
const translated = (key: string, params: Record<string, unknown> = {}): Bilingual => ({
  fr: translator('fr')(key, params),
  en: translator('en')(key, params),
});

const DELIVERY: Record<MicroCredentialDefinition['deliveryMode'], DeliveryMode> = {
  online: 'online',
  on_site: 'onsite',
  hybrid: 'hybrid',
};
const ASSESSMENT: Record<MicroCredentialDefinition['assessmentTypes'][number], AssessmentType> = {
  test: 'test',
  practical_demonstration: 'practical-demonstration',
  portfolio: 'portfolio',
  project: 'project',
  presentation: 'presentation',
  observation: 'observation',
  other: 'other',
};
const SUPERVISION: Record<MicroCredentialDefinition['supervision']['kind'], Supervision> = {
  none: 'unsupervised',
  online_proctored: 'online-proctored',
  in_person: 'supervised',
};
const IDENTITY: Record<
  MicroCredentialDefinition['supervision']['identityVerification'],
  IdentityVerification
> = {
  none: 'none',
  lms_login: 'institutional-login',
  photo_id: 'photo-id',
  other: 'other',
};

/** Public URL of an image of the `images` table (badge artwork, issuer logo). */
export const imageUrl = (publicUrl: string, imageId: string): string =>
  `${publicUrl.replace(/\/+$/, '')}/badges/images/${imageId}`;

/** The achievement (one definition version, both languages) as the credential builder takes it. */
export function achievementInput(
  def: MicroCredentialDefinition,
  definitionVersionId: string,
  version: number,
  publicUrl: string,
): AchievementInput {
  const r = def.assessment;
  const items = r.summative.map((i) => i.ref.label).join(', ');
  const threshold = r.passThreshold;
  const criteria = translated('claim:credential.criteria', { items, threshold });
  const details = both(def.assessmentDetails);
  const stacking = def.stacking;
  const stacksTowards: StackTargetInput[] = [];
  if (stacking.kind === 'stackable')
    stacksTowards.push({
      name: must(stacking.towards, 'stacking.towards'),
      ...(stacking.url && { url: stacking.url }),
    });
  if (stacking.kind === 'integrated' && both(stacking.into))
    stacksTowards.push({ name: both(stacking.into) as Bilingual });
  const description = must(def.description, 'description');
  const purpose = both(def.purpose);
  const input: AchievementInput = {
    id: definitionVersionUrn(definitionVersionId),
    version: String(version),
    name: must(def.title, 'title'),
    description: purpose
      ? { fr: `${description.fr}\n\n${purpose.fr}`, en: `${description.en}\n\n${purpose.en}` }
      : description,
    criteria: details ? { fr: `${criteria.fr} ${details.fr}`, en: `${criteria.en} ${details.en}` } : criteria,
    learningOutcomes: def.learningOutcomes.map((o, i) => must(o, `learningOutcomes[${i}]`)),
    assessmentName: { fr: items, en: items },
    assessmentTypes: def.assessmentTypes.map((a) => ASSESSMENT[a]),
    deliveryMode: DELIVERY[def.deliveryMode],
    notionalHours: def.notionalHours,
    supervision: SUPERVISION[def.supervision.kind],
    identityVerification: IDENTITY[def.supervision.identityVerification],
    learnerOutcomes: def.learnerOutcomes,
    stackability:
      stacking.kind === 'stand_alone'
        ? 'standalone'
        : stacking.kind === 'integrated'
          ? 'integrated'
          : 'stackable',
  };
  if (def.credits !== undefined) input.creditsAvailable = def.credits;
  const prerequisites = both(def.prerequisites);
  if (prerequisites) input.prerequisites = prerequisites;
  const qa = both(def.qualityAssurance.name);
  if (qa)
    input.qualityAssurance = { name: qa, ...(def.qualityAssurance.url && { url: def.qualityAssurance.url }) };
  if (stacksTowards.length > 0) input.stacksTowards = stacksTowards;
  const level = both(def.level);
  if (level) input.learningLevel = level;
  const alignments = def.alignments.flatMap((a) => {
    const name = both(a.name);
    if (!name) return [];
    const framework = both(a.framework);
    return [
      {
        targetName: name,
        targetUrl: a.url,
        ...(a.code && { targetCode: a.code }),
        ...(framework && { targetFramework: framework }),
      },
    ];
  });
  if (alignments.length > 0) input.alignments = alignments;
  if (def.imageId) input.image = { id: imageUrl(publicUrl, def.imageId), caption: input.name };
  return input;
}

/** The learner's confirmed name and e-mail. */
export interface Recipient {
  name: string;
  email: string;
}

/** Checks and normalises the claim form. @throws BadgeError bad-name / bad-email */
export function checkRecipient(input: { name?: unknown; email?: unknown }): Recipient {
  const name = typeof input.name === 'string' ? input.name.trim().replace(/\s+/g, ' ') : '';
  // eslint-disable-next-line no-control-regex
  if (name.length < 1 || name.length > 120 || /[\u0000-\u001f<>]/.test(name))
    throw new BadgeError('bad-name', 'the name must be 1 to 120 characters');
  const email = typeof input.email === 'string' ? input.email.trim() : '';
  if (email.length > 254 || !/^[^@\s<>"]+@[^@\s<>".]+(\.[^@\s<>".]+)+$/.test(email))
    throw new BadgeError('bad-email', 'not an e-mail address');
  return { name, email: normaliseEmail(email) };
}

/** Everything read from the database about one award. */
async function loadAward(db: Db, awardId: string) {
  const [row] = await db
    .select({ award: awards, mc: microcredentials, dv: definitionVersions, platform: platforms })
    .from(awards)
    .innerJoin(microcredentials, eq(microcredentials.id, awards.microcredentialId))
    .innerJoin(definitionVersions, eq(definitionVersions.id, awards.definitionVersionId))
    .innerJoin(platforms, eq(platforms.id, microcredentials.platformId))
    .where(eq(awards.id, awardId));
  return row;
}

/** The issuer Profile from the platform's issuer profile (or, unset, the platform's name and Jalon's URL). */
async function issuerInput(
  deps: BadgeStoreDeps,
  platformId: string,
  platformName: string,
  fallbackEmail: string,
): Promise<IssuerProfileInput> {
  const profile = await getIssuerProfile(deps.db, platformId);
  const id = issuerDid(deps.publicUrl, platformId);
  if (!profile) return { id, name: platformName, url: deps.publicUrl, email: fallbackEmail };
  const name = both(profile.name) ?? { fr: platformName, en: platformName };
  return {
    id,
    name,
    url: profile.url,
    email: profile.email,
    ...(profile.imageId && { image: imageUrl(deps.publicUrl, profile.imageId) }),
  };
}

/** Options of {@link issueBadge}. */
export interface IssueOptions {
  /** Language of the claim (the edition offered first). */
  lang?: Lang;
  now?: Date;
  /** Issuer e-mail when the platform has no issuer profile yet. */
  fallbackEmail?: string;
}

/**
 * Issues the award's badge (both editions, signed, stored), or returns the one already issued.
 * @throws BadgeError no-award, revoked, expired, bad-name, bad-email, not-issuable
 */
export async function issueBadge(
  deps: BadgeStoreDeps,
  awardId: string,
  recipientInput: { name?: unknown; email?: unknown },
  options: IssueOptions = {},
): Promise<{ badge: IssuedBadge; created: boolean }> {
  const existing = await badgeOfAward(deps.db, awardId);
  if (existing) return { badge: existing, created: false };
  const loaded = await loadAward(deps.db, awardId);
  if (!loaded) throw new BadgeError('no-award');
  const { award, mc, dv, platform } = loaded;
  if (award.status === 'revoked') throw new BadgeError('revoked');
  const recipient = checkRecipient(recipientInput);
  const def = dv.definition as MicroCredentialDefinition;
  const now = options.now ?? new Date();
  const expiry = expiresAt(def.expiry, award.awardedAt);
  if (expiry && Date.parse(expiry) <= now.getTime()) throw new BadgeError('expired');

  const achievement = achievementInput(def, dv.id, dv.version, deps.publicUrl);
  const issuer = await issuerInput(
    deps,
    platform.id,
    platform.name,
    options.fallbackEmail ?? `no-reply@${new URL(deps.publicUrl).hostname}`,
  );
  const threshold = def.assessment.passThreshold;
  // An instructor may award without a score. The credential then says so (a Status result) and
  // states no score: writing the threshold there would claim a mark the learner never got.
  if (award.score === null && award.decidedBy !== 'manual')
    throw new BadgeError('not-issuable', 'an award decided by the policy has no score');
  const score = award.score === null ? undefined : Number(award.score);
  const salt = newIdentitySalt();
  const attempt = award.passingAttempt ?? 1;
  const result: ResultInput =
    score === undefined
      ? {
          kind: 'decision',
          thresholdPercent: threshold,
          decisionName: translated('claim:credential.decisionName'),
          ...(award.passingAttempt !== null && { attemptNumber: award.passingAttempt }),
          byPriorLearning: award.byPriorLearning,
        }
      : {
          score,
          thresholdPercent: threshold,
          attemptNumber: attempt,
          byPriorLearning: award.byPriorLearning,
        };
  const course = mc.courseTitle ?? mc.contextId;
  const evidence: EvidenceInput =
    score === undefined
      ? {
          name: translated('claim:credential.decisionName'),
          narrative: translated('claim:credential.evidenceDecision', { course }),
        }
      : {
          name: translated('claim:credential.evidenceName', { attempt }),
          narrative: translated(
            award.byPriorLearning ? 'claim:credential.evidencePrior' : 'claim:credential.evidence',
            { attempt, score, threshold, course },
          ),
        };
  const badgeId = randomBytes(12).toString('hex');
  const lang = options.lang ?? 'fr';

  return deps.db.transaction(async (tx) => {
    const key = await currentIssuerKey(deps, platform.id, tx);
    const list = await openStatusList(deps, platform.id, tx);
    const index = await allocateIndex(tx, list);
    const loader = createDocumentLoader({ publicUrl: deps.publicUrl });
    const credentials = {} as Record<Lang, Signed<OpenBadgeCredential>>;
    for (const l of ['fr', 'en'] as const) {
      const input: CredentialInput = {
        id: newUrnUuid(),
        lang: l,
        publicUrl: deps.publicUrl,
        issuer,
        achievement,
        learner: { name: recipient.name, email: recipient.email, identitySalt: salt },
        result,
        dates: {
          awarded: award.awardedAt,
          issued: now,
          ...(expiry && { validUntil: new Date(expiry) }),
          ...(def.assessment.startAt && { activityStart: new Date(def.assessment.startAt) }),
          activityEnd: new Date(Math.min(Date.parse(def.assessment.endAt), award.awardedAt.getTime())),
        },
        status: { statusListCredential: statusListUrl(deps.publicUrl, list.id), statusListIndex: index },
        evidence: [evidence],
      };
      if (
        input.dates.activityStart &&
        input.dates.activityEnd &&
        input.dates.activityEnd < input.dates.activityStart
      )
        delete input.dates.activityStart;
      try {
        credentials[l] = await signCredential(buildCredential(input), key, loader, { now });
      } catch (e) {
        if (e instanceof CredentialInputError) throw new BadgeError('not-issuable', e.message);
        throw e;
      }
    }
    const inserted = await tx
      .insert(issuedBadges)
      .values({
        id: badgeId,
        awardId,
        platformId: platform.id,
        credentials: credentials as unknown as Record<Lang, Record<string, unknown>>,
        lang,
        statusListId: list.id,
        statusIndex: index,
        recipientName: recipient.name,
        recipientEmail: recipient.email,
        identitySalt: salt,
        keyId: key.id,
        issuedAt: now,
      })
      .onConflictDoNothing({ target: issuedBadges.awardId })
      .returning();
    if (inserted[0]) {
      await tx.insert(auditLog).values({
        actor: `learner:${award.userId}`,
        action: 'badge.issue',
        subject: awardId,
        details: { badgeId, keyId: key.id },
      });
      return { badge: inserted[0], created: true };
    }
    const [raced] = await tx.select().from(issuedBadges).where(eq(issuedBadges.awardId, awardId));
    if (!raced) throw new Error('issued badge vanished');
    return { badge: raced, created: false };
  });
}

/**
 * Revokes an award: its badge's status bit is set and the list re-signed, the award is marked
 * revoked with the reason, an audit line and a `revoked` transcript record are written, all in
 * one transaction. An award that was never claimed is revoked too (it can then not be claimed).
 * @throws BadgeError no-award, already-revoked
 */
export async function revokeBadge(
  deps: BadgeStoreDeps,
  awardId: string,
  reason: string,
  by: string,
  now: Date = new Date(),
): Promise<void> {
  const why = reason.trim();
  if (why === '' || why.length > 1000) throw new BadgeError('not-issuable', 'a reason is required');
  await deps.db.transaction(async (tx) => {
    const [award] = await tx.select().from(awards).where(eq(awards.id, awardId)).for('update');
    if (!award) throw new BadgeError('no-award');
    if (award.status === 'revoked') throw new BadgeError('already-revoked');
    const [badge] = await tx.select().from(issuedBadges).where(eq(issuedBadges.awardId, awardId));
    if (badge) await setStatusBit(deps, tx, badge.statusListId, badge.statusIndex, true);
    await tx
      .update(awards)
      .set({ status: 'revoked', revokedAt: now, revokedReason: why })
      .where(eq(awards.id, awardId));
    await tx.insert(auditLog).values({
      actor: by,
      action: 'badge.revoke',
      subject: awardId,
      details: { reason: why, ...(badge && { badgeId: badge.id }) },
    });
    const [awarded] = await tx.select().from(transcriptRecords).where(eq(transcriptRecords.awardId, awardId));
    if (awarded) {
      const { seq: _seq, id: _id, recordedAt: _at, ...rest } = awarded;
      await appendTranscriptRecord(tx, { ...rest, event: 'revoked', occurredAt: now, reason: why });
    } else {
      const [mc] = await tx
        .select()
        .from(microcredentials)
        .where(eq(microcredentials.id, award.microcredentialId));
      const [dv] = await tx
        .select()
        .from(definitionVersions)
        .where(eq(definitionVersions.id, award.definitionVersionId));
      const def = dv?.definition as MicroCredentialDefinition | undefined;
      await appendTranscriptRecord(tx, {
        event: 'revoked',
        awardId,
        microcredentialId: award.microcredentialId,
        definitionVersionId: award.definitionVersionId,
        platformId: mc?.platformId ?? '',
        contextId: mc?.contextId ?? '',
        courseTitle: mc?.courseTitle ?? null,
        learnerId: award.userId,
        learnerName: badge?.recipientName ?? award.learnerName,
        learnerEmail: badge?.recipientEmail ?? award.learnerEmail,
        title: def?.title ?? {},
        essentials: {},
        score: award.score,
        passingAttempt: award.passingAttempt,
        byPriorLearning: award.byPriorLearning,
        decidedBy: award.decidedBy,
        occurredAt: now,
        reason: why,
      });
    }
  });
}

/** Loads an image of the `images` table for the public routes. */
export async function publicImage(db: Db, imageId: string) {
  if (!/^[0-9a-f]{64}$/.test(imageId)) return undefined;
  const [row] = await db.select().from(images).where(eq(images.id, imageId));
  return row;
}
