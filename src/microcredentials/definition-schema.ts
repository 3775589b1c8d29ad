/**
 * Validation of a micro-credential definition as the instructor's form submits it. Every
 * error is an i18n key of the `definition` namespace with its field path, so the form can
 * show each message next to its field, in French or English.
 */
import { z } from 'zod';
import {
  ASSESSMENT_SOURCES,
  ASSESSMENT_TYPES,
  COMBINATION_RULES,
  DEFAULT_ATTEMPTS,
  DELIVERY_MODES,
  EXPIRY_UNITS,
  IDENTITY_VERIFICATIONS,
  LEARNER_OUTCOMES,
  NOTIONAL_HOURS_MAX,
  NOTIONAL_HOURS_MIN,
  SUPERVISION_KINDS,
  assessmentKeyString,
  type MicroCredentialDefinition,
} from './definition.js';

/** Longest short text (titles, labels, names). */
export const SHORT_TEXT_MAX = 200;
/** Longest long text (description, purpose, details). */
export const LONG_TEXT_MAX = 5000;
/** "One competency or a small set of learning outcomes" (rule 1). */
export const LEARNING_OUTCOMES_MAX = 12;
/** A ceiling that catches typos (e.g. 20 instead of 2) without constraining real designs. */
export const ATTEMPTS_MAX = 20;
/** Summative items per micro-credential. */
export const SUMMATIVE_ITEMS_MAX = 10;
/** Credits above this are not a micro-credential. */
export const CREDITS_MAX = 30;

/** A transcript code: letters, digits and `. _ / -`, as student information systems accept. */
export const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$/;

/** One validation error: where, and the i18n key (with parameters) that explains it. */
export interface FieldError {
  /** Dotted path of the field, e.g. `assessment.summative.1.weight`, `title`. */
  path: string;
  /** i18n key, e.g. `definition:errors.oneLanguage`. */
  key: string;
  params: Record<string, number | string>;
}

/** Result of {@link validateDefinition}. */
export type DefinitionValidation =
  { ok: true; definition: MicroCredentialDefinition } | { ok: false; errors: FieldError[] };

const K = 'definition:errors.';
const REQUIRED = `${K}required`;

/** Parameters shown with some messages (the bounds the form explains to the instructor). */
const PARAMS: Record<string, Record<string, number>> = {
  [`${K}hoursRange`]: { min: NOTIONAL_HOURS_MIN, max: NOTIONAL_HOURS_MAX },
  [`${K}textTooLong`]: { max: SHORT_TEXT_MAX },
  [`${K}longTextTooLong`]: { max: LONG_TEXT_MAX },
  [`${K}outcomesCount`]: { max: LEARNING_OUTCOMES_MAX },
  [`${K}attemptsRange`]: { max: ATTEMPTS_MAX },
  [`${K}summativeCount`]: { max: SUMMATIVE_ITEMS_MAX },
  [`${K}creditsRange`]: { max: CREDITS_MAX },
};

