/**
 * The award policy: one learner's standing on one micro-credential version, from facts only
 * (attempts, feedback, completion, overrides, the learner's path and the current time).
 * Pure: same facts in, same standing out, whatever order the facts arrive in.
 */
import { compareChronologically, type AttemptRecord } from './attempts.js';
import { canonicalJson } from './canonical.js';
import {
  attemptLabel,
  countAttempts,
  feedbackFor,
  meetsThreshold,
  type AttemptSummary,
  type FeedbackUse,
  type FormativeProgress,
  type Ignored,
  type ItemStanding,
} from './counting.js';
import type { ActivityRef, AssessmentRules } from './definition.js';
import {
  validateFeedback,
  validateOverride,
  type CompletionRecord,
  type ExtraAttemptsOverride,
  type FeedbackRecord,
  type LearningPath,
  type ManualDecisionOverride,
  type Override,
} from './facts.js';
import { reason, type Reason, type ReasonParam } from './reasons.js';

/** Every standing a learner can be in. */
export const STANDING_STATUSES = [
  'not_started',
  'in_progress',
  'awaiting_grade',
  'feedback_owed',
  'retry_open',
  'awaiting_completion',
  'achieved',
  'not_achieved',
  'past_deadline',
] as const;
/** One of {@link STANDING_STATUSES}. */
export type StandingStatus = (typeof STANDING_STATUSES)[number];

/** The facts the policy decides from. Facts about other learners are ignored. */
export interface PolicyInput {
  rules: AssessmentRules;
  learner: string;
  /** The learner's path; `rpl` only takes effect when the definition allows prior learning. */
  path?: LearningPath;
  attempts: readonly AttemptRecord[];
  feedback?: readonly FeedbackRecord[];
  completions?: readonly CompletionRecord[];
  overrides?: readonly Override[];
  now: Date | string;
}

/** Completion requirement, as it applies to this learner. */
export interface CompletionStanding {
  required: boolean;
  /** Required by the definition but waived on the prior-learning path. */
  waived: boolean;
  met: boolean;
  missing: Array<{ kind: 'course' } | { kind: 'activity'; activity: ActivityRef }>;
}

/** A learner's standing, with its reasons as i18n data (render with `reasons.ts`). */
export interface Standing {
  status: StandingStatus;
  /** What the policy alone gives; differs from `status` only under a manual decision. */
  policyStatus: StandingStatus;
  decidedBy: 'policy' | 'manual';
  path: LearningPath;
  reason: Reason;
  nextStep: Reason;
  /** Supporting facts: path, feedback received and where, feedback gaps, extensions. */
  notes: Reason[];
  /** Combined score in percent (at the passing attempt when achieved), `null` until every item has a grade. */
  score: number | null;
  /** The attempt that made the learner pass (first chronologically), if any. */
  passingAttempt: AttemptSummary | null;
  /** Totals over summative items (each item has its own allowance, see `items`). */
  attemptsUsed: number;
  attemptsAllowed: number;
  attemptsLeft: number;
  items: ItemStanding[];
  formative: FormativeProgress[];
  feedback: FeedbackUse[];
  completion: CompletionStanding;
  /** The learner's effective due date (after any extension) and the end date, ISO. */
  dueAt: string;
  endAt: string;
  manualDecision: ManualDecisionOverride | null;
  ignored: Ignored[];
}

