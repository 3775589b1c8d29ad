/**
 * One export, streamed: resolve the range, read pages by seq, write each page to a
 * Writable (an HTTP response or a file) honouring back-pressure, hash what was written.
 * Memory stays at one page whatever the number of rows.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Db } from '../db/client.js';
import type { ExportFormat } from '../db/schema/index.js';
import type { ExportFilters } from './filters.js';
import { countRecords, currentCeiling, readRecords, type RecordQuery } from './records.js';
import { csvWriter, jsonlWriter, type RecordWriter } from './writers.js';

/** What to export. */
export interface ExportRequest {
  platformId: string;
  filters: ExportFilters;
  format: ExportFormat;
  /** Records after this seq (`since` resolved by the caller; 0 = from the start). */
  afterSeq: number;
  timeZone: string;
  /** Defaults to now. */
  at?: Date;
  /** Fixed upper seq; defaults to the highest seq at the start. */
  ceiling?: number;
  /** Called after each page with the rows written so far. */
  onProgress?: (rows: number) => void | Promise<void>;
  pageSize?: number;
}

/** What an export wrote. */
export interface ExportResult {
  /** Lines of data written: records (CSV, JSON Lines) or credentials (CLR). */
  rows: number;
  /** Transcript records read. */
  records: number;
  bytes: number;
  /** Hex SHA-256 of the bytes written. */
  sha256: string;
  fromSeq: number;
  /** The ceiling: the next "since the last export" starts after it. */
  toSeq: number;
}

/** The text writer of a format (CLR is built by `clr.ts`). */
export type WriterFactory = (format: ExportFormat, publicUrl?: string) => RecordWriter;

/** The writer of a format for a platform's export; undefined when the format is not available (CLR without a signer). */
export type WriterResolver = (format: ExportFormat, platformId: string) => Promise<RecordWriter | undefined>;

/** The CSV and JSON Lines writers. */
export const basicWriters: WriterFactory = (format, publicUrl) => {
  if (format === 'csv') return csvWriter(publicUrl);
  if (format === 'jsonl') return jsonlWriter(publicUrl);
  throw new RangeError(`no writer for ${format}`);
};

/** Thrown when the destination went away (client disconnected, disk error). */
export class DestinationClosedError extends Error {
  override name = 'DestinationClosedError';
}

async function put(out: Writable, chunk: string): Promise<void> {
  if (chunk === '') return;
  if (out.destroyed || out.writableEnded) throw new DestinationClosedError('the destination closed');
  if (!out.write(chunk)) {
    await Promise.race([
      once(out, 'drain'),
      once(out, 'close').then(() => {
        throw new DestinationClosedError('the destination closed');
      }),
    ]);
  }
}

/** The query of a request, with its range fixed. */
export async function resolveQuery(db: Db, req: ExportRequest): Promise<RecordQuery> {
  return {
    platformId: req.platformId,
    filters: req.filters,
    afterSeq: req.afterSeq,
    ceiling: req.ceiling ?? (await currentCeiling(db, req.platformId)),
    at: req.at ?? new Date(),
    timeZone: req.timeZone,
  };
}

/** How many records a request will export. */
export async function countExport(db: Db, req: ExportRequest): Promise<number> {
  return countRecords(db, await resolveQuery(db, req));
}

/**
 * Streams the export into `out` (not ended: the caller ends or closes it, so it can add a
 * trailer or rename a file first). Throws on a database error or a closed destination.
 */
export async function streamExport(
  db: Db,
  req: ExportRequest,
  out: Writable,
  writers: WriterFactory | RecordWriter = basicWriters,
): Promise<ExportResult> {
  const q = await resolveQuery(db, req);
  const writer = typeof writers === 'function' ? writers(req.format) : writers;
  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  const emit = async (s: string) => {
    if (!s) return;
    hash.update(s, 'utf8');
    bytes += Buffer.byteLength(s, 'utf8');
    await put(out, s);
  };
  await emit(writer.header());
  for await (const page of readRecords(db, q, req.pageSize, writer.order)) {
    await emit(await writer.page(page));
    rows += page.length;
    await req.onProgress?.(rows);
  }
  await emit(await writer.end());
  return {
    rows: writer.units ? writer.units() : rows,
    records: rows,
    bytes,
    sha256: hash.digest('hex'),
    fromSeq: q.afterSeq,
    toSeq: q.ceiling,
  };
}
