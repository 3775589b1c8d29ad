/**
 * Scheduled exports. One periodic job (`registrar.tick`, every minute on every instance)
 * enqueues, for each enabled schedule whose cron pattern matches that minute, an
 * `export.scheduled` job whose once key is (schedule, minute): however many instances
 * tick, the period runs once. The run itself is retried by the queue's back-off.
 */
import cron from 'node-cron';
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog, registrarExportRuns, registrarSchedules, type ExportFormat } from '../db/schema/index.js';
import { enqueue } from '../jobs/index.js';
import type { ExportFilters } from './filters.js';
import type { ExportSchedule } from './runs.js';

/** Kind of the per-minute check and of a schedule's period. */
export const TICK_KIND = 'registrar.tick';
export const SCHEDULED_KIND = 'export.scheduled';

/** Payload of `export.scheduled`. */
export interface ScheduledPayload {
  scheduleId: string;
  /** The period's instant (ISO, to the minute). */
  period: string;
}

/** Whether node-cron accepts the pattern (5 fields: minute precision). */
export function isValidCron(pattern: string): boolean {
  return pattern.trim().split(/\s+/).length === 5 && cron.validate(pattern.trim());
}

/** Whether the pattern fires at this minute in the time zone. */
export async function cronMatches(pattern: string, minute: Date, timeZone: string): Promise<boolean> {
  const task = cron.createTask(pattern, () => undefined, { timezone: timeZone });
  try {
    return task.match(minute);
  } finally {
    await task.destroy();
  }
}

/** Creates a schedule. */
export async function createSchedule(
  db: Db,
  input: {
    platformId: string;
    name: string;
    cron: string;
    format: ExportFormat;
    filters: ExportFilters;
    targetDir: string;
    createdBy: string;
  },
): Promise<ExportSchedule> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(registrarSchedules)
      .values({ ...input, cron: input.cron.trim(), filters: input.filters })
      .returning();
    await tx.insert(auditLog).values({
      actor: input.createdBy,
      action: 'registrar.schedule.create',
      subject: row!.id,
      details: {
        platformId: input.platformId,
        cron: input.cron,
        format: input.format,
        targetDir: input.targetDir,
      },
    });
    return row!;
  });
}

/** The platform's schedules, newest first. */
export function listSchedules(db: Db, platformId: string): Promise<ExportSchedule[]> {
  return db
    .select()
    .from(registrarSchedules)
    .where(eq(registrarSchedules.platformId, platformId))
    .orderBy(desc(registrarSchedules.createdAt));
}

/** Disables one of the platform's schedules; false when none is enabled under that id. */
export async function disableSchedule(
  db: Db,
  platformId: string,
  id: string,
  actor: string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(registrarSchedules)
      .set({ enabled: false, disabledAt: new Date() })
      .where(
        and(
          eq(registrarSchedules.id, id),
          eq(registrarSchedules.platformId, platformId),
          eq(registrarSchedules.enabled, true),
        ),
      )
      .returning({ id: registrarSchedules.id });
    if (rows.length === 0) return false;
    await tx
      .insert(auditLog)
      .values({ actor, action: 'registrar.schedule.disable', subject: id, details: { platformId } });
    return true;
  });
}

/** The minute a tick job stands for: from its once key (`cron:<name>:<ISO>`), else its creation. */
export function tickMinute(job: { onceKey: string | null; createdAt: Date }): Date {
  const iso = job.onceKey?.match(/:(\d{4}-\d{2}-\d{2}T[\d:.]+Z)$/)?.[1];
  const at = iso ? new Date(iso) : job.createdAt;
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}

/** Enqueues the period of every enabled schedule due at `minute`; returns the schedule ids. */
export async function enqueueDue(db: Db, minute: Date, timeZone: string): Promise<string[]> {
  const enabled = await db.select().from(registrarSchedules).where(eq(registrarSchedules.enabled, true));
  const due: string[] = [];
  for (const s of enabled) {
    if (!(await cronMatches(s.cron, minute, timeZone))) continue;
    const period = minute.toISOString();
    await enqueue(db, {
      kind: SCHEDULED_KIND,
      payload: { scheduleId: s.id, period } satisfies ScheduledPayload,
      onceKey: `registrar:${s.id}:${period}`,
      // The run itself is unique on schedule and period; the key need not outlive the day.
      onceUntil: new Date(minute.getTime() + 86_400_000),
      maxAttempts: 5,
    });
    due.push(s.id);
  }
  return due;
}

/** The run of a schedule's period, created once (unique on schedule and period). */
export async function runOfPeriod(db: Db, schedule: ExportSchedule, period: string) {
  await db
    .insert(registrarExportRuns)
    .values({
      platformId: schedule.platformId,
      scheduleId: schedule.id,
      period,
      requestedBy: `schedule:${schedule.id}`,
      filters: schedule.filters,
      format: schedule.format,
    })
    .onConflictDoNothing();
  const [run] = await db
    .select()
    .from(registrarExportRuns)
    .where(and(eq(registrarExportRuns.scheduleId, schedule.id), eq(registrarExportRuns.period, period)));
  return run!;
}

/** The latest run of each schedule (for the area). */
export async function latestRunsBySchedule(db: Db, platformId: string) {
  const rows = await db
    .select()
    .from(registrarExportRuns)
    .where(and(eq(registrarExportRuns.platformId, platformId)))
    .orderBy(desc(registrarExportRuns.createdAt))
    .limit(200);
  const map = new Map<string, (typeof rows)[number]>();
  for (const r of rows) if (r.scheduleId && !map.has(r.scheduleId)) map.set(r.scheduleId, r);
  return map;
}
