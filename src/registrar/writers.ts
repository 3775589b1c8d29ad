/**
 * Turns export records into bytes: CSV (RFC 4180: CRLF, quotes doubled, UTF-8, one header
 * row, the columns of `docs/registrar-exports.md`) and JSON Lines (one object per line).
 * A writer is fed one page at a time and returns the text to write, so the caller keeps
 * the back-pressure and the checksum in one place.
 */
import { verificationUrl } from '../badges/store.js';
import type { ExportRecord, RecordOrder } from './records.js';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const localized = (v: unknown, lang: 'fr' | 'en'): string => {
  if (typeof v === 'string') return v;
  const o = obj(v);
  return text(o[lang]);
};
const iso = (d: Date | null | undefined): string => (d ? d.toISOString() : '');

/** The essentials the transcript needs, read defensively from the record's JSON. */
export function essentialsOf(r: ExportRecord) {
  const e = obj(r.essentials);
  const stacking = obj(e.stacking);
  const inst = obj(r.institution);
  return {
    code: text(e.code),
    credits: typeof e.credits === 'number' ? e.credits : null,
    notionalHours: typeof e.notionalHours === 'number' ? e.notionalHours : null,
    levelEn: localized(e.level, 'en'),
    levelFr: localized(e.level, 'fr'),
    deliveryMode: text(e.deliveryMode),
    assessmentTypes: Array.isArray(e.assessmentTypes) ? e.assessmentTypes.map(text).filter(Boolean) : [],
    stacking: text(stacking.kind),
    stackingTowardsEn: localized(stacking.towards ?? stacking.into, 'en'),
    stackingTowardsFr: localized(stacking.towards ?? stacking.into, 'fr'),
    institutionName: localized(inst.name, 'en') || localized(inst.name, 'fr') || text(inst.name),
    institutionUrl: text(inst.url),
  };
}

/** What a column reads besides the record: its essentials (read once per record), Jalon's URL. */
type Essentials = ReturnType<typeof essentialsOf> & { publicUrl?: string };

/** The badge's verification page, when the learner has claimed it and the URL is known. */
const badgeUrl = (r: ExportRecord, publicUrl?: string): string =>
  r.badgeId && publicUrl ? verificationUrl(publicUrl, r.badgeId) : '';

/** The CSV columns, in order; each with how it is read from a record. */
export const CSV_COLUMNS: ReadonlyArray<readonly [string, (r: ExportRecord, e: Essentials) => string]> = [
  ['record_id', (r) => r.id],
  ['seq', (r) => String(r.seq)],
  ['event', (r) => r.event],
  ['status', (r) => r.status],
  ['occurred_at', (r) => iso(r.occurredAt)],
  ['award_id', (r) => r.awardId],
  ['microcredential_id', (r) => r.microcredentialId],
  ['definition_version_id', (r) => r.definitionVersionId],
  ['microcredential_code', (_r, e) => e.code],
  ['title_en', (r) => localized(r.title, 'en')],
  ['title_fr', (r) => localized(r.title, 'fr')],
  ['institution_name', (_r, e) => e.institutionName],
  ['institution_url', (_r, e) => e.institutionUrl],
  ['platform_id', (r) => r.platformId],
  ['course_id', (r) => r.contextId],
  ['course_code', (r) => r.courseCode ?? ''],
  ['course_title', (r) => r.courseTitle ?? ''],
  ['sis_section_id', (r) => r.sisSectionId ?? ''],
  ['learner_id', (r) => r.learnerId],
  ['lms_user_id', (r) => r.lmsUserId ?? ''],
  ['sis_person_id', (r) => r.sisPersonId ?? ''],
  ['learner_name', (r) => r.learnerName ?? ''],
  ['learner_email', (r) => r.learnerEmail ?? ''],
  ['credits', (_r, e) => text(e.credits)],
  ['notional_hours', (_r, e) => text(e.notionalHours)],
  ['level_en', (_r, e) => e.levelEn],
  ['level_fr', (_r, e) => e.levelFr],
  ['delivery_mode', (_r, e) => e.deliveryMode],
  ['assessment_types', (_r, e) => e.assessmentTypes.join(';')],
  ['stacking', (_r, e) => e.stacking],
  ['stacking_towards_en', (_r, e) => e.stackingTowardsEn],
  ['stacking_towards_fr', (_r, e) => e.stackingTowardsFr],
  ['score', (r) => r.score ?? ''],
  ['by_prior_learning', (r) => (r.byPriorLearning ? 'true' : 'false')],
  ['decided_by', (r) => r.decidedBy],
  ['starts_at', (r) => iso(r.startsAt)],
  ['expires_at', (r) => iso(r.expiresAt)],
  ['revocation_reason', (r) => r.reason ?? ''],
  // Empty until the learner claims the badge (the award exists before its badge does).
  ['badge_id', (r) => r.badgeId ?? ''],
  ['verification_url', (r, e) => badgeUrl(r, e.publicUrl)],
  ['recorded_at', (r) => iso(r.recordedAt)],
];

