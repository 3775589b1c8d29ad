/**
 * Builds an unsigned Open Badges 3.0 `OpenBadgeCredential` (VC 2.0 + OB 3.0.3 + Jalon's context)
 * from plain input. Pure: no clock, no randomness, no I/O — the same input gives the same JSON.
 */
import {
  jalonContextUrl,
  OB_EXTENSIONS_CONTEXT_URL,
  OB_V3_CONTEXT_URL,
  VC_V2_CONTEXT_URL,
} from './contexts/index.js';
import { emailIdentity } from './identity.js';
import { deriveUrnUuid, isUrnUuid } from './ids.js';
import type {
  AchievementInput,
  AchievementJson,
  Bilingual,
  BitstringStatusListEntryJson,
  CredentialInput,
  IssuerProfileInput,
  Lang,
  OpenBadgeCredential,
  ProfileJson,
  ResultInput,
  ResultJson,
  StatusEntryInput,
} from './types.js';

/** Published URL of the 1EdTech OB 3.0 AchievementCredential JSON Schema (cited in `credentialSchema`). */
export const OB_SCHEMA_URL =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';

/** How far `validFrom` is set before the issue time, so a verifier with a slightly slow clock accepts it. */
export const VALID_FROM_BACKDATE_MS = 60_000;

/** Thrown when the builder's input is inconsistent (a programming error upstream, not a person's mistake). */
export class CredentialInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialInputError';
  }
}

/** The other language. */
export function otherLang(lang: Lang): Lang {
  return lang === 'fr' ? 'en' : 'fr';
}

/** Id of one language edition of a definition version (stable: derived from the version's `urn:uuid:`). */
export function achievementEditionId(definitionVersionId: string, lang: Lang): string {
  return deriveUrnUuid(definitionVersionId, `achievement:${lang}`);
}

/** Id of the result description (the summative assessment) of one language edition. */
export function resultDescriptionId(definitionVersionId: string, lang: Lang): string {
  return deriveUrnUuid(definitionVersionId, `result-description:${lang}`);
}

/**
 * Id of the "decided by the instructor" result description of one achievement edition. It is
 * derived from the edition's id (which the credential carries), so a reader of the credential alone
 * can tell Jalon's decision result apart from any other `Status` result.
 */
export function decisionResultDescriptionId(achievementEditionId: string): string {
  return deriveUrnUuid(achievementEditionId, 'result-description:instructor-decision');
}

