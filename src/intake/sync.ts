/**
 * The `results.sync` job: reads, through the course's connector, the attempts, feedback and
 * completions of a micro-credential's summative items for some learners (a push) or the
 * whole roster (the reconcile), writes them idempotently, and asks for the learners'
 * standings to be evaluated. Pull is the truth: a push only says whom to read.
 *
 * All reads happen first, outside any transaction (they are slow HTTP calls); the writes and
 * the `standings.evaluate` enqueue then commit in one transaction with the job's "done", so a
 * crash leaves either everything or nothing, and the retry reads again.
 */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { ownersOfAttempts, recordAttempts } from '../attempts/store.js';
import { ConnectorError, type RosterEntry } from '../connectors/types.js';
import type { CanvasLearnerRef } from '../connectors/canvas/index.js';
import type { Db } from '../db/client.js';
import { platforms, standings } from '../db/schema/index.js';
import type { DefinitionRepository, Microcredential } from '../definitions/repository.js';
import { PermanentJobError, type ClaimedJob, type JobContext } from '../jobs/types.js';
import type { Logger } from '../log.js';
import type { LtiEngine } from '../lti/engine.js';
import type { AttemptRecord } from '../microcredentials/attempts.js';
import type { AssessmentKey, MicroCredentialDefinition } from '../microcredentials/definition.js';
import type { CompletionRecord, FeedbackRecord } from '../microcredentials/facts.js';
import type { ConnectorFactory } from '../connectors/factory.js';
import { enqueueCoalesced } from './coalesce.js';
import { connectorForCourse, type CourseConnector } from './course-connector.js';
import {
  deactivateLearnersNotListed,
  deactivateMissingLearners,
  listLearners,
  rememberLmsUserIds,
  replaceCompletions,
  upsertLearners,
  upsertLmsFeedback,
  type LearnerInput,
  type LearnerRow,
} from './facts-store.js';
import { nrpsRosterForCourse } from './nrps.js';
import { AgsError } from '../gradebook/ags.js';
import { readAssessmentResults } from '../gradebook/read.js';
import { loadFacts } from '../standings/facts.js';
import { cellFacts } from './ags-attempts.js';
import { recordSyncOk, recordSyncProblem, type IntakeProblem } from './status.js';
import {
  DEFAULT_PACING,
  itemKeyOf,
  loadWatermarks,
  planItemRead,
  readInFull,
  saveWatermarks,
  type ReadPacing,
  type Watermark,
} from './watermarks.js';

/** Job kinds this module runs or asks for. */
export const RESULTS_SYNC = 'results.sync';
/** Evaluated by the decisions module; payload {@link StandingsEvaluatePayload}. */
export const STANDINGS_EVALUATE = 'standings.evaluate';

/** `results.sync` payload: without `learners`, the whole roster. */
export const ResultsSyncPayloadSchema = z.object({
  microcredentialId: z.string().min(1).max(200),
  learners: z.array(z.string().min(1).max(200)).max(10_000).optional(),
});
/** `results.sync` payload. */
export type ResultsSyncPayload = z.infer<typeof ResultsSyncPayloadSchema>;

/** What `standings.evaluate` receives: always the explicit list of learners read. */
export interface StandingsEvaluatePayload {
  microcredentialId: string;
  learners: string[];
}

/** The dedupe key of a sync: one queued sync per learner, or per course for the roster. */
export function syncDedupeKey(microcredentialId: string, learner?: string): string {
  return learner ? `results:${microcredentialId}:${learner}` : `results:${microcredentialId}`;
}

/** The dedupe key of the standings evaluation the sync asks for. */
export function standingsDedupeKey(microcredentialId: string, learner?: string): string {
  return learner ? `standings:${microcredentialId}:${learner}` : `standings:${microcredentialId}`;
}

/** One learner's id, or a digest standing for a group of them (keys stay short). */
export function learnerGroupKey(learnerIds: readonly string[]): string {
  if (learnerIds.length === 1) return learnerIds[0]!;
  return `group-${createHash('sha256')
    .update([...learnerIds].sort().join('\n'))
    .digest('base64url')
    .slice(0, 22)}`;
}

