/**
 * What an export selects, checked once for the API, the area's form and the schedules:
 * a period (calendar days in the institution's time zone, both ends included), a course
 * (LTI context id), a micro-credential, the award's current status, and "since" (records
 * after a seq: `last` means after what this token or schedule last exported). Every
 * problem comes back as an i18n key a person can read, never as a zod dump.
 */
import { z } from 'zod';
import { EXPORT_FORMATS, type ExportFormat } from '../db/schema/index.js';

/** The award's status as of the export. */
export const RECORD_STATUSES = ['active', 'revoked', 'expired'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/** Validated filters (stored as such on runs and schedules). */
export interface ExportFilters {
  /** First day included, `YYYY-MM-DD`. */
  from?: string;
  /** Last day included, `YYYY-MM-DD`. */
  to?: string;
  course?: string;
  microcredential?: string;
  status?: RecordStatus;
  /** `last`, or a seq: only records after it. */
  since?: 'last' | number;
}

/** One problem with one parameter. */
export interface FilterProblem {
  field: string;
  /** i18n key under `registrar:filters.*`. */
  key: string;
  params?: Record<string, string>;
}

/** The outcome of {@link parseFilters}. */
export type FilterResult = { ok: true; filters: ExportFilters } | { ok: false; problems: FilterProblem[] };

/** Query parameters the API accepts besides the filters. */
export const FILTER_FIELDS = ['from', 'to', 'course', 'microcredential', 'status', 'since'] as const;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'registrar:filters.badDate')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'registrar:filters.badDate');

const schema = z.object({
  from: day.optional(),
  to: day.optional(),
  course: z.string().max(255, 'registrar:filters.tooLong').optional(),
  microcredential: z.string().max(100, 'registrar:filters.tooLong').optional(),
  status: z.enum(RECORD_STATUSES, { error: 'registrar:filters.badStatus' }).optional(),
  since: z
    .string()
    .regex(/^(last|\d{1,15})$/, 'registrar:filters.badSince')
    .optional(),
});

const single = (v: unknown): unknown => (Array.isArray(v) ? Symbol.for('many') : v);

/**
 * Checks raw parameters (query string or form). Empty strings count as absent. With
 * `strict`, unknown parameters (other than `allowed`) are problems too: a misspelt filter
 * must not silently export everything.
 */
export function parseFilters(
  raw: Record<string, unknown>,
  options: { strict?: boolean; allowed?: readonly string[] } = {},
): FilterResult {
  const problems: FilterProblem[] = [];
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if ((FILTER_FIELDS as readonly string[]).includes(k)) {
      const value = single(v);
      if (typeof value === 'symbol') {
        problems.push({ field: k, key: 'registrar:filters.repeated', params: { field: k } });
        continue;
      }
      if (value === '' || value === undefined) continue;
      input[k] = typeof value === 'string' ? value.trim() : value;
    } else if (options.strict && !(options.allowed ?? []).includes(k)) {
      problems.push({
        field: k,
        key: 'registrar:filters.unknown',
        params: { field: k, known: [...FILTER_FIELDS, ...(options.allowed ?? [])].join(', ') },
      });
    }
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '');
      const key = issue.message.startsWith('registrar:') ? issue.message : 'registrar:filters.invalid';
      problems.push({ field, key, params: { field, value: String(input[field] ?? '') } });
    }
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  const d = parsed.data;
  if (d.from && d.to && d.from > d.to) {
    return {
      ok: false,
      problems: [{ field: 'to', key: 'registrar:filters.reversed', params: d as Record<string, string> }],
    };
  }
  const filters: ExportFilters = {};
  if (d.from) filters.from = d.from;
  if (d.to) filters.to = d.to;
  if (d.course) filters.course = d.course;
  if (d.microcredential) filters.microcredential = d.microcredential;
  if (d.status) filters.status = d.status;
  if (d.since !== undefined) filters.since = d.since === 'last' ? 'last' : Number(d.since);
  return { ok: true, filters };
}

/** Checks an export format. */
export function parseFormat(v: unknown): ExportFormat | undefined {
  return typeof v === 'string' && (EXPORT_FORMATS as readonly string[]).includes(v)
    ? (v as ExportFormat)
    : undefined;
}

/** Filters as stored JSON, read back (schedules, runs); anything odd is dropped. */
export function storedFilters(json: unknown): ExportFilters {
  if (!json || typeof json !== 'object') return {};
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json as Record<string, unknown>))
    raw[k] = typeof v === 'number' ? String(v) : v;
  const r = parseFilters(raw);
  return r.ok ? r.filters : {};
}
