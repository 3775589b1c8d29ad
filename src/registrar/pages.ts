/**
 * The registrar area, for LTI administrator launches (institution or system role):
 * overview (completions per month as an inline SVG chart and the same numbers in a table,
 * and per micro-credential), exports run as jobs with their progress and download, API
 * tokens (shown once, listed, revoked) and scheduled exports (created, listed, disabled).
 * Everything is scoped to the launch's platform. Forms carry the ltik, which is bound to
 * the session cookie and so also serves as the anti-forgery token (as in the admin area).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import express, { type Request, type Response, type Router } from 'express';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { EXPORT_FORMATS, microcredentials, REGISTRAR_SCOPES } from '../db/schema/index.js';
import { translator, type Translate } from '../i18n/index.js';
import type { JobRuntime } from '../jobs/runtime.js';
import type { Logger } from '../log.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { LtiEngine } from '../lti/engine.js';
import { HttpError } from '../web/errors.js';
import { renderPage, requestLang } from '../web/views.js';
import { parseFilters, parseFormat, type FilterProblem } from './filters.js';
import { RUN_KIND } from './jobs.js';
import { createRun, extensionOf, getRun, isValidTargetDir, listRuns, type ExportRun } from './runs.js';
import {
  createSchedule,
  disableSchedule,
  isValidCron,
  latestRunsBySchedule,
  listSchedules,
} from './schedules.js';
import { barChart, completionsPerCredential, completionsPerMonth } from './stats.js';
import { createToken, listTokens, normaliseScopes, revokeToken } from './tokens.js';

/** What the area needs. */
export interface RegistrarPagesDeps {
  engine: LtiEngine;
  db: Db;
  jobs: JobRuntime;
  log: Logger;
  base: string;
  timeZone: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** A run as the page and the status endpoint show it. */
function runView(run: ExportRun, base: string, ltik: string) {
  const percent =
    run.status === 'done'
      ? 100
      : run.expectedRows
        ? Math.min(99, Math.floor((run.rows / run.expectedRows) * 100))
        : 0;
  return {
    id: run.id,
    status: run.status,
    format: run.format,
    rows: run.rows,
    expectedRows: run.expectedRows,
    percent,
    checksum: run.checksum,
    error: run.error,
    attempts: run.attempts,
    createdAt: run.createdAt.toISOString(),
    scheduleId: run.scheduleId,
    period: run.period,
    downloadUrl:
      run.status === 'done'
        ? `${base}/registrar/runs/${encodeURIComponent(run.id)}/download?ltik=${encodeURIComponent(ltik)}`
        : null,
  };
}

/** The area's routes, mounted on the LTI engine. */
export function registrarPagesRouter(deps: RegistrarPagesDeps): Router {
  const { engine, db, base } = deps;
  const r = express.Router();
  const guard = engine.requireLaunch('admin');
  const launchOf = (res: Response) => res.locals.launch as LaunchContext;
  const actor = (res: Response) => `lti:${launchOf(res).platformId}:${launchOf(res).userId}`;

  interface Extra {
    done?: string;
    error?: string;
    problems?: string[];
    secret?: string;
    form?: Record<string, unknown>;
    scheduleForm?: Record<string, unknown>;
    status?: number;
  }

  const show = async (req: Request, res: Response, extra: Extra = {}) => {
    const launch = launchOf(res);
    const p = launch.platformId;
    const [months, credentials, runs, tokens, schedules, latest, courses] = await Promise.all([
      completionsPerMonth(db, p, deps.timeZone),
      completionsPerCredential(db, p),
      listRuns(db, p),
      listTokens(db, p),
      listSchedules(db, p),
      latestRunsBySchedule(db, p),
      db.select().from(microcredentials).where(eq(microcredentials.platformId, p)),
    ]);
    renderPage(
      req,
      res,
      'registrar.njk',
      {
        base,
        ltik: launch.ltik,
        lang: requestLang(req, res),
        months,
        chart: barChart(months.map((m) => ({ label: m.month, value: m.awarded }))),
        credentials,
        runs: runs.map((x) => runView(x, base, launch.ltik)),
        tokens,
        schedules: schedules.map((s) => ({
          ...s,
          latest: latest.get(s.id) ? runView(latest.get(s.id)!, base, launch.ltik) : null,
        })),
        courses,
        formats: EXPORT_FORMATS,
        scopes: REGISTRAR_SCOPES,
        form: extra.form ?? {},
        scheduleForm: extra.scheduleForm ?? { incremental: true, cron: '0 2 * * *', format: 'csv' },
        done: extra.done,
        error: extra.error,
        problems: extra.problems,
        secret: extra.secret,
      },
      extra.status ?? 200,
    );
  };
  const problemTexts = (t: Translate, problems: FilterProblem[]) =>
    problems.map((x) => t(x.key, x.params ?? {}));
  const tOf = (req: Request, res: Response) => translator(requestLang(req, res));
  const handle =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: (e?: unknown) => void) => {
      fn(req, res).catch(next);
    };

