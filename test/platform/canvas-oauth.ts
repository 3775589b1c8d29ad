/**
 * Canvas' OAuth 2 for API developer keys (`doc/api/oauth_endpoints.md`): an admin creates a
 * key (client id, secret, redirect URIs, optional enforced scopes); a signed-in user opens
 * `GET /login/oauth2/auth`, confirms on an "Authorize" page, and Canvas redirects to the
 * tool with a single-use `code` (or `error=access_denied`); `POST /login/oauth2/token`
 * exchanges it (and later a reusable `refresh_token`) for a one-hour bearer token acting as
 * that user. `DELETE /login/oauth2/token` revokes it. Client-credentials requests to the
 * same token URL are left to the LTI token endpoint.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { escapeHtml, page } from './html.js';
import { canvasClientId, opaque, Sequence } from './ids.js';
import { sessionCookieName, type PlatformState } from './state.js';
import type { User } from './types.js';

/** Password every fixture person signs in with on the Canvas login page. */
export const CANVAS_TEST_PASSWORD = 'password';

/** What an admin enters to create an API developer key. */
export interface ApiKeyInput {
  /** The tool's OAuth redirect URI (or several with `redirectUris`). */
  redirectUri?: string;
  redirectUris?: string[];
  /** With scopes the key enforces them ("Enforce Scopes" on); without, tokens reach every endpoint. */
  scopes?: string[];
  name?: string;
}

/** An API developer key. */
export interface ApiKey {
  clientId: string;
  clientSecret: string;
  name: string;
  redirectUris: string[];
  /** `null` when the key does not enforce scopes. */
  scopes: string[] | null;
  active: boolean;
}

/** A user's authorisation of a key: its current access token and reusable refresh token. */
export interface OAuthGrant {
  clientId: string;
  userHandle: string;
  /** Scopes the token holds (those requested, when the key enforces scopes). */
  scopes: string[];
  accessToken: string;
  /** Epoch ms. */
  accessExpiresAt: number;
  refreshToken: string;
  revoked: boolean;
}

/** One call to the token endpoint for an API key (for assertions). */
export interface OAuthTokenRecord {
  grantType: string;
  clientId?: string;
  status: number;
  error?: string;
}

interface PendingAuthorization {
  id: string;
  sid: string;
  clientId: string;
  userHandle: string;
  redirectUri: string;
  state?: string;
  scopes: string[];
  used: boolean;
}

interface AuthorizationCode {
  clientId: string;
  userHandle: string;
  redirectUri: string;
  scopes: string[];
  expiresAt: number;
  used: boolean;
}

/** Developer keys, pending confirmations, codes and grants. */
export class ApiKeys {
  private readonly keys = new Map<string, ApiKey>();
  private readonly pending = new Map<string, PendingAuthorization>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly grants: OAuthGrant[] = [];
  private readonly sequence = new Sequence(500);
  /** Access-token lifetime in seconds (Canvas: one hour). */
  ttlSeconds = 3600;
  readonly tokenLog: OAuthTokenRecord[] = [];

  /** Creates an API developer key. */
  create(input: ApiKeyInput): ApiKey {
    const redirectUris = [...(input.redirectUris ?? []), ...(input.redirectUri ? [input.redirectUri] : [])];
    if (redirectUris.length === 0) throw new Error('an API key needs a redirect URI');
    const key: ApiKey = {
      clientId: canvasClientId(this.sequence.take()),
      clientSecret: opaque(48),
      name: input.name ?? 'Jalon',
      redirectUris,
      scopes: input.scopes ? [...input.scopes] : null,
      active: true,
    };
    this.keys.set(key.clientId, key);
    return key;
  }

  /** A key by client id. */
  get(clientId: string): ApiKey | undefined {
    return this.keys.get(clientId);
  }

  /** The live grant behind an access token, or why there is none. */
  byAccessToken(token: string): OAuthGrant | undefined {
    const g = this.grants.find((x) => x.accessToken === token);
    if (!g || g.revoked || g.accessExpiresAt <= Date.now() || !this.keys.get(g.clientId)?.active)
      return undefined;
    return g;
  }

  /** Every grant (for assertions). */
  all(): readonly OAuthGrant[] {
    return this.grants;
  }

  /** Makes access tokens expired (all, or one person's); refresh tokens keep working. */
  expire(userHandle?: string): void {
    for (const g of this.grants) if (!userHandle || g.userHandle === userHandle) g.accessExpiresAt = 0;
  }

  /** Revokes grants (all, or one person's), as "Approved integrations → Delete" does. */
  revoke(userHandle?: string): void {
    for (const g of this.grants) if (!userHandle || g.userHandle === userHandle) g.revoked = true;
  }

