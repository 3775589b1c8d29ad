/**
 * Push endpoints: Canvas Live Events (`POST /push/canvas/:platformId`, a signed JWT per
 * event) and Moodle logstore_xapi (`POST /push/xapi/:platformId/statements`, Basic
 * credentials, batched statements). Each valid event for a known course and learner
 * enqueues one targeted `results.sync`; events for unknown courses are acknowledged (2xx)
 * and ignored, so a sender never retries them or deactivates the subscription. Refusals
 * are JSON `{ error, detail }` for the sending machine and a log line saying why; neither
 * ever holds a token or a password.
 */
import { eq } from 'drizzle-orm';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import {
  checkBasicAuth,
  parseXapiStatements,
  PushError,
  triggerFromCanvasEvent,
  verifyCanvasLiveEvent,
} from '../connectors/push/index.js';
import type { Db } from '../db/client.js';
import { lmsConnectors } from '../db/schema/index.js';
import { acceptCanvasTrigger, acceptMoodleTrigger, type PushOutcome } from '../intake/push-intake.js';
import { pushSettingsOf, type PushEndpointRow } from '../intake/push-settings.js';
import type { Logger } from '../log.js';
import type { Platform, PlatformRegistry } from '../platforms/registry.js';

/** Largest Live Event accepted (a signed event is a few kilobytes). */
export const CANVAS_BODY_LIMIT = '256kb';
/** Largest statements batch accepted (logstore_xapi sends 30 statements by default). */
export const XAPI_BODY_LIMIT = '2mb';

/** What the push routes need. */
export interface PushRoutesDeps {
  db: Db;
  registry: PlatformRegistry;
  log: Logger;
  /** Canvas key sets by URL; tests and self-hosted Canvas may give keys inline instead. */
  remoteKeys?: (url: string) => JWTVerifyGetKey;
}

/** A refusal: status, a reason code and a short secret-free sentence. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(code);
  }
}

const remoteSets = new Map<string, JWTVerifyGetKey>();
/** One remote key set per URL for the process: jose caches the keys and refetches on a new kid. */
function remoteKeySet(url: string): JWTVerifyGetKey {
  let set = remoteSets.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
    remoteSets.set(url, set);
  }
  return set;
}

const PLATFORM_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** How long a platform's push settings are reused: a change (disable, new password) applies within it. */
export const ENDPOINT_CACHE_MS = 5_000;