  r.get(
    '/registrar',
    guard,
    handle((req, res) => show(req, res)),
  );

  r.post(
    '/registrar/exports',
    guard,
    handle(async (req, res) => {
      const t = tOf(req, res);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const form = {
        from: str(b.from),
        to: str(b.to),
        course: str(b.course),
        microcredential: str(b.microcredential),
        status: str(b.status),
        format: str(b.format),
      };
      const format = parseFormat(form.format);
      const parsed = parseFilters({
        from: form.from,
        to: form.to,
        course: form.course,
        microcredential: form.microcredential,
        status: form.status,
      });
      const problems = parsed.ok ? [] : problemTexts(t, parsed.problems);
      if (!format) problems.push(t('registrar:api.badFormat', { value: form.format }));
      if (!parsed.ok || !format) {
        deps.log.warn(
          { reason: 'REGISTRAR_BAD_FILTERS', platformId: launchOf(res).platformId },
          'registrar export refused',
        );
        return show(req, res, { form, problems, status: 400 });
      }
      const run = await createRun(db, {
        platformId: launchOf(res).platformId,
        requestedBy: actor(res),
        filters: parsed.filters,
        format,
      });
      await deps.jobs.enqueue({
        kind: RUN_KIND,
        payload: { runId: run.id },
        dedupeKey: `export.run:${run.id}`,
      });
      deps.log.info({ runId: run.id, platformId: run.platformId, format }, 'registrar export queued');
      await show(req, res, { done: t('registrar:done.exportQueued') });
    }),
  );

  r.get(
    '/registrar/runs/:id',
    guard,
    handle(async (req, res) => {
      const run = await getRun(db, launchOf(res).platformId, String(req.params.id));
      if (!run) throw new HttpError(404, 'error.notFound', 'REGISTRAR_RUN_NOT_FOUND');
      res.setHeader('Cache-Control', 'no-store');
      res.json(runView(run, base, launchOf(res).ltik));
    }),
  );

