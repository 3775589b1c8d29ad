/**
 * The administration area for LTI administrator launches: the same platform actions as
 * the CLI (list, add, activate, disable, remove, deployments). Forms carry the ltik, which
 * is bound to the session cookie and so also serves as the anti-forgery token.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { LaunchContext } from '../lti/launch-context.js';
import type { LtiEngine } from '../lti/engine.js';
import { PlatformError, type PlatformRegistry } from '../platforms/registry.js';
import { translator } from '../i18n/index.js';
import { renderPage } from './views.js';
import type { ToolUrls } from './tool-urls.js';

/** Admin routes mounted on the LTI engine. */
export function adminPagesRouter(
  engine: LtiEngine,
  registry: PlatformRegistry,
  base: string,
  urls: ToolUrls,
): Router {
  const r = express.Router();
  const guard = engine.requireLaunch('admin');

  const show = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const launch = res.locals.launch as LaunchContext;
    renderPage(
      req,
      res,
      'admin.njk',
      { base, ltik: launch.ltik, platforms: await registry.list(), urls, form: {}, ...extra },
      status,
    );
  };
  const actor = (res: Response) => {
    const l = res.locals.launch as LaunchContext;
    return `lti:${l.platformId}:${l.userId}`;
  };
  const failure = (res: Response, err: unknown) => {
    if (!(err instanceof PlatformError)) throw err;
    const t = translator((res.locals.launch as LaunchContext).lang);
    return {
      error: t(`admin:errors.${err.code}`, { detail: err.message }),
      status: err.code === 'NOT_FOUND' ? 404 : 400,
    };
  };
  const str = (v: unknown) => (typeof v === 'string' ? v : '');

  r.get('/admin', guard, async (req, res, next) => {
    await show(req, res).catch(next);
  });

  r.post('/admin/platforms', guard, async (req, res, next) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const form = {
      issuer: str(b.issuer),
      clientId: str(b.clientId),
      name: str(b.name) || undefined,
      productFamily: str(b.productFamily) || undefined,
      authEndpoint: str(b.authEndpoint),
      tokenEndpoint: str(b.tokenEndpoint),
      jwksUri: str(b.jwksUri),
      deploymentId: str(b.deploymentId),
    };
    try {
      const { platform } = await registry.add(
        { ...form, deploymentIds: form.deploymentId ? [form.deploymentId] : [] },
        actor(res),
        'manual',
      );
      const t = translator((res.locals.launch as LaunchContext).lang);
      await show(req, res, { done: t('admin:done.added', { id: platform.id }) });
    } catch (err) {
      try {
        const f = failure(res, err);
        await show(req, res, { error: f.error, form }, f.status);
      } catch (e) {
        next(e);
      }
    }
  });

  const action =
    (run: (id: string, who: string, body: Record<string, unknown>) => Promise<unknown>, doneKey: string) =>
    async (req: Request, res: Response, next: (e?: unknown) => void) => {
      const id = String(req.params.id);
      try {
        await run(id, actor(res), (req.body ?? {}) as Record<string, unknown>);
        const t = translator((res.locals.launch as LaunchContext).lang);
        await show(req, res, { done: t(`admin:done.${doneKey}`, { id }) });
      } catch (err) {
        try {
          const f = failure(res, err);
          await show(req, res, { error: f.error }, f.status);
        } catch (e) {
          next(e);
        }
      }
    };

  r.post(
    '/admin/platforms/:id/activate',
    guard,
    action((id, who) => registry.activate(id, who), 'activated'),
  );
  r.post(
    '/admin/platforms/:id/disable',
    guard,
    action((id, who) => registry.disable(id, who), 'disabled'),
  );
  r.post(
    '/admin/platforms/:id/remove',
    guard,
    action((id, who) => registry.remove(id, who), 'removed'),
  );
  r.post(
    '/admin/platforms/:id/deployments',
    guard,
    action((id, who, body) => registry.addDeployment(id, str(body.deploymentId), who), 'deploymentAdded'),
  );
  return r;
}