/** A schema-level error: "required" when the field is missing, otherwise the given key. */
function err(key: string) {
  return (iss: { input?: unknown }) => (iss.input === undefined ? REQUIRED : `${K}${key}`);
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

const langString = (max: number, tooLong: string) =>
  z.preprocess(
    (v) => (isBlank(v) ? undefined : v),
    z
      .string({ error: err('text') })
      .trim()
      .max(max, { error: `${K}${tooLong}` })
      .optional(),
  );

function localized(long: boolean) {
  const max = long ? LONG_TEXT_MAX : SHORT_TEXT_MAX;
  const tooLong = long ? 'longTextTooLong' : 'textTooLong';
  return z
    .object({ fr: langString(max, tooLong), en: langString(max, tooLong) }, { error: err('text') })
    .refine((t) => t.fr !== undefined || t.en !== undefined, { error: `${K}oneLanguage` })
    .transform((t) => ({ ...(t.fr !== undefined && { fr: t.fr }), ...(t.en !== undefined && { en: t.en }) }));
}

/** An optional text: absent, or given with both languages blank, means "not stated". */
function optionalLocalized(long: boolean) {
  return z.preprocess((v) => {
    if (v === null || v === undefined) return undefined;
    if (
      typeof v === 'object' &&
      isBlank((v as Record<string, unknown>).fr) &&
      isBlank((v as Record<string, unknown>).en)
    )
      return undefined;
    return v;
  }, localized(long).optional());
}

const httpUrl = z.url({ protocol: /^https?$/, hostname: z.regexes.domain, error: err('url') });
const optionalUrl = z.preprocess((v) => (isBlank(v) ? undefined : v), httpUrl.optional());
const instant = z.iso.datetime({ offset: true, error: err('datetime') });
const optionalInstant = z.preprocess((v) => (isBlank(v) ? undefined : v), instant.optional());
const lmsId = z
  .string({ error: err('lmsId') })
  .trim()
  .min(1, { error: REQUIRED })
  .max(SHORT_TEXT_MAX);
const label = z
  .string({ error: err('text') })
  .trim()
  .min(1, { error: REQUIRED })
  .max(SHORT_TEXT_MAX, { error: `${K}textTooLong` });

const assessmentRef = z.object(
  {
    source: z.enum(ASSESSMENT_SOURCES, { error: err('assessmentSource') }),
    lmsId,
    label,
  },
  { error: err('invalid') },
);

const summativeItem = z.object(
  {
    ref: assessmentRef,
    weight: z
      .number({ error: err('weight') })
      .gt(0, { error: `${K}weight` })
      .max(100, { error: `${K}weight` })
      .optional(),
  },
  { error: err('invalid') },
);

const unique = <T>(items: T[], key: (t: T) => string) => new Set(items.map(key)).size === items.length;

/** Weights in percent must sum to 100; a float tolerance absorbs 33.33 + 33.33 + 33.34. */
const WEIGHT_SUM_TOLERANCE = 1e-6;

const assessmentRules = z
  .object(
    {
      summative: z
        .array(summativeItem, { error: err('summativeCount') })
        .min(1, { error: `${K}summativeRequired` })
        .max(SUMMATIVE_ITEMS_MAX, { error: `${K}summativeCount` }),
      formative: z.array(assessmentRef, { error: err('invalid') }).default([]),
      // Above 0: a threshold of 0 % would award the credential for any submission, which is
      // no assessment at all (rule 1).
      passThreshold: z
        .number({ error: err('threshold') })
        .gt(0, { error: `${K}threshold` })
        .max(100, { error: `${K}threshold` }),
      combination: z.enum(COMBINATION_RULES, { error: err('combination') }).default('each_must_pass'),
      attempts: z
        .number({ error: err('attemptsRange') })
        .int({ error: `${K}attemptsRange` })
        .min(1, { error: `${K}attemptsRange` })
        .max(ATTEMPTS_MAX, { error: `${K}attemptsRange` })
        .default(DEFAULT_ATTEMPTS),
      feedbackRequired: z.boolean({ error: err('invalid') }).default(true),
      summativeDueAt: instant,
      endAt: instant,
      startAt: optionalInstant,
      priorLearningAllowed: z.boolean({ error: err('invalid') }).default(false),
      completion: z
        .object(
          {
            course: z.boolean({ error: err('invalid') }).default(false),
            activities: z
              .array(z.object({ lmsId, label }, { error: err('invalid') }), { error: err('invalid') })
              .default([]),
          },
          { error: err('invalid') },
        )
        .default({ course: false, activities: [] }),
    },
    { error: err('invalid') },
  )
  .superRefine((r, ctx) => {
    const due = Date.parse(r.summativeDueAt);
    const end = Date.parse(r.endAt);
    if (due > end) ctx.addIssue({ code: 'custom', path: ['summativeDueAt'], message: `${K}dueAfterEnd` });
    if (r.startAt !== undefined && Date.parse(r.startAt) > due)
      ctx.addIssue({ code: 'custom', path: ['startAt'], message: `${K}startAfterDue` });
    r.summative.forEach((item, i) => {
      const k = assessmentKeyString(item.ref);
      if (r.summative.findIndex((o) => assessmentKeyString(o.ref) === k) !== i)
        ctx.addIssue({ code: 'custom', path: ['summative', i, 'ref'], message: `${K}duplicateAssessment` });
    });
    const summativeKeys = new Set(r.summative.map((s) => assessmentKeyString(s.ref)));
    r.formative.forEach((ref, i) => {
      if (summativeKeys.has(assessmentKeyString(ref)))
        ctx.addIssue({ code: 'custom', path: ['formative', i], message: `${K}formativeIsSummative` });
    });
    if (r.combination === 'weighted_average') {
      let sum = 0;
      r.summative.forEach((item, i) => {
        if (item.weight === undefined)
          ctx.addIssue({ code: 'custom', path: ['summative', i, 'weight'], message: `${K}weightRequired` });
        else sum += item.weight;
      });
      if (r.summative.every((s) => s.weight !== undefined) && Math.abs(sum - 100) > WEIGHT_SUM_TOLERANCE)
        ctx.addIssue({ code: 'custom', path: ['summative'], message: `${K}weightsSum` });
    }
    if (!unique(r.completion.activities, (a) => a.lmsId))
      ctx.addIssue({ code: 'custom', path: ['completion', 'activities'], message: `${K}duplicateActivity` });
  });

const stacking = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('stand_alone') }),
    z.object({ kind: z.literal('integrated'), into: optionalLocalized(false) }),
    z.object({ kind: z.literal('stackable'), towards: localized(false), url: optionalUrl }),
  ],
  { error: err('stacking') },
);

