/**
 * The definition form's fields ⇄ a `DefinitionInput`, without I/O so that every rule of the
 * mapping is unit-tested. Field names are flat and dotted (`title.fr`, `outcomes.2.en`,
 * `assessment.passThreshold`); the assessment activities are offered as rows picked from
 * what the LMS lists (never typed by hand), and calendar days become instants at the end of
 * that day in the institution's time zone. Validation itself stays in `validateDefinition`;
 * this module only adds what the form alone can know (an activity that is not offered).
 */
import type { LmsActivity } from '../connectors/types.js';
import {
  DEFAULT_ATTEMPTS,
  LEARNING_OUTCOMES_MAX,
  assessmentKeyString,
  type AssessmentRef,
  type FieldError,
  type LocalizedText,
  type MicroCredentialDefinition,
} from '../microcredentials/index.js';

/** The institutions served are in Ontario and Québec: days end at midnight Toronto time. */
export const INSTITUTION_TIME_ZONE = 'America/Toronto';

/** Alignments the form offers at most (the schema's ceiling). */
export const ALIGNMENTS_MAX = 20;

/** Blank rows offered after the filled ones, so an instructor can add without scripts. */
const SPARE_ROWS = 1;

/** What a multipart or urlencoded body parser produced. */
export type FormBody = Record<string, unknown>;

/** Field values to show in the form, by field name (several values for checkboxes). */
export type FormValues = Record<string, string | string[]>;

/** How an activity is used: not at all, as the summative assessment, or as progress only. */
export type ItemRole = 'none' | 'summative' | 'formative';

/** An assessment the instructor may pick: a live LMS activity, Jalon's column, or a stored one. */
export interface AssessmentOption {
  key: string;
  ref: AssessmentRef;
  activity?: LmsActivity;
  /** Picked in the stored definition but no longer listed by the LMS. */
  missing?: boolean;
}

/** An activity whose completion may also be required. */
export interface CompletionOption {
  lmsId: string;
  label: string;
  activity?: LmsActivity;
  missing?: boolean;
}

/** The instructor's choice for one assessment option. */
export interface ItemChoice {
  role: ItemRole;
  weight: string;
}

/** The form's state: values to show, choices per assessment option, completion picks. */
export interface FormState {
  values: FormValues;
  choices: Record<string, ItemChoice>;
  completion: string[];
}

/** The outcome of reading a submitted form. */
export interface ParsedForm extends FormState {
  /** What to hand to `validateDefinition`. */
  input: Record<string, unknown>;
  /** Errors only the form can detect, already keyed by form field. */
  errors: FieldError[];
  /** Schema path prefix → form field key, for rows (`learningOutcomes.0` → `outcomes.2`). */
  fieldOf: Array<[string, string]>;
}

/** The option key of Jalon's own gradebook column. */
export const JALON_COLUMN_KEY = assessmentKeyString({ source: 'jalon-column', lmsId: 'jalon' });

// ---------------------------------------------------------------------------- dates

function offsetMinutes(instantMs: number, timeZone: string): number {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(instantMs))
      .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isCalendarDay(day: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === day;
}

/**
 * The instant a wall-clock time of a calendar day happens in a time zone, with that zone's
 * offset (`2025-04-30T23:59:59-04:00`). Offsets come from the platform's time-zone data, so
 * daylight saving time is right on both sides of the change.
 */
