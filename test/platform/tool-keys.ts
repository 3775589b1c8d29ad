/**
 * Verifies JWTs a tool signs (client assertions, deep-linking responses) against the
 * JWKS URL the tool registered, fetched with jose's `createRemoteJWKSet` as an LMS
 * fetches it: every verification sees the tool's current keys.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';

/** Outcome of verifying a tool's JWT. */
export type ToolJwtResult = { ok: true; payload: JWTPayload } | { ok: false; reason: string };

/** Verifies a tool-signed RS256 JWT with the tool's published keys. */
export async function verifyToolJwt(
  jwt: string,
  jwksUrl: string,
  options: JWTVerifyOptions,
): Promise<ToolJwtResult> {
  const jwks = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 5000, cooldownDuration: 0 });
  try {
    const { payload } = await jwtVerify(jwt, jwks, { algorithms: ['RS256'], ...options });
    return { ok: true, payload };
  } catch (e) {
    const code =
      typeof e === 'object' && e && 'code' in e ? String((e as { code: unknown }).code) : 'ERR_UNKNOWN';
    return { ok: false, reason: `${code}: ${e instanceof Error ? e.message : String(e)}` };
  }
}
