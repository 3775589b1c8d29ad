/**
 * A platform's push channels, set up by an administrator: the Basic credentials Moodle's
 * logstore_xapi sends to Jalon's statements endpoint (Jalon generates the password and keeps
 * only its digest), and the keys Canvas Live Events are signed with (Instructure's published
 * JWKS by default, or a key set given inline for a self-hosted Canvas).
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { JSONWebKeySet } from 'jose';
import { hashPushPassword } from '../connectors/push/index.js';
import type { Db } from '../db/client.js';
import { auditLog, pushEndpoints } from '../db/schema/index.js';

/** Where hosted Canvas publishes its Live Events signing keys (data_service_setup.md). */
export const INSTRUCTURE_LIVE_EVENTS_JWKS =
  'https://8axpcl50e4.execute-api.us-east-1.amazonaws.com/main/jwks';

/** A platform's push settings row. */
export type PushEndpointRow = typeof pushEndpoints.$inferSelect;

/** The platform's push settings, if any channel is set up. */
export async function pushSettingsOf(db: Db, platformId: string): Promise<PushEndpointRow | undefined> {
  const [row] = await db.select().from(pushEndpoints).where(eq(pushEndpoints.platformId, platformId));
  return row;
}

/**
 * Creates (or replaces) the platform's xAPI credentials. The password is shown once, here:
 * the administrator pastes it into logstore_xapi's settings; Jalon keeps only its digest.
 */
export async function createXapiCredentials(
  db: Db,
  platformId: string,
  actor: string,
): Promise<{ username: string; password: string }> {
  const username = `jalon-${randomBytes(6).toString('hex')}`;
  const password = randomBytes(24).toString('base64url'); // 192 bits: no dictionary to attack
  const set = { xapiUsername: username, xapiPasswordHash: hashPushPassword(password), updatedAt: new Date() };
  await db.transaction(async (tx) => {
    await tx
      .insert(pushEndpoints)
      .values({ platformId, ...set })
      .onConflictDoUpdate({ target: pushEndpoints.platformId, set });
    await tx
      .insert(auditLog)
      .values({ actor, action: 'push.xapi.credentials', subject: platformId, details: { username } });
  });
  return { username, password };
}

/** Turns Canvas Live Events on for the platform, with Instructure's keys or a given key set. */
export async function enableCanvasLiveEvents(
  db: Db,
  platformId: string,
  actor: string,
  keys: { jwksUrl?: string; jwks?: JSONWebKeySet } = {},
): Promise<void> {
  const set = {
    canvasJwksUrl: keys.jwks ? null : (keys.jwksUrl ?? INSTRUCTURE_LIVE_EVENTS_JWKS),
    canvasJwks: keys.jwks ?? null,
    updatedAt: new Date(),
  };
  await db.transaction(async (tx) => {
    await tx
      .insert(pushEndpoints)
      .values({ platformId, ...set })
      .onConflictDoUpdate({ target: pushEndpoints.platformId, set });
    await tx.insert(auditLog).values({
      actor,
      action: 'push.canvas.enable',
      subject: platformId,
      details: { jwksUrl: set.canvasJwksUrl, inline: keys.jwks !== undefined },
    });
  });
}