/** What the sync needs. */
export interface SyncDeps {
  db: Db;
  definitions: DefinitionRepository;
  connectors: ConnectorFactory;
  log: Logger;
  /** Platform access tokens for NRPS; without it the roster is read through the connector only. */
  engine?: Pick<LtiEngine, 'platformToken'>;
  /** How often a reconcile reads everything rather than what changed (see `watermarks.ts`). */
  pacing?: ReadPacing;
  now?: () => Date;
}

/** How one summative item was read: every target, only those the LMS says changed, or a push's. */
export interface ItemReadSummary {
  item: string;
  mode: 'full' | 'incremental' | 'targeted';
  /** Learners whose attempts were read. */
  learners: number;
}

/** What one sync read and wrote (for the log and the tests). */
export interface SyncSummary {
  learners: number;
  attempts: number;
  feedback: number;
  completions: number;
  rosterRead: boolean;
  /** Cells of Jalon's own column read through AGS (0 when the definition has none). */
  columnCells: number;
  /** Where the roster came from, when it was read. */
  rosterSource?: 'nrps' | 'connector';
  /** How each of the LMS's items was read. */
  items: ItemReadSummary[];
}

/** Summative items the course's connector can read (Jalon's own column is not an LMS read). */
function readableItems(def: MicroCredentialDefinition, kind: CourseConnector['kind']): AssessmentKey[] {
  const prefix = kind === 'moodle' ? 'moodle-' : 'canvas-';
  const seen = new Set<string>();
  const out: AssessmentKey[] = [];
  for (const item of def.assessment.summative) {
    const key = `${item.ref.source}|${item.ref.lmsId}`;
    if (!item.ref.source.startsWith(prefix) || seen.has(key)) continue;
    seen.add(key);
    out.push({ source: item.ref.source, lmsId: item.ref.lmsId });
  }
  return out;
}

/** Jalon's own column, when the definition counts it as a summative item. */
function jalonColumnItem(def: MicroCredentialDefinition): AssessmentKey | undefined {
  const item = def.assessment.summative.find((s) => s.ref.source === 'jalon-column');
  return item ? { source: item.ref.source, lmsId: item.ref.lmsId } : undefined;
}

/**
 * Whether reading the course needs a connector: for the LMS's own items and completion it
 * does; a definition graded only in Jalon's own column is read through AGS and NRPS.
 */
function needsConnector(def: MicroCredentialDefinition, deps: SyncDeps): boolean {
  const columnOnly = def.assessment.summative.every((s) => s.ref.source === 'jalon-column');
  return !columnOnly || needsCompletion(def) || deps.engine === undefined;
}

/** Whether the definition asks for completion at all (else completion is not read). */
function needsCompletion(def: MicroCredentialDefinition): boolean {
  const c = def.assessment.completion;
  return !!c && (c.course || c.activities.length > 0);
}

/** A connector failure as the problem to record. */
function problemOfError(err: ConnectorError): IntakeProblem {
  const key = err.messageKey.includes(':') ? err.messageKey : `connectors:${err.messageKey}`;
  return { code: err.code, messageKey: key, params: err.params };
}

/** Connector failures a retry can cure (throttling, outages); the rest need a person. */
const TRANSIENT = new Set(['RATE_LIMITED', 'UNAVAILABLE']);

/** The learners to read and how the roster changed, before anything is written. */
interface Targets {
  learners: LearnerInput[];
  /** What Jalon knew of each learner before this sync, by user id. */
  known: Map<string, LearnerRow>;
  /** From NRPS, `activeUserIds` (LTI ids) says who stays active; from the connector, `activeLmsIds`. */
  roster?: { entries: LearnerInput[]; activeLmsIds?: string[]; activeUserIds?: string[] };
}