/** The revocation entry pointing at a status list bit. */
export function statusEntry(input: StatusEntryInput): BitstringStatusListEntryJson {
  const { statusListCredential: url, statusListIndex: index } = input;
  assertUrl(url, 'status.statusListCredential');
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new CredentialInputError('status.statusListIndex must be a non-negative integer');
  }
  return {
    id: `${url}#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(index),
    statusListCredential: url,
  };
}

/** ISO 8601 in UTC, whole seconds (what the VC date regex and the OB schema both accept). */
export function isoSeconds(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new CredentialInputError('invalid date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function text(value: string | Bilingual, lang: Lang, field: string): string {
  const s = typeof value === 'string' ? value : value[lang];
  if (typeof s !== 'string' || s.trim() === '')
    throw new CredentialInputError(`${field} is empty in "${lang}"`);
  return s;
}

function assertUrl(value: string, field: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CredentialInputError(`${field} is not an absolute URL: ${value}`);
  }
  if (!['https:', 'http:', 'data:'].includes(url.protocol)) {
    throw new CredentialInputError(`${field} must be an http(s) or data: URL: ${value}`);
  }
}

function assertPercent(value: number, field: string): void {
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new CredentialInputError(`${field} must be a percentage between 0 and 100`);
  }
}

function nonEmpty<T>(list: readonly T[], field: string): T[] {
  if (list.length === 0) throw new CredentialInputError(`${field} needs at least one entry`);
  return [...list];
}

function buildIssuer(issuer: IssuerProfileInput, lang: Lang): ProfileJson {
  if (!/^did:web:[^#?]+$/.test(issuer.id)) throw new CredentialInputError(`issuer.id must be a did:web DID`);
  assertUrl(issuer.url, 'issuer.url');
  if (!/^[^@\s]+@[^@\s]+$/.test(issuer.email))
    throw new CredentialInputError('issuer.email is not an address');
  const profile: ProfileJson = {
    id: issuer.id,
    type: ['Profile'],
    name: text(issuer.name, lang, 'issuer.name'),
    url: issuer.url,
    email: issuer.email,
  };
  if (issuer.description) profile.description = text(issuer.description, lang, 'issuer.description');
  if (issuer.image) {
    assertUrl(issuer.image, 'issuer.image');
    profile.image = { id: issuer.image, type: 'Image' };
  }
  return profile;
}

function buildAchievement(a: AchievementInput, lang: Lang, result: ResultInput): AchievementJson {
  const thresholdPercent = result.thresholdPercent;
  if (!isUrnUuid(a.id)) throw new CredentialInputError('achievement.id must be a urn:uuid');
  if (!Number.isFinite(a.notionalHours) || a.notionalHours <= 0) {
    throw new CredentialInputError('achievement.notionalHours must be positive');
  }
  const other = otherLang(lang);
  const achievement: AchievementJson = {
    id: achievementEditionId(a.id, lang),
    type: ['Achievement'],
    achievementType: 'MicroCredential',
    name: text(a.name, lang, 'achievement.name'),
    description: text(a.description, lang, 'achievement.description'),
    criteria: { narrative: text(a.criteria, lang, 'achievement.criteria') },
    inLanguage: lang,
    version: a.version,
    related: [
      { id: achievementEditionId(a.id, other), type: ['Related'], inLanguage: other, version: a.version },
    ],
    resultDescription: [
      {
        id: resultDescriptionId(a.id, lang),
        type: ['ResultDescription'],
        name: text(a.assessmentName, lang, 'achievement.assessmentName'),
        resultType: 'Percent',
        requiredValue: String(thresholdPercent),
        valueMin: '0',
        valueMax: '100',
      },
    ],
    notionalHours: a.notionalHours,
    deliveryMode: a.deliveryMode,
    learningOutcomes: nonEmpty(a.learningOutcomes, 'achievement.learningOutcomes').map((o, i) =>
      text(o, lang, `achievement.learningOutcomes[${i}]`),
    ),
    assessmentType: nonEmpty(a.assessmentTypes, 'achievement.assessmentTypes'),
    supervision: a.supervision,
    identityVerification: a.identityVerification,
    learnerOutcome: nonEmpty(a.learnerOutcomes, 'achievement.learnerOutcomes'),
    stackability: a.stackability,
  };
  if (result.kind === 'decision') {
    // The assessment's Percent description stays (it is what the criteria name); the decision is
    // a second description the Result links to.
    achievement.resultDescription.push({
      id: decisionResultDescriptionId(achievement.id),
      type: ['ResultDescription'],
      name: text(result.decisionName, lang, 'result.decisionName'),
      resultType: 'Status',
    });
  }
  if (a.creditsAvailable !== undefined) {
    if (!Number.isFinite(a.creditsAvailable) || a.creditsAvailable < 0) {
      throw new CredentialInputError('achievement.creditsAvailable must be a non-negative number');
    }
    achievement.creditsAvailable = a.creditsAvailable;
  }
  if (a.prerequisites) achievement.prerequisites = text(a.prerequisites, lang, 'achievement.prerequisites');
  if (a.learningLevel) achievement.learningLevel = text(a.learningLevel, lang, 'achievement.learningLevel');
  if (a.fieldOfStudy) achievement.fieldOfStudy = text(a.fieldOfStudy, lang, 'achievement.fieldOfStudy');
  if (a.qualityAssurance) {
    const qa: { name: string; url?: string } = {
      name: text(a.qualityAssurance.name, lang, 'achievement.qualityAssurance.name'),
    };
    if (a.qualityAssurance.url) {
      assertUrl(a.qualityAssurance.url, 'achievement.qualityAssurance.url');
      qa.url = a.qualityAssurance.url;
    }
    achievement.qualityAssurance = qa;
  }
  if (a.stacksTowards && a.stacksTowards.length > 0) {
    achievement.stacksTowards = a.stacksTowards.map((t, i) => {
      const target: { name: string; url?: string } = {
        name: text(t.name, lang, `achievement.stacksTowards[${i}]`),
      };
      if (t.url) {
        assertUrl(t.url, `achievement.stacksTowards[${i}].url`);
        target.url = t.url;
      }
      return target;
    });
  }
  if (a.alignments && a.alignments.length > 0) {
    achievement.alignment = a.alignments.map((al, i) => {
      assertUrl(al.targetUrl, `achievement.alignments[${i}].targetUrl`);
      return {
        type: ['Alignment'] as ['Alignment'],
        targetName: text(al.targetName, lang, `achievement.alignments[${i}].targetName`),
        targetUrl: al.targetUrl,
        ...(al.targetType ? { targetType: al.targetType } : {}),
        ...(al.targetCode ? { targetCode: al.targetCode } : {}),
        ...(al.targetFramework ? { targetFramework: text(al.targetFramework, lang, 'targetFramework') } : {}),
        ...(al.targetDescription
          ? { targetDescription: text(al.targetDescription, lang, 'targetDescription') }
          : {}),
      };
    });
  }
  if (a.image) {
    assertUrl(a.image.id, 'achievement.image.id');
    achievement.image = {
      id: a.image.id,
      type: 'Image',
      ...(a.image.caption ? { caption: text(a.image.caption, lang, 'achievement.image.caption') } : {}),
    };
  }
  return achievement;
}

/**
 * Builds the unsigned credential for one language edition.
 * @throws CredentialInputError when the input is inconsistent (non-urn ids, score under the
 *   threshold, expiry before issue, empty texts, …)
 */
export function buildCredential(input: CredentialInput): OpenBadgeCredential {
  const { lang, result, dates, learner } = input;
  if (lang !== 'fr' && lang !== 'en') throw new CredentialInputError(`unsupported language: ${String(lang)}`);
  if (!isUrnUuid(input.id)) throw new CredentialInputError('credential id must be a urn:uuid');
  assertPercent(result.thresholdPercent, 'result.thresholdPercent');
  if (result.kind !== 'decision') {
    assertPercent(result.score, 'result.score');
    if (result.score < result.thresholdPercent) {
      throw new CredentialInputError('result.score is below the threshold: no micro-credential to issue');
    }
  }
  if (
    (result.kind !== 'decision' || result.attemptNumber !== undefined) &&
    (!Number.isSafeInteger(result.attemptNumber) || (result.attemptNumber ?? 0) < 1)
  ) {
    throw new CredentialInputError('result.attemptNumber must be a positive integer');
  }
  if (learner.name.trim() === '') throw new CredentialInputError('learner.name is empty');
  if (!/^[^@\s]+@[^@\s]+$/.test(learner.email.trim()))
    throw new CredentialInputError('learner.email is not an address');

  const issuedAt = dates.issued ?? dates.awarded;
  const validFrom = new Date(issuedAt.getTime() - VALID_FROM_BACKDATE_MS);
  if (dates.validUntil && dates.validUntil.getTime() <= issuedAt.getTime()) {
    throw new CredentialInputError('dates.validUntil must be after the issue date');
  }
  if (dates.activityStart && dates.activityEnd && dates.activityEnd < dates.activityStart) {
    throw new CredentialInputError('dates.activityEnd is before dates.activityStart');
  }

  const achievement = buildAchievement(input.achievement, lang, result);
  const resultJson: ResultJson =
    result.kind === 'decision'
      ? {
          type: ['Result'],
          resultDescription: decisionResultDescriptionId(achievement.id),
          status: 'Completed',
          ...(result.attemptNumber !== undefined && { attemptNumber: result.attemptNumber }),
        }
      : {
          type: ['Result'],
          resultDescription: achievement.resultDescription[0]?.id ?? '',
          value: String(result.score),
          status: 'Completed',
          attemptNumber: result.attemptNumber,
        };
  const credential: OpenBadgeCredential = {
    '@context': [
      VC_V2_CONTEXT_URL,
      OB_V3_CONTEXT_URL,
      OB_EXTENSIONS_CONTEXT_URL,
      jalonContextUrl(input.publicUrl),
    ],
    id: input.id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: achievement.name,
    description: achievement.description,
    issuer: buildIssuer(input.issuer, lang),
    validFrom: isoSeconds(validFrom),
    awardedDate: isoSeconds(dates.awarded),
    credentialSubject: {
      type: ['AchievementSubject'],
      name: learner.name.trim(),
      identifier: [emailIdentity(learner.email, learner.identitySalt)],
      achievement,
      result: [resultJson],
      byPriorLearning: result.byPriorLearning,
    },
    credentialStatus: statusEntry(input.status),
    credentialSchema: [{ id: OB_SCHEMA_URL, type: '1EdTechJsonSchemaValidator2019' }],
  };
  if (dates.validUntil) credential.validUntil = isoSeconds(dates.validUntil);
  const subject = credential.credentialSubject;
  if (achievement.creditsAvailable !== undefined) subject.creditsEarned = achievement.creditsAvailable;
  if (dates.activityStart) subject.activityStartDate = isoSeconds(dates.activityStart);
  if (dates.activityEnd) subject.activityEndDate = isoSeconds(dates.activityEnd);
  if (input.evidence && input.evidence.length > 0) {
    credential.evidence = input.evidence.map((e, i) => {
      if (e.id) assertUrl(e.id, `evidence[${i}].id`);
      return {
        type: ['Evidence'] as ['Evidence'],
        ...(e.id ? { id: e.id } : {}),
        ...(e.name ? { name: text(e.name, lang, `evidence[${i}].name`) } : {}),
        ...(e.narrative ? { narrative: text(e.narrative, lang, `evidence[${i}].narrative`) } : {}),
      };
    });
  }
  return credential;
}
