/**
 * The Names and Role Provisioning service of a course, as a launch offered it: the
 * `context_memberships_url` of the NRPS claim. Keyed by platform and LTI context, not by
 * micro-credential, so a launch before the course's micro-credential exists still counts;
 * the results sync reads the roster through it. The last NRPS problem is kept here, apart
 * from the intake status: NRPS failing does not stop a sync (the connector's roster read
 * takes over), so it must not look like the sync failed, but it must stay visible.
 */
import { sql } from 'drizzle-orm';
import { jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { platforms } from './platforms.js';

export const nrpsEndpoints = pgTable(
  'nrps_endpoints',
  {
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    /** The LTI `context.id` of the course. */
    contextId: text('context_id').notNull(),
    /** `context_memberships_url` of the NRPS claim. */
    membershipsUrl: text('memberships_url').notNull(),
    /** Space-separated `service_versions` of the claim (`2.0`, Moodle also `1.0`). */
    serviceVersions: text('service_versions').notNull().default(''),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    /** When a roster was last read through NRPS in full. */
    lastReadAt: timestamp('last_read_at', { withTimezone: true }),
    /** `{ code, messageKey, params }` (i18n key, namespace `intake`) of the last failed read; null when fine. */
    problem: jsonb('problem').$type<{
      code: string;
      messageKey: string;
      params?: Record<string, string | number>;
    } | null>(),
    problemAt: timestamp('problem_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.contextId] })],
);