async function readRoster(
  cc: CourseConnector,
  known: LearnerRow[],
  log: Logger,
  mcId: string,
): Promise<Targets['roster']> {
  let entries: RosterEntry[];
  try {
    entries = await cc.connector.readRoster(cc.course);
  } catch (err) {
    // A token without the roster capability still reads results for the learners Jalon
    // knows from their launches: worth doing, and worth saying.
    if (err instanceof ConnectorError && (err.code === 'PERMISSION' || err.code === 'NOT_FOUND')) {
      log.warn(
        { microcredentialId: mcId, code: err.code, reason: err.messageKey },
        'LMS roster unavailable; reading the learners known from launches',
      );
      return undefined;
    }
    throw err;
  }
  const byLms = new Map(known.filter((k) => k.lmsUserId).map((k) => [k.lmsUserId!, k]));
  const out: LearnerInput[] = [];
  for (const e of entries) {
    // Moodle gives the LTI `sub`; Canvas REST does not, so only known learners are matched.
    const userId = e.ltiUserId ?? byLms.get(e.lmsUserId)?.userId;
    if (!userId) continue;
    out.push({
      userId,
      lmsUserId: e.lmsUserId,
      name: e.name ?? null,
      email: e.email ?? null,
      sisPersonId: e.sisPersonId ?? null,
      ...(e.locale ? { locale: e.locale.toLowerCase().startsWith('fr') ? 'fr' : 'en' } : {}),
    });
  }
  return { entries: out, activeLmsIds: entries.map((e) => e.lmsUserId) };
}

async function targetsOf(
  cc: CourseConnector | undefined,
  family: 'moodle' | 'canvas',
  mc: Microcredential,
  payload: ResultsSyncPayload,
  deps: SyncDeps,
): Promise<Targets> {
  const known = await listLearners(deps.db, mc.id);
  const byId = new Map(known.map((k) => [k.userId, k]));
  if (payload.learners) {
    return {
      known: byId,
      learners: [...new Set(payload.learners)].map((userId) => {
        const row = byId.get(userId);
        return { userId, lmsUserId: row?.lmsUserId ?? (family === 'moodle' ? userId : null) };
      }),
    };
  }
  // NRPS first: it names every learner by LTI id, launched or not. When the course offers no
  // NRPS or it fails, the connector's roster (matched to launched learners on Canvas).
  const nrps = deps.engine
    ? await nrpsRosterForCourse(
        { db: deps.db, engine: deps.engine, log: deps.log },
        { microcredentialId: mc.id, platformId: mc.platformId, contextId: mc.contextId },
        family,
      )
    : undefined;
  const merged = new Map<string, LearnerInput>();
  if (nrps) {
    // Exactly the listed learners are read (the others become inactive); a REST id known from
    // a launch is kept, as NRPS on Canvas does not give one.
    const learners = nrps.learners.map((e) => ({
      ...e,
      lmsUserId: e.lmsUserId ?? byId.get(e.userId)?.lmsUserId ?? null,
    }));
    return {
      known: byId,
      learners,
      roster: { entries: nrps.learners, activeUserIds: learners.map((l) => l.userId) },
    };
  }
  const roster = cc ? await readRoster(cc, known, deps.log, mc.id) : undefined;
  if (roster) {
    const active = new Set(roster.activeLmsIds);
    // Launched learners the LMS no longer lists are left out of the read (they become inactive).
    for (const k of known)
      if (!k.lmsUserId || active.has(k.lmsUserId))
        merged.set(k.userId, { userId: k.userId, lmsUserId: k.lmsUserId });
    for (const e of roster.entries) merged.set(e.userId, e);
  } else {
    for (const k of known)
      if (k.status === 'active') merged.set(k.userId, { userId: k.userId, lmsUserId: k.lmsUserId });
  }
  return { known: byId, learners: [...merged.values()], ...(roster ? { roster } : {}) };
}

/** Everything read from the LMS for the targets. */
interface Reads {
  attempts: AttemptRecord[];
  feedback: FeedbackRecord[];
  completions: Map<string, CompletionRecord[]>;
  /** Canvas REST ids learnt for learners known by LTI `sub` alone. */
  restIds: Map<string, string>;
  items: ItemReadSummary[];
}

