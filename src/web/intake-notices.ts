/**
 * What the console says about reading the course: when results were last read from the LMS,
 * or since when and why reading fails (a revoked token, a missing connector…), and the same
 * for the roster read through LTI (NRPS). A broken course shows its own problem here; the
 * other courses go on.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { nrpsEndpoints } from '../db/schema/index.js';
import type { Microcredential } from '../definitions/repository.js';
import type { Translate } from '../i18n/index.js';
import { intakeStatusOf } from '../intake/status.js';

/** One line of the console's intake status. */
export interface IntakeNotice {
  kind: 'results' | 'roster';
  text: string;
  /** The problem in words, when reading fails. */
  problem?: string;
}

/** The notices of a micro-credential's course, in the page's language. */
export async function intakeNotices(
  db: Db,
  mc: Microcredential,
  t: Translate,
  when: (d: Date) => string,
): Promise<IntakeNotice[]> {
  const out: IntakeNotice[] = [];
  const status = await intakeStatusOf(db, mc.id);
  if (status?.problem && status.problemAt) {
    out.push({
      kind: 'results',
      text: t('intake:status.problemSince', { at: when(status.problemAt) }),
      problem: t(status.problem.messageKey, status.problem.params ?? {}),
    });
  } else {
    out.push({
      kind: 'results',
      text: status?.lastOkAt
        ? t('intake:status.lastSync', { at: when(status.lastOkAt) })
        : t('intake:status.never'),
    });
  }
  const [nrps] = await db
    .select()
    .from(nrpsEndpoints)
    .where(and(eq(nrpsEndpoints.platformId, mc.platformId), eq(nrpsEndpoints.contextId, mc.contextId)));
  if (nrps?.problem && nrps.problemAt) {
    out.push({
      kind: 'roster',
      text: t('intake:nrps.status.problemSince', { at: when(nrps.problemAt) }),
      problem: t(nrps.problem.messageKey, nrps.problem.params ?? {}),
    });
  } else if (nrps?.lastReadAt) {
    out.push({ kind: 'roster', text: t('intake:nrps.status.lastRead', { at: when(nrps.lastReadAt) }) });
  }
  return out;
}
