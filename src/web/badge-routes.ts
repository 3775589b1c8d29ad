/**
 * Mounts every badge route on the application in one call: the public routes (verification
 * pages, downloads, DID documents, status lists, Jalon's context, `/verify`) and the launched
 * pages (the learner's claim, the instructor's awards and revocation).
 */
import type express from 'express';
import { BADGE_EMAIL_JOB, badgeStoreDeps } from '../badges/jobs.js';
import type { Services } from '../services.js';
import { badgePublicRouter } from './badge-public.js';
import { claimPagesRouter } from './claim-pages.js';

/** Call before the application's 404 handler. */
export function mountBadgeRoutes(app: express.Express, s: Services, base: string): void {
  const deps = badgeStoreDeps(s);
  app.use(badgePublicRouter({ db: deps.db, publicUrl: deps.publicUrl, log: s.log }));
  s.engine.useLaunchRoutes(
    claimPagesRouter({
      ...deps,
      engine: s.engine,
      base,
      log: s.log,
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
