/**
 * Reading an instructor's CSV file of results into attempt records, without writing
 * anything: the preview the import page shows before the instructor commits. Every row is
 * checked and every problem reported with its row number (as a spreadsheet numbers rows:
 * the header is row 1), so a file is either entirely importable or shows why not.
 *
 * Format: UTF-8 (with or without a byte-order mark), comma- or semicolon-separated (French
 * Excel writes semicolons and decimal commas), a header row with the columns
 * `user_id,assessment,attempt,score,max_score,submitted_at` in any order (extra columns are
 * ignored). `user_id` is the learner's LMS user id (the LTI `sub`); `assessment` is one of
 * the definition's assessments, by its key (`moodle-quiz:101`) or its label; `submitted_at`
 * is an ISO 8601 instant, or a local date (`2030-03-01`) or date and time
 * (`2030-03-01 14:30`) in the institution's time zone.
 */
import { parse } from 'csv-parse/sync';
import { CsvError } from 'csv-parse';
import { assessmentKeyString, type AssessmentRef } from '../microcredentials/definition.js';
import { validateAttempt, type AttemptRecord } from '../microcredentials/attempts.js';
import { INSTITUTION_TIME_ZONE, isCalendarDay, parseNumber, zonedInstant } from '../web/definition-form.js';

/** The columns a file must have. */
export const CSV_COLUMNS = [
  'user_id',
  'assessment',
  'attempt',
  'score',
  'max_score',
  'submitted_at',
] as const;

/** The `source` of records imported from a file. */
export const CSV_SOURCE = 'csv';

/** Rows a file may have at most (a course, not a registrar's extract). */
export const CSV_MAX_ROWS = 5000;

/** A problem in the file: an i18n key of the `import` namespace, its parameters and row. */
export interface CsvProblem {
  /** Spreadsheet row number (header = 1); absent for a problem with the whole file. */
  row?: number;
  key: string;
  params: Record<string, string | number>;
}

/** A row that reads as a valid attempt. */
export interface CsvRow {
  row: number;
  record: AttemptRecord;
  /** The assessment's label, for the preview. */
  assessmentLabel: string;
}

/** What a file would import: the good rows and every problem. Importable when `problems` is empty. */
export interface CsvPreview {
  rows: CsvRow[];
  problems: CsvProblem[];
  delimiter: ',' | ';';
}

