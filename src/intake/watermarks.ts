/**
 * Incremental reads: how far each summative item has been read on the whole roster, and
 * whether the next reconcile may ask the LMS only for what changed since. The decisions are
 * pure functions; the two queries at the end keep the marks.
 *
 * What an incremental read can miss, and why a full read still comes back on a schedule:
 * on Moodle, a grade changed on an earlier assignment attempt (its `since` functions see
 * the latest attempt only); on Canvas, a teacher's comment with no regrade (it changes
 * neither `submitted_at` nor `graded_at`). Learners who joined since the last read have a
 * past the LMS will not report as a change, so they are read in full.
 */
import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { intakeWatermarks } from '../db/schema/index.js';
import type { AssessmentKey } from '../microcredentials/definition.js';

/** How incremental reads are paced. */
export interface ReadPacing {
  /** A full read of every item at least this often (default 6 hours). */
  fullEveryMs: number;
  /**
   * Changes this much older than the last read's start are still asked for (default 10
   * minutes): the LMS's clock may be behind Jalon's, and a change stamped just before the read
   * may have been committed just after it.
   */
  marginMs: number;
}

/** The default {@link ReadPacing}. */
export const DEFAULT_PACING: ReadPacing = { fullEveryMs: 6 * 3600_000, marginMs: 10 * 60_000 };

/** The last roster read of an item. */
export interface Watermark {
  readFrom: Date;
  fullReadAt: Date;
}

/** How an item is read this time. */
export type ItemReadPlan = { mode: 'full' } | { mode: 'incremental'; since: Date };

/** The key of an item in the marks. */
export const itemKeyOf = (item: AssessmentKey): string => `${item.source}:${item.lmsId}`;

/**
 * Full when the item was never read on the whole roster, when its last full read is
 * `fullEveryMs` old, when the definition changed since that full read (it may now ask for
 * what was not read before, such as completion), or when Jalon's clock went back; otherwise
 * incremental from the last read's start minus the margin.
 */
export function planItemRead(
  mark: Watermark | undefined,
  now: Date,
  pacing: ReadPacing,
  definitionChangedAt?: Date,
): ItemReadPlan {
  if (!mark) return { mode: 'full' };
  const t = now.getTime();
  if (t < mark.readFrom.getTime() || t - mark.fullReadAt.getTime() >= pacing.fullEveryMs)
    return { mode: 'full' };
  if (definitionChangedAt && definitionChangedAt.getTime() >= mark.fullReadAt.getTime())
    return { mode: 'full' };
  return { mode: 'incremental', since: new Date(mark.readFrom.getTime() - pacing.marginMs) };
}

/** What Jalon knew of a learner before this read. */
export interface LearnerBefore {
  status: 'active' | 'inactive';
  activeSince: Date;
}

/**
 * Whether an incremental read must read this learner in full whatever the LMS says changed:
 * a learner Jalon had not recorded, or who was not active, or became active after the last
 * read began (minus the margin), was not covered by it.
 */
export function readInFull(before: LearnerBefore | undefined, since: Date): boolean {
  return !before || before.status !== 'active' || before.activeSince.getTime() > since.getTime();
}

/** The marks of a micro-credential's items, by {@link itemKeyOf}. */
export async function loadWatermarks(db: Db, microcredentialId: string): Promise<Map<string, Watermark>> {
  const rows = await db
    .select()
    .from(intakeWatermarks)
    .where(eq(intakeWatermarks.microcredentialId, microcredentialId));
  return new Map(rows.map((r) => [r.itemKey, { readFrom: r.readFrom, fullReadAt: r.fullReadAt }]));
}

/** One item's read to remember: when it began, and whether it was full. */
export interface ItemRead {
  itemKey: string;
  startedAt: Date;
  full: boolean;
}

/**
 * Remembers the reads (in the sync's transaction, so a read whose writes were lost is read
 * again). A mark only moves forward: of two syncs finishing out of order, the later start
 * wins, each read having covered everything up to its own start. Marks of items the
 * definition no longer has are dropped.
 */
export async function saveWatermarks(
  db: Db,
  microcredentialId: string,
  reads: readonly ItemRead[],
  currentItems: readonly string[],
): Promise<void> {
  for (const r of reads) {
    const fullReadAt = r.full ? r.startedAt : new Date(0);
    await db
      .insert(intakeWatermarks)
      .values({ microcredentialId, itemKey: r.itemKey, readFrom: r.startedAt, fullReadAt })
      .onConflictDoUpdate({
        target: [intakeWatermarks.microcredentialId, intakeWatermarks.itemKey],
        set: {
          readFrom: sql`greatest(${intakeWatermarks.readFrom}, excluded.read_from)`,
          fullReadAt: sql`greatest(${intakeWatermarks.fullReadAt}, excluded.full_read_at)`,
        },
      });
  }
  const stale = [eq(intakeWatermarks.microcredentialId, microcredentialId)];
  if (currentItems.length > 0) stale.push(notInArray(intakeWatermarks.itemKey, [...currentItems]));
  await db.delete(intakeWatermarks).where(and(...stale));
}
