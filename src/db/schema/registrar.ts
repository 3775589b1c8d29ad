/**
 * The registrar's side: API tokens for the student information system, export runs
 * (one row per export, with its progress, file and checksum) and scheduled exports.
 * Tokens are stored only as the SHA-256 of a high-entropy secret shown once; "since the
 * last export" is a seq watermark on the token or the schedule.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { platforms } from './platforms.js';

/** What a token may do: `records:read` for CSV and JSON Lines, `clr:read` for CLR 2.0. */
export const REGISTRAR_SCOPES = ['records:read', 'clr:read'] as const;
export type RegistrarScope = (typeof REGISTRAR_SCOPES)[number];

export const EXPORT_FORMATS = ['csv', 'jsonl', 'clr'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_RUN_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type ExportRunStatus = (typeof EXPORT_RUN_STATUSES)[number];

export const registrarTokens = pgTable(
  'registrar_tokens',
  {
    id: text('id')
      .primaryKey()
      .$defaultFn(() => `rt-${randomUUID()}`),
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Hex SHA-256 of the secret; the secret itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    scopes: jsonb('scopes').$type<RegistrarScope[]>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    /** Highest transcript seq a completed `since=last` export delivered (0: none yet). */
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    uniqueIndex('registrar_tokens_hash_uq').on(t.tokenHash),
    index('registrar_tokens_platform_ix').on(t.platformId),
  ],
);

export const registrarSchedules = pgTable(
  'registrar_schedules',
  {
    id: text('id')
      .primaryKey()
      .$defaultFn(() => `rs-${randomUUID()}`),
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** node-cron pattern, in the jobs' time zone. */
    cron: text('cron').notNull(),
    format: text('format').$type<ExportFormat>().notNull(),
    /** The validated filters (see `src/registrar/filters.ts`). */
    filters: jsonb('filters').notNull().default({}),
    targetDir: text('target_dir').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** Each run exports only records after this seq, then moves it forward. */
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
  },
  (t) => [index('registrar_schedules_platform_ix').on(t.platformId)],
);

export const registrarExportRuns = pgTable(
  'registrar_export_runs',
  {
    id: text('id')
      .primaryKey()
      .$defaultFn(() => `rx-${randomUUID()}`),
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    scheduleId: text('schedule_id').references(() => registrarSchedules.id, { onDelete: 'set null' }),
    /** The schedule's period (its once key), for scheduled runs. */
    period: text('period'),
    requestedBy: text('requested_by').notNull(),
    filters: jsonb('filters').notNull().default({}),
    format: text('format').$type<ExportFormat>().notNull(),
    status: text('status').$type<ExportRunStatus>().notNull().default('queued'),
    /** Rows written so far (progress) and in total once done. */
    rows: integer('rows').notNull().default(0),
    /** Rows the export expects (counted at start), for the progress bar. */
    expectedRows: integer('expected_rows'),
    filePath: text('file_path'),
    checksum: text('checksum'),
    /** Seq range exported: after `fromSeq`, up to and including `toSeq`. */
    fromSeq: bigint('from_seq', { mode: 'number' }),
    toSeq: bigint('to_seq', { mode: 'number' }),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('registrar_export_runs_platform_ix').on(t.platformId, t.createdAt),
    uniqueIndex('registrar_export_runs_period_uq').on(t.scheduleId, t.period),
  ],
);
