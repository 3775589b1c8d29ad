/**
 * Export runs: an export the area asked for, or one period of a schedule, written to a
 * file under the export root by a job. The run row carries the progress (rows written
 * against rows expected), the seq range (fixed on the first attempt, so a retry writes
 * the same records), the file and its SHA-256, and the last error — a failed attempt is
 * shown, retried with the queue's back-off, and marked failed only after the last one.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { jobs, registrarExportRuns, registrarSchedules, type ExportFormat } from '../db/schema/index.js';
import type { ClaimedJob, JobContext } from '../jobs/index.js';
import { PermanentJobError } from '../jobs/index.js';
import type { Logger } from '../log.js';
import { storedFilters, type ExportFilters } from './filters.js';
import { countExport, streamExport, type WriterResolver } from './export.js';
import { currentCeiling } from './records.js';

/** A stored run. */
export type ExportRun = typeof registrarExportRuns.$inferSelect;
/** A stored schedule. */
export type ExportSchedule = typeof registrarSchedules.$inferSelect;

/** File extension of a format's export. */
export const extensionOf = (format: ExportFormat): string =>
  format === 'csv' ? 'csv' : format === 'jsonl' ? 'jsonl' : 'clr.jsonl';

/** What running exports needs. */
export interface RunDeps {
  db: Db;
  log: Logger;
  /** Every export file lives under this directory. */
  exportRoot: string;
  timeZone: string;
  writers: WriterResolver;
}

/** Records a run the area asked for (the caller enqueues `export.run`). */
export async function createRun(
  db: Db,
  input: { platformId: string; requestedBy: string; filters: ExportFilters; format: ExportFormat },
): Promise<ExportRun> {
  const [run] = await db
    .insert(registrarExportRuns)
    .values({ ...input, filters: input.filters })
    .returning();
  return run!;
}

/** One of the platform's runs. */
export async function getRun(db: Db, platformId: string, id: string): Promise<ExportRun | undefined> {
  const [run] = await db
    .select()
    .from(registrarExportRuns)
    .where(and(eq(registrarExportRuns.id, id), eq(registrarExportRuns.platformId, platformId)));
  return run;
}

/** The platform's latest runs. */
export function listRuns(db: Db, platformId: string, limit = 20): Promise<ExportRun[]> {
  return db
    .select()
    .from(registrarExportRuns)
    .where(eq(registrarExportRuns.platformId, platformId))
    .orderBy(desc(registrarExportRuns.createdAt))
    .limit(limit);
}

const slug = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'export';

/** Where a run's file goes: `runs/<id>.<ext>`, or the schedule's directory. */
function targetOf(deps: RunDeps, run: ExportRun, schedule: ExportSchedule | undefined) {
  const ext = extensionOf(run.format);
  if (!schedule) return { dir: path.join(deps.exportRoot, 'runs'), file: `${run.id}.${ext}` };
  const stamp = (run.period ?? run.id).replace(/[^0-9A-Za-z]+/g, '');
  return {
    dir: resolveTargetDir(deps.exportRoot, schedule.targetDir),
    file: `${slug(schedule.name)}-${stamp}.${ext}`,
  };
}

/**
 * A schedule's directory, relative to the export root: the area may only name folders
 * under it (no `..`, no absolute path), so an LTI session can never write elsewhere.
 */
export function resolveTargetDir(root: string, relative: string): string {
  const clean = relative.trim().replace(/^\/+|\/+$/g, '');
  if (!/^[\w.-]+(\/[\w.-]+)*$/.test(clean) || clean.split('/').some((p) => p === '..' || p === '.')) {
    throw new RangeError('bad target directory');
  }
  const full = path.resolve(root, clean);
  if (!full.startsWith(path.resolve(root) + path.sep)) throw new RangeError('bad target directory');
  return full;
}