const expiry = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('fixed_date'), date: z.iso.date({ error: err('expiryDate') }) }),
    z.object({
      kind: z.literal('after_award'),
      amount: z
        .number({ error: err('expiryAmount') })
        .int({ error: `${K}expiryAmount` })
        .min(1, { error: `${K}expiryAmount` })
        .max(1000, { error: `${K}expiryAmount` }),
      unit: z.enum(EXPIRY_UNITS, { error: err('expiryUnit') }),
    }),
  ],
  { error: err('expiryShape') },
);

const alignment = z.object(
  {
    name: localized(false),
    url: httpUrl,
    code: z.preprocess(
      (v) => (isBlank(v) ? undefined : v),
      z
        .string({ error: err('text') })
        .trim()
        .max(SHORT_TEXT_MAX, { error: `${K}textTooLong` })
        .optional(),
    ),
    framework: optionalLocalized(false),
  },
  { error: err('invalid') },
);

const nonEmptyUniqueEnumArray = <T extends readonly [string, ...string[]]>(values: T, key: string) =>
  z
    .array(z.enum(values, { error: err('invalidChoice') }), { error: err(key) })
    .min(1, { error: `${K}${key}` })
    .refine((a) => unique(a, (x) => x), { error: `${K}duplicateChoice` });

/** The zod schema of a definition; output is a {@link MicroCredentialDefinition} with defaults. */
export const definitionSchema = z
  .object(
    {
      title: localized(false),
      code: z.preprocess(
        (v) => (isBlank(v) ? undefined : v),
        z
          .string({ error: err('code') })
          .trim()
          .regex(CODE_PATTERN, { error: `${K}code` })
          .optional(),
      ),
      description: localized(true),
      purpose: localized(true),
      learningOutcomes: z
        .array(localized(true), { error: err('outcomesRequired') })
        .min(1, { error: `${K}outcomesRequired` })
        .max(LEARNING_OUTCOMES_MAX, { error: `${K}outcomesCount` }),
      notionalHours: z
        .number({ error: err('hoursRange') })
        .min(NOTIONAL_HOURS_MIN, { error: `${K}hoursRange` })
        .max(NOTIONAL_HOURS_MAX, { error: `${K}hoursRange` }),
      credits: z.preprocess(
        (v) => (v === null || v === '' ? undefined : v),
        z
          .number({ error: err('creditsRange') })
          .gt(0, { error: `${K}creditsRange` })
          .max(CREDITS_MAX, { error: `${K}creditsRange` })
          .optional(),
      ),
      level: optionalLocalized(false),
      deliveryMode: z.enum(DELIVERY_MODES, { error: err('deliveryMode') }),
      prerequisites: optionalLocalized(true),
      assessmentTypes: nonEmptyUniqueEnumArray(ASSESSMENT_TYPES, 'assessmentTypes'),
      assessmentDetails: optionalLocalized(true),
      supervision: z.object(
        {
          kind: z.enum(SUPERVISION_KINDS, { error: err('supervision') }),
          identityVerification: z.enum(IDENTITY_VERIFICATIONS, { error: err('identityVerification') }),
          details: optionalLocalized(true),
        },
        { error: err('supervision') },
      ),
      qualityAssurance: z.object(
        { name: localized(false), url: optionalUrl },
        { error: err('qualityAssurance') },
      ),
      learnerOutcomes: nonEmptyUniqueEnumArray(LEARNER_OUTCOMES, 'learnerOutcomes'),
      stacking,
      alignments: z
        .array(alignment, { error: err('invalid') })
        .max(20, { error: `${K}invalid` })
        .default([]),
      expiry,
      assessment: assessmentRules,
      imageId: z.preprocess(
        (v) => (isBlank(v) ? undefined : v),
        z
          .string({ error: err('imageId') })
          .regex(/^[0-9a-f]{64}$/, { error: `${K}imageId` })
          .optional(),
      ),
    },
    { error: err('invalid') },
  )
  .superRefine((d, ctx) => {
    // A credential that would expire before anyone can earn it is a typo, not a design.
    if (
      d.expiry.kind === 'fixed_date' &&
      Date.parse(`${d.expiry.date}T23:59:59Z`) < Date.parse(d.assessment.endAt)
    )
      ctx.addIssue({ code: 'custom', path: ['expiry', 'date'], message: `${K}expiryBeforeEnd` });
  });