  /** @internal */
  openPending(p: Omit<PendingAuthorization, 'id' | 'used'>): PendingAuthorization {
    const record = { ...p, id: opaque(16), used: false };
    this.pending.set(record.id, record);
    return record;
  }

  /** @internal */
  takePending(id: string, sid: string): PendingAuthorization | undefined {
    const p = this.pending.get(id);
    if (!p || p.used || p.sid !== sid) return undefined;
    p.used = true;
    return p;
  }

  /** @internal */
  issueCode(p: PendingAuthorization): string {
    const code = opaque(32);
    this.codes.set(code, {
      clientId: p.clientId,
      userHandle: p.userHandle,
      redirectUri: p.redirectUri,
      scopes: p.scopes,
      expiresAt: Date.now() + 10 * 60_000,
      used: false,
    });
    return code;
  }

  /** @internal */
  takeCode(code: string): AuthorizationCode | undefined {
    const c = this.codes.get(code);
    if (!c || c.used || c.expiresAt <= Date.now()) return undefined;
    c.used = true;
    return c;
  }

  /** @internal */
  newGrant(clientId: string, userHandle: string, scopes: string[]): OAuthGrant {
    const g: OAuthGrant = {
      clientId,
      userHandle,
      scopes,
      accessToken: `1~${opaque(48)}`,
      accessExpiresAt: Date.now() + this.ttlSeconds * 1000,
      refreshToken: `1~${opaque(48)}`,
      revoked: false,
    };
    this.grants.push(g);
    return g;
  }

  /** @internal Canvas regenerates the access token on the same grant: the old one stops working. */
  refresh(clientId: string, refreshToken: string): OAuthGrant | undefined {
    const g = this.grants.find((x) => x.refreshToken === refreshToken);
    if (!g || g.revoked || g.clientId !== clientId) return undefined;
    g.accessToken = `1~${opaque(48)}`;
    g.accessExpiresAt = Date.now() + this.ttlSeconds * 1000;
    return g;
  }
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function sessionOf(state: PlatformState, req: Request): { sid: string; user: User } | undefined {
  const sid = cookie(req, sessionCookieName(state.family)) ?? '';
  const handle = state.sessions.get(sid);
  return handle ? { sid, user: state.directory.user(handle) } : undefined;
}

function redirectWith(res: Response, uri: string, params: Record<string, string | undefined>): void {
  const target = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) target.searchParams.append(k, v);
  res.redirect(302, target.toString());
}

