/**
 * The deep-linking placement: the instructor adds the learners' entry point to the course.
 * (The console and the learner page live in definition-pages.ts.) Every route checks the role.
 */
import express, { type Router } from 'express';
import type { LaunchContext } from '../lti/launch-context.js';
import type { LtiEngine } from '../lti/engine.js';
import { translator } from '../i18n/index.js';
import { renderPage } from './views.js';

/** Routes mounted on the LTI engine (they need a launch session). */
export function launchPagesRouter(engine: LtiEngine, base: string, publicUrl: string): Router {
  const r = express.Router();
  r.get('/deep-link', engine.requireLaunch('instructor'), (req, res) => {
    renderPage(req, res, 'deep-link.njk', { launch: res.locals.launch, base });
  });

  r.post('/deep-link', engine.requireLaunch('instructor'), async (req, res, next) => {
    try {
      const launch = res.locals.launch as LaunchContext;
      const t = translator(launch.lang);
      const { jwt, returnUrl } = await engine.deepLinkingResponse(req, res, [
        {
          title: t('launch:deepLink.linkTitle'),
          url: `${publicUrl}/lti`,
          custom: { jalon_entry: 'claim' },
        },
      ]);
      renderPage(req, res, 'deep-link-return.njk', { jwt, returnUrl });
    } catch (err) {
      next(err);
    }
  });
  return r;
}