/** A whole-roster read: what lets it ask the LMS only for what changed. */
interface RosterRead {
  db: Db;
  log: Logger;
  microcredentialId: string;
  marks: Map<string, Watermark>;
  known: Map<string, LearnerRow>;
  startedAt: Date;
  pacing: ReadPacing;
  /** When the definition last changed. */
  definitionChangedAt: Date;
}

/**
 * The targets whose attempts at `item` are read: all of them for a push or a full read;
 * for an incremental one, those the LMS says changed since the last read (minus the margin)
 * and those that read cannot speak for (see {@link readInFull}).
 */
async function readersOf(
  cc: CourseConnector,
  item: AssessmentKey,
  targets: LearnerInput[],
  roster: RosterRead | undefined,
): Promise<{ mode: ItemReadSummary['mode']; readers: LearnerInput[] }> {
  if (!roster) return { mode: 'targeted', readers: targets };
  const plan = planItemRead(
    roster.marks.get(itemKeyOf(item)),
    roster.startedAt,
    roster.pacing,
    roster.definitionChangedAt,
  );
  if (plan.mode === 'full') return { mode: 'full', readers: targets };
  const changed = await cc.connector.changedLearners(cc.course, item, plan.since);
  if (!changed) {
    // Said in the log; "test connection" names the web-service function that is missing.
    roster.log.info(
      { microcredentialId: roster.microcredentialId, item: itemKeyOf(item) },
      'the LMS cannot say what changed since the last read; reading the item in full',
    );
    return { mode: 'full', readers: targets };
  }
  // Attempts named without their learner (Moodle quizzes) are matched to the stored ones; an
  // attempt Jalon never stored (new, or still in progress) could be anyone's: read in full.
  const owners = await ownersOfAttempts(roster.db, roster.microcredentialId, item, [...changed.attempts]);
  if (owners.size < changed.attempts.size) {
    roster.log.info(
      {
        microcredentialId: roster.microcredentialId,
        item: itemKeyOf(item),
        unknown: changed.attempts.size - owners.size,
      },
      'attempts Jalon has not seen changed; reading the item in full',
    );
    return { mode: 'full', readers: targets };
  }
  const ownerIds = new Set(owners.values());
  const readers = targets.filter((t) => {
    // Moodle's user id is the LTI `sub`; a Canvas learner with no REST id yet cannot be matched.
    const lmsId = cc.kind === 'moodle' ? (t.lmsUserId ?? t.userId) : t.lmsUserId;
    return (
      !lmsId ||
      changed.learners.has(lmsId) ||
      ownerIds.has(t.userId) ||
      readInFull(roster.known.get(t.userId), plan.since)
    );
  });
  return { mode: 'incremental', readers };
}

