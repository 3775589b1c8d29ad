/**
 * The area's overview: completions per month (awards recorded in the month, in the
 * institution's time zone) and per micro-credential (awarded, revoked), for one
 * platform, plus the bar chart's geometry (inline SVG, no script).
 */
import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { transcriptRecords as t } from '../db/schema/index.js';

/** Completions in one month. */
export interface MonthCount {
  month: string;
  awarded: number;
}

/** One micro-credential's counts. */
export interface CredentialCount {
  microcredentialId: string;
  title: Record<string, string>;
  courseId: string;
  awarded: number;
  revoked: number;
}

/** Completions per month, the last `months` months that have any. */
export async function completionsPerMonth(
  db: Db,
  platformId: string,
  timeZone: string,
  months = 12,
): Promise<MonthCount[]> {
  const rows = await db
    .select({
      month: sql<string>`to_char(${t.occurredAt} at time zone ${timeZone}, 'YYYY-MM')`,
      awarded: count(),
    })
    .from(t)
    .where(and(eq(t.platformId, platformId), eq(t.event, 'awarded')))
    .groupBy(sql`1`)
    .orderBy(desc(sql`1`))
    .limit(months);
  return rows.map((r) => ({ month: r.month, awarded: Number(r.awarded) })).reverse();
}

/** Awarded and revoked per micro-credential. */
export async function completionsPerCredential(db: Db, platformId: string): Promise<CredentialCount[]> {
  const rows = await db
    .select({
      microcredentialId: t.microcredentialId,
      title: sql<Record<string, string>>`(array_agg(${t.title} order by ${t.seq} desc))[1]`,
      courseId: sql<string>`(array_agg(${t.contextId} order by ${t.seq} desc))[1]`,
      awarded: sql<number>`count(*) filter (where ${t.event} = 'awarded')`,
      revoked: sql<number>`count(*) filter (where ${t.event} = 'revoked')`,
    })
    .from(t)
    .where(eq(t.platformId, platformId))
    .groupBy(t.microcredentialId)
    .orderBy(t.microcredentialId);
  return rows.map((r) => ({ ...r, awarded: Number(r.awarded), revoked: Number(r.revoked) }));
}

/** Bars of a simple vertical bar chart, in SVG user units. */
export interface Bar {
  label: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Lays out bars for values in a `width`×`height` box (with room for labels below). */
export function barChart(
  data: ReadonlyArray<{ label: string; value: number }>,
  width = 600,
  height = 200,
): { bars: Bar[]; max: number; width: number; height: number } {
  const max = Math.max(1, ...data.map((d) => d.value));
  const plot = height - 30;
  const slot = data.length > 0 ? width / data.length : width;
  const bars = data.map((d, i) => {
    const h = Math.round((d.value / max) * (plot - 10));
    return {
      label: d.label,
      value: d.value,
      x: Math.round(i * slot + slot * 0.15),
      y: plot - h,
      width: Math.max(1, Math.round(slot * 0.7)),
      height: h,
    };
  });
  return { bars, max, width, height };
}