/** Options of {@link parseAttemptsCsv}. */
export interface CsvOptions {
  /** Time zone of local dates; default the institution's. */
  timeZone?: string;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** An instant from what a spreadsheet may hold, or undefined. */
function readInstant(raw: string, timeZone: string): string | undefined {
  if (ISO_INSTANT.test(raw)) return Number.isNaN(Date.parse(raw)) ? undefined : raw;
  // A date alone: the end of that day, so a same-day submission is never made earlier.
  if (isCalendarDay(raw)) return zonedInstant(raw, '23:59:59', timeZone);
  const m = LOCAL_TIME.exec(raw);
  if (!m || !isCalendarDay(m[1]!)) return undefined;
  const [h, mi, s] = [Number(m[2]), Number(m[3]), Number(m[4] ?? '0')];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return zonedInstant(m[1]!, `${m[2]}:${m[3]}:${m[4] ?? '00'}`, timeZone);
}

/** The separator: whichever of `;` and `,` the header line has more of. */
function detectDelimiter(text: string): ',' | ';' {
  const header = text.split(/\r?\n/, 1)[0] ?? '';
  const count = (c: string) => header.split(c).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

/** Finds the assessment a cell names: by key first, then by label (ignoring case). */
function findAssessment(
  cell: string,
  assessments: readonly AssessmentRef[],
): AssessmentRef | 'ambiguous' | undefined {
  const byKey = assessments.find((a) => assessmentKeyString(a) === cell);
  if (byKey) return byKey;
  const wanted = cell.toLocaleLowerCase();
  const byLabel = assessments.filter((a) => a.label.trim().toLocaleLowerCase() === wanted);
  if (byLabel.length > 1) return 'ambiguous';
  return byLabel[0];
}

/**
 * Parses and checks a CSV file of results against the definition's assessments. Pure: the
 * same bytes and assessments always give the same preview.
 */
export function parseAttemptsCsv(
  content: Uint8Array | string,
  assessments: readonly AssessmentRef[],
  options: CsvOptions = {},
): CsvPreview {
  const timeZone = options.timeZone ?? INSTITUTION_TIME_ZONE;
  const problems: CsvProblem[] = [];
  let text: string;
  try {
    // Fatal decoding: a Windows-1252 export must be refused, not imported with mangled names.
    text = typeof content === 'string' ? content : new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return { rows: [], problems: [{ key: 'import:errors.encoding', params: {} }], delimiter: ',' };
  }
  text = text.replace(/^\uFEFF/, '');
  const delimiter = detectDelimiter(text);
  let table: string[][];
  try {
    table = parse(text, {
      delimiter,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as string[][];
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const line = (err as CsvError & { lines?: number }).lines;
    return {
      rows: [],
      problems: [{ key: 'import:errors.malformed', params: { line: line ?? '?' } }],
      delimiter,
    };
  }
  const [header, ...body] = table;
  if (!header || body.length === 0)
    return { rows: [], problems: [{ key: 'import:errors.empty', params: {} }], delimiter };
  const names = header.map((h) => h.trim().toLowerCase());
  const missing = CSV_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0)
    return {
      rows: [],
      problems: [{ key: 'import:errors.missingColumns', params: { columns: missing.join(', ') } }],
      delimiter,
    };
  if (body.length > CSV_MAX_ROWS)
    return {
      rows: [],
      problems: [{ key: 'import:errors.tooManyRows', params: { max: CSV_MAX_ROWS, rows: body.length } }],
      delimiter,
    };
  const col = Object.fromEntries(CSV_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<
    (typeof CSV_COLUMNS)[number],
    number
  >;

  const rows: CsvRow[] = [];
  const seen = new Map<string, number>();
  body.forEach((cells, i) => {
    const row = i + 2;
    const errs: CsvProblem[] = [];
    const fail = (key: string, params: Record<string, string | number> = {}) =>
      errs.push({ row, key: `import:errors.${key}`, params });
    if (cells.length !== header.length) {
      fail('columnCount', { expected: header.length, found: cells.length });
      problems.push(...errs);
      return;
    }
    const cell = (c: (typeof CSV_COLUMNS)[number]) => cells[col[c]] ?? '';

    const learner = cell('user_id');
    if (learner === '') fail('learner');

    const assessmentCell = cell('assessment');
    const found = findAssessment(assessmentCell, assessments);
    if (found === 'ambiguous') fail('assessmentAmbiguous', { value: assessmentCell });
    else if (!found) fail('assessment', { value: assessmentCell });

    const attemptCell = cell('attempt');
    const attemptNumber = /^\d+$/.test(attemptCell) ? Number(attemptCell) : Number.NaN;
    if (!Number.isSafeInteger(attemptNumber) || attemptNumber < 1) fail('attempt', { value: attemptCell });

    const score = parseNumber(cell('score'));
    const maxScore = parseNumber(cell('max_score'));
    if (typeof score !== 'number') fail('score', { value: cell('score') });
    if (typeof maxScore !== 'number' || maxScore <= 0) fail('maxScore', { value: cell('max_score') });
    if (typeof score === 'number' && score < 0) fail('scoreNegative', { score });
    if (typeof score === 'number' && typeof maxScore === 'number' && maxScore > 0 && score > maxScore)
      fail('scoreAboveMax', { score, max: maxScore });

    const submittedAt = readInstant(cell('submitted_at'), timeZone);
    if (!submittedAt) fail('date', { value: cell('submitted_at') });

    if (found && found !== 'ambiguous' && Number.isSafeInteger(attemptNumber) && learner !== '') {
      const key = `${learner}\u0000${assessmentKeyString(found)}\u0000${attemptNumber}`;
      const first = seen.get(key);
      if (first !== undefined) fail('duplicate', { first });
      else seen.set(key, row);
    }

    if (errs.length > 0 || !found || found === 'ambiguous' || !submittedAt) {
      problems.push(...errs);
      return;
    }
    const record: AttemptRecord = {
      learner,
      assessment: { source: found.source, lmsId: found.lmsId },
      attemptNumber,
      score: score as number,
      maxScore: maxScore as number,
      submittedAt,
      gradedAt: null,
      source: CSV_SOURCE,
      // The same row imported again is the same attempt, whatever the file is called.
      sourceId: `${learner}:${assessmentKeyString(found)}:${attemptNumber}`,
    };
    // The policy's own check, so the store can never refuse what the preview accepted.
    const v = validateAttempt(record);
    if (!v.ok) {
      problems.push({ row, key: v.reason.key, params: stringParams(v.reason.params) });
      return;
    }
    rows.push({ row, record, assessmentLabel: found.label });
  });
  return { rows, problems, delimiter };
}

function stringParams(params: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(params)) out[k] = typeof v === 'number' ? v : String(v);
  return out;
}
