/**
 * The administrator's connector pages (LTI administrator launches only): per platform, set,
 * replace or remove the Moodle web-service connector or the Canvas API developer key, test
 * the connection (each check said in plain words, and recorded), read exactly what to set up
 * in the LMS, and set the institution's issuer profile shown on badges. Secrets are never
 * shown back: the page only says they are set. Forms carry the ltik (bound to the session
 * cookie, hence also the anti-forgery token).
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import multer from 'multer';
import type { ZodError } from 'zod';
import { CANVAS_REQUIRED_SCOPES } from '../connectors/canvas/index.js';
import type { ConnectorFactory } from '../connectors/factory.js';
import { MOODLE_REQUIRED_CAPABILITIES, MOODLE_REQUIRED_FUNCTIONS } from '../connectors/moodle/index.js';
import { CanvasSettingsSchema, MoodleSettingsSchema } from '../connectors/settings.js';
import type { ConnectionReport } from '../connectors/types.js';
import type { Db } from '../db/client.js';
import { translator, type Translate } from '../i18n/index.js';
import { saveImage } from '../images/store.js';
import { checkImage, IMAGE_LIMITS, ImageError, type CheckedImage } from '../images/validate.js';
import type { Logger } from '../log.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { LtiEngine } from '../lti/engine.js';
import { getIssuerProfile, IssuerProfileSchema, saveIssuerProfile } from '../platforms/issuer-profile.js';
import type { PlatformRegistry } from '../platforms/registry.js';
import { HttpError } from './errors.js';
import { renderPage, requestLang } from './views.js';

/** What the connector admin pages need. */
export interface ConnectorAdminDeps {
  engine: LtiEngine;
  registry: PlatformRegistry;
  connectors: ConnectorFactory;
  db: Db;
  /** Path prefix of the LTI routes (`/lti`). */
  base: string;
  log?: Logger;
}

/** A message for one platform's section of the page. */
interface Flash {
  platformId: string;
  kind: 'ok' | 'error';
  messages: string[];
}

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: IMAGE_LIMITS.maxBytes, files: 1, fields: 20, fieldSize: 4096 },
}).single('logo');

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Zod messages are i18n keys: translated, each once. */
function zodMessages(err: ZodError, t: Translate): string[] {
  return [...new Set(err.issues.map((i) => i.message))].map((k) => (k.includes(':') ? t(k) : k));
}

/** A report in words. */
export function reportView(report: ConnectionReport | null, t: Translate) {
  if (!report) return undefined;
  return {
    ok: report.ok,
    checkedAt: report.checkedAt,
    checks: report.checks.map((c) => ({ name: c.name, ok: c.ok, text: t(c.messageKey, c.params ?? {}) })),
  };
}