async function readResults(
  cc: CourseConnector | undefined,
  def: MicroCredentialDefinition,
  allTargets: LearnerInput[],
  log: Logger,
  mcId: string,
  roster: RosterRead | undefined,
): Promise<Reads> {
  const reads: Reads = {
    attempts: [],
    feedback: [],
    completions: new Map(),
    restIds: new Map(),
    items: [],
  };
  if (allTargets.length === 0 || !cc) return reads;
  const readForAttempts = new Set<string>();
  for (const item of readableItems(def, cc.kind)) {
    const { mode, readers: targets } = await readersOf(cc, item, allTargets, roster);
    reads.items.push({ item: itemKeyOf(item), mode, learners: targets.length });
    for (const t of targets) readForAttempts.add(t.userId);
    if (targets.length === 0) continue;
    if (cc.kind === 'moodle') {
      // Moodle's user id is the LTI `sub`; mapped back anyway, so records carry Jalon's id.
      const toJalon = new Map(targets.map((t) => [t.lmsUserId ?? t.userId, t.userId]));
      const ids = [...toJalon.keys()].filter((id) => /^\d+$/.test(id));
      const r = await cc.connector.readAttempts(cc.course, item, ids);
      for (const a of r.attempts) a.learner = toJalon.get(a.learner) ?? a.learner;
      for (const f of r.feedback) f.learner = toJalon.get(f.learner) ?? f.learner;
      for (const u of r.unreadable)
        log.warn(
          { microcredentialId: mcId, user: u.userId, reason: u.error.messageKey },
          'learner unreadable in Moodle',
        );
      reads.attempts.push(...r.attempts);
      reads.feedback.push(...r.feedback);
    } else {
      const refs: CanvasLearnerRef[] = targets.map((t) => ({
        learner: t.userId,
        ...(t.lmsUserId ? { canvasUserId: t.lmsUserId } : {}),
        ltiSub: t.userId,
      }));
      const r = await cc.connector.readAttempts(cc.course, item, refs);
      reads.attempts.push(...r.attempts);
      reads.feedback.push(...r.feedback);
      for (const [learner, rest] of r.restIds ?? []) reads.restIds.set(learner, rest);
    }
  }
  if (needsCompletion(def)) {
    for (const t of await completionReaders(allTargets, reads.items, readForAttempts, roster)) {
      try {
        if (cc.kind === 'moodle') {
          const id = t.lmsUserId ?? t.userId;
          if (!/^\d+$/.test(id)) continue;
          const c = await cc.connector.readCompletion(cc.course, id);
          reads.completions.set(
            t.userId,
            c.records.map((r) => ({ ...r, learner: t.userId })),
          );
        } else {
          const c = await cc.connector.readCompletion(cc.course, {
            learner: t.userId,
            ...(t.lmsUserId ? { canvasUserId: t.lmsUserId } : {}),
            ltiSub: t.userId,
          });
          reads.completions.set(t.userId, c);
        }
      } catch (err) {
        // One learner the LMS no longer knows must not stop the course: keep what is stored.
        if (!(err instanceof ConnectorError && err.code === 'NOT_FOUND')) throw err;
        log.warn({ microcredentialId: mcId, reason: err.messageKey }, 'completion unreadable for a learner');
      }
    }
  }
  return reads;
}

/**
 * Whose completion a sync reads. Neither LMS says whose completion changed since an instant,
 * so a push, a full read (the first, or the 6-hourly one) and a definition without LMS items
 * read everyone's. Between full reads, only the learners for whom completion can decide
 * something now: those whose attempts were just read (they may have just passed), those
 * whose standing waits for completion alone (`awaiting_completion`) and those without a
 * standing yet. For the others (not passed yet, or decided) completion changes no decision;
 * what their page shows of it is at most one full-read period old, or fresh after a push.
 */
async function completionReaders(
  targets: LearnerInput[],
  items: readonly ItemReadSummary[],
  readForAttempts: ReadonlySet<string>,
  roster: RosterRead | undefined,
): Promise<LearnerInput[]> {
  if (!roster || items.length === 0 || items.some((i) => i.mode !== 'incremental')) return targets;
  const rows = await roster.db
    .select({ learner: standings.learner, status: standings.status })
    .from(standings)
    .where(eq(standings.microcredentialId, roster.microcredentialId));
  const status = new Map(rows.map((r) => [r.learner, r.status]));
  // Learners who joined or came back were read for attempts (`readInFull`), so they are in.
  return targets.filter(
    (t) =>
      readForAttempts.has(t.userId) ||
      !status.has(t.userId) ||
      status.get(t.userId) === 'awaiting_completion',
  );
}

/** An AGS failure in the words of a connector failure (same problem display, same retries). */
function agsProblem(err: AgsError): ConnectorError {
  const status = err.status;
  if (status === 429) return new ConnectorError('RATE_LIMITED', 'intake:ags.problem.unavailable', { status });
  if (status >= 500) return new ConnectorError('UNAVAILABLE', 'intake:ags.problem.unavailable', { status });
  if (status === 404) return new ConnectorError('NOT_FOUND', 'intake:ags.problem.refused', { status });
  return new ConnectorError('AUTH', 'intake:ags.problem.refused', { status });
}

/**
 * Reads Jalon's own column through AGS (see `ags-attempts.ts` for how a cell becomes an
 * attempt) and adds what it says to `reads`. Only the targets' cells count. Returns how many
 * cells were read; 0 when the course offers no AGS results to read (said once in the log).
 */
