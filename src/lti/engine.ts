/**
 * The one module that knows ltijs. It sets the engine up on our PostgreSQL store, puts
 * Jalon's strict checks in front of ltijs's login and launch handlers, turns ltijs's
 * session into a `LaunchContext`, and renders every refusal as a readable page.
 * Nothing else imports 'ltijs'.
 */
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { Provider, type DatabasePlugin, type DeepLinkingToken, type GradeToken } from 'ltijs';
import type { Config } from '../config/index.js';
import { pickLang, type Lang } from '../i18n/index.js';
import type { Logger } from '../log.js';
import type { Platform, PlatformRegistry } from '../platforms/registry.js';
import { HttpError } from '../web/errors.js';
import { createLaunchChecker, peekLocale } from './launch-validation.js';
import type { LaunchContext } from './launch-context.js';
import { LoginMemory } from './login-memory.js';
import { audienceOf, isAdministrator, isInstructor, type Audience } from './roles.js';

/** Renders a refusal page; provided by the web layer. */
export type ErrorRenderer = (
  req: Request,
  res: Response,
  err: HttpError,
  lang: Lang | undefined,
  extra?: { actionUrl?: string; actionLabelKey?: string; newWindow?: boolean },
) => void;

/** What the engine needs from the rest of the service. */
export interface EngineDeps {
  config: Config;
  log: Logger;
  registry: PlatformRegistry;
  /** ltijs storage plugin (LtiPgStore). */
  store: DatabasePlugin;
  /** Secret for ltijs's cookie signing and ltik (derived from the master secret). */
  encryptionKey: string;
  renderError: ErrorRenderer;
  /** Called after a launch has been accepted, e.g. to learn the platform's frame origin. */
  onAccepted?: (ctx: LaunchContext) => Promise<void>;
}

/** Content item returned to the LMS by deep linking. */
export interface DeepLinkItem {
  title: string;
  text?: string;
  url: string;
  custom?: Record<string, string>;
  lineItem?: { scoreMaximum: number; label: string; resourceId?: string; tag?: string };
}

/** The engine as the web layer sees it. */
export interface LtiEngine {
  /** The express app to mount at `/lti` (login, launch, JWKS, launched pages). */
  app: Router;
  /** Mounts routes that need a valid launch session (ltik + session cookie). */
  useLaunchRoutes(router: Router): void;
  /** Middleware: requires a launch whose audience is one of `allowed`. */
  requireLaunch(...allowed: Audience[]): RequestHandler;
  /** Builds the signed deep-linking response JWT and the URL to post it to. */
  deepLinkingResponse(
    req: Request,
    res: Response,
    items: DeepLinkItem[],
  ): Promise<{ jwt: string; returnUrl: string }>;
  /**
   * Jalon's own gradebook column in the launching course (AGS): found by its tag, or
   * created. Undefined when the launch offers no AGS line-item service.
   */
  ensureColumn(
    res: Response,
    column: { label: string; scoreMaximum: number; tag: string; resourceId?: string },
  ): Promise<string | undefined>;
  /** The launch's AGS line-items service (URL and granted scopes), if it offers one. */
  agsEndpoint(res: Response): { lineItemsUrl: string; scopes: string[] } | undefined;
  /**
   * A platform access token (OAuth 2 client credentials, signed with the tool's key) for
   * `scopes`, outside any request: background jobs call the platform's services with it.
   */
  platformToken(platformId: string, scopes: string[]): Promise<string>;
  /** Registers an activated platform with ltijs (creates its key pair). */
  activate(p: Platform): Promise<void>;
  /** Forgets a platform in ltijs (its keys go too). */
  deactivate(p: Platform): Promise<void>;
  close(): Promise<void>;
}

const CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/';

/** The login-initiation parameters Jalon reads and passes on. */
const LOGIN_PARAMS = [
  'iss',
  'login_hint',
  'target_link_uri',
  'client_id',
  'lti_deployment_id',
  'lti_message_hint',
  'canvas_region',
  'canvas_environment',
] as const;

/** The language a launch's token asks for, if it says (otherwise the browser's decides). */
function tokenLang(idToken: unknown): Lang | undefined {
  const locale = peekLocale(idToken);
  return locale ? pickLang(locale) : undefined;
}

const LAUNCH_PAGES: Record<Audience, string> = {
  instructor: 'console',
  learner: 'learner',
  admin: 'admin',
};