/** Checks a target directory the area typed (true when usable). */
export function isValidTargetDir(relative: string): boolean {
  try {
    resolveTargetDir('/root-check', relative);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs one export run (the handler of `export.run` and the body of `export.scheduled`).
 * Throws on failure so the queue retries; the run says what happened in the meantime.
 */
export async function executeRun(
  deps: RunDeps,
  runId: string,
  job: ClaimedJob<unknown>,
  ctx: JobContext,
): Promise<void> {
  const { db } = deps;
  const [run] = await db.select().from(registrarExportRuns).where(eq(registrarExportRuns.id, runId));
  if (!run) throw new PermanentJobError(`export run ${runId} not found`);
  if (run.status === 'done') return;
  const schedule = run.scheduleId
    ? (await db.select().from(registrarSchedules).where(eq(registrarSchedules.id, run.scheduleId)))[0]
    : undefined;
  const filters = storedFilters(run.filters);
  // The range is fixed on the first attempt: a retry exports exactly the same records.
  const fromSeq =
    run.fromSeq ??
    (filters.since === 'last'
      ? (schedule?.lastSeq ?? 0)
      : typeof filters.since === 'number'
        ? filters.since
        : 0);
  const toSeq = run.toSeq ?? (await currentCeiling(db, run.platformId));
  const req = {
    platformId: run.platformId,
    filters,
    format: run.format,
    afterSeq: fromSeq,
    ceiling: toSeq,
    timeZone: deps.timeZone,
  };
  const expected = await countExport(db, req);
  await db
    .update(registrarExportRuns)
    .set({
      status: 'running',
      startedAt: new Date(),
      fromSeq,
      toSeq,
      expectedRows: expected,
      rows: 0,
      attempts: sql`${registrarExportRuns.attempts} + 1`,
    })
    .where(eq(registrarExportRuns.id, run.id));

  const { dir, file } = targetOf(deps, run, schedule);
  const final = path.join(dir, file);
  const part = `${final}.part`;
  let lastBeat = Date.now();
  try {
    const writer = await deps.writers(run.format, run.platformId);
    if (!writer) throw new PermanentJobError(`the ${run.format} format is not available on this server`);
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const out = createWriteStream(part, { mode: 0o640 });
    const opened = new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
    await opened;
    const result = await streamExport(
      db,
      {
        ...req,
        onProgress: async (rows) => {
          if (Date.now() - lastBeat < 250) return;
          lastBeat = Date.now();
          await db.update(registrarExportRuns).set({ rows }).where(eq(registrarExportRuns.id, run.id));
          // Keep the job's lease while a long export runs.
          await db
            .update(jobs)
            .set({ lockedUntil: sql`now() + interval '5 minutes'` })
            .where(and(eq(jobs.id, job.id), eq(jobs.lockedBy, ctx.workerId)));
        },
      },
      out,
      writer,
    );
    out.end();
    await finished(out);
    await rename(part, final);
    if (schedule) {
      const manifest = {
        generator: 'Jalon registrar export',
        scheduleId: schedule.id,
        scheduleName: schedule.name,
        runId: run.id,
        period: run.period,
        format: run.format,
        filters,
        file,
        rows: result.rows,
        bytes: result.bytes,
        sha256: result.sha256,
        fromSeq: result.fromSeq,
        toSeq: result.toSeq,
        createdAt: new Date().toISOString(),
      };
      const manifestPath = `${final}.manifest.json`;
      await writeFile(`${manifestPath}.part`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o640 });
      await rename(`${manifestPath}.part`, manifestPath);
    }
    await db.transaction(async (tx) => {
      await tx
        .update(registrarExportRuns)
        .set({
          status: 'done',
          rows: result.rows,
          filePath: final,
          checksum: result.sha256,
          error: null,
          finishedAt: new Date(),
        })
        .where(eq(registrarExportRuns.id, run.id));
      if (schedule && filters.since === 'last') {
        await tx
          .update(registrarSchedules)
          .set({ lastSeq: sql`greatest(${registrarSchedules.lastSeq}, ${result.toSeq})` })
          .where(eq(registrarSchedules.id, schedule.id));
      }
    });
    deps.log.info(
      { runId: run.id, scheduleId: schedule?.id, rows: result.rows, file: final },
      'registrar export run done',
    );
  } catch (err) {
    await rm(part, { force: true }).catch(() => undefined);
    const last = err instanceof PermanentJobError || job.attempts >= job.maxAttempts;
    const message = err instanceof Error ? err.message : String(err);
    await db
      .update(registrarExportRuns)
      .set({
        status: last ? 'failed' : 'queued',
        error: message,
        ...(last ? { finishedAt: new Date() } : {}),
      })
      .where(eq(registrarExportRuns.id, run.id));
    deps.log.error(
      { err, runId: run.id, scheduleId: schedule?.id, attempt: job.attempts, final: last },
      'registrar export run failed',
    );
    throw err;
  }
}
