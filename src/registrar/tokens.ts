/**
 * API tokens for the registrar's student information system. A token is 32 random bytes
 * (base64url, prefixed `jrt_` so secret scanners recognise it), shown once at creation;
 * only its SHA-256 is stored, so a database leak gives no usable token. Each token belongs
 * to one platform and carries scopes; revoking is final.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog, registrarTokens, REGISTRAR_SCOPES, type RegistrarScope } from '../db/schema/index.js';

/** A stored token (without any secret). */
export type RegistrarToken = typeof registrarTokens.$inferSelect;

const PREFIX = 'jrt_';
const TOKEN_RE = /^jrt_[A-Za-z0-9_-]{43}$/;

/** Hex SHA-256 of a token's text. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Keeps the known scopes, in a stable order. */
export function normaliseScopes(raw: unknown): RegistrarScope[] {
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  return REGISTRAR_SCOPES.filter((s) => list.includes(s));
}

/** Creates a token; the returned `secret` is the only time it exists in clear. */
export async function createToken(
  db: Db,
  input: { platformId: string; name: string; scopes: RegistrarScope[]; createdBy: string },
): Promise<{ secret: string; token: RegistrarToken }> {
  const secret = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  return db.transaction(async (tx) => {
    const [token] = await tx
      .insert(registrarTokens)
      .values({
        platformId: input.platformId,
        name: input.name,
        tokenHash: hashToken(secret),
        scopes: input.scopes,
        createdBy: input.createdBy,
      })
      .returning();
    await tx.insert(auditLog).values({
      actor: input.createdBy,
      action: 'registrar.token.create',
      subject: token!.id,
      details: { platformId: input.platformId, name: input.name, scopes: input.scopes },
    });
    return { secret, token: token! };
  });
}

/** The platform's tokens, newest first. */
export function listTokens(db: Db, platformId: string): Promise<RegistrarToken[]> {
  return db
    .select()
    .from(registrarTokens)
    .where(eq(registrarTokens.platformId, platformId))
    .orderBy(desc(registrarTokens.createdAt));
}

/** Revokes one of the platform's tokens; false when there is no such live token. */
export async function revokeToken(db: Db, platformId: string, id: string, actor: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(registrarTokens)
      .set({ revokedAt: new Date() })
      .where(
        and(
          eq(registrarTokens.id, id),
          eq(registrarTokens.platformId, platformId),
          isNull(registrarTokens.revokedAt),
        ),
      )
      .returning({ id: registrarTokens.id });
    if (rows.length === 0) return false;
    await tx
      .insert(auditLog)
      .values({ actor, action: 'registrar.token.revoke', subject: id, details: { platformId } });
    return true;
  });
}

/** Why a bearer token was refused (for the log; the caller sees a plain sentence). */
export type TokenRefusal =
  | 'REGISTRAR_TOKEN_MISSING'
  | 'REGISTRAR_TOKEN_MALFORMED'
  | 'REGISTRAR_TOKEN_UNKNOWN'
  | 'REGISTRAR_TOKEN_REVOKED';

/** Reads `Authorization: Bearer …` and finds the live token it names. */
export async function authenticate(
  db: Db,
  header: string | undefined,
): Promise<{ ok: true; token: RegistrarToken } | { ok: false; reason: TokenRefusal; tokenId?: string }> {
  if (!header) return { ok: false, reason: 'REGISTRAR_TOKEN_MISSING' };
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!m) return { ok: false, reason: 'REGISTRAR_TOKEN_MALFORMED' };
  const secret = m[1]!;
  if (!TOKEN_RE.test(secret)) return { ok: false, reason: 'REGISTRAR_TOKEN_MALFORMED' };
  const [token] = await db
    .select()
    .from(registrarTokens)
    .where(eq(registrarTokens.tokenHash, hashToken(secret)));
  if (!token) return { ok: false, reason: 'REGISTRAR_TOKEN_UNKNOWN' };
  if (token.revokedAt) return { ok: false, reason: 'REGISTRAR_TOKEN_REVOKED', tokenId: token.id };
  return { ok: true, token };
}

/** Records a use (at most once a minute per token, to spare writes). */
export async function markUsed(db: Db, id: string): Promise<void> {
  await db
    .update(registrarTokens)
    .set({ lastUsedAt: new Date() })
    .where(
      and(
        eq(registrarTokens.id, id),
        sql`(${registrarTokens.lastUsedAt} is null or ${registrarTokens.lastUsedAt} < now() - interval '1 minute')`,
      ),
    );
}

/** Moves the token's "since the last export" watermark forward (never back). */
export async function advanceTokenWatermark(db: Db, id: string, toSeq: number): Promise<void> {
  await db
    .update(registrarTokens)
    .set({ lastSeq: sql`greatest(${registrarTokens.lastSeq}, ${toSeq})` })
    .where(eq(registrarTokens.id, id));
}
