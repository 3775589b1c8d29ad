/**
 * LMS connectors (how Jalon reads course results beyond LTI), per platform, and the
 * per-user OAuth tokens Canvas requires. Secrets are sealed (AES-256-GCM) at rest.
 */
import { sql } from 'drizzle-orm';
import { jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { platforms } from './platforms.js';

export const CONNECTOR_KINDS = ['moodle', 'canvas'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export const lmsConnectors = pgTable('lms_connectors', {
  platformId: text('platform_id')
    .primaryKey()
    .references(() => platforms.id, { onDelete: 'cascade' }),
  kind: text('kind').$type<ConnectorKind>().notNull(),
  /** Moodle site URL or Canvas base URL (REST API host). */
  baseUrl: text('base_url').notNull(),
  /** Canvas developer key client id (not secret). */
  clientId: text('client_id'),
  /** Sealed JSON: Moodle `{ token }`, Canvas `{ clientSecret }`. */
  secret: text('secret').notNull(),
  /** Result of the last "test connection" (what works, what is missing). */
  lastCheck: jsonb('last_check'),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
  updatedBy: text('updated_by').notNull(),
});

/** A Canvas user's authorisation of Jalon (OAuth 2 authorization code), sealed. */
export const lmsUserTokens = pgTable(
  'lms_user_tokens',
  {
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'cascade' }),
    /** LTI `sub` of the user who authorised. */
    userId: text('user_id').notNull(),
    /** The LMS's REST id for that user (Canvas `$Canvas.user.id`). */
    lmsUserId: text('lms_user_id'),
    /** Sealed JSON `{ accessToken, refreshToken, expiresAt }`. */
    token: text('token').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.userId] })],
);

/** OAuth 2 `state` values in flight (single use, short-lived). */
export const oauthStates = pgTable('oauth_states', {
  state: text('state').primaryKey(),
  platformId: text('platform_id')
    .notNull()
    .references(() => platforms.id, { onDelete: 'cascade' }),
  userId: text('user_id').notNull(),
  lmsUserId: text('lms_user_id'),
  createdAt: timestamp('created_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});

/** The institution as badge issuer, set once per platform by an administrator. */
export const issuerProfiles = pgTable('issuer_profiles', {
  platformId: text('platform_id')
    .primaryKey()
    .references(() => platforms.id, { onDelete: 'cascade' }),
  /** Bilingual `{ fr?, en? }`. */
  name: jsonb('name').$type<{ fr?: string; en?: string }>().notNull(),
  url: text('url').notNull(),
  email: text('email').notNull(),
  imageId: text('image_id'),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
  updatedBy: text('updated_by').notNull(),
});
