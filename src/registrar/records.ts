/**
 * Reads transcript records for an export, page by page by `seq` (keyset pagination: each
 * page is `seq > last seen ORDER BY seq LIMIT n`), so an export of a million rows holds
 * one page in memory on PGlite and on a server alike. The range is fixed at the start
 * (`ceiling` = the highest seq then), so a run is a consistent slice and its end is the
 * watermark for "since the last export".
 */
import { and, asc, count, eq, gt, lte, max, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { issuedBadges, transcriptRecords } from '../db/schema/index.js';
import type { TranscriptRecord } from '../transcripts/record.js';
import type { ExportFilters, RecordStatus } from './filters.js';

/** A record as exported: the stored row, the award's status at export time and its badge, once claimed. */
export type ExportRecord = TranscriptRecord & { status: RecordStatus; badgeId: string | null };

/** What to read. */
export interface RecordQuery {
  platformId: string;
  filters: ExportFilters;
  /** Only records after this seq (the resolved `since`). */
  afterSeq: number;
  /** Up to and including this seq. */
  ceiling: number;
  /** "Now" for the expired status (the run's start). */
  at: Date;
  /** Time zone the period's days are in. */
  timeZone: string;
}

const t = transcriptRecords;

/**
 * The award's status: revoked when a `revoked` row exists (at or below the ceiling), else
 * expired or active. A scalar subquery with LIMIT 1 rather than EXISTS: PostgreSQL turns an
 * EXISTS into a hashed subplan over every revocation, once per page; this stays one probe
 * of the (award, event) index per row.
 */
function statusExpr(q: Pick<RecordQuery, 'ceiling' | 'at'>): SQL<RecordStatus> {
  return sql<RecordStatus>`case
    when (select 1 from transcript_records r
          where r.award_id = "transcript_records"."award_id" and r.event = 'revoked' and r.seq <= ${q.ceiling}
          limit 1) is not null then 'revoked'
    when ${t.expiresAt} is not null and ${t.expiresAt} <= ${q.at.toISOString()}::timestamptz then 'expired'
    else 'active' end`;
}

function conditions(q: RecordQuery): SQL[] {
  const f = q.filters;
  const c: SQL[] = [eq(t.platformId, q.platformId), lte(t.seq, q.ceiling)];
  if (f.from) c.push(sql`${t.occurredAt} >= (${f.from}::date)::timestamp at time zone ${q.timeZone}`);
  if (f.to) c.push(sql`${t.occurredAt} < ((${f.to}::date + 1)::timestamp at time zone ${q.timeZone})`);
  if (f.course) c.push(eq(t.contextId, f.course));
  if (f.microcredential) c.push(eq(t.microcredentialId, f.microcredential));
  if (f.status) c.push(sql`${statusExpr(q)} = ${f.status}`);
  return c;
}

/**
 * The highest seq now (0 when there are no records), safe as a watermark: `seq` is taken
 * when a row is inserted, not when it commits, so a slow award transaction could commit
 * seq 10 after seq 11 is visible, and "after 11" would skip it for ever. Reading the
 * maximum under a SHARE lock waits for the transactions writing records to commit (their
 * ROW EXCLUSIVE lock conflicts) and holds new inserts for that instant, so every seq up
 * to the ceiling is committed and visible.
 */
export async function currentCeiling(db: Db, platformId: string): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local lock_timeout = '10s'`);
    await tx.execute(sql`lock table transcript_records in share mode`);
    const [row] = await tx
      .select({ m: max(t.seq) })
      .from(t)
      .where(eq(t.platformId, platformId));
    return Number(row?.m ?? 0);
  });
}

/** How many records the query will give (for progress). */
export async function countRecords(db: Db, q: RecordQuery): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(t)
    .where(and(gt(t.seq, q.afterSeq), ...conditions(q)));
  return Number(row?.n ?? 0);
}

/** Order of an export: by seq (CSV, JSON Lines) or by learner then seq (CLR, one per learner). */
export type RecordOrder = 'seq' | 'learner';

/**
 * The records, one page at a time, in seq order or grouped by learner. Both orders are
 * keyset-paged: the next page starts after the last key seen, never at an offset.
 */
export async function* readRecords(
  db: Db,
  q: RecordQuery,
  pageSize = 500,
  order: RecordOrder = 'seq',
): AsyncGenerator<ExportRecord[]> {
  let lastSeq = q.afterSeq;
  let lastLearner: string | undefined;
  for (;;) {
    const keyset =
      order === 'seq'
        ? gt(t.seq, lastSeq)
        : lastLearner === undefined
          ? gt(t.seq, q.afterSeq)
          : and(gt(t.seq, q.afterSeq), sql`(${t.learnerId}, ${t.seq}) > (${lastLearner}, ${lastSeq})`);
    const page = await db
      .select({ row: t, status: statusExpr(q), badgeId: issuedBadges.id })
      .from(t)
      .leftJoin(issuedBadges, eq(issuedBadges.awardId, t.awardId))
      .where(and(keyset, ...conditions(q)))
      .orderBy(...(order === 'seq' ? [asc(t.seq)] : [asc(t.learnerId), asc(t.seq)]))
      .limit(pageSize);
    if (page.length === 0) return;
    yield page.map((p) => ({ ...p.row, status: p.status, badgeId: p.badgeId }));
    const last = page[page.length - 1]!.row;
    lastSeq = last.seq;
    lastLearner = last.learnerId;
    if (page.length < pageSize) return;
  }
}
