/**
 * Turns facts into decisions: for each learner, the policy's standing is stored; a learner
 * who has just achieved the micro-credential gets an award, its transcript record and the
 * follow-up jobs (e-mail, gradebook) in ONE transaction. The award's unique
 * (micro-credential, learner) index decides races: a concurrent evaluation's insert does
 * nothing, so a learner is never awarded twice, and whichever evaluation lost writes no
 * transcript row and queues no e-mail.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog, awards, microcredentials, standings } from '../db/schema/index.js';
import { DefinitionRepository } from '../definitions/repository.js';
import { pickLang } from '../i18n/index.js';
import { enqueue } from '../jobs/enqueue.js';
import { expiresAt } from '../microcredentials/expiry.js';
import { evaluateStanding, type Standing } from '../microcredentials/policy.js';
import type { MicroCredentialDefinition } from '../microcredentials/definition.js';
import { getIssuerProfile } from '../platforms/issuer-profile.js';
import { formatInstant } from '../microcredentials/reasons.js';
import { appendTranscriptRecord } from '../transcripts/record.js';
import { loadFacts, type LearnerRow } from './facts.js';

/** Job kind that re-evaluates learners: payload {@link EvaluatePayload}. */
export const STANDINGS_EVALUATE = 'standings.evaluate';

/** Payload of `standings.evaluate`. */
export interface EvaluatePayload {
  microcredentialId: string;
  /** Only these learners (LTI `sub`); absent: everyone Jalon knows in the course. */
  learners?: string[];
}

/** Options of {@link evaluateLearners}. */
export interface EvaluateOptions {
  now?: Date;
  /** Jalon's public URL, for the claim link in the award e-mail. */
  publicUrl?: string;
}

/** What happened to one learner. */
export interface LearnerEvaluation {
  learner: string;
  standing: Standing;
  /** An award was created by this evaluation (false when one existed or another won the race). */
  awarded: boolean;
  awardId?: string;
}

const newId = (prefix: string) => `${prefix}-${randomBytes(10).toString('hex')}`;

/** Essentials carried on the transcript record: the definition's own words, minus the rules. */
function essentialsOf(d: MicroCredentialDefinition): Record<string, unknown> {
  const { assessment: _a, imageId: _i, title: _t, ...rest } = d;
  return {
    ...rest,
    ...(d.assessment.startAt && { startAt: d.assessment.startAt }),
    endAt: d.assessment.endAt,
    priorLearningAllowed: d.assessment.priorLearningAllowed,
    passThreshold: d.assessment.passThreshold,
  };
}

/** Queues a re-evaluation (e.g. after a console write); pass a transaction to tie it to a write. */
export async function requestEvaluation(db: Db, microcredentialId: string, learners?: string[]) {
  return enqueue(db, {
    kind: STANDINGS_EVALUATE,
    payload: { microcredentialId, ...(learners && { learners }) } satisfies EvaluatePayload,
  });
}

/**
 * Evaluates learners of a micro-credential under its current definition version and stores
 * their standings; awards those who achieved it. `db` may be a transaction (the job's).
 * Without `only`, every learner Jalon knows (roster, attempts, feedback, overrides).
 */
export async function evaluateLearners(
  db: Db,
  microcredentialId: string,
  only?: readonly string[],
  options: EvaluateOptions = {},
): Promise<LearnerEvaluation[]> {
  const now = options.now ?? new Date();
  const [mc] = await db.select().from(microcredentials).where(eq(microcredentials.id, microcredentialId));
  if (!mc) return [];
  const version = await new DefinitionRepository(db).latest(microcredentialId);
  if (!version) return [];
  const facts = await loadFacts(db, microcredentialId, only);
  const byId = new Map(facts.learners.map((l) => [l.userId, l]));
  const ids = new Set<string>(only ?? []);
  if (!only) {
    for (const l of facts.learners) ids.add(l.userId);
    for (const x of [...facts.attempts, ...facts.feedback, ...facts.overrides, ...facts.completions])
      ids.add(x.learner);
  }
  const rules = version.definition.assessment;
  const out: LearnerEvaluation[] = [];
  for (const learner of [...ids].sort()) {
    const row = byId.get(learner);
    const standing = evaluateStanding({
      rules,
      learner,
      path: row?.path ?? 'regular',
      attempts: facts.attempts,
      feedback: facts.feedback,
      completions: facts.completions,
      overrides: facts.overrides,
      now,
    });
    const result = await db.transaction(async (tx) => {
      await tx
        .insert(standings)
        .values({
          microcredentialId,
          learner,
          definitionVersionId: version.id,
          status: standing.status,
          standing,
          evaluatedAt: now,
        })
        .onConflictDoUpdate({
          target: [standings.microcredentialId, standings.learner],
          set: {
            definitionVersionId: version.id,
            status: standing.status,
            standing,
            evaluatedAt: now,
          },
          // An evaluation that started earlier never overwrites a later one.
          setWhere: sql`${standings.evaluatedAt} <= ${now.toISOString()}::timestamptz`,
        });
      if (standing.status === 'retry_open' && row?.email)
        await tellAboutFeedback(tx as unknown as Db, {
          mc,
          definition: version.definition,
          row,
          standing,
          now,
        });
      if (standing.status !== 'achieved') return { awarded: false as const };
      return award(tx as unknown as Db, {
        mc,
        versionId: version.id,
        definition: version.definition,
        learner,
        row,
        standing,
        now,
        publicUrl: options.publicUrl,
      });
    });
    out.push({ learner, standing, ...result });
  }
  return out;
}

