/**
 * The visible state of each micro-credential's intake: when it last synced, and the problem
 * that stopped it (in words the console can show). A new problem is also audited once, so
 * an administrator can see since when a connector is broken without the audit log filling
 * up every fifteen minutes.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog, intakeStatus } from '../db/schema/index.js';

/** Why a sync could not run: a code for the log and an i18n key for people. */
export interface IntakeProblem {
  /** `CONFIG` (nothing or nothing usable set up) or a `ConnectorErrorCode`. */
  code: string;
  /** i18n key with its namespace (`intake:…` or `connectors:…`). */
  messageKey: string;
  params?: Record<string, string | number>;
}

/** A micro-credential's intake status row. */
export type IntakeStatusRow = typeof intakeStatus.$inferSelect;

/** Records that a sync succeeded: the problem, if any, is cleared. */
export async function recordSyncOk(db: Db, microcredentialId: string, at = new Date()): Promise<void> {
  const values = { lastAttemptAt: at, lastOkAt: at, problem: null, problemAt: null };
  await db
    .insert(intakeStatus)
    .values({ microcredentialId, ...values })
    .onConflictDoUpdate({ target: intakeStatus.microcredentialId, set: values });
}

/** Records the problem that stopped a sync; audited when it differs from the last one. */
export async function recordSyncProblem(
  db: Db,
  microcredentialId: string,
  problem: IntakeProblem,
  at = new Date(),
): Promise<void> {
  const [before] = await db
    .select({ problem: intakeStatus.problem })
    .from(intakeStatus)
    .where(eq(intakeStatus.microcredentialId, microcredentialId));
  const clean: IntakeProblem = {
    code: problem.code,
    messageKey: problem.messageKey,
    ...(problem.params ? { params: problem.params } : {}),
  };
  await db
    .insert(intakeStatus)
    .values({ microcredentialId, lastAttemptAt: at, problem: clean, problemAt: at })
    .onConflictDoUpdate({
      target: intakeStatus.microcredentialId,
      set: { lastAttemptAt: at, problem: clean, problemAt: at },
    });
  if (before?.problem?.messageKey !== clean.messageKey || before?.problem?.code !== clean.code) {
    await db.insert(auditLog).values({
      actor: 'jalon',
      action: 'results.sync.problem',
      subject: microcredentialId,
      details: clean,
    });
  }
}

/** The intake status of a micro-credential, if it was ever synced. */
export async function intakeStatusOf(
  db: Db,
  microcredentialId: string,
): Promise<IntakeStatusRow | undefined> {
  const [row] = await db
    .select()
    .from(intakeStatus)
    .where(eq(intakeStatus.microcredentialId, microcredentialId));
  return row;
}
