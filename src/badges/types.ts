/**
 * Types of the badge core: the plain input the credential builder takes (one micro-credential
 * definition version in both languages, one learner, one result) and the JSON shapes it produces.
 */
import type { EmailIdentityObject } from './identity.js';

/** A language edition of a credential. Every credential is built in one language and names the other as `related`. */
export type Lang = 'fr' | 'en';

/** A text in both languages. */
export type Bilingual = Readonly<Record<Lang, string>>;

/** How the learner took part. */
export const DELIVERY_MODES = ['online', 'onsite', 'hybrid'] as const;
/** How the learner took part. */
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** What kind of summative assessment was used. */
export const ASSESSMENT_TYPES = [
  'test',
  'practical-demonstration',
  'portfolio',
  'project',
  'assignment',
  'presentation',
  'oral-examination',
  'observation',
  'other',
] as const;
/** What kind of summative assessment was used. */
export type AssessmentType = (typeof ASSESSMENT_TYPES)[number];

/** Who watched the assessment. */
export const SUPERVISIONS = ['supervised', 'unsupervised', 'online-proctored'] as const;
/** Who watched the assessment. */
export type Supervision = (typeof SUPERVISIONS)[number];

/** How the learner's identity was checked at assessment time. */
export const IDENTITY_VERIFICATIONS = [
  'none',
  'institutional-login',
  'photo-id',
  'in-person',
  'other',
] as const;
/** How the learner's identity was checked at assessment time. */
export type IdentityVerification = (typeof IDENTITY_VERIFICATIONS)[number];

/** What the credential gives the learner. */
export const LEARNER_OUTCOMES = ['credit', 'admission', 'badge'] as const;
/** What the credential gives the learner. */
export type LearnerOutcome = (typeof LEARNER_OUTCOMES)[number];

/** Whether the micro-credential stands alone, is part of a programme, or stacks towards a larger one. */
export const STACKABILITIES = ['standalone', 'integrated', 'stackable'] as const;
/** Whether the micro-credential stands alone, is part of a programme, or stacks towards a larger one. */
export type Stackability = (typeof STACKABILITIES)[number];

/** OB 3.0 AlignmentTargetType (an extensible enumeration: `ext:` values are allowed). */
export type AlignmentTargetType =
  | 'ceasn:Competency'
  | 'ceterms:Credential'
  | 'CFItem'
  | 'CFRubric'
  | 'CFRubricCriterion'
  | 'CFRubricCriterionLevel'
  | 'CTDL'
  | `ext:${string}`;

/** The issuing institution. */
export interface IssuerProfileInput {
  /** The issuer's DID (`did:web:…`); must be the controller of the signing key. */
  id: string;
  name: string | Bilingual;
  /** The institution's home page. */
  url: string;
  email: string;
  /** Logo: an https URL or a `data:` URI. */
  image?: string;
  description?: Bilingual;
}

/** A professional standard or competency framework item the micro-credential aligns to. */
export interface AlignmentInput {
  targetName: Bilingual;
  targetUrl: string;
  targetType?: AlignmentTargetType;
  targetCode?: string;
  targetFramework?: Bilingual;
  targetDescription?: Bilingual;
}

/** A larger credential this one stacks towards. */
export interface StackTargetInput {
  name: Bilingual;
  url?: string;
}

/** The quality assurance body that reviewed the micro-credential. */
export interface QualityAssuranceInput {
  name: Bilingual;
  url?: string;
}

/**
 * One version of a micro-credential definition, in both languages, with every element of the
 * "essential information" list (MISSION.md rule 6).
 */