interface LtijsToken {
  iss: string;
  user: string;
  userInfo?: { name?: string; email?: string; given_name?: string; family_name?: string };
  platformInfo?: { product_family_code?: string };
  clientId: string;
  deploymentId: string;
  platformContext?: {
    roles?: string[];
    context?: { id: string; label?: string; title?: string };
    resource?: { id: string; title?: string };
    custom?: Record<string, unknown>;
    lis?: Record<string, unknown>;
    launchPresentation?: { locale?: string; return_url?: string };
    messageType?: string;
    namesRoles?: { context_memberships_url?: unknown; service_versions?: unknown };
  };
}

function stringRecord(v: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v ?? {})) if (typeof val === 'string') out[k] = val;
  return out;
}

/** The launch's NRPS claim, when it names an http(s) memberships URL. */
function nrpsOf(
  claim: { context_memberships_url?: unknown; service_versions?: unknown } | undefined,
): LaunchContext['nrps'] {
  const url = claim?.context_memberships_url;
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return undefined;
  const versions = Array.isArray(claim?.service_versions)
    ? claim.service_versions.filter((v): v is string => typeof v === 'string')
    : [];
  return { membershipsUrl: url, serviceVersions: versions };
}

/** Sets ltijs up (once per process: ltijs's Provider is a singleton) and returns the engine. */
export async function createLtiEngine(deps: EngineDeps): Promise<LtiEngine> {
  const { config, log, registry } = deps;
  const base = new URL(config.publicUrl).pathname.replace(/\/$/, '') + '/lti';
  const launchUrl = `${config.publicUrl}/lti`;
  const checkLaunch = createLaunchChecker({
    lookup: (iss, clientId) => registry.find(iss, clientId),
    maxAgeSeconds: config.ltiTokenMaxAgeSeconds,
    clockSkewSeconds: config.clockSkewSeconds,
  });
  const logins = new LoginMemory();
  const secure = config.cookieSecure;
  const cookieBase = secure
    ? { secure: true, sameSite: 'none' as const, partitioned: true }
    : { secure: false, sameSite: 'lax' as const };

  const refuse = (
    req: Request,
    res: Response,
    err: HttpError,
    lang?: Lang,
    extra?: Parameters<ErrorRenderer>[4],
  ) => {
    log.warn(
      { reason: err.reason, status: err.status, path: req.path, params: err.params, ip: req.ip },
      'LTI request refused',
    );
    deps.renderError(req, res, err, lang, extra);
  };

  /** Login initiation: Jalon's checks, then ltijs's handler (which redirects to the LMS). */
  const loginGuard = async (req: Request, res: Response, next: NextFunction) => {
    const params: Record<string, unknown> = { ...(req.query as object), ...((req.body as object) ?? {}) };
    const str = (k: string) => (typeof params[k] === 'string' ? (params[k] as string) : undefined);
    // A parameter given twice (an array) or as an object would reach ltijs unchecked and
    // end in its JSON 500: refuse it here.
    if (LOGIN_PARAMS.some((k) => params[k] !== undefined && typeof params[k] !== 'string')) {
      return refuse(req, res, new HttpError(400, 'lti:error.loginParams', 'LTI_LOGIN_MALFORMED_PARAMS'));
    }
    const iss = str('iss');
    const loginHint = str('login_hint');
    const target = str('target_link_uri');
    const clientId = str('client_id');
    const deploymentId = str('lti_deployment_id');
    if (!iss || !loginHint || !target) {
      return refuse(req, res, new HttpError(400, 'lti:error.loginParams', 'LTI_LOGIN_MISSING_PARAMS'));
    }
    if (target !== launchUrl && !target.startsWith(`${launchUrl}?`) && !target.startsWith(`${launchUrl}/`)) {
      return refuse(req, res, new HttpError(400, 'lti:error.loginTarget', 'LTI_LOGIN_BAD_TARGET'));
    }
    // ltijs stores the target's query with the state; PostgreSQL refuses NUL in JSON text.
    const targetQuery = new URLSearchParams(
      target.includes('?') ? target.slice(target.indexOf('?') + 1) : '',
    );
    if ([...targetQuery].some(([k, v]) => `${k}${v}`.includes('\u0000'))) {
      return refuse(req, res, new HttpError(400, 'lti:error.loginTarget', 'LTI_LOGIN_BAD_TARGET'));
    }
    let platform: Platform | undefined;
    if (clientId) platform = await registry.find(iss, clientId);
    else {
      const same = (await registry.list()).filter((p) => p.issuer === iss);
      platform = same.length === 1 ? same[0] : undefined;
    }
    if (!platform)
      return refuse(req, res, new HttpError(401, 'lti:error.unknownPlatform', 'LTI_UNKNOWN_PLATFORM'));
    if (platform.status !== 'active') {
      const key = platform.status === 'pending' ? 'platformPending' : 'platformDisabled';
      return refuse(
        req,
        res,
        new HttpError(403, `lti:error.${key}`, 'LTI_PLATFORM_INACTIVE', { platformId: platform.id }),
      );
    }
    if (deploymentId && !platform.deploymentIds.includes(deploymentId)) {
      return refuse(
        req,
        res,
        new HttpError(403, 'lti:error.unknownDeployment', 'LTI_UNKNOWN_DEPLOYMENT', {
          deploymentId,
          platformId: platform.id,
        }),
      );
    }
    const loginParams = new URLSearchParams();
    for (const k of LOGIN_PARAMS) {
      const v = str(k);
      if (v !== undefined) loginParams.set(k, v);
    }
    const relaunchUrl = `${base}/login?${loginParams.toString()}`;
    // Inside an iframe, test that the browser keeps our cookie before starting the flow,
    // so that a browser blocking third-party cookies gets a "new window" button, not a
    // dead frame.
    if (req.get('sec-fetch-dest') === 'iframe') {
      if (str('jalon_probe') !== '1') {
        res.cookie('jalon_probe', '1', { ...cookieBase, httpOnly: true, maxAge: 60_000, path: base });
        return res.redirect(302, `${relaunchUrl}&jalon_probe=1`);
      }
      if (req.cookies?.jalon_probe !== '1') {
        return refuse(
          req,
          res,
          new HttpError(401, 'lti:error.cookiesBlocked', 'LTI_COOKIES_BLOCKED'),
          pickLang(req.get('accept-language')),
          { actionUrl: relaunchUrl, actionLabelKey: 'lti:openNewWindow', newWindow: true },
        );
      }
    }
    // Remember how to restart this login, keyed by the state ltijs is about to create.
    const redirect = res.redirect.bind(res) as (url: string) => void;
    (res as unknown as { redirect: (url: string) => void }).redirect = (url: string) => {
      try {
        const state = new URL(url).searchParams.get('state');
        if (state) logins.remember(state, relaunchUrl);
      } catch {
        /* not a URL we can read: nothing to remember */
      }
      redirect(url);
    };
    return next();
  };

  /** Launch (id_token form_post): strict checks before ltijs validates and stores. */
  const launchGuard = async (req: Request, res: Response, next: NextFunction) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const state = body.state;
    const cookieName = typeof state === 'string' ? `state${state}` : undefined;
    const signed = cookieName ? (req.signedCookies as Record<string, string | false>)[cookieName] : undefined;
    const lang = tokenLang(body.id_token);
    try {
      const { claims } = await checkLaunch({
        idToken: body.id_token,
        state,
        stateCookie: signed === false ? '\u0000tampered' : signed,
      });
      // Refuse roles Jalon does not serve before ltijs stores a session for them.
      const roles = (claims[`${CLAIM}roles`] as string[] | undefined) ?? [];
      if (claims[`${CLAIM}message_type`] === 'LtiDeepLinkingRequest') {
        if (!isInstructor(roles)) {
          throw new HttpError(403, 'lti:error.forbidden', 'LTI_DEEP_LINK_NOT_INSTRUCTOR');
        }
      } else if (!audienceOf(roles)) {
        throw new HttpError(403, 'lti:error.roleNotSupported', 'LTI_ROLE_NOT_SUPPORTED');
      }
      return next();
    } catch (err) {
      if (!(err instanceof HttpError)) return next(err);
      const relaunch = typeof state === 'string' ? logins.recall(state) : undefined;
      if (err.reason === 'LTI_STATE_COOKIE_MISSING' && req.get('sec-fetch-dest') === 'document') {
        // Already a top-level window: another window would fail the same way, so say what
        // to fix instead of offering a loop.
        return refuse(req, res, new HttpError(401, 'lti:error.cookieNotReturned', err.reason), lang);
      }
      if (err.reason === 'LTI_STATE_COOKIE_MISSING' && relaunch) {
        return refuse(req, res, err, lang, {
          actionUrl: relaunch,
          actionLabelKey: 'lti:openNewWindow',
          newWindow: true,
        });
      }
      return refuse(req, res, err, lang);
    }
  };

  Provider.setup(
    deps.encryptionKey,
    { plugin: deps.store },
    {
      appRoute: '/',
      loginRoute: '/login',
      keysetRoute: '/keys',
      dynRegRoute: '/ltijs-dynamic-registration-disabled',
      cookies: { secure, sameSite: secure ? 'None' : 'Lax' },
      tokenMaxAge: config.ltiTokenMaxAgeSeconds + config.clockSkewSeconds,
      devMode: false,
      cors: false,
      serverAddon: (app: Router) => {
        app.use((_req: Request, res: Response, next: NextFunction) => {
          // ltijs 5.9.9 cannot mark its cookies Partitioned (CHIPS); without it Chrome drops
          // them in an LMS iframe once third-party cookies are phased out.
          if (secure) {
            const cookie = res.cookie.bind(res) as (n: string, v: string, o?: object) => Response;
            (res as unknown as { cookie: typeof cookie }).cookie = (n: string, v: string, o: object = {}) =>
              cookie(n, v, { ...o, partitioned: true });
          }
          next();
        });
        // ltijs's own login and key-set handlers answer their failures with JSON carrying
        // the error text (SQL included): turn any such answer into our page.
        app.use(['/login', '/keys'], (req: Request, res: Response, next: NextFunction) => {
          const send = res.send.bind(res);
          res.send = ((body?: unknown) => {
            if (res.statusCode < 400 || typeof body !== 'object' || body === null || Buffer.isBuffer(body)) {
              return send(body);
            }
            res.send = send;
            const detail = (body as { details?: { message?: unknown } }).details?.message;
            log.error(
              { path: req.path, status: res.statusCode, detail: String(detail).slice(0, 200) },
              'LTI engine failure',
            );
            const status = res.statusCode >= 500 ? 500 : res.statusCode;
            refuse(
              req,
              res,
              new HttpError(
                status,
                status === 500 ? 'error.internal' : 'lti:error.invalidLaunch',
                `LTI_ENGINE_HTTP_${status}`,
              ),
            );
            return res;
          }) as typeof res.send;
          next();
        });
        app.all('/login', (req: Request, res: Response, next: NextFunction) => {
          loginGuard(req, res, next).catch(next);
        });
        // ltijs accepts an id_token POSTed to *any* of its paths: every one goes through
        // the guard, and only the launch address (the registered redirect URI) is allowed.
        app.use((req: Request, res: Response, next: NextFunction) => {
          const body = (req.body ?? {}) as Record<string, unknown>;
          if (typeof body !== 'object' || body.id_token === undefined) return next();
          if (req.path !== '/') {
            return refuse(
              req,
              res,
              new HttpError(400, 'lti:error.invalidLaunch', 'LTI_WRONG_LAUNCH_PATH'),
              tokenLang(body.id_token),
            );
          }
          launchGuard(req, res, next).catch(next);
        });
        // ltijs answers its own (unused) registration route with JSON.
        app.all('/ltijs-dynamic-registration-disabled', (req: Request, res: Response) => {
          refuse(req, res, new HttpError(404, 'error.notFound', 'NOT_FOUND'));
        });
      },
    },
  );

  const ltiErrorReason = (res: Response): string => {
    const details = (res.locals.err as { details?: { message?: string } } | undefined)?.details;
    const m = details?.message ?? 'UNKNOWN';
    if (m === 'NONCE_ALREADY_RECEIVED') return 'LTI_REPLAYED_NONCE';
    if (m === 'MISSING_VALIDATION_COOKIE') return 'LTI_STATE_COOKIE_MISSING';
    return `LTI_ENGINE_${String(m)
      .replace(/[^A-Z0-9_]/gi, '_')
      .toUpperCase()
      .slice(0, 60)}`;
  };

  Provider.onInvalidToken(async (req: Request, res: Response) => {
    const reason = ltiErrorReason(res);
    const key = reason === 'LTI_REPLAYED_NONCE' ? 'replayed' : 'invalidLaunch';
    refuse(req, res, new HttpError(401, `lti:error.${key}`, reason), tokenLang(req.body?.id_token));
  });
  Provider.onSessionTimeout(async (req: Request, res: Response) => {
    refuse(req, res, new HttpError(401, 'lti:error.sessionExpired', 'LTI_SESSION_EXPIRED'));
  });
  Provider.onUnregisteredPlatform(async (req: Request, res: Response) => {
    refuse(req, res, new HttpError(401, 'lti:error.unknownPlatform', 'LTI_UNKNOWN_PLATFORM'));
  });
  Provider.onInactivePlatform(async (req: Request, res: Response) => {
    refuse(req, res, new HttpError(403, 'lti:error.platformPending', 'LTI_PLATFORM_INACTIVE'));
  });

  /** Maps ltijs's session to a LaunchContext, re-checking platform and deployment. */
  const contextOf = async (res: Response): Promise<LaunchContext> => {
    const token = res.locals.token as LtijsToken | undefined;
    const ltik = res.locals.ltik as string | undefined;
    if (!token || !ltik) throw new HttpError(401, 'lti:error.sessionExpired', 'LTI_NO_SESSION');
    const platform = await registry.find(token.iss, token.clientId);
    if (!platform || platform.status !== 'active') {
      throw new HttpError(403, 'lti:error.platformDisabled', 'LTI_PLATFORM_INACTIVE');
    }
    if (!platform.deploymentIds.includes(token.deploymentId)) {
      throw new HttpError(403, 'lti:error.unknownDeployment', 'LTI_UNKNOWN_DEPLOYMENT', {
        deploymentId: token.deploymentId,
        platformId: platform.id,
      });
    }
    const pc = token.platformContext ?? {};
    const roles = (pc.roles ?? []).filter((r): r is string => typeof r === 'string');
    const nrps = nrpsOf(pc.namesRoles);
    return {
      platformId: platform.id,
      issuer: token.iss,
      clientId: token.clientId,
      deploymentId: token.deploymentId,
      productFamily: token.platformInfo?.product_family_code ?? platform.productFamily,
      userId: token.user,
      name: token.userInfo?.name,
      email: token.userInfo?.email,
      roles,
      audience: audienceOf(roles),
      isAdministrator: isAdministrator(roles),
      isInstructor: isInstructor(roles),
      course: pc.context
        ? { id: pc.context.id, label: pc.context.label, title: pc.context.title }
        : undefined,
      resourceLink: pc.resource ? { id: pc.resource.id, title: pc.resource.title } : undefined,
      custom: stringRecord(pc.custom),
      lis: pc.lis,
      lang: pickLang(pc.launchPresentation?.locale),
      messageType: pc.messageType ?? 'LtiResourceLinkRequest',
      returnUrl: pc.launchPresentation?.return_url,
      ...(nrps ? { nrps } : {}),
      ltik,
    };
  };

  const failWith = (req: Request, res: Response, err: unknown, next: NextFunction, lang?: Lang) => {
    if (err instanceof HttpError) return refuse(req, res, err, lang);
    return next(err);
  };

  Provider.onConnect(async (_token: unknown, req: Request, res: Response, next: NextFunction) => {
    try {
      const ctx = await contextOf(res);
      await deps.onAccepted?.(ctx);
      if (!ctx.audience) {
        return refuse(
          req,
          res,
          new HttpError(403, 'lti:error.roleNotSupported', 'LTI_ROLE_NOT_SUPPORTED'),
          ctx.lang,
        );
      }
      log.info(
        { platformId: ctx.platformId, user: ctx.userId, course: ctx.course?.id, audience: ctx.audience },
        'launch accepted',
      );
      res.redirect(302, `${base}/${LAUNCH_PAGES[ctx.audience]}?ltik=${encodeURIComponent(ctx.ltik)}`);
    } catch (err) {
      failWith(req, res, err, next);
    }
  });
  Provider.onDeepLinking(async (_token: unknown, req: Request, res: Response, next: NextFunction) => {
    try {
      const ctx = await contextOf(res);
      await deps.onAccepted?.(ctx);
      if (!ctx.isInstructor) {
        return refuse(
          req,
          res,
          new HttpError(403, 'lti:error.forbidden', 'LTI_DEEP_LINK_NOT_INSTRUCTOR'),
          ctx.lang,
        );
      }
      res.redirect(302, `${base}/deep-link?ltik=${encodeURIComponent(ctx.ltik)}`);
    } catch (err) {
      failWith(req, res, err, next);
    }
  });

  await deps.store.setup();

  const requireLaunch =
    (...allowed: Audience[]): RequestHandler =>
    (req, res, next) => {
      contextOf(res)
        .then((ctx) => {
          res.locals.lang = typeof req.query.lang === 'string' ? pickLang(req.query.lang) : ctx.lang;
          res.locals.launch = ctx;
          const ok =
            allowed.length === 0 ||
            (allowed.includes('instructor') && ctx.isInstructor) ||
            (allowed.includes('admin') && ctx.isAdministrator) ||
            (allowed.includes('learner') && ctx.audience === 'learner');
          if (!ok) {
            return refuse(
              req,
              res,
              new HttpError(403, 'lti:error.forbidden', 'LTI_FORBIDDEN_ROUTE'),
              ctx.lang,
            );
          }
          next();
        })
        .catch((err) => failWith(req, res, err, next));
    };

  // ltijs answers a path it cannot decode with JSON before any of our middleware runs, so
  // that check sits in front of it. An express app rather than a Router: mounting an app
  // keeps the request/response prototypes right on the way into and out of ltijs's own
  // (express 4) app.
  const front = express();
  front.disable('x-powered-by');
  front.use((req: Request, res: Response, next: NextFunction) => {
    try {
      decodeURIComponent(req.path);
    } catch {
      return refuse(req, res, new HttpError(400, 'error.badRequest', 'BAD_URI'));
    }
    next();
  });
  front.use(Provider.app as unknown as express.Express);

  return {
    app: front,
    useLaunchRoutes(router: Router) {
      (Provider.app as unknown as Router).use(router);
    },
    requireLaunch,
    async deepLinkingResponse(_req, res, items) {
      const token = res.locals.token as DeepLinkingToken | undefined;
      const returnUrl = token?.platformContext?.deepLinkingSettings?.deep_link_return_url;
      if (!token || !returnUrl) throw new HttpError(400, 'lti:error.invalidLaunch', 'LTI_NOT_DEEP_LINKING');
      const contentItems = items.map((i) => ({
        type: 'ltiResourceLink',
        title: i.title,
        text: i.text,
        url: i.url,
        custom: i.custom,
        lineItem: i.lineItem,
      }));
      const jwt = (await Provider.DeepLinking.createDeepLinkingMessage(token, contentItems, {
        message: '',
      })) as string;
      return { jwt, returnUrl };
    },
    async ensureColumn(res, column) {
      const token = res.locals.token as GradeToken | undefined;
      const endpoint = token?.platformContext?.endpoint;
      if (!token || !endpoint?.lineitems) return undefined;
      // No `limit`: Moodle's malformed paging Link header makes ltijs stop after page one.
      const existing = await Provider.Grade.getLineItems(token, { tag: column.tag });
      const found = existing.lineItems.find((i) => i.tag === column.tag && i.id);
      if (found?.id) return found.id;
      const created = await Provider.Grade.createLineItem(
        token,
        {
          label: column.label,
          scoreMaximum: column.scoreMaximum,
          tag: column.tag,
          resourceId: column.resourceId,
        },
        { resourceLinkId: false },
      );
      return created.id;
    },
    agsEndpoint(res) {
      const token = res.locals.token as GradeToken | undefined;
      const endpoint = token?.platformContext?.endpoint;
      if (!endpoint?.lineitems) return undefined;
      return {
        lineItemsUrl: endpoint.lineitems,
        scopes: (endpoint.scope ?? []).filter((x) => typeof x === 'string'),
      };
    },
    async platformToken(platformId, scopes) {
      const p = await registry.get(platformId);
      if (!p || p.status !== 'active') throw new Error(`platform ${platformId} is not active`);
      const platform = await Provider.getPlatform(p.issuer, p.clientId);
      if (!platform) throw new Error(`platform ${platformId} is not registered with the engine`);
      const token = await platform.platformAccessToken(scopes.join(' '));
      return token.access_token;
    },
    async activate(p: Platform) {
      await Provider.registerPlatform({
        url: p.issuer,
        name: p.name,
        clientId: p.clientId,
        authenticationEndpoint: p.authEndpoint,
        accesstokenEndpoint: p.tokenEndpoint,
        authorizationServer: p.authorizationServer ?? undefined,
        authConfig: { method: 'JWK_SET', key: p.jwksUri },
      });
    },
    async deactivate(p: Platform) {
      await Provider.deletePlatform(p.issuer, p.clientId);
    },
    async close() {
      await deps.store.Close();
    },
  };
}
