/**
 * The express application: security headers, static files, the public registration
 * address, the LTI engine with the launched pages, and error pages in the user's
 * language (never a stack trace, never a token).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ROOT_DIR } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Services } from '../services.js';
import { adminPagesRouter } from './admin-pages.js';
import { mountBadgeRoutes } from './badge-routes.js';
import { connectorActivitySource } from '../connectors/activity-source.js';
import { connectorAdminRouter } from './connector-admin-pages.js';
import { definitionPagesRouter } from './definition-pages.js';
import { HttpError } from './errors.js';
import { csvImportRouter } from './csv-import-pages.js';
import { launchPagesRouter } from './launch-pages.js';
import { oauthRouter } from './oauth-routes.js';
import { pushRouter } from './push-routes.js';
import { registrationRouter } from './registration-route.js';
import { renderError } from './error-page.js';
import { securityHeaders } from './security.js';
import { standingsRouter } from './standings-pages.js';
import { renderPage } from './views.js';
import { registrarApi, registrarPages } from '../registrar/index.js';
import { JALON_ASSESSMENT_TAG } from '../gradebook/read.js';

export { renderError };

/** Builds the application over the services. */
export function createApp(s: Services): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', process.env.TRUST_PROXY ?? 'loopback');
  const base = `${new URL(s.config.publicUrl).pathname.replace(/\/$/, '')}/lti`;

  app.use((req, res, next) => {
    res.locals.requestId = randomUUID().slice(0, 8);
    next();
  });
  app.use(securityHeaders(() => s.frameOrigins.get()));
  app.use('/static', express.static(path.join(ROOT_DIR, 'public'), { maxAge: '1h', index: false }));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/', (req, res) => {
    renderPage(req, res, 'home.njk', {});
  });
  app.use('/lti', registrationRouter({ ...s, invite: s.secrets.registrationInvite, renderError }));
  app.use('/api/registrar', registrarApi(s));
  app.use('/oauth', oauthRouter({ connectors: s.connectors, db: s.database.db, log: s.log }));
  // Before definitionPagesRouter: its learner-page hook loads the learner's standing first.
  s.engine.useLaunchRoutes(
    standingsRouter({ engine: s.engine, repository: s.definitions, db: s.database.db, base, log: s.log }),
  );
  // Before launchPagesRouter: it serves /console and /learner with the definition's content.
  s.engine.useLaunchRoutes(
    definitionPagesRouter({
      engine: s.engine,
      repository: s.definitions,
      db: s.database.db,
      base,
      log: s.log,
      activities: {
        list: (launch) => (s.activities ?? connectorActivitySource(s.connectors, s.log)).list(launch),
      },
      gradebookColumn: {
        ensure: async (launch, label, max, res) =>
          s.gradebookColumn
            ? s.gradebookColumn.ensure(launch, label, max, res)
            : s.engine.ensureColumn(res, {
                label,
                scoreMaximum: max,
                tag: JALON_ASSESSMENT_TAG,
                resourceId: JALON_ASSESSMENT_TAG,
              }),
      },
    }),
  );
  s.engine.useLaunchRoutes(
    csvImportRouter({ engine: s.engine, repository: s.definitions, db: s.database.db, base, log: s.log }),
  );
  s.engine.useLaunchRoutes(launchPagesRouter(s.engine, base, s.config.publicUrl));
  s.engine.useLaunchRoutes(adminPagesRouter(s.engine, s.registry, base, s.urls));
  s.engine.useLaunchRoutes(connectorAdminRouter({ ...s, db: s.database.db, base }));
  mountBadgeRoutes(app, s, base);
  s.engine.useLaunchRoutes(registrarPages(s, base));
  app.use('/lti', s.engine.app);
  app.use('/push', pushRouter({ ...s, db: s.database.db }));

  app.use((req, res) => {
    renderError(req, res, new HttpError(404, 'error.notFound', 'NOT_FOUND'), undefined);
  });
  app.use(errorHandler(s.log));
  return app;
}

/** The last handler: known HTTP errors as pages, the rest as a logged 500. */
export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const e = err as { status?: number; type?: string };
    if (err instanceof HttpError) {
      log.warn({ reason: err.reason, path: req.path, requestId: res.locals.requestId }, 'request refused');
      return renderError(req, res, err, undefined);
    }
    if (e?.type === 'entity.too.large') {
      return renderError(req, res, new HttpError(413, 'error.tooLarge', 'BODY_TOO_LARGE'), undefined);
    }
    if (e?.type === 'entity.parse.failed' || e?.status === 400) {
      return renderError(req, res, new HttpError(400, 'error.badRequest', 'BODY_MALFORMED'), undefined);
    }
    log.error({ err, path: req.path, requestId: res.locals.requestId }, 'unexpected error');
    renderError(req, res, new HttpError(500, 'error.internal', 'INTERNAL'), undefined);
  };
}