function instantMs(value: Date | string, what: string): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not a valid instant`);
  return ms;
}

const pct = (p: number): ReasonParam => ({ percent: p });
const nested = (r: Reason): ReasonParam => ({ reason: r });

function belowReason(a: AttemptSummary, rules: AssessmentRules): Reason {
  return reason('reason.below', {
    attempt: nested(attemptLabel(a, rules)),
    score: pct(a.percent ?? 0),
    threshold: pct(rules.passThreshold),
  });
}

function latestManualDecision(overrides: readonly ManualDecisionOverride[]): ManualDecisionOverride | null {
  let latest: ManualDecisionOverride | null = null;
  for (const o of overrides) {
    if (latest === null) latest = o;
    else {
      const t = Date.parse(o.decidedAt) - Date.parse(latest.decidedAt);
      // Same instant: the id breaks the tie so the order of overrides never matters.
      if (t > 0 || (t === 0 && o.id > latest.id)) latest = o;
    }
  }
  return latest;
}

function weightedAverage(
  items: ItemStanding[],
  percentOf: (i: ItemStanding) => number | null,
): number | null {
  let sum = 0;
  let weights = 0;
  for (const item of items) {
    const p = percentOf(item);
    if (p === null) return null;
    const w = item.weight ?? 1;
    sum += w * p;
    weights += w;
  }
  return weights > 0 ? sum / weights : null;
}

/** The moment the combination first passes, walking counted graded attempts chronologically. */
function weightedPass(
  items: ItemStanding[],
  threshold: number,
): { attempt: AttemptSummary; score: number } | null {
  const all = items
    .flatMap((item, i) => item.attempts.map((a) => ({ a, i })))
    .filter((x) => x.a.percent !== null)
    .sort((x, y) => compareChronologically(x.a, y.a));
  const best: Array<number | null> = items.map(() => null);
  for (const { a, i } of all) {
    best[i] = Math.max(best[i] ?? 0, a.percent ?? 0);
    const score = weightedAverage(items, (item) => best[items.indexOf(item)] ?? null);
    if (score !== null && meetsThreshold(score, threshold)) return { attempt: a, score };
  }
  return null;
}

function completionStanding(
  rules: AssessmentRules,
  path: LearningPath,
  completions: readonly CompletionRecord[],
  endMs: number,
): CompletionStanding {
  const requiredByDefinition = rules.completion.course || rules.completion.activities.length > 0;
  // On the prior-learning path the learner takes the summative directly (rule 5): requiring
  // completion of the course they skipped would close the path, so it is waived.
  const waived = requiredByDefinition && path === 'rpl';
  const counts = (c: CompletionRecord) =>
    c.completedAt === undefined || c.completedAt === null || Date.parse(c.completedAt) <= endMs;
  const missing: CompletionStanding['missing'] = [];
  if (requiredByDefinition && !waived) {
    if (rules.completion.course && !completions.some((c) => c.scope.kind === 'course' && counts(c)))
      missing.push({ kind: 'course' });
    for (const activity of rules.completion.activities)
      if (
        !completions.some((c) => c.scope.kind === 'activity' && c.scope.lmsId === activity.lmsId && counts(c))
      )
        missing.push({ kind: 'activity', activity });
  }
  return { required: requiredByDefinition && !waived, waived, met: missing.length === 0, missing };
}

function missingParam(c: CompletionStanding): ReasonParam {
  return {
    list: c.missing.map((m): ReasonParam =>
      m.kind === 'course' ? nested(reason('completion.course')) : m.activity.label,
    ),
  };
}

/**
 * Decides a learner's standing. Rules, in order: a manual decision wins; otherwise the
 * summative items must pass (threshold inclusive) with attempts that are valid, submitted by
 * the due date (or the learner's extension, never past the end date) and within the attempts
 * allowed (default 2, plus extra attempts granted); then any completion requirement must be
 * met by the end date (waived on the prior-learning path). Feedback is owed after a failed
 * attempt until it exists, in Jalon or in the LMS.
 * @throws RangeError when `now`, the due date or the end date is not a valid instant.
 */
export function evaluateStanding(input: PolicyInput): Standing {
  const { rules } = input;
  const nowMs = instantMs(input.now, 'now');
  const ruleDueMs = instantMs(rules.summativeDueAt, 'summativeDueAt');
  const endMs = instantMs(rules.endAt, 'endAt');
  const mine = <T extends { learner: string }>(xs: readonly T[] | undefined) =>
    (xs ?? []).filter((x) => x.learner === input.learner);

  const ignored: Ignored[] = [];
  const notes: Reason[] = [];

  // Facts are sorted into one canonical order first, so nothing below can depend on the
  // order they arrived in (ties in "earliest feedback" or "latest decision" included).
  const canonical = <T>(xs: T[]) =>
    xs
      .map((x) => [canonicalJson(x), x] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, x]) => x);
  const feedback = canonical(mine(input.feedback)).filter((f) => {
    const why = validateFeedback(f);
    if (why) ignored.push({ kind: 'feedback', id: f.sourceId ?? f.givenAt, reason: why });
    return why === null;
  });
  const overrides = canonical(mine(input.overrides)).filter((o) => {
    const why = validateOverride(o);
    if (why) ignored.push({ kind: 'override', id: String(o.id), reason: why });
    return why === null;
  });
  const extras = overrides.filter((o): o is ExtraAttemptsOverride => o.kind === 'extra_attempts');
  const manual = latestManualDecision(
    overrides.filter((o): o is ManualDecisionOverride => o.kind === 'manual_decision'),
  );

  const extension = Math.max(ruleDueMs, ...extras.map((o) => (o.until ? Date.parse(o.until) : ruleDueMs)));
  const dueMs = Math.min(endMs, extension);
  const dueAt = dueMs === ruleDueMs ? rules.summativeDueAt : new Date(dueMs).toISOString();

  let path: LearningPath = 'regular';
  if (input.path === 'rpl') {
    if (rules.priorLearningAllowed) {
      path = 'rpl';
      notes.push(reason('note.rpl'));
    } else notes.push(reason('note.rplNotOffered'));
  }

  const counting = countAttempts({ rules, attempts: mine(input.attempts), feedback, extras, dueMs, endMs });
  ignored.push(...counting.ignored);
  const { items } = counting;
  const completion = completionStanding(rules, path, mine(input.completions), endMs);
  if (completion.waived) notes.push(reason('note.completionWaived'));

  const extraTotal = extras.reduce((n, o) => n + o.count, 0);
  if (extraTotal > 0) notes.push(reason('note.extraAttempts', { count: extraTotal }));
  if (dueMs > ruleDueMs) notes.push(reason('note.extension', { due: { instant: dueAt } }));
  for (const f of counting.feedbackUsed)
    notes.push(
      reason('note.feedbackGiven', {
        attempt: nested(attemptLabel(f, rules)),
        origin: nested(reason(`origin.${f.origin}`)),
        when: { instant: f.givenAt },
      }),
    );
  for (const item of items)
    item.attempts.forEach((a) => {
      if (a.feedbackMissingBefore)
        notes.push(
          reason('note.feedbackMissingBefore', {
            attempt: nested(attemptLabel(a, rules)),
          }),
        );
    });

  // --- Did the learner pass the summative? -------------------------------------------------
  const single = items.length === 1;
  // With one item a weighted average is that item's score: the rules coincide.
  const weighted = rules.combination === 'weighted_average' && !single;
  const unweighted = items.map(({ weight: _w, ...i }) => i);
  let passingAttempt: AttemptSummary | null = null;
  let passScore: number | null = null;
  if (weighted) {
    const pass = weightedPass(items, rules.passThreshold);
    if (pass) ({ attempt: passingAttempt, score: passScore } = pass);
  } else if (items.every((i) => i.passedBy)) {
    const firsts = items.map((i) => i.passedBy).filter((a): a is AttemptSummary => a !== null);
    passingAttempt = firsts.sort(compareChronologically)[firsts.length - 1] ?? null;
    // Each item passed on its own; the combined score is their plain mean (weights, if the
    // form kept any, only mean something for a weighted average).
    passScore = weightedAverage(unweighted, (i) => i.passedBy?.percent ?? null);
  }
  const currentScore = weighted
    ? weightedAverage(items, (i) => i.bestPercent)
    : weightedAverage(unweighted, (i) => i.passedBy?.percent ?? i.bestPercent);

  const due = { instant: dueAt };
  const end = { instant: rules.endAt };
  const anyPending = items.some((i) => i.attempts.some((a) => a.percent === null));
  const allGraded = items.every((i) => i.bestPercent !== null);
  const totalLeft = items.reduce((n, i) => n + i.attemptsLeft, 0);

  let status: StandingStatus;
  let why: Reason;
  let next: Reason;

  if (passingAttempt) {
    const passed = weighted
      ? reason('reason.passedWeighted', { score: pct(passScore ?? 0), threshold: pct(rules.passThreshold) })
      : single
        ? reason('reason.passed', {
            attempt: nested(attemptLabel(passingAttempt, rules)),
            score: pct(passingAttempt.percent ?? 0),
            threshold: pct(rules.passThreshold),
          })
        : reason('reason.passedAll', { count: items.length, threshold: pct(rules.passThreshold) });
    if (completion.met) {
      status = 'achieved';
      why = passed;
      next = reason('next.claim');
    } else if (nowMs <= endMs) {
      status = 'awaiting_completion';
      why = reason('reason.awaitingCompletion', {
        passed: nested(passed),
        missing: missingParam(completion),
      });
      next = reason('next.complete', { missing: missingParam(completion), end });
    } else {
      status = 'past_deadline';
      why = reason('reason.completionMissingAtEnd', { end, missing: missingParam(completion) });
      next = reason('next.contact');
    }
  } else {
    // Failing moment for weighted: every item graded, average below, can a retry still reach it?
    const weightedFailed = weighted && allGraded;
    const reachable = weighted
      ? weightedAverage(items, (i) => (i.attemptsLeft > 0 ? 100 : i.bestPercent))
      : null;
    const weightedRetry =
      weightedFailed && totalLeft > 0 && reachable !== null && meetsThreshold(reachable, rules.passThreshold);
    const exhaustedItem = weighted ? undefined : items.find((i) => i.state === 'exhausted');
    // The failure that matters: any item's when averaging, a still-failing item's otherwise.
    const latestFailure = (): AttemptSummary | undefined =>
      items
        .filter((i) => weighted || i.state === 'failed' || i.state === 'exhausted')
        .flatMap((i) => i.attempts)
        .filter((a) => a.passed === false)
        .sort(compareChronologically)
        .pop();
    const weightedResult = () =>
      reason('reason.weightedBelow', { score: pct(currentScore ?? 0), threshold: pct(rules.passThreshold) });

    if (exhaustedItem || (weightedFailed && !weightedRetry && !anyPending)) {
      status = 'not_achieved';
      const last = exhaustedItem?.attempts[exhaustedItem.attempts.length - 1];
      why = reason('reason.noAttemptsLeft', {
        result: nested(last ? belowReason(last, rules) : weightedResult()),
      });
      next = reason('next.contact');
    } else if (anyPending) {
      status = 'awaiting_grade';
      const pending = items
        .flatMap((i) => i.attempts)
        .filter((a) => a.percent === null)
        .sort(compareChronologically)
        .pop();
      why = reason('reason.awaitingGrade', {
        attempt: nested(pending ? attemptLabel(pending, rules) : reason('attempt.single', { n: 1 })),
        submitted: { instant: pending?.submittedAt ?? dueAt },
      });
      next = reason('next.waitGrade');
    } else if (nowMs > dueMs) {
      status = 'past_deadline';
      const failure = latestFailure();
      if (!items.some((i) => i.attemptsUsed > 0)) why = reason('reason.noAttemptByDue', { due });
      else if (failure && (weighted ? allGraded : items.some((i) => i.state === 'failed')))
        why = reason('reason.pastDueAfterFail', {
          result: nested(weighted ? weightedResult() : belowReason(failure, rules)),
          due,
        });
      else why = reason('reason.pastDueIncomplete', { due });
      next = reason('next.contact');
    } else if (weighted ? weightedFailed : items.some((i) => i.state === 'failed')) {
      let owedOn: AttemptSummary | undefined;
      let result: Reason;
      let left: number;
      if (weighted) {
        const failure = latestFailure();
        if (rules.feedbackRequired && failure && !feedbackFor(failure, feedback)) owedOn = failure;
        result = weightedResult();
        left = totalLeft;
      } else {
        const failedItems = items.filter((i) => i.state === 'failed');
        const item = failedItems.find((i) => i.feedbackOwed) ?? failedItems[0];
        const last = item?.attempts[item.attempts.length - 1];
        if (item?.feedbackOwed) owedOn = last;
        result = last ? belowReason(last, rules) : weightedResult();
        left = item?.attemptsLeft ?? 0;
      }
      if (owedOn) {
        status = 'feedback_owed';
        why = reason('reason.feedbackOwed', { result: nested(result) });
        next = reason('next.waitFeedback', { due });
      } else {
        status = 'retry_open';
        why = reason('reason.retryOpen', { result: nested(result), left });
        next = reason('next.retry', { due, left });
      }
    } else if (items.some((i) => i.attemptsUsed > 0)) {
      status = 'in_progress';
      const done = weighted
        ? items.filter((i) => i.bestPercent !== null)
        : items.filter((i) => i.state === 'passed');
      const todo = items.filter((i) => !done.includes(i)).map((i) => i.ref.label);
      why = reason('reason.inProgress', { done: done.length, total: items.length });
      next = reason('next.continue', { due, items: { list: todo } });
    } else {
      status = 'not_started';
      why = reason('reason.notStarted', { due });
      next = reason('next.start', { due });
    }
  }

  const policyStatus = status;
  let decidedBy: Standing['decidedBy'] = 'policy';
  if (manual) {
    decidedBy = 'manual';
    status = manual.decision;
    notes.push(
      reason('note.policyWould', { status: nested(reason(`status.${policyStatus}`)), why: nested(why) }),
    );
    why = reason(manual.decision === 'achieved' ? 'reason.manualAchieved' : 'reason.manualNotAchieved', {
      note: manual.reason.trim(),
      when: { instant: manual.decidedAt },
    });
    next = manual.decision === 'achieved' ? reason('next.claim') : reason('next.contact');
  }

  const attemptsAllowed = items.reduce((n, i) => n + i.attemptsAllowed, 0);
  const attemptsUsed = items.reduce((n, i) => n + i.attemptsUsed, 0);
  return {
    status,
    policyStatus,
    decidedBy,
    path,
    reason: why,
    nextStep: next,
    notes,
    score: passingAttempt ? passScore : currentScore,
    passingAttempt,
    attemptsUsed,
    attemptsAllowed,
    attemptsLeft: Math.max(0, attemptsAllowed - attemptsUsed),
    items,
    formative: counting.formative,
    feedback: counting.feedbackUsed,
    completion,
    dueAt,
    endAt: rules.endAt,
    manualDecision: manual,
    ignored,
  };
}
