/**
 * The facts besides attempts that the award policy reads, as the LMS last reported them
 * (feedback, completions), what the instructor decided in Jalon (overrides, audited), and
 * the learners Jalon knows in a course (from launches and the LMS roster).
 */
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { microcredentials } from './microcredentials.js';

/** Instructor feedback on a learner's summative attempt (`FeedbackRecord`). */
export const feedback = pgTable(
  'feedback',
  {
    id: text('id').primaryKey(),
    microcredentialId: text('microcredential_id')
      .notNull()
      .references(() => microcredentials.id, { onDelete: 'cascade' }),
    learner: text('learner').notNull(),
    assessmentSource: text('assessment_source').notNull(),
    assessmentLmsId: text('assessment_lms_id').notNull(),
    /** Null when the source does not say which attempt (Canvas submission comments). */
    attemptNumber: integer('attempt_number'),
    givenAt: timestamp('given_at', { withTimezone: true }).notNull(),
    /** `jalon` (written in the console) or `lms`. */
    origin: text('origin').$type<'jalon' | 'lms'>().notNull(),
    /** The source's own id (comment id, or Jalon's id for console feedback). */
    sourceId: text('source_id').notNull(),
    /** Console feedback only: the text and who wrote it. */
    body: text('body'),
    givenBy: text('given_by'),
    recordedAt: timestamp('recorded_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    uniqueIndex('feedback_source_uq').on(t.microcredentialId, t.origin, t.sourceId),
    index('feedback_learner_ix').on(t.microcredentialId, t.learner),
  ],
);

/** A completion the LMS reports (`CompletionRecord`); `scope_lms_id` is '' for the course. */
export const completions = pgTable(
  'completions',
  {
    microcredentialId: text('microcredential_id')
      .notNull()
      .references(() => microcredentials.id, { onDelete: 'cascade' }),
    learner: text('learner').notNull(),
    scopeKind: text('scope_kind').$type<'course' | 'activity'>().notNull(),
    scopeLmsId: text('scope_lms_id').notNull().default(''),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    recordedAt: timestamp('recorded_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [uniqueIndex('completions_uq').on(t.microcredentialId, t.learner, t.scopeKind, t.scopeLmsId)],
);

/**
 * Instructor overrides (`Override`: extra attempts, manual decision). Never updated in
 * place: withdrawing one sets `withdrawn_at`, so the record of what was decided stays.
 */
export const overrides = pgTable(
  'overrides',
  {
    id: text('id').primaryKey(),
    microcredentialId: text('microcredential_id')
      .notNull()
      .references(() => microcredentials.id, { onDelete: 'cascade' }),
    learner: text('learner').notNull(),
    kind: text('kind').$type<'extra_attempts' | 'manual_decision'>().notNull(),
    /** The `Override` as the policy reads it. */
    data: jsonb('data').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
    withdrawnBy: text('withdrawn_by'),
  },
  (t) => [index('overrides_learner_ix').on(t.microcredentialId, t.learner)],
);

/**
 * Learners of a micro-credential's course, from their own launches and the LMS roster
 * (NRPS). `lms_user_id` is the id the LMS's web services/REST know them by (Moodle user
 * id; Canvas user id), when it differs from the LTI `sub`.
 */
export const learners = pgTable(
  'learners',
  {
    microcredentialId: text('microcredential_id')
      .notNull()
      .references(() => microcredentials.id, { onDelete: 'cascade' }),
    /** LTI `sub`. */
    userId: text('user_id').notNull(),
    lmsUserId: text('lms_user_id'),
    /** LTI LIS `person_sourcedid`, for the registrar. */
    sisPersonId: text('sis_person_id'),
    name: text('name'),
    email: text('email'),
    /** `regular` or `rpl` (recognition of prior learning), set by the instructor. */
    path: text('path').$type<'regular' | 'rpl'>().notNull().default('regular'),
    /** The learner's language (from their launch), for e-mails. */
    locale: text('locale'),
    /** `active` while in the roster; `inactive` when the LMS no longer lists them. */
    status: text('status').$type<'active' | 'inactive'>().notNull().default('active'),
    /**
     * When the learner last became active (first recorded, or listed again after leaving):
     * an incremental read cannot know what they did before, so it reads them in full.
     */
    activeSince: timestamp('active_since', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [uniqueIndex('learners_uq').on(t.microcredentialId, t.userId)],
);

/** The last evaluated standing of each learner (the policy's `Standing`, as JSON). */
export const standings = pgTable(
  'standings',
  {
    microcredentialId: text('microcredential_id')
      .notNull()
      .references(() => microcredentials.id, { onDelete: 'cascade' }),
    learner: text('learner').notNull(),
    definitionVersionId: text('definition_version_id').notNull(),
    status: text('status').notNull(),
    standing: jsonb('standing').notNull(),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [uniqueIndex('standings_uq').on(t.microcredentialId, t.learner)],
);
