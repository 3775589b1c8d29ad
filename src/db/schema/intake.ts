/**
 * Results intake: how each platform may push (xAPI Basic credentials, Canvas Live Events
 * keys), the pushes already seen (so a replayed or duplicated delivery gives no extra job),
 * the last sync of each micro-credential with the problem that stopped it, if any, so that
 * a broken connector is visible rather than silently stale, and the course's instructors.
 */
import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { microcredentials } from './microcredentials.js';
import { platforms } from './platforms.js';

/** A platform's push channels. Absent row: the platform pushes nothing. */
export const pushEndpoints = pgTable('push_endpoints', {
  platformId: text('platform_id')
    .primaryKey()
    .references(() => platforms.id, { onDelete: 'cascade' }),
  /** logstore_xapi Basic user name (not secret). */
  xapiUsername: text('xapi_username'),
  /** `sha256:<hex>` of the generated password (see `connectors/push/basic-auth.ts`). */
  xapiPasswordHash: text('xapi_password_hash'),
  /** Canvas Live Events: the JWKS URL keys are fetched from (Instructure's by default). */
  canvasJwksUrl: text('canvas_jwks_url'),
  /** Canvas Live Events: a key set given inline (self-hosted Canvas, tests); wins over the URL. */
  canvasJwks: jsonb('canvas_jwks'),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});

/** Pushes already acted on, by the sender's idempotency key; pruned after a few days. */
export const pushReceipts = pgTable(
  'push_receipts',
  {
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.key] }), index('push_receipts_at_ix').on(t.receivedAt)],
);

/** The last results sync of a micro-credential and what went wrong, if anything. */
export const intakeStatus = pgTable('intake_status', {
  microcredentialId: text('microcredential_id')
    .primaryKey()
    .references(() => microcredentials.id, { onDelete: 'cascade' }),
  lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
  lastOkAt: timestamp('last_ok_at', { withTimezone: true }),
  /** `{ code, messageKey, params }` (i18n key, namespace `intake` or `connectors`); null when fine. */
  problem: jsonb('problem').$type<{
    code: string;
    messageKey: string;
    params?: Record<string, string | number>;
  } | null>(),
  problemAt: timestamp('problem_at', { withTimezone: true }),
});

/**
 * How far each summative item of a micro-credential has been read on the whole roster, so
 * the next reconcile asks the LMS only for what changed since (where the LMS can say so).
 * Times are Jalon's clock at the start of the read; the reader subtracts a margin for the
 * LMS's clock and for writes the LMS had not committed yet.
 */
export const intakeWatermarks = pgTable(
  'intake_watermarks',
  {
    microcredentialId: text('microcredential_id')
      .notNull()
      .references(() => microcredentials.id, { onDelete: 'cascade' }),
    /** `<source>:<lms id>` of the summative item. */
    itemKey: text('item_key').notNull(),
    /** Start of the last roster read of the item, full or incremental. */
    readFrom: timestamp('read_from', { withTimezone: true }).notNull(),
    /** Start of the last full read of the item (what an incremental read cannot see). */
    fullReadAt: timestamp('full_read_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.microcredentialId, t.itemKey] })],
);
