/**
 * The public dynamic-registration address. It is guarded three ways: an invite in the
 * path (printed at start-up, so only the administrator who pastes it into the LMS has
 * it), a per-address rate limit, and a cap on pending platforms. A registration only ever
 * creates a pending platform, and generates no key.
 */
import { timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { performRegistration } from '../lti/registration.js';
import type { PlatformRegistry } from '../platforms/registry.js';
import { HttpError } from './errors.js';
import { allowFramingBy } from './security.js';
import { renderPage } from './views.js';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Routes for `/lti/register` and `/lti/register/:invite`, mounted on the outer app. */
export function registrationRouter(deps: {
  config: Config;
  registry: PlatformRegistry;
  log: Logger;
  invite: string;
  renderError: (req: Request, res: Response, err: HttpError, lang: undefined) => void;
}): Router {
  const { config, log } = deps;
  const r = express.Router();
  const limiter = rateLimit({
    windowMs: 60 * 60_000,
    limit: config.registration.perIpPerHour,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, res) => {
      log.warn({ ip: req.ip, reason: 'DR_RATE_LIMITED' }, 'dynamic registration refused');
      deps.renderError(
        req,
        res,
        new HttpError(429, 'lti:registration.rateLimited', 'DR_RATE_LIMITED'),
        undefined,
      );
    },
  });

  const handle = async (req: Request, res: Response) => {
    const invite = typeof req.params.invite === 'string' ? req.params.invite : '';
    try {
      if (config.registration.requireInvite && !sameSecret(invite, deps.invite)) {
        throw new HttpError(403, 'lti:registration.invite', 'DR_BAD_INVITE');
      }
      const params = {
        ...(req.query as Record<string, unknown>),
        ...((req.body as Record<string, unknown>) ?? {}),
      };
      if (typeof params.openid_configuration !== 'string') {
        throw new HttpError(400, 'lti:registration.missingParams', 'DR_MISSING_OPENID_CONFIGURATION');
      }
      // The LMS shows this page in a frame (Canvas, Moodle) before Jalon knows its origin:
      // let the LMS that opened it (the invite holder's) frame this response, errors too.
      allowFramingBy(res, [params.openid_configuration]);
      const outcome = await performRegistration(
        { openidConfiguration: params.openid_configuration, registrationToken: params.registration_token },
        deps,
      );
      allowFramingBy(res, outcome.platform.origins);
      renderPage(req, res, 'registration.njk', { ...outcome });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      log.warn({ ip: req.ip, reason: err.reason, params: err.params }, 'dynamic registration refused');
      deps.renderError(req, res, err, undefined);
    }
  };
  const wrapped = (req: Request, res: Response, next: (e?: unknown) => void) => {
    handle(req, res).catch(next);
  };
  r.all('/register', limiter, express.urlencoded({ extended: false, limit: '16kb' }), wrapped);
  r.all('/register/:invite', limiter, express.urlencoded({ extended: false, limit: '16kb' }), wrapped);
  return r;
}
