/**
 * Reads every fact the policy decides from, for one micro-credential (optionally a few
 * learners), and maps rows to the policy's records. Feedback and completions come through
 * the intake module's store, which writes them.
 */
import { and, eq, inArray, isNull, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client.js';
import { attempts, learners, overrides } from '../db/schema/index.js';
import { listCompletions, listFeedback, type LearnerRow } from '../intake/facts-store.js';
import type { AttemptRecord } from '../microcredentials/attempts.js';
import type { CompletionRecord, FeedbackRecord, Override } from '../microcredentials/facts.js';

export type { LearnerRow };

/** The facts of a micro-credential, as the policy reads them. */
export interface Facts {
  attempts: AttemptRecord[];
  feedback: FeedbackRecord[];
  completions: CompletionRecord[];
  overrides: Override[];
  learners: LearnerRow[];
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** Loads the facts; `only` restricts them to these learners. */
export async function loadFacts(db: Db, microcredentialId: string, only?: readonly string[]): Promise<Facts> {
  const restrict = (col: AnyPgColumn): SQL | undefined => (only ? inArray(col, [...only]) : undefined);
  if (only && only.length === 0)
    return { attempts: [], feedback: [], completions: [], overrides: [], learners: [] };
  const [a, f, c, o, l] = await Promise.all([
    db
      .select()
      .from(attempts)
      .where(and(eq(attempts.microcredentialId, microcredentialId), restrict(attempts.learner)))
      .orderBy(attempts.submittedAt, attempts.id),
    listFeedback(db, microcredentialId, only ? [...only] : undefined),
    listCompletions(db, microcredentialId, only ? [...only] : undefined),
    db
      .select()
      .from(overrides)
      .where(
        and(
          eq(overrides.microcredentialId, microcredentialId),
          isNull(overrides.withdrawnAt),
          restrict(overrides.learner),
        ),
      ),
    db
      .select()
      .from(learners)
      .where(and(eq(learners.microcredentialId, microcredentialId), restrict(learners.userId))),
  ]);
  return {
    attempts: a.map((r): AttemptRecord => ({
      learner: r.learner,
      assessment: { source: r.assessmentSource, lmsId: r.assessmentLmsId } as AttemptRecord['assessment'],
      attemptNumber: r.attemptNumber,
      score: r.score,
      maxScore: r.maxScore,
      submittedAt: r.submittedAt.toISOString(),
      gradedAt: iso(r.gradedAt),
      source: r.source,
      sourceId: r.sourceId,
    })),
    feedback: f,
    completions: c,
    overrides: o.map((r) => ({ ...(r.data as Override), id: r.id, learner: r.learner })),
    learners: l,
  };
}