async function readColumn(
  deps: SyncDeps,
  mc: Microcredential,
  def: MicroCredentialDefinition,
  targets: LearnerInput[],
  payload: ResultsSyncPayload,
  reads: Reads,
): Promise<number> {
  const item = jalonColumnItem(def);
  if (!item || !deps.engine || targets.length === 0) return 0;
  let read;
  try {
    read = await readAssessmentResults(
      { db: deps.db, engine: deps.engine },
      mc.id,
      targets.map((t) => t.userId),
    );
  } catch (err) {
    if (err instanceof AgsError) throw agsProblem(err);
    throw err;
  }
  if (!read.read) {
    deps.log.info({ microcredentialId: mc.id, why: read.why }, "Jalon's column not read through AGS");
    return 0;
  }
  const cells = read.results;
  const stored = await loadFacts(
    deps.db,
    mc.id,
    cells.map((c) => c.userId),
  );
  const now = new Date().toISOString();
  for (const cell of cells) {
    const facts = cellFacts(cell, {
      item,
      passThreshold: def.assessment.passThreshold,
      attempts: stored.attempts,
      feedback: stored.feedback,
      now,
    });
    if (facts.as === 'conflict')
      deps.log.warn(
        { microcredentialId: mc.id, learner: cell.userId },
        "a grade in Jalon's column disagrees with an attempt imported otherwise; left as it is",
      );
    if (facts.attempt) reads.attempts.push(facts.attempt);
    if (facts.feedback) reads.feedback.push(facts.feedback);
  }
  return cells.length;
}

/** Records the attempts, leaving out (and logging) any the store refuses. */
async function writeAttempts(tx: Db, mcId: string, attempts: AttemptRecord[], log: Logger): Promise<number> {
  if (attempts.length === 0) return 0;
  const r = await recordAttempts(tx, mcId, attempts);
  if (r.ok) return r.inserted + r.updated;
  const bad = new Set(r.refused.map((x) => x.index));
  for (const x of r.refused)
    log.warn(
      { microcredentialId: mcId, reason: x.reason, sourceId: attempts[x.index]?.sourceId },
      'attempt refused',
    );
  const rest = attempts.filter((_a, i) => !bad.has(i));
  const again = rest.length
    ? await recordAttempts(tx, mcId, rest)
    : { ok: true as const, inserted: 0, updated: 0 };
  return again.ok ? again.inserted + again.updated : 0;
}

/**
 * Runs one `results.sync`. Connector problems are recorded on the micro-credential's intake
 * status; those a person must fix end the job ({@link PermanentJobError}), throttling and
 * outages are rethrown so the queue retries with back-off.
 */
