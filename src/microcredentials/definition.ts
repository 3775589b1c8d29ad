/**
 * The micro-credential definition: the "essential information" the badge and the transcript
 * record must carry (MISSION rule 6) and the assessment rules the award policy applies
 * (rules 1–5). Plain data, no I/O; `definition-schema.ts` validates it and fills defaults.
 */

/**
 * A text the learner or a verifier reads, in French and/or English. At least one language is
 * required per field (the schema enforces it); the badge carries whichever are given.
 */
export interface LocalizedText {
  fr?: string;
  en?: string;
}

/** How the learner takes part (rule 6: online, on site, hybrid). */
export const DELIVERY_MODES = ['online', 'on_site', 'hybrid'] as const;
/** One of {@link DELIVERY_MODES}. */
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** Kinds of authentic assessment (rule 1: no assessment, no micro-credential). */
export const ASSESSMENT_TYPES = [
  'test',
  'practical_demonstration',
  'portfolio',
  'project',
  'presentation',
  'observation',
  'other',
] as const;
/** One of {@link ASSESSMENT_TYPES}. */
export type AssessmentType = (typeof ASSESSMENT_TYPES)[number];

/** Whether the summative assessment is supervised (invigilated) and how. */
export const SUPERVISION_KINDS = ['none', 'online_proctored', 'in_person'] as const;
/** One of {@link SUPERVISION_KINDS}. */
export type SupervisionKind = (typeof SUPERVISION_KINDS)[number];

/** How the assessed person's identity is checked. */
export const IDENTITY_VERIFICATIONS = ['none', 'lms_login', 'photo_id', 'other'] as const;
/** One of {@link IDENTITY_VERIFICATIONS}. */
export type IdentityVerification = (typeof IDENTITY_VERIFICATIONS)[number];

/** What the credential gives the learner (rule 6: credit, admission, badge). */
export const LEARNER_OUTCOMES = ['credit', 'admission', 'badge'] as const;
/** One of {@link LEARNER_OUTCOMES}. */
export type LearnerOutcome = (typeof LEARNER_OUTCOMES)[number];

/** Where a gradebook item lives. `jalon-column` is a result entered or imported in Jalon itself. */
export const ASSESSMENT_SOURCES = [
  'moodle-quiz',
  'moodle-assign',
  'canvas-assignment',
  'canvas-quiz',
  'jalon-column',
] as const;
/** One of {@link ASSESSMENT_SOURCES}. */
export type AssessmentSource = (typeof ASSESSMENT_SOURCES)[number];

/** How several summative items combine into one result. */
export const COMBINATION_RULES = ['each_must_pass', 'weighted_average'] as const;
/** One of {@link COMBINATION_RULES}. */
export type CombinationRule = (typeof COMBINATION_RULES)[number];

/** Bounds for notional hours: micro-credentials run from about 8 to 200 hours (rule 6). */
export const NOTIONAL_HOURS_MIN = 8;
/** Upper bound of notional hours, see {@link NOTIONAL_HOURS_MIN}. */
export const NOTIONAL_HOURS_MAX = 200;
/** Default number of summative attempts (rule 3: two attempts). */
export const DEFAULT_ATTEMPTS = 2;

/** Identifies one LMS activity (or Jalon column) whose results are read. */
export interface AssessmentKey {
  source: AssessmentSource;
  /** The LMS's own id (Moodle quiz/assign instance id, Canvas assignment/quiz id, Jalon column id). */
  lmsId: string;
}

/** An assessment reference as the instructor picked it: the key plus the LMS's label for it. */
export interface AssessmentRef extends AssessmentKey {
  /** The activity's name as shown in the LMS (not translated: it is the LMS's own name). */
  label: string;
}

/** One summative item; `weight` (percent, all weights sum to 100) only with `weighted_average`. */
export interface SummativeItem {
  ref: AssessmentRef;
  weight?: number;
}

/** A named LMS activity whose completion is also required. */
export interface ActivityRef {
  /** The LMS's id of the activity (Moodle course-module id, Canvas module item id). */
  lmsId: string;
  label: string;
}

