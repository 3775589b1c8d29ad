/**
 * What the decisions flow keeps besides standings and awards: where Jalon's own AGS column
 * lives in each course (learnt from launches, so that a background job can write to it
 * outside any request), the last score timestamp written per learner (Moodle refuses a
 * score whose timestamp is not strictly newer), and the course's instructors (for the
 * daily reminder of feedback owed).
 */
import { sql } from 'drizzle-orm';
import { pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { microcredentials } from './microcredentials.js';

/** The AGS line-items service of a micro-credential's course, as the last launch gave it. */
export const gradebookEndpoints = pgTable('gradebook_endpoints', {
  microcredentialId: text('microcredential_id')
    .primaryKey()
    .references(() => microcredentials.id, { onDelete: 'cascade' }),
  platformId: text('platform_id').notNull(),
  /** The `lineitems` URL of the AGS endpoint claim. */
  lineItemsUrl: text('line_items_url').notNull(),
  /** Space-separated AGS scopes the platform granted. */
  scopes: text('scopes').notNull(),
  /** Jalon's column (line item URL), once found or created. */
  lineItemUrl: text('line_item_url'),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});

/** The timestamp of the last score Jalon wrote for a learner, so the next one is newer. */
export const gradebookScores = pgTable(
  'gradebook_scores',
  {
    microcredentialId: text('microcredential_id')
      .notNull()
      .references(() => microcredentials.id, { onDelete: 'cascade' }),
    learner: text('learner').notNull(),
    lastTimestamp: timestamp('last_timestamp', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.microcredentialId, t.learner] })],
);

/**
 * Instructors seen launching in a micro-credential's course, latest first: reminders of
 * feedback owed go to them, and on Canvas the results sync reads as one of them who has
 * authorised Jalon (their course, their rights).
 */
export const courseInstructors = pgTable(
  'course_instructors',
  {
    microcredentialId: text('microcredential_id')
      .notNull()
      .references(() => microcredentials.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    name: text('name'),
    email: text('email'),
    locale: text('locale'),
    seenAt: timestamp('seen_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.microcredentialId, t.userId] })],
);