function str(source: unknown, key: string): string | undefined {
  const v = (source as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' ? v : undefined;
}

function loginPage(returnTo: string, error?: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Log In to Canvas</title></head><body>
<h1>Log In to Canvas</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form action="/login/canvas" method="post">
<input type="hidden" name="return_to" value="${escapeHtml(returnTo)}">
<label>Email <input type="text" name="pseudonym_session[unique_id]" value=""></label>
<label>Password <input type="password" name="pseudonym_session[password]" value=""></label>
<button type="submit">Log In</button>
</form></body></html>`;
}

function confirmPage(key: ApiKey, user: User, p: PendingAuthorization): string {
  const scopes = p.scopes.length
    ? `<ul>${p.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Authorize ${escapeHtml(key.name)}</title></head><body>
<h1>${escapeHtml(key.name)} is requesting access to your account.</h1>
<p>You are logged in as ${escapeHtml(`${user.givenName} ${user.familyName}`)}.</p>${scopes}
<form action="/login/oauth2/accept" method="post">
<input type="hidden" name="authorization" value="${escapeHtml(p.id)}">
<button type="submit">Authorize</button>
</form>
<a id="deny" href="/login/oauth2/deny?authorization=${encodeURIComponent(p.id)}">Cancel</a>
</body></html>`;
}

/** The Canvas login page, the authorization endpoint and the token endpoint for API keys. */
export function canvasOAuthRouter(state: PlatformState, keys: ApiKeys): Router {
  const router = express.Router();
  const sessionCookie = sessionCookieName(state.family);

  router.get('/login/canvas', (req, res) => {
    res.type('html').send(loginPage(str(req.query, 'return_to') ?? '/'));
  });
  router.post('/login/canvas', (req, res) => {
    const login = str(req.body, 'pseudonym_session[unique_id]') ?? '';
    const password = str(req.body, 'pseudonym_session[password]') ?? '';
    const returnTo = str(req.body, 'return_to') ?? '/';
    const user = state.directory.allUsers().find((u) => u.username === login || u.email === login);
    if (!user || password !== CANVAS_TEST_PASSWORD) {
      res.status(400).type('html').send(loginPage(returnTo, 'Invalid username or password'));
      return;
    }
    const sid = opaque(16);
    state.sessions.set(sid, user.handle);
    res.setHeader('Set-Cookie', `${sessionCookie}=${sid}; Path=/; HttpOnly`);
    // Only local paths: the login page never redirects off the LMS.
    res.redirect(302, returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/');
  });

  router.get('/login/oauth2/auth', (req, res) => {
    const clientId = str(req.query, 'client_id') ?? '';
    const key = keys.get(clientId);
    if (!key || !key.active) {
      res.status(401).json({ error: 'invalid_client', error_description: 'unknown client' });
      return;
    }
    const redirectUri = str(req.query, 'redirect_uri') ?? '';
    if (!key.redirectUris.includes(redirectUri)) {
      // Never redirect to a URI the key does not list.
      res
        .status(400)
        .json({ error: 'invalid_request', error_description: 'redirect_uri does not match client settings' });
      return;
    }
    const oauthState = str(req.query, 'state');
    if (str(req.query, 'response_type') !== 'code') {
      redirectWith(res, redirectUri, { error: 'unsupported_response_type', state: oauthState });
      return;
    }
    const requested = (str(req.query, 'scope') ?? '').split(/\s+/).filter(Boolean);
    if (key.scopes && (requested.length === 0 || requested.some((s) => !key.scopes!.includes(s)))) {
      redirectWith(res, redirectUri, {
        error: 'invalid_scope',
        error_description:
          'A requested scope is invalid, unknown, malformed, or exceeds the scope granted by the resource owner.',
        state: oauthState,
      });
      return;
    }
    const session = sessionOf(state, req);
    if (!session) {
      res.redirect(302, `/login/canvas?return_to=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    const p = keys.openPending({
      sid: session.sid,
      clientId,
      userHandle: session.user.handle,
      redirectUri,
      ...(oauthState !== undefined ? { state: oauthState } : {}),
      scopes: key.scopes ? requested : [],
    });
    res.type('html').send(confirmPage(key, session.user, p));
  });

  const decide = (accept: boolean) => (req: Request, res: Response) => {
    const session = sessionOf(state, req);
    const id = str(accept ? req.body : req.query, 'authorization') ?? '';
    const p = session ? keys.takePending(id, session.sid) : undefined;
    if (!p) {
      res
        .status(400)
        .type('html')
        .send(page('Invalid request', 'This authorization request is unknown or was already answered.'));
      return;
    }
    if (accept) redirectWith(res, p.redirectUri, { code: keys.issueCode(p), state: p.state });
    else redirectWith(res, p.redirectUri, { error: 'access_denied', state: p.state });
  };
  router.post('/login/oauth2/accept', decide(true));
  router.get('/login/oauth2/deny', decide(false));

  router.post('/login/oauth2/token', (req: Request, res: Response, next: NextFunction) => {
    const body = req.body as unknown;
    const grantType = str(body, 'grant_type') ?? '';
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') return next();
    const clientId = str(body, 'client_id') ?? '';
    const record: OAuthTokenRecord = { grantType, clientId, status: 200 };
    keys.tokenLog.push(record);
    const fail = (status: number, error: string, description: string) => {
      Object.assign(record, { status, error });
      res.status(status).json({ error, error_description: description });
    };
    const key = keys.get(clientId);
    if (!key || !key.active) return fail(401, 'invalid_client', 'unknown client');
    if (str(body, 'client_secret') !== key.clientSecret) return fail(401, 'invalid_client', 'invalid client');
    let grant: OAuthGrant | undefined;
    if (grantType === 'authorization_code') {
      const code = keys.takeCode(str(body, 'code') ?? '');
      if (!code || code.clientId !== clientId)
        return fail(400, 'invalid_grant', 'authorization_code not found');
      if (str(body, 'redirect_uri') !== code.redirectUri)
        return fail(400, 'invalid_grant', 'redirect_uri does not match');
      grant = keys.newGrant(clientId, code.userHandle, code.scopes);
    } else {
      grant = keys.refresh(clientId, str(body, 'refresh_token') ?? '');
      if (!grant) return fail(400, 'invalid_request', 'refresh_token not found');
    }
    const user = state.directory.user(grant.userHandle);
    res.set('Cache-Control', 'no-store').json({
      access_token: grant.accessToken,
      token_type: 'Bearer',
      user: {
        id: Number(user.restId),
        name: `${user.givenName} ${user.familyName}`,
        global_id: String(10000000000000 + Number(user.restId)),
        effective_locale: user.locale,
      },
      canvas_region: 'us-east-1',
      ...(grantType === 'authorization_code' ? { refresh_token: grant.refreshToken } : {}),
      expires_in: keys.ttlSeconds,
    });
  });

  router.delete('/login/oauth2/token', (req, res) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const grant = m ? keys.byAccessToken(m[1]!) : undefined;
    if (!grant) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="canvas-lms"');
      res.status(401).json({ errors: [{ message: 'Invalid access token.' }] });
      return;
    }
    grant.revoked = true;
    res.json({});
  });

  return router;
}
