/**
 * Attempts: one row per (micro-credential, learner, assessment, attempt number), whatever
 * channel reported it. Both unique constraints are enforced by the database so that
 * duplicated, replayed or concurrent deliveries of one attempt can only ever give one row.
 */
import { sql } from 'drizzle-orm';
import { check, doublePrecision, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { microcredentials } from './microcredentials.js';

export const attempts = pgTable(
  'attempts',
  {
    id: text('id').primaryKey(),
    microcredentialId: text('microcredential_id')
      .notNull()
      .references(() => microcredentials.id, { onDelete: 'cascade' }),
    /** LTI `sub` of the learner. */
    learner: text('learner').notNull(),
    /** `AssessmentKey.source` (`moodle-quiz`, `canvas-assignment`, `jalon-column`…). */
    assessmentSource: text('assessment_source').notNull(),
    assessmentLmsId: text('assessment_lms_id').notNull(),
    /** Normalised to start at 1, whatever the LMS counts from. */
    attemptNumber: integer('attempt_number').notNull(),
    /** Null while submitted but not graded. */
    score: doublePrecision('score'),
    maxScore: doublePrecision('max_score'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull(),
    gradedAt: timestamp('graded_at', { withTimezone: true }),
    /** The channel that first reported it (`moodle-ws`, `canvas-api`, `csv`…). */
    source: text('source').notNull(),
    /** The source's own id of the attempt. */
    sourceId: text('source_id').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    uniqueIndex('attempts_attempt_uq').on(
      t.microcredentialId,
      t.learner,
      t.assessmentSource,
      t.assessmentLmsId,
      t.attemptNumber,
    ),
    uniqueIndex('attempts_source_uq').on(t.microcredentialId, t.source, t.sourceId),
    check('attempts_number_ck', sql`${t.attemptNumber} >= 1`),
  ],
);
