/**
 * Writes transcript records, the registrar's source. Call it inside the transaction that
 * creates (or revokes) the award, so the award and its record commit together; the unique
 * (award, event) index makes a replayed write a no-op instead of a second row.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import { transcriptRecords, type TranscriptEvent } from '../db/schema/index.js';

/** A transcript record as stored. */
export type TranscriptRecord = typeof transcriptRecords.$inferSelect;

/** What {@link appendTranscriptRecord} needs (the rest is set by the database). */
export type TranscriptRecordInput = Omit<
  typeof transcriptRecords.$inferInsert,
  'seq' | 'id' | 'recordedAt'
> & {
  event: TranscriptEvent;
};

/**
 * Appends one record. Returns it, or `null` when this award already has a record of this
 * event (a replay): callers treat both as success.
 */
export async function appendTranscriptRecord(
  tx: Db,
  input: TranscriptRecordInput,
): Promise<TranscriptRecord | null> {
  const rows = await tx
    .insert(transcriptRecords)
    .values({ ...input, id: `tr-${randomBytes(10).toString('hex')}` })
    .onConflictDoNothing({ target: [transcriptRecords.awardId, transcriptRecords.event] })
    .returning();
  return rows[0] ?? null;
}
