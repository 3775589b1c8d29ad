/**
 * Jalon's own record of the LMS platforms that registered it. This is the source of truth
 * (status, deployments); the LTI engine is told about a platform only once it is active.
 */
import { sql } from 'drizzle-orm';
import { bigserial, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const PLATFORM_STATUSES = ['pending', 'active', 'disabled'] as const;
export type PlatformStatus = (typeof PLATFORM_STATUSES)[number];

export const platforms = pgTable(
  'platforms',
  {
    id: text('id').primaryKey(),
    issuer: text('issuer').notNull(),
    clientId: text('client_id').notNull(),
    name: text('name').notNull(),
    /** `moodle`, `canvas` or what the platform calls itself. */
    productFamily: text('product_family').notNull().default('unknown'),
    authEndpoint: text('auth_endpoint').notNull(),
    tokenEndpoint: text('token_endpoint').notNull(),
    authorizationServer: text('authorization_server'),
    jwksUri: text('jwks_uri').notNull(),
    status: text('status').$type<PlatformStatus>().notNull().default('pending'),
    /** `dynamic` (LTI Dynamic Registration) or `manual` (CLI / admin page). */
    source: text('source').notNull(),
    /** What the platform answered at dynamic registration (scopes, claims it accepted). */
    registration: jsonb('registration'),
    /** Web origins the platform shows Jalon from (CSP `frame-ancestors`). */
    origins: jsonb('origins').$type<string[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('platforms_issuer_client_uq').on(t.issuer, t.clientId)],
);

export const platformDeployments = pgTable(
  'platform_deployments',
  {
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    deploymentId: text('deployment_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.deploymentId] })],
);

/** Who did what to which object: administrative and instructor actions, append-only. */
export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: timestamp('at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  subject: text('subject').notNull(),
  details: jsonb('details'),
});