/** A format's text: a header, each page, a trailer. */
export interface RecordWriter {
  contentType: string;
  /** Pages by seq (default) or grouped by learner. */
  order?: RecordOrder;
  extension: string;
  header(): string;
  page(records: readonly ExportRecord[]): string | Promise<string>;
  end(): string | Promise<string>;
  /** What the file counts, when not one line per record (CLR: credentials). */
  units?(): number;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One RFC 4180 field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
export const csvField = (v: string): string => (NEEDS_QUOTES.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** One CSV record, CRLF-terminated. */
const csvLine = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\r\n`;

/** CSV, RFC 4180; `publicUrl` makes the verification URLs absolute (empty without it). */
export function csvWriter(publicUrl?: string): RecordWriter {
  return {
    contentType: 'text/csv; charset=utf-8; header=present',
    extension: 'csv',
    header: () => csvLine(CSV_COLUMNS.map(([name]) => name)),
    page: (records) => {
      let out = '';
      for (const r of records) {
        const e = { ...essentialsOf(r), publicUrl };
        out += csvLine(CSV_COLUMNS.map(([, get]) => get(r, e)));
      }
      return out;
    },
    end: () => '',
  };
}

/** One record as the JSON Lines object. */
export function recordJson(r: ExportRecord, publicUrl?: string): Json {
  const e = essentialsOf(r);
  return {
    recordId: r.id,
    seq: r.seq,
    event: r.event,
    status: r.status,
    occurredAt: iso(r.occurredAt),
    awardId: r.awardId,
    microcredential: {
      id: r.microcredentialId,
      definitionVersionId: r.definitionVersionId,
      code: e.code || null,
      title: r.title,
      credits: e.credits,
      notionalHours: e.notionalHours,
    },
    institution: r.institution ?? null,
    course: {
      platformId: r.platformId,
      id: r.contextId,
      code: r.courseCode,
      title: r.courseTitle,
      sisSectionId: r.sisSectionId,
    },
    learner: {
      id: r.learnerId,
      lmsUserId: r.lmsUserId,
      sisPersonId: r.sisPersonId,
      name: r.learnerName,
      email: r.learnerEmail,
    },
    essentials: r.essentials,
    score: r.score === null ? null : Number(r.score),
    passingAttempt: r.passingAttempt ?? null,
    byPriorLearning: r.byPriorLearning,
    decidedBy: r.decidedBy,
    startsAt: r.startsAt ? iso(r.startsAt) : null,
    expiresAt: r.expiresAt ? iso(r.expiresAt) : null,
    revocationReason: r.reason,
    badge: r.badgeId ? { id: r.badgeId, verificationUrl: badgeUrl(r, publicUrl) || null } : null,
    recordedAt: iso(r.recordedAt),
  };
}

/** JSON Lines: one JSON object per record, `\n` after each. */
export function jsonlWriter(publicUrl?: string): RecordWriter {
  return {
    contentType: 'application/x-ndjson; charset=utf-8',
    extension: 'jsonl',
    header: () => '',
    page: (records) => records.map((r) => `${JSON.stringify(recordJson(r, publicUrl))}\n`).join(''),
    end: () => '',
  };
}