/** The router to mount at `/push`. */
export function pushRouter(deps: PushRoutesDeps): Router {
  const router = express.Router();
  const log = deps.log;
  const localSets = new Map<string, JWTVerifyGetKey>();

  /** What a push needs to know of its platform, cached briefly: bursts come in hundreds. */
  interface Endpoint {
    platform: Platform;
    settings: PushEndpointRow | undefined;
    /** The connector's LMS address (no secret is opened for it). */
    lmsBaseUrl: string | undefined;
    at: number;
  }
  const endpoints = new Map<string, Endpoint>();

  /** The active platform of the URL, of the expected family, or a 404 that reveals nothing more. */
  async function endpointOf(req: Request, family: 'canvas' | 'moodle'): Promise<Endpoint> {
    const id = String(req.params.platformId ?? '');
    const cached = endpoints.get(id);
    if (cached && Date.now() - cached.at < ENDPOINT_CACHE_MS && cached.platform.productFamily === family)
      return cached;
    const p = PLATFORM_ID.test(id) ? await deps.registry.get(id) : undefined;
    if (!p || p.status !== 'active' || p.productFamily !== family)
      throw new Refusal(404, 'PUSH_UNKNOWN_ENDPOINT', 'no active platform of this family at this address');
    const [connector] = await deps.db
      .select({ baseUrl: lmsConnectors.baseUrl })
      .from(lmsConnectors)
      .where(eq(lmsConnectors.platformId, p.id));
    const endpoint: Endpoint = {
      platform: p,
      settings: await pushSettingsOf(deps.db, p.id),
      lmsBaseUrl: connector?.baseUrl,
      at: Date.now(),
    };
    // Only known, active platforms are cached: random ids cannot grow the map.
    endpoints.set(id, endpoint);
    return endpoint;
  }

  function outcomeLog(
    platformId: string,
    channel: string,
    o: PushOutcome,
    extra: Record<string, unknown> = {},
  ) {
    if (o.action === 'ignored') log.info({ platformId, channel, reason: o.reason, ...extra }, 'push ignored');
    else if (o.action === 'duplicate')
      log.info(
        { platformId, channel, microcredentialId: o.microcredentialId, ...extra },
        'push already received',
      );
    else
      log.info(
        {
          platformId,
          channel,
          microcredentialId: o.microcredentialId,
          jobId: o.jobId,
          coalesced: o.coalesced,
          ...extra,
        },
        'push enqueued a results sync',
      );
  }

  router.post(
    '/canvas/:platformId',
    express.raw({ type: () => true, limit: CANVAS_BODY_LIMIT }),
    async (req, res, next) => {
      try {
        const { platform, settings, lmsBaseUrl } = await endpointOf(req, 'canvas');
        if (!settings || (!settings.canvasJwks && !settings.canvasJwksUrl))
          throw new Refusal(
            404,
            'PUSH_NOT_CONFIGURED',
            'Canvas Live Events are not enabled for this platform',
          );
        let keys: JWTVerifyGetKey;
        if (settings.canvasJwks) {
          const k = JSON.stringify(settings.canvasJwks);
          keys = localSets.get(k) ?? createLocalJWKSet(settings.canvasJwks as JSONWebKeySet);
          localSets.set(k, keys);
        } else keys = (deps.remoteKeys ?? remoteKeySet)(settings.canvasJwksUrl!);
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (body.length === 0) throw new PushError('PUSH_GARBAGE', 'empty body');
        const event = await verifyCanvasLiveEvent(body, { getKey: keys });
        const trigger = triggerFromCanvasEvent(event);
        if ('ignored' in trigger) {
          outcomeLog(platform.id, 'canvas', { action: 'ignored', reason: trigger.ignored });
          res.status(200).json({ status: 'ignored', reason: trigger.ignored });
          return;
        }
        // Every hosted Canvas signs with the same keys: the event must be from this institution.
        const hosts = [
          ...(lmsBaseUrl ? [new URL(lmsBaseUrl).hostname] : []),
          ...platform.origins.map((o) => new URL(o).hostname),
        ].map((h) => h.toLowerCase());
        const hint = trigger.platformHint.hostname?.toLowerCase();
        if (hint && hosts.length > 0 && !hosts.includes(hint))
          throw new Refusal(401, 'PUSH_WRONG_PLATFORM', 'event comes from another Canvas than this platform');
        const outcome = await acceptCanvasTrigger(deps.db, platform.id, trigger);
        outcomeLog(platform.id, 'canvas', outcome, { event: trigger.eventName });
        res.status(outcome.action === 'enqueued' ? 202 : 200).json({ status: outcome.action });
      } catch (err) {
        next(err);
      }
    },
  );

  router.post(
    '/xapi/:platformId/statements',
    express.raw({ type: () => true, limit: XAPI_BODY_LIMIT }),
    async (req, res, next) => {
      try {
        const { platform, settings, lmsBaseUrl } = await endpointOf(req, 'moodle');
        if (!settings?.xapiUsername || !settings.xapiPasswordHash)
          throw new Refusal(404, 'PUSH_NOT_CONFIGURED', 'xAPI statements are not enabled for this platform');
        if (
          !checkBasicAuth(req.get('authorization'), {
            username: settings.xapiUsername,
            passwordHash: settings.xapiPasswordHash,
          })
        ) {
          res.set('WWW-Authenticate', 'Basic realm="jalon-xapi", charset="UTF-8"');
          throw new PushError('PUSH_BAD_CREDENTIALS', 'wrong or missing Basic credentials');
        }
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const batch = parseXapiStatements(body);
        const sites = [platform.issuer, ...(lmsBaseUrl ? [lmsBaseUrl] : [])];
        const counts = { enqueued: 0, duplicate: 0, ignored: batch.outcomes.length - batch.triggers.length };
        for (const o of batch.outcomes)
          if ('ignored' in o)
            log.debug({ platformId: platform.id, reason: o.ignored }, 'xAPI statement not used');
        for (const trigger of batch.triggers) {
          const outcome = await acceptMoodleTrigger(deps.db, platform.id, sites, trigger);
          counts[outcome.action]++;
          outcomeLog(platform.id, 'xapi', outcome, { event: trigger.eventName });
        }
        // logstore_xapi treats anything but 200 as a failure: the batch was read, so 200.
        res.status(200).json(statementIds(body));
        log.info(
          { platformId: platform.id, statements: batch.outcomes.length, ...counts },
          'xAPI batch received',
        );
      } catch (err) {
        next(err);
      }
    },
  );

  router.use((req, _res, next) => next(new Refusal(404, 'PUSH_UNKNOWN_ENDPOINT', 'no push endpoint here')));

  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number };
    let refusal: Refusal;
    if (err instanceof Refusal) refusal = err;
    else if (err instanceof PushError) refusal = new Refusal(err.status, err.code, err.detail);
    else if (e?.type === 'entity.too.large')
      refusal = new Refusal(413, 'PUSH_TOO_LARGE', 'body exceeds the limit');
    else if (e?.status && e.status >= 400 && e.status < 500)
      refusal = new Refusal(400, 'PUSH_MALFORMED', 'body could not be read');
    else {
      // The key set could not be fetched, or the database failed: the sender should retry.
      log.error({ err, path: req.path }, 'push could not be processed');
      res.status(503).json({ error: 'PUSH_UNAVAILABLE', detail: 'try again later' });
      return;
    }
    log.warn(
      {
        platformId: req.params?.platformId,
        path: req.path,
        code: refusal.code,
        detail: refusal.detail,
        status: refusal.status,
      },
      'push refused',
    );
    if (!res.headersSent) res.status(refusal.status).json({ error: refusal.code, detail: refusal.detail });
  });
  return router;
}

/** The statement ids of a batch, as an xAPI LRS answers a POST (logstore_xapi does not read it). */
function statementIds(body: Buffer): string[] {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    const list = Array.isArray(v) ? v : [v];
    return list.flatMap((s) =>
      s && typeof s === 'object' && typeof (s as { id?: unknown }).id === 'string'
        ? [(s as { id: string }).id]
        : [],
    );
  } catch {
    return [];
  }
}
