/**
 * Awards: a learner achieved a micro-credential, under one definition version. One award
 * per (micro-credential, learner), enforced by the database so that concurrent
 * deliveries can never award twice. Claiming, badges and transcript rows build on it.
 */
import { sql } from 'drizzle-orm';
import { boolean, integer, jsonb, numeric, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { definitionVersions, microcredentials } from './microcredentials.js';

export const AWARD_STATUSES = ['active', 'revoked'] as const;
export type AwardStatus = (typeof AWARD_STATUSES)[number];

export const awards = pgTable(
  'awards',
  {
    id: text('id').primaryKey(),
    microcredentialId: text('microcredential_id')
      .notNull()
      .references(() => microcredentials.id, { onDelete: 'restrict' }),
    definitionVersionId: text('definition_version_id')
      .notNull()
      .references(() => definitionVersions.id, { onDelete: 'restrict' }),
    /** LTI `sub` of the learner. */
    userId: text('user_id').notNull(),
    learnerName: text('learner_name'),
    learnerEmail: text('learner_email'),
    /** Percentage that decided the award (null for a manual decision without score). */
    score: numeric('score', { precision: 6, scale: 2 }),
    passingAttempt: integer('passing_attempt'),
    byPriorLearning: boolean('by_prior_learning').notNull().default(false),
    /** `policy` or `manual`, with the standing's reason as data. */
    decidedBy: text('decided_by').notNull(),
    reason: jsonb('reason'),
    status: text('status').$type<AwardStatus>().notNull().default('active'),
    awardedAt: timestamp('awarded_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [uniqueIndex('awards_learner_uq').on(t.microcredentialId, t.userId)],
);
