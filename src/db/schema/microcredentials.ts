/**
 * Micro-credentials: one per course (platform + LTI context), each with immutable,
 * numbered definition versions (awards keep the version they were earned under), and
 * the images (badge artwork, issuer logos) they refer to.
 */
import { sql } from 'drizzle-orm';
import { customType, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { platforms } from './platforms.js';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});

export const microcredentials = pgTable(
  'microcredentials',
  {
    id: text('id').primaryKey(),
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    /** LTI context id (Moodle course id; Canvas opaque context id). */
    contextId: text('context_id').notNull(),
    courseTitle: text('course_title'),
    courseLabel: text('course_label'),
    /** LMS REST id of the course when it differs from the context id (Canvas). */
    lmsCourseId: text('lms_course_id'),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [uniqueIndex('microcredentials_course_uq').on(t.platformId, t.contextId)],
);

export const definitionVersions = pgTable(
  'definition_versions',
  {
    id: text('id').primaryKey(),
    microcredentialId: text('microcredential_id')
      .notNull()
      .references(() => microcredentials.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** The validated `MicroCredentialDefinition`. */
    definition: jsonb('definition').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    createdBy: text('created_by').notNull(),
  },
  (t) => [uniqueIndex('definition_versions_uq').on(t.microcredentialId, t.version)],
);

/** Uploaded images, content-addressed (id = sha256 of the bytes). */
export const images = pgTable('images', {
  id: text('id').primaryKey(),
  mime: text('mime').notNull(),
  bytes: bytea('bytes').notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});
