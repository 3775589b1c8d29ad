/**
 * Mounts every badge route on the application in one call: the public routes (verification
 * pages, downloads, DID documents, status lists, Jalon's context, `/verify`, wallet exchanges)
 * and the launched pages (the learner's claim, the instructor's awards and revocation).
 * The routers (and the signing stack under them) load in the background when the app is built,
 * so processes that build the app without serving it (the CLI) do not wait for them; a request
 * that arrives before they are ready waits for them.
 */
import { hkdfSync } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { BADGE_EMAIL_JOB, badgeStoreDeps } from '../badges/jobs.js';
import type { Services } from '../services.js';

/** Call before the application's 404 handler. */
export function mountBadgeRoutes(app: express.Express, s: Services, base: string): void {
  const publicRoutes = express.Router();
  const launched = express.Router();
  let ready: Promise<void> | undefined;
  const load = async () => {
    // One at a time: jest's VM modules fail on concurrent dynamic imports sharing dependencies.
    const { badgePublicRouter } = await import('./badge-public.js');
    const { badgeExchangeRouter, walletDeepLink } = await import('./badge-exchange.js');
    const { claimPagesRouter } = await import('./claim-pages.js');
    const deps = badgeStoreDeps(s);
    const secret = Buffer.from(
      hkdfSync('sha256', s.secrets.master, Buffer.alloc(0), 'jalon:badge-exchange', 32),
    );
    publicRoutes.use(badgePublicRouter({ db: deps.db, publicUrl: deps.publicUrl, log: s.log }));
    publicRoutes.use(badgeExchangeRouter({ ...deps, secret, log: s.log }));
    launched.use(
      claimPagesRouter({
        ...deps,
        engine: s.engine,
        base,
        log: s.log,
        walletLink: (badgeId) => walletDeepLink({ secret, publicUrl: deps.publicUrl }, badgeId),
        onIssued: async (badge) => {
          await s.jobs.enqueue({
            kind: BADGE_EMAIL_JOB,
            payload: { badgeId: badge.id },
            onceKey: `badge.email:${badge.id}`,
          });
        },
      }),
    );
  };
  const start = () => {
    ready ??= load().catch((err: unknown) => {
      s.log.error({ err }, 'badge routes failed to load');
      throw err;
    });
    return ready;
  };
  // Only badge requests wait (and fail if the routes could not load); everything else goes on.
  const BADGE_PATHS = /^\/(badges|verify|issuers|contexts|exchanges|claim|awards)(\/|$)/;
  const wait: RequestHandler = (req, _res, next) => {
    if (!BADGE_PATHS.test(req.path)) return next();
    start().then(() => next(), next);
  };
  // Start loading now in a server (a request would start it anyway).
  setImmediate(() => void start().catch(() => undefined)).unref();
  app.use(wait, publicRoutes);
  s.engine.useLaunchRoutes(express.Router().use(wait, launched));
}