/** Completion required in addition to passing the summative. */
export interface CompletionRequirement {
  course: boolean;
  activities: ActivityRef[];
}

/**
 * The rules the award policy applies. Dates are ISO 8601 instants with an offset
 * (`2025-04-30T23:59:59-04:00`): the form turns a calendar day into the end of that day in the
 * institution's time zone, so the policy only compares instants.
 */
export interface AssessmentRules {
  summative: SummativeItem[];
  /** Progress only: never decide the award (rule 2). */
  formative: AssessmentRef[];
  /** Pass threshold in percent, inclusive (80 means 80 % passes). */
  passThreshold: number;
  combination: CombinationRule;
  /** Summative attempts per item (rule 3, default 2). */
  attempts: number;
  /** Instructor feedback owed after a failed attempt (rule 3, default true). */
  feedbackRequired: boolean;
  /** Attempts submitted after this instant do not count (rule 4). */
  summativeDueAt: string;
  /** The micro-credential's end: nothing after it counts, not even an extension (rule 4). */
  endAt: string;
  /** Optional start, for the "period of learning" the credential states; never enforced. */
  startAt?: string;
  /** Recognition of prior learning: the same summative may be taken directly (rule 5). */
  priorLearningAllowed: boolean;
  completion: CompletionRequirement;
}

/** Stacking and pathways (rule 11). */
export type Stacking =
  | { kind: 'stand_alone' }
  | { kind: 'integrated'; into?: LocalizedText }
  | { kind: 'stackable'; towards: LocalizedText; url?: string };

/** Alignment to a professional standard or competency framework (Open Badges `Alignment`). */
export interface Alignment {
  name: LocalizedText;
  url: string;
  code?: string;
  framework?: LocalizedText;
}

/** Units for an expiry after award. */
export const EXPIRY_UNITS = ['days', 'months', 'years'] as const;
/** One of {@link EXPIRY_UNITS}. */
export type ExpiryUnit = (typeof EXPIRY_UNITS)[number];

/** When an awarded credential expires (rule 8). `fixed_date.date` is a calendar day `YYYY-MM-DD`. */
export type ExpiryRule =
  | { kind: 'none' }
  | { kind: 'fixed_date'; date: string }
  | { kind: 'after_award'; amount: number; unit: ExpiryUnit };

/** Supervision and identity verification of the summative. */
export interface Supervision {
  kind: SupervisionKind;
  identityVerification: IdentityVerification;
  details?: LocalizedText;
}

/** Quality-assurance body that reviewed the micro-credential. */
export interface QualityAssurance {
  name: LocalizedText;
  url?: string;
}

/** A complete, validated micro-credential definition (one version of it). */
export interface MicroCredentialDefinition {
  title: LocalizedText;
  /** The institution's code for the micro-credential, carried on transcript records. */
  code?: string;
  description: LocalizedText;
  purpose: LocalizedText;
  /** One competency or a small set of outcomes (rule 1). */
  learningOutcomes: LocalizedText[];
  notionalHours: number;
  credits?: number;
  level?: LocalizedText;
  deliveryMode: DeliveryMode;
  prerequisites?: LocalizedText;
  assessmentTypes: AssessmentType[];
  assessmentDetails?: LocalizedText;
  supervision: Supervision;
  qualityAssurance: QualityAssurance;
  learnerOutcomes: LearnerOutcome[];
  stacking: Stacking;
  alignments: Alignment[];
  expiry: ExpiryRule;
  assessment: AssessmentRules;
  /** The badge artwork: id (SHA-256) of a checked image in the `images` table. */
  imageId?: string;
}

/** A stored version of a definition. Versions start at 1 and only grow. */
export interface DefinitionVersion {
  definitionId: string;
  version: number;
  definition: MicroCredentialDefinition;
}

/** Stable string for an assessment key, for maps and comparisons. */
export function assessmentKeyString(key: AssessmentKey): string {
  return `${key.source}:${key.lmsId}`;
}