/** Once key of the e-mail telling a learner about one piece of feedback. */
export const feedbackEmailKey = (origin: string, sourceId: string) => `email:feedback:${origin}:${sourceId}`;

/** How recent feedback must be for its e-mail: a first sync of an old course tells nobody. */
const FEEDBACK_EMAIL_WINDOW_MS = 7 * 86_400_000;

/**
 * Feedback that opened a new attempt reaches the learner by e-mail, once per feedback
 * (the console queues it first, with the text; LMS feedback is only pointed at).
 */
async function tellAboutFeedback(
  tx: Db,
  a: {
    mc: typeof microcredentials.$inferSelect;
    definition: MicroCredentialDefinition;
    row: LearnerRow;
    standing: Standing;
    now: Date;
  },
): Promise<void> {
  const lang = pickLang(a.row.locale);
  for (const f of a.standing.feedback) {
    if (!f.sourceId || a.now.getTime() - Date.parse(f.givenAt) > FEEDBACK_EMAIL_WINDOW_MS) continue;
    await enqueue(tx, {
      kind: 'email.send',
      onceKey: feedbackEmailKey(f.origin, f.sourceId),
      payload: {
        to: a.row.email,
        lang,
        template: 'feedbackLms',
        params: {
          name: a.row.name ?? '',
          title: a.definition.title[lang] || a.definition.title.fr || a.definition.title.en || '',
          course: a.mc.courseTitle ?? '',
          due: formatInstant(a.standing.dueAt, lang),
        },
      },
    });
  }
}

interface AwardInput {
  mc: typeof microcredentials.$inferSelect;
  versionId: string;
  definition: MicroCredentialDefinition;
  learner: string;
  row: LearnerRow | undefined;
  standing: Standing;
  now: Date;
  publicUrl?: string;
}

async function award(tx: Db, a: AwardInput): Promise<{ awarded: boolean; awardId?: string }> {
  const { mc, standing, learner, row, now } = a;
  const [existing] = await tx
    .select({ id: awards.id })
    .from(awards)
    .where(and(eq(awards.microcredentialId, mc.id), eq(awards.userId, learner)));
  if (existing) return { awarded: false, awardId: existing.id };
  const score = standing.score === null ? null : standing.score.toFixed(2);
  const byPriorLearning = standing.path === 'rpl';
  const [created] = await tx
    .insert(awards)
    .values({
      id: newId('aw'),
      microcredentialId: mc.id,
      definitionVersionId: a.versionId,
      userId: learner,
      learnerName: row?.name ?? null,
      learnerEmail: row?.email ?? null,
      score,
      passingAttempt: standing.passingAttempt?.attemptNumber ?? null,
      byPriorLearning,
      decidedBy: standing.decidedBy,
      reason: standing.reason,
      awardedAt: now,
    })
    .onConflictDoNothing({ target: [awards.microcredentialId, awards.userId] })
    .returning();
  if (!created) return { awarded: false }; // a concurrent evaluation won
  const profile = await getIssuerProfile(tx, mc.platformId);
  await appendTranscriptRecord(tx, {
    event: 'awarded',
    awardId: created.id,
    microcredentialId: mc.id,
    definitionVersionId: a.versionId,
    platformId: mc.platformId,
    contextId: mc.contextId,
    courseTitle: mc.courseTitle,
    courseCode: mc.courseLabel,
    learnerId: learner,
    lmsUserId: row?.lmsUserId ?? null,
    sisPersonId: row?.sisPersonId ?? null,
    sisSectionId: null,
    institution: profile ? { name: profile.name, url: profile.url } : null,
    learnerName: row?.name ?? null,
    learnerEmail: row?.email ?? null,
    title: a.definition.title,
    essentials: essentialsOf(a.definition),
    score,
    passingAttempt: standing.passingAttempt,
    byPriorLearning,
    decidedBy: standing.decidedBy,
    occurredAt: now,
    startsAt: a.definition.assessment.startAt ? new Date(a.definition.assessment.startAt) : null,
    expiresAt: (() => {
      const e = expiresAt(a.definition.expiry, now);
      return e ? new Date(e) : null;
    })(),
  });
  await tx.insert(auditLog).values({
    actor: standing.decidedBy === 'manual' ? (standing.manualDecision?.decidedBy ?? 'instructor') : 'policy',
    action: 'award.create',
    subject: created.id,
    details: { microcredentialId: mc.id, learner, decidedBy: standing.decidedBy, score },
  });
  if (row?.email) {
    const lang = pickLang(row.locale);
    await enqueue(tx, {
      kind: 'email.send',
      onceKey: `email:award:${created.id}`,
      payload: {
        to: row.email,
        lang,
        template: 'award',
        params: {
          name: row.name ?? '',
          title: a.definition.title[lang] || a.definition.title.fr || a.definition.title.en || '',
          course: mc.courseTitle ?? '',
          claimUrl: `${(a.publicUrl ?? '').replace(/\/+$/, '')}/lti/claim`,
        },
      },
    });
  }
  await enqueue(tx, {
    kind: 'gradebook.write',
    onceKey: `gradebook:award:${created.id}`,
    payload: { microcredentialId: mc.id, learner },
  });
  return { awarded: true, awardId: created.id };
}