export async function runResultsSync(
  deps: SyncDeps,
  job: ClaimedJob<unknown>,
  ctx: JobContext,
): Promise<SyncSummary | undefined> {
  const parsed = ResultsSyncPayloadSchema.safeParse(job.payload);
  if (!parsed.success)
    throw new PermanentJobError(`results.sync payload invalid: ${parsed.error.issues[0]?.message}`);
  const payload = parsed.data;
  const mc = await deps.definitions.get(payload.microcredentialId);
  if (!mc) {
    deps.log.info(
      { microcredentialId: payload.microcredentialId },
      'results.sync for a removed micro-credential',
    );
    return undefined;
  }
  // A disabled platform is not read: its administrator turned Jalon off there.
  const [platform] = await deps.db
    .select({ status: platforms.status, family: platforms.productFamily })
    .from(platforms)
    .where(eq(platforms.id, mc.platformId));
  if (platform?.status !== 'active') {
    deps.log.info(
      { microcredentialId: mc.id, platformId: mc.platformId },
      'results.sync skipped: platform not active',
    );
    return undefined;
  }
  const version = await deps.definitions.latest(mc.id);
  if (!version) return undefined; // nothing to follow until the instructor defines it
  const def = version.definition;

  const resolved = await connectorForCourse(deps, mc);
  if ('problem' in resolved && needsConnector(def, deps)) {
    await recordSyncProblem(deps.db, mc.id, resolved.problem);
    deps.log.warn(
      { microcredentialId: mc.id, platformId: mc.platformId, reason: resolved.problem.messageKey },
      'results.sync cannot read the course',
    );
    throw new PermanentJobError(`no usable connector: ${resolved.problem.messageKey}`);
  }

  const cc = 'problem' in resolved ? undefined : resolved;
  const family = cc?.kind ?? (platform.family === 'canvas' ? 'canvas' : 'moodle');
  // Before any read: a change the LMS stamps while this sync reads is asked for next time.
  const startedAt = (deps.now ?? (() => new Date()))();
  let targets: Targets;
  let reads: Reads;
  let columnCells: number;
  try {
    targets = await targetsOf(cc, family, mc, payload, deps);
    const roster: RosterRead | undefined = payload.learners
      ? undefined
      : {
          db: deps.db,
          log: deps.log,
          microcredentialId: mc.id,
          marks: await loadWatermarks(deps.db, mc.id),
          known: targets.known,
          startedAt,
          pacing: deps.pacing ?? DEFAULT_PACING,
          definitionChangedAt: version.updatedAt,
        };
    reads = await readResults(cc, def, targets.learners, deps.log, mc.id, roster);
    columnCells = await readColumn(deps, mc, def, targets.learners, payload, reads);
  } catch (err) {
    if (!(err instanceof ConnectorError)) throw err;
    const problem = problemOfError(err);
    await recordSyncProblem(deps.db, mc.id, problem);
    deps.log.warn(
      { microcredentialId: mc.id, platformId: mc.platformId, code: err.code, reason: problem.messageKey },
      'results.sync read failed',
    );
    if (TRANSIENT.has(err.code)) throw err;
    throw new PermanentJobError(`connector refused: ${err.code} ${err.messageKey}`);
  }

  const learnerIds = targets.learners.map((t) => t.userId);
  const summary = await ctx.commit(async (tx) => {
    if (targets.roster) {
      // Learners this sync adds or brings back were read in full (`readInFull`) from the start.
      const pacing = deps.pacing ?? DEFAULT_PACING;
      await upsertLearners(tx, mc.id, targets.roster.entries, {
        activeSince: new Date(startedAt.getTime() - pacing.marginMs),
      });
      if (targets.roster.activeUserIds)
        await deactivateLearnersNotListed(tx, mc.id, targets.roster.activeUserIds);
      else await deactivateMissingLearners(tx, mc.id, targets.roster.activeLmsIds ?? []);
    }
    if (reads.restIds.size > 0) await rememberLmsUserIds(tx, mc.id, reads.restIds);
    const attempts = await writeAttempts(tx, mc.id, reads.attempts, deps.log);
    const feedback = await upsertLmsFeedback(tx, mc.id, reads.feedback);
    let completions = 0;
    for (const [learner, records] of reads.completions) {
      await replaceCompletions(tx, mc.id, learner, records);
      completions += records.length;
    }
    if (!payload.learners && cc)
      await saveWatermarks(
        tx,
        mc.id,
        reads.items.map((i) => ({ itemKey: i.item, startedAt, full: i.mode === 'full' })),
        readableItems(def, cc.kind).map(itemKeyOf),
      );
    await recordSyncOk(tx, mc.id);
    if (learnerIds.length > 0) {
      const evaluate: StandingsEvaluatePayload = { microcredentialId: mc.id, learners: learnerIds };
      await enqueueCoalesced(tx, {
        kind: STANDINGS_EVALUATE,
        payload: evaluate,
        dedupeKey: standingsDedupeKey(mc.id, payload.learners ? learnerGroupKey(learnerIds) : undefined),
      });
    }
    return {
      learners: learnerIds.length,
      attempts,
      feedback,
      completions,
      rosterRead: targets.roster !== undefined,
      columnCells,
      items: reads.items,
      ...(targets.roster
        ? { rosterSource: targets.roster.activeUserIds ? ('nrps' as const) : ('connector' as const) }
        : {}),
    };
  });
  deps.log.info({ microcredentialId: mc.id, ...summary }, 'results synced');
  return summary;
}
