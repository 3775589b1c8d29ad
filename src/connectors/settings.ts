/**
 * Connector settings per platform and Canvas users' OAuth tokens, sealed at rest. The
 * plain secrets exist only in memory, in the call that needs them.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { Sealer } from '../crypto/seal.js';
import type { Db } from '../db/client.js';
import { auditLog, lmsConnectors, lmsUserTokens, oauthStates } from '../db/schema/index.js';
import type { ConnectionReport, ConnectorKind } from './types.js';

/** A platform's connector, secrets opened. */
export type ConnectorSettings =
  | { kind: 'moodle'; platformId: string; baseUrl: string; token: string; lastCheck: ConnectionReport | null }
  | {
      kind: 'canvas';
      platformId: string;
      baseUrl: string;
      clientId: string;
      clientSecret: string;
      lastCheck: ConnectionReport | null;
    };

/** A Canvas user's tokens, opened. */
export interface UserTokens {
  accessToken: string;
  refreshToken?: string;
  /** ISO 8601 instant the access token expires. */
  expiresAt: string;
}

const baseUrl = z
  .string()
  .trim()
  .url('connectors:form.badUrl')
  .refine((u) => /^https?:\/\//.test(u), 'connectors:form.badUrl')
  .transform((u) => u.replace(/\/+$/, ''));

/** Moodle connector form. */
export const MoodleSettingsSchema = z.object({
  baseUrl,
  token: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{16,64}$/, 'connectors:form.badMoodleToken'),
});

/** Canvas connector form. */
export const CanvasSettingsSchema = z.object({
  baseUrl,
  clientId: z
    .string()
    .trim()
    .regex(/^[0-9]{1,30}$/, 'connectors:form.badCanvasClientId'),
  clientSecret: z
    .string()
    .trim()
    .min(16, 'connectors:form.badCanvasSecret')
    .max(200, 'connectors:form.badCanvasSecret'),
});

const OAUTH_STATE_TTL_MS = 10 * 60_000;

/** Reads and writes connector settings and user tokens. */
export class ConnectorSettingsStore {
  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
  ) {}

  /** The platform's connector, or undefined when none is set up. */
  async get(platformId: string): Promise<ConnectorSettings | undefined> {
    const [row] = await this.db.select().from(lmsConnectors).where(eq(lmsConnectors.platformId, platformId));
    if (!row) return undefined;
    const secret = JSON.parse(this.sealer.open(row.secret)) as { token?: string; clientSecret?: string };
    const lastCheck = (row.lastCheck as ConnectionReport | null) ?? null;
    if (row.kind === 'moodle') {
      return { kind: 'moodle', platformId, baseUrl: row.baseUrl, token: secret.token ?? '', lastCheck };
    }
    return {
      kind: 'canvas',
      platformId,
      baseUrl: row.baseUrl,
      clientId: row.clientId ?? '',
      clientSecret: secret.clientSecret ?? '',
      lastCheck,
    };
  }

  /** Saves (replaces) a platform's connector, with an audit line, atomically. */
  async save(
    platformId: string,
    settings: z.output<typeof MoodleSettingsSchema> | z.output<typeof CanvasSettingsSchema>,
    actor: string,
  ): Promise<void> {
    const kind: ConnectorKind = 'token' in settings ? 'moodle' : 'canvas';
    const secret = this.sealer.seal(
      JSON.stringify(
        'token' in settings ? { token: settings.token } : { clientSecret: settings.clientSecret },
      ),
    );
    const values = {
      platformId,
      kind,
      baseUrl: settings.baseUrl,
      clientId: 'clientId' in settings ? settings.clientId : null,
      secret,
      lastCheck: null,
      updatedAt: new Date(),
      updatedBy: actor,
    };
    await this.db.transaction(async (tx) => {
      await tx
        .insert(lmsConnectors)
        .values(values)
        .onConflictDoUpdate({ target: lmsConnectors.platformId, set: values });
      await tx.insert(auditLog).values({
        actor,
        action: 'connector.save',
        subject: platformId,
        details: { kind, baseUrl: settings.baseUrl },
      });
    });
  }

  /** Removes a platform's connector and the user tokens obtained through it. */
  async remove(platformId: string, actor: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.delete(lmsConnectors).where(eq(lmsConnectors.platformId, platformId));
      await tx.delete(lmsUserTokens).where(eq(lmsUserTokens.platformId, platformId));
      await tx.insert(auditLog).values({ actor, action: 'connector.remove', subject: platformId });
    });
  }

  /** Records the last "test connection" result. */
  async recordCheck(platformId: string, report: ConnectionReport): Promise<void> {
    await this.db
      .update(lmsConnectors)
      .set({ lastCheck: report })
      .where(eq(lmsConnectors.platformId, platformId));
  }

  /** A user's tokens for the platform's connector (Canvas), if they authorised Jalon. */
  async userTokens(
    platformId: string,
    userId: string,
  ): Promise<(UserTokens & { lmsUserId: string | null }) | undefined> {
    const [row] = await this.db
      .select()
      .from(lmsUserTokens)
      .where(and(eq(lmsUserTokens.platformId, platformId), eq(lmsUserTokens.userId, userId)));
    if (!row) return undefined;
    return { ...(JSON.parse(this.sealer.open(row.token)) as UserTokens), lmsUserId: row.lmsUserId };
  }

  /** Saves (replaces) a user's tokens. */
  async saveUserTokens(
    platformId: string,
    userId: string,
    tokens: UserTokens,
    lmsUserId?: string | null,
  ): Promise<void> {
    const values = {
      platformId,
      userId,
      lmsUserId: lmsUserId ?? null,
      token: this.sealer.seal(JSON.stringify(tokens)),
      updatedAt: new Date(),
    };
    const set = lmsUserId === undefined ? { token: values.token, updatedAt: values.updatedAt } : values;
    await this.db
      .insert(lmsUserTokens)
      .values(values)
      .onConflictDoUpdate({ target: [lmsUserTokens.platformId, lmsUserTokens.userId], set });
  }

  /** Forgets a user's tokens (revoked or refused by the LMS). */
  async forgetUserTokens(platformId: string, userId: string): Promise<void> {
    await this.db
      .delete(lmsUserTokens)
      .where(and(eq(lmsUserTokens.platformId, platformId), eq(lmsUserTokens.userId, userId)));
  }

  /** Starts an OAuth authorisation: a single-use state bound to the platform and user. */
  async createOAuthState(platformId: string, userId: string, lmsUserId?: string): Promise<string> {
    const state = randomBytes(24).toString('base64url');
    await this.db
      .delete(oauthStates)
      .where(lt(oauthStates.createdAt, new Date(Date.now() - OAUTH_STATE_TTL_MS)));
    await this.db.insert(oauthStates).values({ state, platformId, userId, lmsUserId: lmsUserId ?? null });
    return state;
  }

  /** Consumes a state once: returns whom it was for, or undefined if unknown, used or stale. */
  async consumeOAuthState(
    state: string,
  ): Promise<{ platformId: string; userId: string; lmsUserId: string | null } | undefined> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(state)) return undefined;
    const [row] = await this.db.delete(oauthStates).where(eq(oauthStates.state, state)).returning();
    if (!row || Date.now() - row.createdAt.getTime() > OAUTH_STATE_TTL_MS) return undefined;
    return { platformId: row.platformId, userId: row.userId, lmsUserId: row.lmsUserId };
  }
}