export interface AchievementInput {
  /** `urn:uuid:` of this definition version; the fr/en editions' ids are derived from it. */
  id: string;
  /** Version label of the definition (e.g. "3"). */
  version: string;
  /** Title. */
  name: Bilingual;
  /** Description and purpose. */
  description: Bilingual;
  /** Criteria the learner met (narrative). */
  criteria: Bilingual;
  /** Learning outcomes, one text each. At least one. */
  learningOutcomes: readonly Bilingual[];
  /** Name of the summative assessment (the result description). */
  assessmentName: Bilingual;
  /** Kinds of summative assessment. At least one. */
  assessmentTypes: readonly AssessmentType[];
  deliveryMode: DeliveryMode;
  /** Notional hours of learning (micro-credentials run from about 8 to 200). */
  notionalHours: number;
  /** Credits, when the micro-credential carries any (OB: credit hours). */
  creditsAvailable?: number;
  /** Prerequisites, when there are any. */
  prerequisites?: Bilingual;
  supervision: Supervision;
  identityVerification: IdentityVerification;
  qualityAssurance?: QualityAssuranceInput;
  /** Outcomes for the learner. At least one. */
  learnerOutcomes: readonly LearnerOutcome[];
  stackability: Stackability;
  /** Larger credentials it stacks towards (for `stackable`/`integrated`). */
  stacksTowards?: readonly StackTargetInput[];
  /** Level of learning (e.g. introductory, advanced), in words. */
  learningLevel?: Bilingual;
  fieldOfStudy?: Bilingual;
  alignments?: readonly AlignmentInput[];
  /** Badge image: an https URL or a `data:` URI, with an optional caption. */
  image?: { id: string; caption?: Bilingual };
}

/** The learner the credential is awarded to. */
export interface LearnerInput {
  name: string;
  /** Hashed (salted) into the credential, never written in clear. */
  email: string;
  /** Salt of the e-mail hash; keep it with the award so a re-issue has the same identity. */
  identitySalt: string;
}

/** The learner's result on the summative assessment: a score that reached the threshold. */
export interface ScoredResultInput {
  kind?: 'score';
  /** Score in percent, 0–100. Must reach the threshold. */
  score: number;
  /** Pass threshold in percent, 0–100 (e.g. 80). */
  thresholdPercent: number;
  /** Which attempt passed (1 or 2 under the two-attempt rule). */
  attemptNumber: number;
  /** Earned through recognition of prior learning. */
  byPriorLearning: boolean;
}

/**
 * An award the instructor decided without a score. The credential then states that decision (an OB
 * `Status` result, `Completed`) and no score at all: writing the threshold as the score would
 * claim a mark the learner never got.
 */
export interface DecisionResultInput {
  kind: 'decision';
  /** Pass threshold of the assessment, still part of the achievement's description. */
  thresholdPercent: number;
  /** Name of the decision's result description, e.g. "Decided by the instructor". */
  decisionName: Bilingual;
  /** The passing attempt, when the decision rests on one. */
  attemptNumber?: number;
  byPriorLearning: boolean;
}

/** What the learner achieved: a score, or the instructor's decision. */
export type ResultInput = ScoredResultInput | DecisionResultInput;

/** Dates of the award. */
export interface AwardDatesInput {
  /** When the micro-credential was awarded (kept as `awardedDate` across re-issues). */
  awarded: Date;
  /** When this credential is issued (defaults to `awarded`); `validFrom` is one minute before. */
  issued?: Date;
  /** Expiry, where skills go stale. */
  validUntil?: Date;
  /** Period of learning. */
  activityStart?: Date;
  activityEnd?: Date;
}

/** Where the credential's revocation bit lives. */
export interface StatusEntryInput {
  /** URL the signed status list credential is served at (its `id`). */
  statusListCredential: string;
  statusListIndex: number;
}

/** Evidence of the learner's work (e.g. the summative attempt). */
export interface EvidenceInput {
  id?: string;
  name?: Bilingual;
  narrative?: Bilingual;
}

/** Everything the builder needs for one credential. */
export interface CredentialInput {
  /** `urn:uuid:` of the credential (one per award and language edition). */
  id: string;
  /** Language edition to build. */
  lang: Lang;
  /** The service's public base URL, for Jalon's context URL (`<publicUrl>/contexts/jalon/v1`). */
  publicUrl: string;
  issuer: IssuerProfileInput;
  achievement: AchievementInput;
  learner: LearnerInput;
  result: ResultInput;
  dates: AwardDatesInput;
  status: StatusEntryInput;
  evidence?: readonly EvidenceInput[];
}

/** OB 3.0 Image. */
export interface ImageJson {
  id: string;
  type: 'Image';
  caption?: string;
}

/** OB 3.0 Profile of the issuer. */
export interface ProfileJson {
  id: string;
  type: ['Profile'];
  name: string;
  url: string;
  email: string;
  image?: ImageJson;
  description?: string;
}

