/**
 * Canvas OAuth 2 for an instructor, outside the LMS iframe. The instructor's page (inside
 * the iframe, with an LTI session) created a single-use state bound to the platform, the LTI
 * user and the Canvas user id the LMS vouched for; this new window has no LTI session, so the
 * state alone says who is authorising. The callback refuses a Canvas account other than the
 * launching instructor's, and stores nothing on any error.
 */
import { and, eq, gt } from 'drizzle-orm';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { authorizeUrl, exchangeCode, readCallback, revokeToken } from '../connectors/canvas/index.js';
import { connectorKey, type ConnectorFactory } from '../connectors/factory.js';
import { ConnectorError } from '../connectors/types.js';
import type { Db } from '../db/client.js';
import { oauthStates } from '../db/schema/index.js';
import { pickLang } from '../i18n/index.js';
import type { Logger } from '../log.js';
import { HttpError } from './errors.js';
import { renderPage } from './views.js';

/** What the OAuth routes need. */
export interface OAuthRoutesDeps {
  connectors: ConnectorFactory;
  db: Db;
  log: Logger;
}

/** Keeps the instructor's language across the trip to Canvas (the state table has none). */
const LANG_COOKIE = 'jalon_oauth_lang';
const STATE_RE = /^[A-Za-z0-9_-]{16,64}$/;
/** Same lifetime as the store's states. */
const STATE_TTL_MS = 10 * 60_000;

function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Routes mounted at `/oauth` on the outer application. */
export function oauthRouter(deps: OAuthRoutesDeps): Router {
  const r = express.Router();
  const { connectors, log } = deps;

  // Every answer here is about one person's authorisation: never cache it.
  r.use((req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const lang = typeof req.query.lang === 'string' ? req.query.lang : cookieOf(req, LANG_COOKIE);
    if (lang) res.locals.lang = pickLang(lang);
    next();
  });

  r.get('/canvas/start', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const state = typeof req.query.state === 'string' ? req.query.state : '';
      if (!STATE_RE.test(state))
        throw new HttpError(400, 'connectors:oauth.badState', 'OAUTH_START_BAD_STATE');
      // Looked at, not consumed: the callback consumes it.
      const [row] = await deps.db
        .select()
        .from(oauthStates)
        .where(
          and(eq(oauthStates.state, state), gt(oauthStates.createdAt, new Date(Date.now() - STATE_TTL_MS))),
        );
      if (!row) throw new HttpError(400, 'connectors:oauth.badState', 'OAUTH_START_UNKNOWN_STATE');
      const settings = await connectors.settings.get(row.platformId);
      if (settings?.kind !== 'canvas')
        throw new HttpError(409, 'connectors:oauth.noCanvasKey', 'OAUTH_START_NO_CANVAS_KEY');
      const lang = typeof res.locals.lang === 'string' ? res.locals.lang : undefined;
      if (lang)
        res.setHeader(
          'Set-Cookie',
          `${LANG_COOKIE}=${lang}; Path=/oauth; Max-Age=900; HttpOnly; SameSite=Lax${
            req.secure ? '; Secure' : ''
          }`,
        );
      res.redirect(
        302,
        authorizeUrl({
          baseUrl: settings.baseUrl,
          clientId: settings.clientId,
          redirectUri: connectors.redirectUri,
          state,
        }),
      );
    } catch (err) {
      next(err);
    }
  });

  r.get('/canvas/callback', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const query = new URLSearchParams();
      for (const k of ['state', 'code', 'error'] as const)
        if (typeof req.query[k] === 'string') query.set(k, req.query[k]);
      const state = query.get('state') ?? '';
      // Consumed first, whatever else the answer says: a state works once.
      const bound = await connectors.settings.consumeOAuthState(state);
      if (!bound) throw new HttpError(400, 'connectors:oauth.badState', 'OAUTH_CALLBACK_BAD_STATE');
      const settings = await connectors.settings.get(bound.platformId);
      if (settings?.kind !== 'canvas')
        throw new HttpError(409, 'connectors:oauth.noCanvasKey', 'OAUTH_CALLBACK_NO_CANVAS_KEY');
      if (!bound.lmsUserId)
        throw new HttpError(400, 'connectors:missing.canvasUserId', 'OAUTH_CALLBACK_NO_CANVAS_USER_ID');
      const client = {
        baseUrl: settings.baseUrl,
        clientId: settings.clientId,
        clientSecret: settings.clientSecret,
      };
      let grant;
      try {
        const code = readCallback(query, state);
        grant = await exchangeCode(client, { code, redirectUri: connectors.redirectUri });
      } catch (err) {
        if (!(err instanceof ConnectorError)) throw err;
        const status = err.code === 'UNAVAILABLE' ? 502 : err.code === 'NEEDS_AUTHORIZATION' ? 403 : 400;
        throw new HttpError(status, connectorKey(err.messageKey), `OAUTH_CALLBACK_${err.code}`, err.params);
      }
      if (grant.user.id !== bound.lmsUserId) {
        // Someone signed in to Canvas as another person: that token must not act for this
        // instructor. Give it back to Canvas rather than leave it alive.
        await revokeToken(client, grant.accessToken).catch((err: unknown) =>
          log.warn({ err, platformId: bound.platformId }, 'revoking a refused Canvas token failed'),
        );
        log.warn(
          {
            reason: 'OAUTH_CALLBACK_OTHER_CANVAS_USER',
            platformId: bound.platformId,
            expected: bound.lmsUserId,
            got: grant.user.id || '(none)',
          },
          'Canvas authorisation refused: another Canvas account',
        );
        throw new HttpError(403, 'connectors:oauth.otherUser', 'OAUTH_CALLBACK_OTHER_CANVAS_USER');
      }
      await connectors.settings.saveUserTokens(
        bound.platformId,
        bound.userId,
        {
          accessToken: grant.accessToken,
          ...(grant.refreshToken ? { refreshToken: grant.refreshToken } : {}),
          expiresAt: grant.expiresAt,
        },
        grant.user.id,
      );
      log.info({ platformId: bound.platformId, canvasUserId: grant.user.id }, 'Canvas authorisation saved');
      res.setHeader('Set-Cookie', `${LANG_COOKIE}=; Path=/oauth; Max-Age=0; HttpOnly; SameSite=Lax`);
      renderPage(req, res, 'oauth-canvas.njk', {});
    } catch (err) {
      next(err);
    }
  });

  return r;
}
