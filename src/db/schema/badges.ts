/**
 * Open Badges issued by Jalon: each issuer's signing keys (one issuer per platform, the
 * private key sealed at rest, old keys kept for rotation so earlier badges still verify),
 * the Bitstring Status Lists that carry revocation bits, and the signed credentials, one
 * row per award (both language editions), created when the learner claims the award.
 */
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { awards } from './awards.js';
import { platforms } from './platforms.js';

/** Signing keys, per issuer (platform). Exactly one key per platform is not retired. */
export const badgeIssuerKeys = pgTable(
  'badge_issuer_keys',
  {
    /** The verification method id (`did:web:…#key-…`). */
    id: text('id').primaryKey(),
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'restrict' }),
    /** The issuer DID (the key's controller). */
    did: text('did').notNull(),
    publicKeyMultibase: text('public_key_multibase').notNull(),
    /** `exportIssuerKey` JSON, sealed with the `badge-keys` sealer. */
    sealedKey: text('sealed_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    /** Set when a newer key replaced it; it stays in the DID document. */
    retiredAt: timestamp('retired_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('badge_issuer_keys_current_uq')
      .on(t.platformId)
      .where(sql`retired_at is null`),
  ],
);

/** Revocation lists: one list of 131,072 entries per issuer and sequence number. */
export const badgeStatusLists = pgTable(
  'badge_status_lists',
  {
    id: text('id').primaryKey(),
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id, { onDelete: 'restrict' }),
    seq: integer('seq').notNull(),
    length: integer('length').notNull(),
    /** How many indexes were handed out (the list is full at `length`). */
    allocated: integer('allocated').notNull().default(0),
    /** The signed BitstringStatusListCredential as served (re-signed at each revocation). */
    credential: jsonb('credential').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [uniqueIndex('badge_status_lists_seq_uq').on(t.platformId, t.seq)],
);

/** Signed credentials: one row per award, with its fr and en editions. */
export const issuedBadges = pgTable(
  'issued_badges',
  {
    /** Public id, in the verification URL (`/badges/<id>`). */
    id: text('id').primaryKey(),
    awardId: text('award_id')
      .notNull()
      .references(() => awards.id, { onDelete: 'restrict' }),
    platformId: text('platform_id').notNull(),
    /** `{ fr, en }`: the two signed OpenBadgeCredentials (same status bit). */
    credentials: jsonb('credentials').$type<Record<'fr' | 'en', Record<string, unknown>>>().notNull(),
    /** The language the learner claimed in: the edition offered first. */
    lang: text('lang').$type<'fr' | 'en'>().notNull(),
    statusListId: text('status_list_id')
      .notNull()
      .references(() => badgeStatusLists.id, { onDelete: 'restrict' }),
    statusIndex: integer('status_index').notNull(),
    recipientName: text('recipient_name').notNull(),
    recipientEmail: text('recipient_email').notNull(),
    /** Salt of the e-mail hash in the credential. */
    identitySalt: text('identity_salt').notNull(),
    keyId: text('key_id').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    emailedAt: timestamp('emailed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('issued_badges_award_uq').on(t.awardId),
    uniqueIndex('issued_badges_status_uq').on(t.statusListId, t.statusIndex),
  ],
);

/**
 * Wallet DID-authentication challenges already answered: each challenge gets one badge, so a
 * presentation captured on the way cannot be played again. Rows older than the challenges'
 * two-hour life are forgotten by a daily job (`badges/wallet-challenges.ts`).
 */
export const walletChallenges = pgTable(
  'wallet_challenges',
  {
    challenge: text('challenge').primaryKey(),
    /** The badge it delivered, for whoever looks into a delivery. */
    badgeId: text('badge_id').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [index('wallet_challenges_used_ix').on(t.usedAt)],
);