export function zonedInstant(day: string, time: string, timeZone = INSTITUTION_TIME_ZONE): string {
  if (!isCalendarDay(day) || !/^\d{2}:\d{2}:\d{2}$/.test(time))
    throw new RangeError(`not a day/time: ${day} ${time}`);
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  // Two passes: the offset at the wall time read as UTC, then at the instant it gives.
  let off = offsetMinutes(wall, timeZone);
  off = offsetMinutes(wall - off * 60_000, timeZone);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${day}T${time}${sign}${hh}:${mm}`;
}

/** The last second of a calendar day in the time zone (due and end dates). */
export const endOfDay = (day: string, timeZone = INSTITUTION_TIME_ZONE) =>
  zonedInstant(day, '23:59:59', timeZone);
/** The first second of a calendar day in the time zone (start date). */
export const startOfDay = (day: string, timeZone = INSTITUTION_TIME_ZONE) =>
  zonedInstant(day, '00:00:00', timeZone);

/** The calendar day (`YYYY-MM-DD`) an instant falls on in the time zone. */
export function dayOf(iso: string, timeZone = INSTITUTION_TIME_ZONE): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(d);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

// ---------------------------------------------------------------------------- options

/** The assessments offered: live activities, then Jalon's column, then stored picks the LMS no longer lists. */
export function assessmentOptions(
  activities: readonly LmsActivity[],
  stored: MicroCredentialDefinition | undefined,
  jalonColumnLabel: string,
): AssessmentOption[] {
  const out: AssessmentOption[] = [];
  const seen = new Set<string>();
  for (const a of activities) {
    const key = assessmentKeyString(a.ref);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ key, ref: { ...a.ref }, activity: a });
  }
  const storedRefs = stored
    ? [...stored.assessment.summative.map((s) => s.ref), ...stored.assessment.formative]
    : [];
  if (!seen.has(JALON_COLUMN_KEY)) {
    // Named after the micro-credential's current title, so a renamed credential renames it.
    out.push({
      key: JALON_COLUMN_KEY,
      ref: { source: 'jalon-column', lmsId: 'jalon', label: jalonColumnLabel },
    });
    seen.add(JALON_COLUMN_KEY);
  }
  for (const ref of storedRefs) {
    const key = assessmentKeyString(ref);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ key, ref: { ...ref }, missing: true });
  }
  return out;
}

/** The activities whose completion may be required (Moodle by course-module id). */
export function completionOptions(
  activities: readonly LmsActivity[],
  stored: MicroCredentialDefinition | undefined,
): CompletionOption[] {
  const out: CompletionOption[] = [];
  const seen = new Set<string>();
  for (const a of activities) {
    const lmsId = a.cmid ?? a.ref.lmsId;
    if (seen.has(lmsId)) continue;
    seen.add(lmsId);
    out.push({ lmsId, label: a.ref.label, activity: a });
  }
  for (const a of stored?.assessment.completion.activities ?? []) {
    if (seen.has(a.lmsId)) continue;
    seen.add(a.lmsId);
    out.push({ lmsId: a.lmsId, label: a.label, missing: true });
  }
  return out;
}

// ---------------------------------------------------------------------------- definition → form

function putText(values: FormValues, name: string, text: LocalizedText | undefined): void {
  if (text?.fr !== undefined) values[`${name}.fr`] = text.fr;
  if (text?.en !== undefined) values[`${name}.en`] = text.en;
}

const numberText = (n: number | undefined) => (n === undefined ? '' : String(n));

/** The form's state for a stored definition, or the defaults of a new one. */
export function definitionToForm(
  def: MicroCredentialDefinition | undefined,
  timeZone = INSTITUTION_TIME_ZONE,
): FormState {
  if (!def) {
    return {
      values: {
        'assessment.attempts': String(DEFAULT_ATTEMPTS),
        'assessment.feedbackRequired': 'yes',
        'assessment.combination': 'each_must_pass',
        'stacking.kind': 'stand_alone',
        'expiry.kind': 'none',
        'supervision.kind': 'none',
        'supervision.identityVerification': 'lms_login',
      },
      choices: {},
      completion: [],
    };
  }
  const v: FormValues = {};
  putText(v, 'title', def.title);
  if (def.code !== undefined) v.code = def.code;
  putText(v, 'description', def.description);
  putText(v, 'purpose', def.purpose);
  def.learningOutcomes.forEach((o, i) => putText(v, `outcomes.${i}`, o));
  v.notionalHours = numberText(def.notionalHours);
  v.credits = numberText(def.credits);
  putText(v, 'level', def.level);
  v.deliveryMode = def.deliveryMode;
  putText(v, 'prerequisites', def.prerequisites);
  v.assessmentTypes = [...def.assessmentTypes];
  putText(v, 'assessmentDetails', def.assessmentDetails);
  v['supervision.kind'] = def.supervision.kind;
  v['supervision.identityVerification'] = def.supervision.identityVerification;
  putText(v, 'supervision.details', def.supervision.details);
  putText(v, 'qualityAssurance.name', def.qualityAssurance.name);
  if (def.qualityAssurance.url) v['qualityAssurance.url'] = def.qualityAssurance.url;
  v.learnerOutcomes = [...def.learnerOutcomes];
  v['stacking.kind'] = def.stacking.kind;
  if (def.stacking.kind === 'integrated') putText(v, 'stacking.into', def.stacking.into);
  if (def.stacking.kind === 'stackable') {
    putText(v, 'stacking.towards', def.stacking.towards);
    if (def.stacking.url) v['stacking.url'] = def.stacking.url;
  }
  def.alignments.forEach((a, i) => {
    putText(v, `alignments.${i}.name`, a.name);
    v[`alignments.${i}.url`] = a.url;
    if (a.code) v[`alignments.${i}.code`] = a.code;
    putText(v, `alignments.${i}.framework`, a.framework);
  });
  v['expiry.kind'] = def.expiry.kind;
  if (def.expiry.kind === 'fixed_date') v['expiry.date'] = def.expiry.date;
  if (def.expiry.kind === 'after_award') {
    v['expiry.amount'] = String(def.expiry.amount);
    v['expiry.unit'] = def.expiry.unit;
  }
  const r = def.assessment;
  v['assessment.passThreshold'] = String(r.passThreshold);
  v['assessment.combination'] = r.combination;
  v['assessment.attempts'] = String(r.attempts);
  if (r.feedbackRequired) v['assessment.feedbackRequired'] = 'yes';
  v['assessment.summativeDueAt'] = dayOf(r.summativeDueAt, timeZone);
  v['assessment.endAt'] = dayOf(r.endAt, timeZone);
  if (r.startAt) v['assessment.startAt'] = dayOf(r.startAt, timeZone);
  if (r.priorLearningAllowed) v['assessment.priorLearningAllowed'] = 'yes';
  if (r.completion.course) v['assessment.completion.course'] = 'yes';
  const choices: Record<string, ItemChoice> = {};
  for (const s of r.summative)
    choices[assessmentKeyString(s.ref)] = { role: 'summative', weight: numberText(s.weight) };
  for (const f of r.formative) choices[assessmentKeyString(f)] = { role: 'formative', weight: '' };
  return { values: v, choices, completion: r.completion.activities.map((a) => a.lmsId) };
}

// ---------------------------------------------------------------------------- form → input

/** The first string of a field (a repeated field keeps its first value). */
function str(body: FormBody, name: string): string {
  const v = Object.prototype.hasOwnProperty.call(body, name) ? body[name] : undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return '';
}

/** Every string of a repeated field (checkboxes). */
function strs(body: FormBody, name: string): string[] {
  const v = Object.prototype.hasOwnProperty.call(body, name) ? body[name] : undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/**
 * A number as typed: blank → undefined (the schema says "required" or applies its default),
 * `15,5` (French) → 15.5, anything else is passed on as text for the schema to refuse with
 * the field's own message.
 */
export function parseNumber(raw: string): number | string | undefined {
  const s = raw.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (s === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : raw;
}

function parseDay(raw: string, at: (day: string) => string): string | undefined {
  const s = raw.trim();
  if (s === '') return undefined;
  return isCalendarDay(s) ? at(s) : s;
}

const isBlank = (s: string) => s.trim() === '';

/** Highest row index present in the body for `prefix.<i>.…`, bounded (hostile bodies). */
function rowIndexes(body: FormBody, prefix: string, max: number): number[] {
  const found = new Set<number>();
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d{1,3})\\.`);
  for (const name of Object.keys(body)) {
    const m = re.exec(name);
    if (m && Number(m[1]) < max) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

const ROLES: readonly ItemRole[] = ['none', 'summative', 'formative'];
const FE = 'definition:errors.';

/** Copies the posted text fields to the values shown back (all of them, even invalid). */
function echo(body: FormBody): FormValues {
  const out: FormValues = {};
  for (const name of Object.keys(body)) {
    if (name === 'ltik') continue;
    const many = strs(body, name);
    if (many.length === 0) continue;
    out[name] = many.length === 1 && !['assessmentTypes', 'learnerOutcomes'].includes(name) ? many[0]! : many;
  }
  return out;
}

/** Options for {@link formToInput}. */
export interface FormReadOptions {
  assessments: readonly AssessmentOption[];
  completion: readonly CompletionOption[];
  /** The badge image to keep (already checked), if any. */
  imageId?: string;
  timeZone?: string;
}

/**
 * Reads a submitted form into a definition input. Only offered activities can be picked:
 * an unknown key (a forged or stale form) is an error on its row, never saved.
 */
export function formToInput(body: FormBody, options: FormReadOptions): ParsedForm {
  const tz = options.timeZone ?? INSTITUTION_TIME_ZONE;
  const errors: FieldError[] = [];
  const fieldOf: Array<[string, string]> = [];
  const text = (name: string) => ({ fr: str(body, `${name}.fr`), en: str(body, `${name}.en`) });
  const optionalText = (name: string) => {
    const t = text(name);
    return isBlank(t.fr) && isBlank(t.en) ? undefined : t;
  };

  const learningOutcomes: Array<{ fr: string; en: string }> = [];
  for (const i of rowIndexes(body, 'outcomes', LEARNING_OUTCOMES_MAX + 10)) {
    const t = text(`outcomes.${i}`);
    if (isBlank(t.fr) && isBlank(t.en)) continue;
    fieldOf.push([`learningOutcomes.${learningOutcomes.length}`, `outcomes.${i}`]);
    learningOutcomes.push(t);
  }

  const alignments: Array<Record<string, unknown>> = [];
  for (const i of rowIndexes(body, 'alignments', ALIGNMENTS_MAX + 10)) {
    const p = `alignments.${i}`;
    const row = {
      name: text(`${p}.name`),
      url: str(body, `${p}.url`),
      code: str(body, `${p}.code`),
      framework: optionalText(`${p}.framework`),
    };
    const blank =
      isBlank(row.name.fr) && isBlank(row.name.en) && isBlank(row.url) && isBlank(row.code) && !row.framework;
    if (blank) continue;
    fieldOf.push([`alignments.${alignments.length}`, p]);
    alignments.push(row);
  }

  const stackingKind = str(body, 'stacking.kind');
  const stacking: Record<string, unknown> = { kind: stackingKind || undefined };
  if (stackingKind === 'integrated') stacking.into = optionalText('stacking.into');
  if (stackingKind === 'stackable') {
    stacking.towards = text('stacking.towards');
    stacking.url = str(body, 'stacking.url');
  }

  const expiryKind = str(body, 'expiry.kind');
  const expiry: Record<string, unknown> = { kind: expiryKind || undefined };
  if (expiryKind === 'fixed_date') expiry.date = str(body, 'expiry.date').trim();
  if (expiryKind === 'after_award') {
    expiry.amount = parseNumber(str(body, 'expiry.amount'));
    expiry.unit = str(body, 'expiry.unit') || undefined;
  }

  // Assessment rows: `items.<i>.key` names an offered option, `.role` and `.weight` the choice.
  const byKey = new Map(options.assessments.map((o) => [o.key, o]));
  const choices: Record<string, ItemChoice> = {};
  const summative: Array<Record<string, unknown>> = [];
  const formative: AssessmentRef[] = [];
  for (const i of rowIndexes(body, 'items', options.assessments.length + 10)) {
    const key = str(body, `items.${i}.key`);
    const roleRaw = str(body, `items.${i}.role`) || 'none';
    const role = (ROLES as readonly string[]).includes(roleRaw) ? (roleRaw as ItemRole) : undefined;
    const weight = str(body, `items.${i}.weight`);
    const option = byKey.get(key);
    // An activity left unused may have vanished from the LMS meanwhile: that is no error.
    if (role === 'none') {
      if (option) choices[key] = { role, weight };
      continue;
    }
    if (!option || role === undefined) {
      errors.push({ path: `items.${i}`, key: `${FE}activityUnknown`, params: {} });
      continue;
    }
    choices[key] = { role, weight };
    if (role === 'summative') {
      fieldOf.push([`assessment.summative.${summative.length}.ref`, `items.${i}`]);
      fieldOf.push([`assessment.summative.${summative.length}.weight`, `items.${i}.weight`]);
      fieldOf.push([`assessment.summative.${summative.length}`, `items.${i}`]);
      const w = parseNumber(weight);
      summative.push({ ref: { ...option.ref }, ...(w !== undefined && { weight: w }) });
    } else if (role === 'formative') {
      fieldOf.push([`assessment.formative.${formative.length}`, `items.${i}`]);
      formative.push({ ...option.ref });
    }
  }
  const combination = str(body, 'assessment.combination') || undefined;
  // Weights only mean something with a weighted average; left-over numbers are not errors.
  if (combination !== 'weighted_average') for (const s of summative) delete s.weight;

  const completionById = new Map(options.completion.map((c) => [c.lmsId, c]));
  const completion: string[] = [];
  const completionActivities: Array<{ lmsId: string; label: string }> = [];
  for (const id of strs(body, 'assessment.completion.activities')) {
    const c = completionById.get(id);
    if (!c) {
      errors.push({ path: 'assessment.completion.activities', key: `${FE}activityUnknown`, params: {} });
      continue;
    }
    if (completion.includes(id)) continue;
    completion.push(id);
    completionActivities.push({ lmsId: c.lmsId, label: c.label });
  }

  const input: Record<string, unknown> = {
    title: text('title'),
    code: str(body, 'code'),
    description: text('description'),
    purpose: text('purpose'),
    learningOutcomes,
    notionalHours: parseNumber(str(body, 'notionalHours')),
    credits: parseNumber(str(body, 'credits')),
    level: optionalText('level'),
    deliveryMode: str(body, 'deliveryMode') || undefined,
    prerequisites: optionalText('prerequisites'),
    assessmentTypes: strs(body, 'assessmentTypes'),
    assessmentDetails: optionalText('assessmentDetails'),
    supervision: {
      kind: str(body, 'supervision.kind') || undefined,
      identityVerification: str(body, 'supervision.identityVerification') || undefined,
      details: optionalText('supervision.details'),
    },
    qualityAssurance: { name: text('qualityAssurance.name'), url: str(body, 'qualityAssurance.url') },
    learnerOutcomes: strs(body, 'learnerOutcomes'),
    stacking,
    alignments,
    expiry,
    assessment: {
      summative,
      formative,
      passThreshold: parseNumber(str(body, 'assessment.passThreshold')),
      combination,
      attempts: parseNumber(str(body, 'assessment.attempts')),
      feedbackRequired: str(body, 'assessment.feedbackRequired') === 'yes',
      summativeDueAt: parseDay(str(body, 'assessment.summativeDueAt'), (d) => endOfDay(d, tz)),
      endAt: parseDay(str(body, 'assessment.endAt'), (d) => endOfDay(d, tz)),
      startAt: parseDay(str(body, 'assessment.startAt'), (d) => startOfDay(d, tz)),
      priorLearningAllowed: str(body, 'assessment.priorLearningAllowed') === 'yes',
      completion: {
        course: str(body, 'assessment.completion.course') === 'yes',
        activities: completionActivities,
      },
    },
    ...(options.imageId !== undefined && { imageId: options.imageId }),
  };
  return { input, values: echo(body), choices, completion, errors, fieldOf };
}

// ---------------------------------------------------------------------------- errors → fields

/** Fields the form shows whose key is the schema path itself. */
export const STATIC_FIELDS = [
  'title',
  'code',
  'description',
  'purpose',
  'learningOutcomes',
  'notionalHours',
  'credits',
  'level',
  'deliveryMode',
  'prerequisites',
  'assessmentTypes',
  'assessmentDetails',
  'supervision.kind',
  'supervision.identityVerification',
  'supervision.details',
  'qualityAssurance.name',
  'qualityAssurance.url',
  'learnerOutcomes',
  'stacking.kind',
  'stacking.into',
  'stacking.towards',
  'stacking.url',
  'alignments',
  'expiry.kind',
  'expiry.date',
  'expiry.amount',
  'expiry.unit',
  'assessment.summative',
  'assessment.passThreshold',
  'assessment.combination',
  'assessment.attempts',
  'assessment.feedbackRequired',
  'assessment.summativeDueAt',
  'assessment.endAt',
  'assessment.startAt',
  'assessment.priorLearningAllowed',
  'assessment.completion.course',
  'assessment.completion.activities',
  'badgeImage',
] as const;

/** Group errors that the schema reports on the whole object name the field that chooses it. */
const GROUP_FIELDS: Record<string, string> = {
  supervision: 'supervision.kind',
  qualityAssurance: 'qualityAssurance.name',
  stacking: 'stacking.kind',
  expiry: 'expiry.kind',
  assessment: 'assessment.summative',
  'assessment.formative': 'assessment.summative',
  'assessment.completion': 'assessment.completion.course',
  imageId: 'badgeImage',
};

/**
 * The form field a schema error belongs to. Row errors go to their row (`outcomes.2`,
 * `items.4.weight`); language sub-fields to their group (`title.fr` → `title`); what is
 * left climbs to the nearest field the form shows, or `form` for the page as a whole.
 */
export function fieldKeyOf(path: string, fieldOf: ReadonlyArray<readonly [string, string]>): string {
  const p = path.replace(/\.(fr|en)$/, '');
  const known = new Set<string>(STATIC_FIELDS);
  const rowKeys = new Set(fieldOf.map(([, k]) => k));
  // Longest prefix first: `assessment.summative.0.weight` before `assessment.summative.0`.
  const sorted = [...fieldOf].sort((a, b) => b[0].length - a[0].length);
  for (const [prefix, key] of sorted) {
    if (p === prefix) return key;
    if (p.startsWith(`${prefix}.`)) {
      const rest = p.slice(prefix.length + 1).replace(/\.(fr|en)$/, '');
      // Alignment rows show each sub-field; other rows are one field.
      if (key.startsWith('alignments.')) return `${key}.${rest.split('.')[0]}`;
      return key;
    }
  }
  let q = p;
  while (q !== '') {
    if (known.has(q) || rowKeys.has(q)) return q;
    const group = GROUP_FIELDS[q];
    if (group) return group;
    q = q.includes('.') ? q.slice(0, q.lastIndexOf('.')) : '';
  }
  return 'form';
}

/** The element id of a field's first control, for error links and `aria-describedby`. */
export function fieldId(key: string): string {
  return `f-${key.replace(/\./g, '-')}`;
}

/** Rows to show for a repeated group: the filled ones and spares, within the maximum. */
export function rowCount(values: FormValues, prefix: string, max: number, min = 1): number {
  let highest = -1;
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.`);
  for (const [name, v] of Object.entries(values)) {
    const m = re.exec(name);
    if (m && (Array.isArray(v) ? v.length > 0 : v.trim() !== '')) highest = Math.max(highest, Number(m[1]));
  }
  return Math.min(max, Math.max(min, highest + 1 + SPARE_ROWS));
}
