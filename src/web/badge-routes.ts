/**
 * Mounts every badge route on the application in one call: the public routes (verification
 * pages, downloads, DID documents, status lists, Jalon's context, `/verify`) and the launched
 * pages (the learner's claim, the instructor's awards and revocation).
 */
import { hkdfSync } from 'node:crypto';
import type express from 'express';
import { BADGE_EMAIL_JOB, badgeStoreDeps } from '../badges/jobs.js';
import type { Services } from '../services.js';
import { badgeExchangeRouter, walletDeepLink } from './badge-exchange.js';
import { badgePublicRouter } from './badge-public.js';
import { claimPagesRouter } from './claim-pages.js';

/** Call before the application's 404 handler. */
export function mountBadgeRoutes(app: express.Express, s: Services, base: string): void {
  const deps = badgeStoreDeps(s);
  const secret = Buffer.from(
    hkdfSync('sha256', s.secrets.master, Buffer.alloc(0), 'jalon:badge-exchange', 32),
  );
  app.use(badgePublicRouter({ db: deps.db, publicUrl: deps.publicUrl, log: s.log }));
  app.use(badgeExchangeRouter({ ...deps, secret, log: s.log }));
  s.engine.useLaunchRoutes(
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
}
