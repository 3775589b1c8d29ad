/**
 * The instructor's CSV import of results, for courses without an LMS connector: upload,
 * preview (every row checked, nothing saved), then commit, all or nothing. The course is
 * read from the launch session only, never from the form. The commit carries the previewed
 * file back with its SHA-256 so that what is saved is exactly what was previewed; it is
 * parsed and checked again on the server, so the hidden field grants nothing.
 */
import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import multer from 'multer';
import { parseAttemptsCsv, CSV_COLUMNS, type CsvPreview } from '../attempts/csv-import.js';
import { recordAttempts } from '../attempts/store.js';
import { requestEvaluation } from '../standings/evaluate.js';
import type { Db } from '../db/client.js';
import type { DefinitionRepository, StoredVersion } from '../definitions/repository.js';
import { translator, type Translate } from '../i18n/index.js';
import type { Logger } from '../log.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { LtiEngine } from '../lti/engine.js';
import { assessmentKeyString, type AssessmentRef } from '../microcredentials/definition.js';
import { formatInstant } from '../microcredentials/index.js';
import { INSTITUTION_TIME_ZONE } from './definition-form.js';
import { HttpError } from './errors.js';
import { renderPage, requestLang } from './views.js';
import { currentDefinition, launchOf, launchQuery } from './launched.js';

/** Largest file accepted (a few thousand rows). */
export const CSV_MAX_BYTES = 1024 * 1024;

/** What the import pages need. */
export interface CsvImportDeps {
  engine: LtiEngine;
  repository: DefinitionRepository;
  db: Db;
  /** Path prefix of the LTI routes (`/lti`). */
  base: string;
  log?: Logger;
  timeZone?: string;
}

const upload = multer({
  storage: multer.memoryStorage(),
  // The commit carries the file back as base64 in a field: 4/3 of the file, plus margin.
  limits: { fileSize: CSV_MAX_BYTES, files: 1, fields: 10, fieldSize: CSV_MAX_BYTES * 2 },
}).single('csvFile');

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Every assessment of a definition, summative first. */
function assessmentsOf(stored: StoredVersion | undefined): AssessmentRef[] {
  if (!stored) return [];
  const a = stored.definition.assessment;
  return [...a.summative.map((s) => s.ref), ...a.formative];
}

/** The routes, mounted on the LTI engine (they need an instructor's launch session). */
export function csvImportRouter(deps: CsvImportDeps): Router {
  const { engine, repository, base } = deps;
  const tz = deps.timeZone ?? INSTITUTION_TIME_ZONE;
  const r = express.Router();
  const instructorOnly = engine.requireLaunch('instructor');
  const query = launchQuery;

  const current = (launch: LaunchContext) => currentDefinition(repository, launch);

  interface View {
    assessments: AssessmentRef[];
    problem?: string;
    preview?: CsvPreview;
    content?: Uint8Array;
    done?: { inserted: number; updated: number; unchanged: number };
    status?: number;
  }
  const show = (req: Request, res: Response, view: View) => {
    const lang = requestLang(req, res);
    const t = translator(lang);
    const p = view.preview;
    renderPage(
      req,
      res,
      'csv-import.njk',
      {
        launch: launchOf(res),
        base,
        q: query(req, res),
        columns: CSV_COLUMNS,
        assessments: view.assessments.map((a) => ({ label: a.label, key: assessmentKeyString(a) })),
        problem: view.problem,
        done: view.done,
        preview: p && {
          count: p.rows.length,
          problems: p.problems.map((x) => problemText(x, t)),
          rows: p.rows.map((row) => ({
            row: row.row,
            learner: row.record.learner,
            assessment: row.assessmentLabel,
            attempt: row.record.attemptNumber,
            score: `${row.record.score} / ${row.record.maxScore}`,
            submitted: formatInstant(row.record.submittedAt, lang, { timeZone: tz }),
          })),
          content: view.content && Buffer.from(view.content).toString('base64'),
          digest: view.content && sha256(view.content),
        },
      },
      view.status ?? 200,
    );
  };

  r.get('/import', instructorOnly, async (req, res, next) => {
    try {
      const { stored } = await current(launchOf(res));
      show(req, res, { assessments: assessmentsOf(stored) });
    } catch (err) {
      next(err);
    }
  });

  r.post('/import', instructorOnly, (req, res, next) => {
    upload(req, res, (uploadError: unknown) => {
      importFile(req, res, uploadError).catch(next);
    });
  });

  const importFile = async (req: Request, res: Response, uploadError: unknown): Promise<void> => {
    const launch = launchOf(res);
    const t = translator(requestLang(req, res));
    const { mc, stored } = await current(launch);
    const assessments = assessmentsOf(stored);
    if (uploadError instanceof multer.MulterError && uploadError.code === 'LIMIT_FILE_SIZE')
      return show(req, res, {
        assessments,
        problem: t('import:errors.tooLarge', { max: CSV_MAX_BYTES / 1024 }),
        status: 413,
      });
    if (uploadError) throw new HttpError(400, 'error.badRequest', 'CSV_IMPORT_MALFORMED');
    if (!mc || !stored) return show(req, res, { assessments, status: 409 });

    const body = (req.body ?? {}) as Record<string, unknown>;
    let content: Uint8Array | undefined;
    if (req.file && req.file.size > 0) content = req.file.buffer;
    else if (typeof body.content === 'string' && body.content !== '') {
      content = Buffer.from(body.content, 'base64');
      if (typeof body.digest !== 'string' || body.digest !== sha256(content))
        return show(req, res, { assessments, problem: t('import:errors.changed'), status: 400 });
    }
    if (!content) return show(req, res, { assessments, problem: t('import:errors.noFile'), status: 400 });

    const preview = parseAttemptsCsv(content, assessments, { timeZone: tz });
    const bad = preview.problems.length > 0;
    if (body.step !== 'commit' || bad)
      return show(req, res, { assessments, preview, content, status: bad ? 400 : 200 });

    // recordAttempts runs in one transaction: every row is saved, or none, and with them
    // the request to re-evaluate the learners whose attempts changed.
    const result = await recordAttempts(
      deps.db,
      mc.id,
      preview.rows.map((x) => x.record),
      {
        then: async (tx, learners) => {
          if (learners.length > 0) await requestEvaluation(tx, mc.id, learners);
        },
      },
    );
    if (!result.ok) throw new Error('attempts the preview accepted were refused');
    const { inserted, updated, unchanged } = result;
    deps.log?.info(
      { platformId: launch.platformId, course: launch.course?.id, inserted, updated, unchanged },
      'results imported from CSV',
    );
    show(req, res, { assessments, done: { inserted, updated, unchanged } });
  };

  return r;
}

function problemText(p: CsvPreview['problems'][number], t: Translate): string {
  const message = t(p.key, p.params);
  return p.row === undefined ? message : t('import:errors.row', { row: p.row, message });
}