  r.get(
    '/registrar/runs/:id/download',
    guard,
    handle(async (req, res) => {
      const run = await getRun(db, launchOf(res).platformId, String(req.params.id));
      if (!run) throw new HttpError(404, 'error.notFound', 'REGISTRAR_RUN_NOT_FOUND');
      if (run.status !== 'done' || !run.filePath)
        throw new HttpError(409, 'registrar:errors.notReady', 'REGISTRAR_RUN_NOT_READY');
      const info = await stat(run.filePath).catch(() => undefined);
      if (!info) throw new HttpError(410, 'registrar:errors.fileGone', 'REGISTRAR_RUN_FILE_GONE');
      const type =
        run.format === 'csv'
          ? 'text/csv; charset=utf-8; header=present'
          : 'application/x-ndjson; charset=utf-8';
      res.setHeader('Content-Type', type);
      res.setHeader('Content-Length', String(info.size));
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="jalon-${run.id}.${extensionOf(run.format)}"`,
      );
      res.setHeader('X-Jalon-Content-SHA256', run.checksum ?? '');
      res.setHeader('Cache-Control', 'no-store');
      createReadStream(run.filePath).pipe(res);
    }),
  );

  r.post(
    '/registrar/tokens',
    guard,
    handle(async (req, res) => {
      const t = tOf(req, res);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const name = str(b.name);
      const scopes = normaliseScopes(b.scopes);
      const problems: string[] = [];
      if (!name || name.length > 100) problems.push(t('registrar:errors.tokenName'));
      if (scopes.length === 0) problems.push(t('registrar:errors.tokenScopes'));
      if (problems.length > 0) return show(req, res, { problems, status: 400 });
      const { secret, token } = await createToken(db, {
        platformId: launchOf(res).platformId,
        name,
        scopes,
        createdBy: actor(res),
      });
      deps.log.info({ tokenId: token.id, platformId: token.platformId, scopes }, 'registrar token created');
      await show(req, res, { done: t('registrar:done.tokenCreated', { name }), secret });
    }),
  );

  r.post(
    '/registrar/tokens/:id/revoke',
    guard,
    handle(async (req, res) => {
      const t = tOf(req, res);
      const id = String(req.params.id);
      const ok = await revokeToken(db, launchOf(res).platformId, id, actor(res));
      if (!ok) return show(req, res, { error: t('registrar:errors.noSuchToken'), status: 404 });
      deps.log.info({ tokenId: id, platformId: launchOf(res).platformId }, 'registrar token revoked');
      await show(req, res, { done: t('registrar:done.tokenRevoked') });
    }),
  );

  r.post(
    '/registrar/schedules',
    guard,
    handle(async (req, res) => {
      const t = tOf(req, res);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const scheduleForm = {
        name: str(b.name),
        cron: str(b.cron),
        format: str(b.format),
        targetDir: str(b.targetDir),
        course: str(b.course),
        microcredential: str(b.microcredential),
        status: str(b.status),
        incremental: b.incremental === 'on' || b.incremental === 'true',
      };
      const problems: string[] = [];
      if (!scheduleForm.name || scheduleForm.name.length > 100)
        problems.push(t('registrar:errors.scheduleName'));
      if (!isValidCron(scheduleForm.cron))
        problems.push(t('registrar:errors.cron', { value: scheduleForm.cron }));
      const format = parseFormat(scheduleForm.format);
      if (!format) problems.push(t('registrar:api.badFormat', { value: scheduleForm.format }));
      if (!isValidTargetDir(scheduleForm.targetDir)) problems.push(t('registrar:errors.targetDir'));
      const parsed = parseFilters({
        course: scheduleForm.course,
        microcredential: scheduleForm.microcredential,
        status: scheduleForm.status,
        since: scheduleForm.incremental ? 'last' : '',
      });
      if (!parsed.ok) problems.push(...problemTexts(t, parsed.problems));
      if (problems.length > 0 || !parsed.ok || !format)
        return show(req, res, { problems, scheduleForm, status: 400 });
      const s = await createSchedule(db, {
        platformId: launchOf(res).platformId,
        name: scheduleForm.name,
        cron: scheduleForm.cron,
        format,
        filters: parsed.filters,
        targetDir: scheduleForm.targetDir,
        createdBy: actor(res),
      });
      deps.log.info(
        { scheduleId: s.id, platformId: s.platformId, cron: s.cron },
        'registrar schedule created',
      );
      await show(req, res, { done: t('registrar:done.scheduleCreated', { name: s.name }) });
    }),
  );

  r.post(
    '/registrar/schedules/:id/disable',
    guard,
    handle(async (req, res) => {
      const t = tOf(req, res);
      const ok = await disableSchedule(db, launchOf(res).platformId, String(req.params.id), actor(res));
      if (!ok) return show(req, res, { error: t('registrar:errors.noSuchSchedule'), status: 404 });
      await show(req, res, { done: t('registrar:done.scheduleDisabled') });
    }),
  );

  return r;
}
