/**
 * The registrar API: `GET /api/registrar/exports?format=csv|jsonl|clr&…` with
 * `Authorization: Bearer <token>`. Refusals are JSON with a sentence a person can act on
 * (in the Accept-Language language) and a code; the log says why, never with the token.
 * The export streams: headers go out first (with the seq range), rows follow page by page,
 * and a trailer carries the SHA-256 of the body.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Db } from '../db/client.js';
import type { ExportFormat, RegistrarScope } from '../db/schema/index.js';
import { langFromAcceptLanguage, translator, type Lang } from '../i18n/index.js';
import type { Logger } from '../log.js';
import type { PlatformRegistry } from '../platforms/registry.js';
import { DefinitionRepository } from '../definitions/repository.js';
import { parseFilters, parseFormat, type FilterProblem } from './filters.js';
import { currentCeiling } from './records.js';
import { streamExport, type WriterResolver } from './export.js';
import { advanceTokenWatermark, authenticate, markUsed } from './tokens.js';

/** What the API needs. */
export interface RegistrarApiDeps {
  db: Db;
  registry: PlatformRegistry;
  log: Logger;
  timeZone: string;
  writers: WriterResolver;
}

/** The scope a format needs. */
export const SCOPE_OF: Record<ExportFormat, RegistrarScope> = {
  csv: 'records:read',
  jsonl: 'records:read',
  clr: 'clr:read',
};

const langOf = (req: Request): Lang => langFromAcceptLanguage(req.get('accept-language')) ?? 'en';

/** The API router (mounted at `/api/registrar`). */
export function registrarApiRouter(deps: RegistrarApiDeps): Router {
  const r = express.Router();
  const definitions = new DefinitionRepository(deps.db);

  const refuse = (
    req: Request,
    res: Response,
    status: number,
    reason: string,
    key: string,
    params: Record<string, string> = {},
    extra: Record<string, unknown> = {},
  ) => {
    deps.log.warn({ reason, status, path: req.path, ...extra }, 'registrar API request refused');
    const t = translator(langOf(req));
    if (status === 401)
      res.setHeader('WWW-Authenticate', 'Bearer realm="jalon-registrar", error="invalid_token"');
    res.status(status).json({ error: { code: reason, message: t(key, params) } });
  };
  const badFilters = (
    req: Request,
    res: Response,
    problems: FilterProblem[],
    extra: Record<string, unknown>,
  ) => {
    const t = translator(langOf(req));
    deps.log.warn(
      { reason: 'REGISTRAR_BAD_FILTERS', status: 400, fields: problems.map((p) => p.field), ...extra },
      'registrar API request refused',
    );
    res.status(400).json({
      error: {
        code: 'REGISTRAR_BAD_FILTERS',
        message: problems.map((p) => t(p.key, p.params ?? {})).join(' '),
        problems: problems.map((p) => ({ field: p.field, message: t(p.key, p.params ?? {}) })),
      },
    });
  };

  r.get('/exports', async (req, res, next) => {
    try {
      res.setHeader('Cache-Control', 'no-store');
      const auth = await authenticate(deps.db, req.get('authorization'));
      if (!auth.ok) {
        return refuse(
          req,
          res,
          401,
          auth.reason,
          'registrar:api.unauthorized',
          {},
          auth.tokenId ? { tokenId: auth.tokenId } : {},
        );
      }
      const token = auth.token;
      const who = { tokenId: token.id, platformId: token.platformId };
      const platform = await deps.registry.get(token.platformId);
      if (!platform || platform.status !== 'active') {
        return refuse(
          req,
          res,
          403,
          'REGISTRAR_PLATFORM_INACTIVE',
          'registrar:api.platformInactive',
          {},
          who,
        );
      }
      const q = req.query as Record<string, unknown>;
      const format = q.format === undefined ? 'csv' : parseFormat(q.format);
      if (!format) {
        return refuse(
          req,
          res,
          400,
          'REGISTRAR_BAD_FORMAT',
          'registrar:api.badFormat',
          { value: String(q.format) },
          who,
        );
      }
      if (!token.scopes.includes(SCOPE_OF[format])) {
        return refuse(
          req,
          res,
          403,
          'REGISTRAR_SCOPE',
          'registrar:api.scope',
          { scope: SCOPE_OF[format], format },
          who,
        );
      }
      if (q.platform !== undefined && q.platform !== token.platformId) {
        return refuse(req, res, 403, 'REGISTRAR_OTHER_PLATFORM', 'registrar:api.otherPlatform', {}, who);
      }
      const parsed = parseFilters(q, { strict: true, allowed: ['format', 'platform'] });
      if (!parsed.ok) return badFilters(req, res, parsed.problems, who);
      const filters = parsed.filters;
      if (filters.microcredential) {
        const mc = await definitions.get(filters.microcredential);
        if (mc && mc.platformId !== token.platformId) {
          return refuse(req, res, 403, 'REGISTRAR_OTHER_PLATFORM', 'registrar:api.otherPlatform', {}, who);
        }
      }
      const afterSeq = filters.since === 'last' ? token.lastSeq : (filters.since ?? 0);
      const ceiling = await currentCeiling(deps.db, token.platformId);
      await markUsed(deps.db, token.id);

      const ext = format === 'csv' ? 'csv' : format === 'jsonl' ? 'jsonl' : 'clr.jsonl';
      const writer = await deps.writers(format, token.platformId);
      if (!writer) {
        return refuse(
          req,
          res,
          503,
          'REGISTRAR_FORMAT_UNAVAILABLE',
          'registrar:api.unavailable',
          { format },
          who,
        );
      }
      res.status(200);
      res.setHeader('Content-Type', writer.contentType);
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="jalon-records-${afterSeq}-${ceiling}.${ext}"`,
      );
      res.setHeader('X-Jalon-From-Seq', String(afterSeq));
      res.setHeader('X-Jalon-To-Seq', String(ceiling));
      res.setHeader('Trailer', 'X-Jalon-Content-SHA256');
      deps.log.info({ ...who, format, filters, afterSeq, ceiling }, 'registrar export started');
      let result;
      try {
        result = await streamExport(
          deps.db,
          { platformId: token.platformId, filters, format, afterSeq, ceiling, timeZone: deps.timeZone },
          res,
          writer,
        );
      } catch (err) {
        deps.log.error({ err, ...who }, 'registrar export failed while streaming');
        res.destroy();
        return;
      }
      res.addTrailers({ 'X-Jalon-Content-SHA256': result.sha256 });
      res.end();
      if (filters.since === 'last') await advanceTokenWatermark(deps.db, token.id, result.toSeq);
      deps.log.info(
        { ...who, rows: result.rows, bytes: result.bytes, toSeq: result.toSeq },
        'registrar export done',
      );
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      next(err);
    }
  });

  r.use((req: Request, res: Response) => {
    refuse(req, res, 404, 'REGISTRAR_NOT_FOUND', 'registrar:api.notFound');
  });
  r.use((err: unknown, req: Request, res: Response, _next: express.NextFunction) => {
    deps.log.error({ err, path: req.path }, 'registrar API error');
    if (res.headersSent) return void res.destroy();
    res
      .status(500)
      .json({ error: { code: 'INTERNAL', message: translator(langOf(req))('registrar:api.internal') } });
  });
  return r;
}