/** Admin routes mounted on the LTI engine. */
export function connectorAdminRouter(deps: ConnectorAdminDeps): Router {
  const { registry, connectors, base } = deps;
  const settings = connectors.settings;
  const r = express.Router();
  const guard = deps.engine.requireLaunch('admin');
  const launchOf = (res: Response) => res.locals.launch as LaunchContext;
  const actor = (res: Response) => `lti:${launchOf(res).platformId}:${launchOf(res).userId}`;

  const show = async (req: Request, res: Response, flash?: Flash, status = 200) => {
    const t = translator(requestLang(req, res));
    const launch = launchOf(res);
    const platforms = await Promise.all(
      (await registry.list()).map(async (p) => {
        const c = await settings.get(p.id);
        const issuer = await getIssuerProfile(deps.db, p.id);
        return {
          id: p.id,
          name: p.name,
          status: p.status,
          family: p.productFamily,
          connector: c && {
            kind: c.kind,
            baseUrl: c.baseUrl,
            clientId: c.kind === 'canvas' ? c.clientId : undefined,
            lastCheck: reportView(c.lastCheck, t),
          },
          issuer: issuer && {
            nameFr: issuer.name.fr ?? '',
            nameEn: issuer.name.en ?? '',
            url: issuer.url,
            email: issuer.email,
            hasLogo: issuer.imageId !== null,
          },
          flash: flash?.platformId === p.id ? flash : undefined,
        };
      }),
    );
    renderPage(
      req,
      res,
      'admin-connectors.njk',
      {
        base,
        ltik: launch.ltik,
        q: `ltik=${encodeURIComponent(launch.ltik)}`,
        platforms,
        moodleFunctions: MOODLE_REQUIRED_FUNCTIONS,
        moodleCapabilities: MOODLE_REQUIRED_CAPABILITIES,
        canvasScopes: CANVAS_REQUIRED_SCOPES,
        redirectUri: connectors.redirectUri,
        logoLimits: { maxKb: Math.round(IMAGE_LIMITS.maxBytes / 1024), min: IMAGE_LIMITS.minSide },
      },
      status,
    );
  };

  /** The platform of the URL, which must exist. */
  const platformOf = async (req: Request) => {
    const id = String(req.params.id);
    const p = await registry.get(id);
    if (!p) throw new HttpError(404, 'admin:errors.NOT_FOUND', 'CONNECTOR_ADMIN_UNKNOWN_PLATFORM');
    return p;
  };

  const handle =
    (run: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction) => {
      run(req, res).catch(next);
    };

  r.get(
    '/admin/connectors',
    guard,
    handle(async (req, res) => show(req, res)),
  );

  /** Saves a validated connector form, or shows its errors (nothing saved). */
  const saveOrExplain = async (
    req: Request,
    res: Response,
    platformId: string,
    parsed:
      ReturnType<typeof MoodleSettingsSchema.safeParse> | ReturnType<typeof CanvasSettingsSchema.safeParse>,
    kind: 'moodle' | 'canvas',
  ): Promise<void> => {
    const t = translator(requestLang(req, res));
    if (!parsed.success) {
      return show(req, res, { platformId, kind: 'error', messages: zodMessages(parsed.error, t) }, 400);
    }
    await settings.save(platformId, parsed.data, actor(res));
    deps.log?.info({ platformId, kind, actor: actor(res) }, 'connector saved');
    await show(req, res, { platformId, kind: 'ok', messages: [t('connectors:admin.saved')] });
  };

  r.post(
    '/admin/connectors/:id/moodle',
    guard,
    handle(async (req, res) => {
      const p = await platformOf(req);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const current = await settings.get(p.id);
      // A blank token keeps the one already set (it is never shown back).
      const token = str(b.token).trim() || (current?.kind === 'moodle' ? current.token : '');
      const parsed = MoodleSettingsSchema.safeParse({ baseUrl: str(b.baseUrl), token });
      await saveOrExplain(req, res, p.id, parsed, 'moodle');
    }),
  );

  r.post(
    '/admin/connectors/:id/canvas',
    guard,
    handle(async (req, res) => {
      const p = await platformOf(req);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const current = await settings.get(p.id);
      const clientSecret =
        str(b.clientSecret).trim() || (current?.kind === 'canvas' ? current.clientSecret : '');
      const parsed = CanvasSettingsSchema.safeParse({
        baseUrl: str(b.baseUrl),
        clientId: str(b.clientId),
        clientSecret,
      });
      await saveOrExplain(req, res, p.id, parsed, 'canvas');
    }),
  );

  r.post(
    '/admin/connectors/:id/test',
    guard,
    handle(async (req, res) => {
      const p = await platformOf(req);
      const t = translator(requestLang(req, res));
      const launch = launchOf(res);
      // From a course of this platform the course-level checks can run too.
      const here = launch.platformId === p.id && launch.course?.id;
      const report = await connectors.testPlatform(p.id, {
        actingUserId: launch.platformId === p.id ? launch.userId : undefined,
        ...(here && launch.course ? { course: { contextId: launch.course.id } } : {}),
        ...(here && launch.isInstructor ? { probeUserId: launch.userId } : {}),
      });
      if (!report)
        return show(
          req,
          res,
          { platformId: p.id, kind: 'error', messages: [t('connectors:admin.none')] },
          409,
        );
      deps.log?.info({ platformId: p.id, ok: report.ok }, 'connector tested');
      await show(req, res, {
        platformId: p.id,
        kind: report.ok ? 'ok' : 'error',
        messages: [t(report.ok ? 'connectors:admin.testOk' : 'connectors:admin.testFailed')],
      });
    }),
  );

  r.post(
    '/admin/connectors/:id/remove',
    guard,
    handle(async (req, res) => {
      const p = await platformOf(req);
      const t = translator(requestLang(req, res));
      await settings.remove(p.id, actor(res));
      deps.log?.info({ platformId: p.id, actor: actor(res) }, 'connector removed');
      await show(req, res, { platformId: p.id, kind: 'ok', messages: [t('connectors:admin.removed')] });
    }),
  );

  r.post('/admin/connectors/:id/issuer', guard, (req: Request, res: Response, next: NextFunction) => {
    upload(req, res, (uploadError: unknown) => {
      saveIssuer(req, res, uploadError).catch(next);
    });
  });

  const saveIssuer = async (req: Request, res: Response, uploadError: unknown): Promise<void> => {
    const p = await platformOf(req);
    const t = translator(requestLang(req, res));
    const tooLarge = uploadError instanceof multer.MulterError && uploadError.code === 'LIMIT_FILE_SIZE';
    if (uploadError && !tooLarge) throw new HttpError(400, 'error.badRequest', 'ISSUER_FORM_MALFORMED');
    const b = (req.body ?? {}) as Record<string, unknown>;
    const messages: string[] = [];
    let image: CheckedImage | undefined;
    if (tooLarge) messages.push(t('images:tooLarge', { max: Math.round(IMAGE_LIMITS.maxBytes / 1024) }));
    else if (req.file && req.file.size > 0) {
      try {
        image = checkImage(req.file.buffer);
      } catch (err) {
        if (!(err instanceof ImageError)) throw err;
        messages.push(t(`images:${err.key.replace(/^images:/, '')}`, err.params));
      }
    }
    const existing = await getIssuerProfile(deps.db, p.id);
    const imageId = image?.id ?? (b.removeLogo === 'yes' ? undefined : (existing?.imageId ?? undefined));
    const parsed = IssuerProfileSchema.safeParse({
      nameFr: str(b.nameFr),
      nameEn: str(b.nameEn),
      url: str(b.url),
      email: str(b.email),
      ...(imageId ? { imageId } : {}),
    });
    if (!parsed.success) messages.push(...zodMessages(parsed.error, t));
    if (!parsed.success || messages.length > 0)
      return show(req, res, { platformId: p.id, kind: 'error', messages }, 400);
    if (image) await saveImage(deps.db, image);
    await saveIssuerProfile(deps.db, p.id, parsed.data, actor(res));
    await show(req, res, { platformId: p.id, kind: 'ok', messages: [t('admin:issuer.saved')] });
  };

  return r;
}
