/**
 * Transcript records: what the registrar exports. Append-only: an award writes an
 * `awarded` row in the same transaction as the award; a revocation appends a `revoked`
 * row; nothing is ever updated or deleted, so an export is a faithful history. `seq`
 * orders rows for incremental exports ("everything after seq N").
 */
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { awards } from './awards.js';

export const TRANSCRIPT_EVENTS = ['awarded', 'revoked'] as const;
export type TranscriptEvent = (typeof TRANSCRIPT_EVENTS)[number];

export const transcriptRecords = pgTable(
  'transcript_records',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    event: text('event').$type<TranscriptEvent>().notNull(),
    awardId: text('award_id')
      .notNull()
      .references(() => awards.id, { onDelete: 'restrict' }),
    microcredentialId: text('microcredential_id').notNull(),
    definitionVersionId: text('definition_version_id').notNull(),
    platformId: text('platform_id').notNull(),
    /** The LMS course: LTI context id, title and code. */
    contextId: text('context_id').notNull(),
    courseTitle: text('course_title'),
    courseCode: text('course_code'),
    /** LTI `sub`, and the LMS's own user id when known (the registrar's join key). */
    learnerId: text('learner_id').notNull(),
    lmsUserId: text('lms_user_id'),
    /** LTI LIS `person_sourcedid` (the SIS person id), when the platform sends it. */
    sisPersonId: text('sis_person_id'),
    /** LTI LIS `course_section_sourcedid` (the SIS section id), when present. */
    sisSectionId: text('sis_section_id'),
    /** The issuing institution (name, URL) as the issuer profile stood at the award. */
    institution: jsonb('institution'),
    learnerName: text('learner_name'),
    learnerEmail: text('learner_email'),
    /**
     * The micro-credential's essential information at the time of the award (code,
     * outcomes, hours, credits, level, mode, assessment type…: the definition's own words).
     * The badge (id, verification URL) is joined from the credential tables by award id.
     */
    title: jsonb('title').notNull(),
    essentials: jsonb('essentials').notNull(),
    score: numeric('score', { precision: 6, scale: 2 }),
    passingAttempt: jsonb('passing_attempt'),
    byPriorLearning: boolean('by_prior_learning').notNull().default(false),
    decidedBy: text('decided_by').notNull(),
    /** When the learner achieved it (award) or lost it (revocation). */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    /** Start of the micro-credential (definition) and expiry of the award, when set. */
    startsAt: timestamp('starts_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** Revocations: the reason as written. */
    reason: text('reason'),
    recordedAt: timestamp('recorded_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    uniqueIndex('transcript_records_id_uq').on(t.id),
    // One `awarded` and at most one `revoked` row per award: replays cannot duplicate.
    uniqueIndex('transcript_records_event_uq').on(t.awardId, t.event),
    index('transcript_records_mc_ix').on(t.microcredentialId, t.seq),
    // Keyset pages of the registrar's exports: by platform (CSV, JSON Lines) and by learner (CLR).
    index('transcript_records_platform_seq_ix').on(t.platformId, t.seq),
    index('transcript_records_learner_ix').on(t.platformId, t.learnerId, t.seq),
  ],
);
