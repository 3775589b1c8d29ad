/**
 * Canvas OAuth 2 for an API developer key (`doc/api/oauth_endpoints.md`), as pure functions
 * over fetch: the authorize URL an instructor opens (in a new window, out of the LMS
 * iframe), the check of the callback (state first, then `error` / `code`), the code
 * exchange, the refresh and the revocation. Storing tokens (sealed) and `state` values is
 * the caller's job.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ConnectorError } from '../types.js';

/** The developer key, as the admin entered it. */
export interface CanvasOAuthClient {
  /** Canvas base URL, e.g. `https://canvas.example.edu`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
}

/** What Jalon keeps (sealed) for one instructor. */
export interface CanvasTokens {
  accessToken: string;
  /** Reusable; absent only if Canvas did not give one. */
  refreshToken?: string;
  /** ISO 8601 instant the access token expires. */
  expiresAt: string;
}

/** Tokens plus the Canvas user they act as (from the token response). */
export interface CanvasTokenGrant extends CanvasTokens {
  user: { id: string; name?: string };
}

const endpoint = (baseUrl: string, path: string) => `${baseUrl.replace(/\/+$/, '')}${path}`;

/** A fresh unguessable OAuth `state` (store it with the user, single use). */
export function createOAuthState(): string {
  return randomBytes(32).toString('base64url');
}

/** The URL that starts the authorisation (`GET /login/oauth2/auth`). */
export function authorizeUrl(params: {
  baseUrl: string;
  clientId: string;
  redirectUri: string;
  state: string;
  /** Only when the key enforces scopes (see `CANVAS_REQUIRED_SCOPES`). */
  scopes?: readonly string[];
}): string {
  const u = new URL(endpoint(params.baseUrl, '/login/oauth2/auth'));
  u.searchParams.set('client_id', params.clientId);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('redirect_uri', params.redirectUri);
  u.searchParams.set('state', params.state);
  if (params.scopes?.length) u.searchParams.set('scope', params.scopes.join(' '));
  return u.toString();
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks the redirect back from Canvas and returns the authorisation code. The `state` is
 * checked before anything else, so a forged callback (even one saying "denied") is refused.
 */
export function readCallback(query: URLSearchParams, expectedState: string): string {
  const state = query.get('state') ?? '';
  if (!expectedState || !state || !sameSecret(state, expectedState))
    throw new ConnectorError('AUTH', 'connectors:canvas.oauth.badState');
  const error = query.get('error');
  if (error === 'access_denied')
    throw new ConnectorError('NEEDS_AUTHORIZATION', 'connectors:canvas.oauth.denied');
  if (error)
    throw new ConnectorError('AUTH', 'connectors:canvas.oauth.failed', { error: error.slice(0, 64) });
  const code = query.get('code');
  if (!code) throw new ConnectorError('BAD_RESPONSE', 'connectors:canvas.oauth.noCode');
  return code;
}

async function postToken(
  client: CanvasOAuthClient,
  form: Record<string, string>,
  rejectedKey: string,
): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await (client.fetch ?? fetch)(endpoint(client.baseUrl, '/login/oauth2/token'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ ...form, client_id: client.clientId, client_secret: client.clientSecret }),
      redirect: 'error',
      signal: AbortSignal.timeout(30_000),
    });
  } catch (cause) {
    throw new ConnectorError('UNAVAILABLE', 'connectors:canvas.error.unavailable', { status: 0 }, { cause });
  }
  let body: unknown;
  try {
    body = JSON.parse(await res.text());
  } catch {
    body = undefined;
  }
  const json = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  if (res.status >= 500)
    throw new ConnectorError('UNAVAILABLE', 'connectors:canvas.error.unavailable', { status: res.status });
  if (json.error === 'invalid_client' || res.status === 401)
    throw new ConnectorError('AUTH', 'connectors:canvas.oauth.invalidClient');
  if (!res.ok) throw new ConnectorError('AUTH', rejectedKey);
  if (typeof json.access_token !== 'string' || json.access_token === '')
    throw new ConnectorError('BAD_RESPONSE', 'connectors:canvas.error.badResponse', {
      status: res.status,
      path: '/login/oauth2/token',
    });
  return json;
}

function grantFrom(json: Record<string, unknown>, now: number, previousRefresh?: string): CanvasTokenGrant {
  const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 3600;
  const user = json.user && typeof json.user === 'object' ? (json.user as Record<string, unknown>) : {};
  const refresh = typeof json.refresh_token === 'string' ? json.refresh_token : previousRefresh;
  return {
    accessToken: json.access_token as string,
    ...(refresh ? { refreshToken: refresh } : {}),
    expiresAt: new Date(now + expiresIn * 1000).toISOString(),
    user: {
      id: user.id === undefined || user.id === null ? '' : String(user.id),
      ...(typeof user.name === 'string' ? { name: user.name } : {}),
    },
  };
}

/** Exchanges the callback's code for tokens (`grant_type=authorization_code`). */
export async function exchangeCode(
  client: CanvasOAuthClient,
  params: { code: string; redirectUri: string },
  now: () => number = Date.now,
): Promise<CanvasTokenGrant> {
  const json = await postToken(
    client,
    { grant_type: 'authorization_code', code: params.code, redirect_uri: params.redirectUri },
    'connectors:canvas.oauth.codeRejected',
  );
  return grantFrom(json, now());
}

/** A new access token from the refresh token (which Canvas keeps valid and does not resend). */
export async function refreshTokens(
  client: CanvasOAuthClient,
  refreshToken: string,
  now: () => number = Date.now,
): Promise<CanvasTokenGrant> {
  const json = await postToken(
    client,
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    'connectors:canvas.error.reauthorize',
  );
  return grantFrom(json, now(), refreshToken);
}

/** Revokes the authorisation (`DELETE /login/oauth2/token`); a token already invalid is fine. */
export async function revokeToken(
  client: Pick<CanvasOAuthClient, 'baseUrl' | 'fetch'>,
  accessToken: string,
): Promise<void> {
  let res: Response;
  try {
    res = await (client.fetch ?? fetch)(endpoint(client.baseUrl, '/login/oauth2/token'), {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${accessToken}` },
      redirect: 'error',
      signal: AbortSignal.timeout(30_000),
    });
  } catch (cause) {
    throw new ConnectorError('UNAVAILABLE', 'connectors:canvas.error.unavailable', { status: 0 }, { cause });
  }
  if (res.status >= 500)
    throw new ConnectorError('UNAVAILABLE', 'connectors:canvas.error.unavailable', { status: res.status });
}