/** OB 3.0 Alignment. */
export interface AlignmentJson {
  type: ['Alignment'];
  targetName: string;
  targetUrl: string;
  targetType?: AlignmentTargetType;
  targetCode?: string;
  targetFramework?: string;
  targetDescription?: string;
}

/** OB 3.0 ResultDescription (the assessment and its threshold). */
export interface PercentResultDescriptionJson {
  id: string;
  type: ['ResultDescription'];
  name: string;
  resultType: 'Percent';
  requiredValue: string;
  valueMin: '0';
  valueMax: '100';
}

/** OB 3.0 ResultDescription of an instructor's decision (the linked Result carries `status`). */
export interface StatusResultDescriptionJson {
  id: string;
  type: ['ResultDescription'];
  name: string;
  resultType: 'Status';
}

/** OB 3.0 ResultDescription. */
export type ResultDescriptionJson = PercentResultDescriptionJson | StatusResultDescriptionJson;

/** OB 3.0 Achievement with Jalon's extension terms. */
export interface AchievementJson {
  id: string;
  type: ['Achievement'];
  achievementType: 'MicroCredential';
  name: string;
  description: string;
  criteria: { narrative: string };
  inLanguage: Lang;
  version: string;
  related: Array<{ id: string; type: ['Related']; inLanguage: Lang; version: string }>;
  resultDescription: ResultDescriptionJson[];
  alignment?: AlignmentJson[];
  creditsAvailable?: number;
  fieldOfStudy?: string;
  image?: ImageJson;
  notionalHours: number;
  deliveryMode: DeliveryMode;
  learningOutcomes: string[];
  assessmentType: AssessmentType[];
  supervision: Supervision;
  identityVerification: IdentityVerification;
  learnerOutcome: LearnerOutcome[];
  stackability: Stackability;
  stacksTowards?: Array<{ name: string; url?: string }>;
  prerequisites?: string;
  qualityAssurance?: { name: string; url?: string };
  learningLevel?: string;
}

/** OB 3.0 Result with Jalon's `attemptNumber`; no `value` for an instructor's decision. */
export interface ResultJson {
  type: ['Result'];
  resultDescription: string;
  value?: string;
  status: 'Completed';
  attemptNumber?: number;
}

/** OB 3.0 AchievementSubject (the learner). */
export interface AchievementSubjectJson {
  type: ['AchievementSubject'];
  name: string;
  identifier: EmailIdentityObject[];
  achievement: AchievementJson;
  result: ResultJson[];
  byPriorLearning: boolean;
  creditsEarned?: number;
  activityStartDate?: string;
  activityEndDate?: string;
}

/** Bitstring Status List entry for revocation. */
export interface BitstringStatusListEntryJson {
  id: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: 'revocation';
  statusListIndex: string;
  statusListCredential: string;
}

/** An unsigned OB 3.0 OpenBadgeCredential as Jalon builds it. */
export interface OpenBadgeCredential {
  '@context': string[];
  id: string;
  type: ['VerifiableCredential', 'OpenBadgeCredential'];
  name: string;
  description: string;
  issuer: ProfileJson;
  validFrom: string;
  validUntil?: string;
  awardedDate: string;
  credentialSubject: AchievementSubjectJson;
  credentialStatus: BitstringStatusListEntryJson;
  credentialSchema: Array<{ id: string; type: '1EdTechJsonSchemaValidator2019' }>;
  evidence?: Array<{ type: ['Evidence']; id?: string; name?: string; narrative?: string }>;
}

/** A Data Integrity proof as `eddsa-rdfc-2022` writes it. */
export interface DataIntegrityProofJson {
  type: 'DataIntegrityProof';
  cryptosuite: 'eddsa-rdfc-2022';
  created: string;
  verificationMethod: string;
  proofPurpose: 'assertionMethod';
  proofValue: string;
}

/** Any credential Jalon signs: it has an issuer (a DID, or a Profile whose `id` is the DID). */
export interface UnsignedCredential {
  '@context': string[];
  id: string;
  type: string[];
  issuer: string | { id: string };
  validFrom: string;
}

/** A signed credential: `proof` is an array, as the 1EdTech schema requires. */
export type Signed<T> = T & { proof: DataIntegrityProofJson[] };
