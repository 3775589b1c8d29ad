/**
 * The OAuth 2 token endpoint (Moodle `/mod/lti/token.php`, Canvas `/login/oauth2/token`):
 * client-credentials grant with a `private_key_jwt` assertion verified against the tool's
 * JWKS; `iss == sub == client_id`, `aud` = this endpoint, single-use `jti`, live `exp`.
 * Moodle grants the intersection of requested and permitted scopes; Canvas refuses any
 * scope the developer key lacks.
 */
import express, { type Request, type Response, type Router } from 'express';
import { decodeJwt } from 'jose';
import { JWT_BEARER } from './constants.js';
import { fixedPaths } from './paths.js';
import type { PlatformState, TokenRequestRecord } from './state.js';
import { verifyToolJwt } from './tool-keys.js';

async function issue(state: PlatformState, req: Request, res: Response): Promise<void> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const requested = str('scope').split(' ').filter(Boolean);
  const record: TokenRequestRecord = { requestedScopes: requested, grantedScopes: [], status: 200 };
  state.records.tokenRequests.push(record);
  const fail = (status: number, error: string, description: string) => {
    Object.assign(record, { status, error, description });
    res.status(status).set('Cache-Control', 'no-store').json({ error, error_description: description });
  };
  if (!req.is('application/x-www-form-urlencoded'))
    return fail(400, 'invalid_request', 'form-encoded body required');
  if (str('grant_type') !== 'client_credentials')
    return fail(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
  if (str('client_assertion_type') !== JWT_BEARER)
    return fail(400, 'invalid_request', 'client_assertion_type must be jwt-bearer');
  const assertion = str('client_assertion');
  if (!assertion) return fail(400, 'invalid_request', 'client_assertion missing');
  if (requested.length === 0) return fail(400, 'invalid_request', 'scope missing');
  let sub: string;
  try {
    sub = String(decodeJwt(assertion).sub ?? '');
  } catch {
    return fail(401, 'invalid_client', 'client_assertion is not a JWT');
  }
  const tool = state.registry.get(sub);
  if (!tool) return fail(401, 'invalid_client', 'unknown client');
  record.clientId = tool.clientId;
  if (tool.status !== 'active') return fail(401, 'invalid_client', 'tool is not active');
  const verified = await verifyToolJwt(assertion, tool.jwksUrl, {
    issuer: tool.clientId,
    subject: tool.clientId,
    audience: state.urls.endpoints().token,
    requiredClaims: ['jti', 'exp', 'iat'],
  });
  if (!verified.ok) return fail(401, 'invalid_client', `client_assertion rejected: ${verified.reason}`);
  const { jti, iat } = verified.payload;
  if (typeof iat === 'number' && iat > Date.now() / 1000 + 60)
    return fail(401, 'invalid_client', 'iat in the future');
  if (state.usedAssertionJtis.has(String(jti))) return fail(401, 'invalid_client', 'jti already used');
  state.usedAssertionJtis.add(String(jti));
  const granted = requested.filter((s) => tool.scopes.includes(s));
  if (state.family === 'canvas' && granted.length !== requested.length)
    return fail(400, 'invalid_scope', 'scope not allowed for this developer key');
  if (granted.length === 0) return fail(400, 'invalid_scope', 'no permitted scope requested');
  const token = state.tokens.issue(tool.clientId, granted);
  record.grantedScopes = granted;
  res
    .status(200)
    .set('Cache-Control', 'no-store')
    .json({
      access_token: token.token,
      token_type: 'Bearer',
      expires_in: state.tokens.ttlSeconds,
      scope: granted.join(' '),
    });
}

/** Route: the token endpoint. */
export function tokenRouter(state: PlatformState): Router {
  const router = express.Router();
  router.post(fixedPaths(state.family).token, (req, res) => issue(state, req, res));
  return router;
}
