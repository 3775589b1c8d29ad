/**
 * What the LTI engine (ltijs) keeps: registered platforms and their tool key pairs, cached
 * LMS access tokens, launch sessions (id token, context token) and the short-lived OIDC
 * nonce and state. One table per ltijs collection, read and written only through
 * `src/lti/store.ts`.
 *
 * The JS property names are exactly ltijs' field names (camelCase), so a row maps 1:1 onto
 * what ltijs reads back; the SQL names are snake_case. Every column ltijs may leave out is
 * nullable, and the unique constraints that `Replace` upserts on are `NULLS NOT DISTINCT`, so that
 * an absent field is still one key value and `ON CONFLICT` finds the row. Secrets (tool
 * private keys, LMS access tokens) live only in the sealed `data` column.
 */
import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';

const createdAt = () =>
  timestamp('created_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`);

/** A platform (LMS) as ltijs knows it; `kid` is ltijs' platform id and its key pair id. */
export const ltiPlatform = pgTable(
  'lti_platform',
  {
    platformUrl: text('platform_url'),
    platformName: text('platform_name'),
    clientId: text('client_id'),
    authEndpoint: text('auth_endpoint'),
    accesstokenEndpoint: text('accesstoken_endpoint'),
    authorizationServer: text('authorization_server'),
    kid: text('kid'),
    /** `{ method: 'RSA_KEY' | 'JWK_KEY' | 'JWK_SET', key }` — how to verify the platform's id tokens. */
    authConfig: jsonb('auth_config'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('lti_platform_url_client_uq').on(t.platformUrl, t.clientId).nullsNotDistinct(),
    unique('lti_platform_kid_uq').on(t.kid),
  ],
);

/** Whether ltijs lets a platform launch; no row means active (ltijs' rule). */
export const ltiPlatformStatus = pgTable(
  'lti_platform_status',
  {
    id: text('id'),
    active: boolean('active').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [unique('lti_platform_status_id_uq').on(t.id).nullsNotDistinct()],
);

/** A tool key table (public or private) per platform; `data` is sealed. */
function keyTable<N extends string>(name: N) {
  return pgTable(
    name,
    {
      kid: text('kid'),
      platformUrl: text('platform_url'),
      clientId: text('client_id'),
      data: text('data').notNull(),
      createdAt: createdAt(),
    },
    (t) => [
      unique(`${name}_kid_uq`).on(t.kid),
      unique(`${name}_url_client_uq`).on(t.platformUrl, t.clientId).nullsNotDistinct(),
    ],
  );
}

/** The tool's public key per platform, served at the keyset route. */
export const ltiPublicKey = keyTable('lti_publickey');

/** The tool's private signing key per platform. */
export const ltiPrivateKey = keyTable('lti_privatekey');

/** A cached OAuth2 access token for LMS services, one per scope string; `data` is sealed. */
export const ltiAccessToken = pgTable(
  'lti_accesstoken',
  {
    platformUrl: text('platform_url'),
    clientId: text('client_id'),
    scopes: text('scopes'),
    data: text('data').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique('lti_accesstoken_uq').on(t.platformUrl, t.clientId, t.scopes).nullsNotDistinct(),
    index('lti_accesstoken_created_idx').on(t.createdAt),
  ],
);

/** Who launched, from which platform and deployment: the session behind an ltik. */
export const ltiIdToken = pgTable(
  'lti_idtoken',
  {
    iss: text('iss'),
    user: text('user'),
    userInfo: jsonb('user_info'),
    platformInfo: jsonb('platform_info'),
    clientId: text('client_id'),
    platformId: text('platform_id'),
    deploymentId: text('deployment_id'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('lti_idtoken_uq').on(t.iss, t.clientId, t.deploymentId, t.user).nullsNotDistinct(),
    index('lti_idtoken_created_idx').on(t.createdAt),
  ],
);

/** The course, resource link, roles and service endpoints of one launch. */
export const ltiContextToken = pgTable(
  'lti_contexttoken',
  {
    contextId: text('context_id'),
    user: text('user'),
    roles: jsonb('roles'),
    path: text('path'),
    targetLinkUri: text('target_link_uri'),
    context: jsonb('context'),
    resource: jsonb('resource'),
    custom: jsonb('custom'),
    launchPresentation: jsonb('launch_presentation'),
    messageType: text('message_type'),
    version: text('version'),
    deepLinkingSettings: jsonb('deep_linking_settings'),
    lis: jsonb('lis'),
    /** The AGS claim (line items URL and scopes). */
    endpoint: jsonb('endpoint'),
    /** The NRPS claim (memberships URL). */
    namesRoles: jsonb('names_roles'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('lti_contexttoken_uq').on(t.contextId, t.user).nullsNotDistinct(),
    index('lti_contexttoken_created_idx').on(t.createdAt),
  ],
);

/** Nonces already seen in id tokens (replay protection while the row lives). */
export const ltiNonce = pgTable(
  'lti_nonce',
  {
    nonce: text('nonce'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('lti_nonce_uq').on(t.nonce).nullsNotDistinct(),
    index('lti_nonce_created_idx').on(t.createdAt),
  ],
);

/** OIDC login state with the target link's query parameters, until the id token comes back. */
export const ltiState = pgTable(
  'lti_state',
  {
    state: text('state'),
    query: jsonb('query'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('lti_state_uq').on(t.state).nullsNotDistinct(),
    index('lti_state_created_idx').on(t.createdAt),
  ],
);