/** What the form may submit (defaults not yet applied). */
export type DefinitionInput = z.input<typeof definitionSchema>;

// Compile-time guard: the schema's output is exactly usable as the hand-written type.
const _outputIsDefinition = (d: z.output<typeof definitionSchema>): MicroCredentialDefinition => d;
void _outputIsDefinition;

/** Fallback keys for errors the schema does not name itself (by zod issue code). */
function fallbackKey(iss: { code?: string; input?: unknown }): string {
  if (iss.input === undefined) return REQUIRED;
  switch (iss.code) {
    case 'invalid_value':
      return `${K}invalidChoice`;
    case 'too_big':
      return `${K}textTooLong`;
    default:
      return `${K}invalid`;
  }
}

/**
 * Validates a submitted definition. On success returns it trimmed and with defaults (2
 * attempts, feedback required, each-must-pass, no RPL, no completion requirement); on failure
 * every field error as an i18n key of the `definition` namespace.
 */
export function validateDefinition(input: unknown): DefinitionValidation {
  const result = definitionSchema.safeParse(input, { error: fallbackKey });
  if (result.success) return { ok: true, definition: result.data };
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.');
    const key = issue.message.startsWith(K) ? issue.message : fallbackKey({ code: issue.code, input: 0 });
    // zod can report one field twice (e.g. a union's branches); the form shows it once.
    if (seen.has(`${path}|${key}`)) continue;
    seen.add(`${path}|${key}`);
    errors.push({ path, key, params: PARAMS[key] ?? {} });
  }
  return { ok: false, errors };
}
