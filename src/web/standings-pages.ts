/**
 * The instructor's standings console: every learner of the course with their standing,
 * reason, score and attempts; forms to write the feedback owed, grant an extra attempt,
 * record a manual decision or set the prior-learning path; a chart of the score
 * distribution and pass rate per attempt (inline SVG, with the same numbers in a table).
 * The course is read from the launch session only. Forms carry the ltik (bound to the
 * session cookie: the anti-forgery token) and a one-time form id that becomes the row's id,
 * so a duplicated submit writes nothing twice. Every write is audited and re-evaluates
 * the learner through the `standings.evaluate` job.
 *
 * Also a hook for the learner page: the learner's own standing, loaded before the page
 * (served by the definition pages) renders it.
 */
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog, awards, feedback, learners, overrides } from '../db/schema/index.js';
import { recordInstructor, recordLearnerLaunch } from '../intake/launch-roster.js';
import type { DefinitionRepository, StoredVersion } from '../definitions/repository.js';
import { rememberLaunchEndpoint } from '../gradebook/write.js';
import { pickLang, translator, type Lang, type Translate } from '../i18n/index.js';
import { enqueue } from '../jobs/enqueue.js';
import type { Logger } from '../log.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { LtiEngine } from '../lti/engine.js';
import { assessmentKeyString } from '../microcredentials/definition.js';
import { evaluateStanding, type Standing } from '../microcredentials/policy.js';
import { formatInstant, formatPercent, renderReason } from '../microcredentials/reasons.js';
import type { AttemptSummary } from '../microcredentials/counting.js';
import { feedbackEmailKey, requestEvaluation } from '../standings/evaluate.js';
import { loadFacts } from '../standings/facts.js';
import { endOfDay, INSTITUTION_TIME_ZONE, isCalendarDay } from './definition-form.js';
import { learnerStandingModel } from './learner-page.js';
import { renderPage, requestLang } from './views.js';
import { currentDefinition, launchOf, launchQuery } from './launched.js';
import { intakeNotices } from './intake-notices.js';

/** What the standings pages need. */
export interface StandingsPagesDeps {
  engine: LtiEngine;
  repository: DefinitionRepository;
  db: Db;
  /** Path prefix of the LTI routes (`/lti`). */
  base: string;
  log?: Logger;
  timeZone?: string;
  now?: () => Date;
}

/** Limits of the form fields. */
export const LIMITS = { feedbackMax: 5000, reasonMax: 2000, extraMax: 5, attemptMax: 99 } as const;

const FORM_ID = /^[0-9a-f]{32}$/;
const newFormId = () => randomBytes(16).toString('hex');

/** One bar group of the chart: attempts of a rank. */
export interface AttemptStats {
  rank: number;
  graded: number;
  passed: number;
  /** Percent, rounded to one decimal; null without graded attempts. */
  passRate: number | null;
}

/** Score distribution (graded summative attempts in 10-point buckets) and pass rate per attempt. */
export function attemptStatistics(all: readonly Standing[]): {
  buckets: number[];
  perAttempt: AttemptStats[];
} {
  const buckets = Array.from({ length: 10 }, () => 0);
  const byRank = new Map<number, { graded: number; passed: number }>();
  for (const s of all)
    for (const item of s.items)
      for (const a of item.attempts) {
        if (a.percent === null) continue;
        buckets[Math.min(9, Math.floor(a.percent / 10))]! += 1;
        const r = byRank.get(a.rank) ?? { graded: 0, passed: 0 };
        r.graded += 1;
        if (a.passed) r.passed += 1;
        byRank.set(a.rank, r);
      }
  const perAttempt = [...byRank.entries()]
    .sort(([x], [y]) => x - y)
    .map(([rank, r]) => ({
      rank,
      ...r,
      passRate: r.graded ? Math.round((r.passed * 1000) / r.graded) / 10 : null,
    }));
  return { buckets, perAttempt };
}

/** The chart as SVG data: bars with their heights already computed (the view only draws). */
function chartModel(stats: ReturnType<typeof attemptStatistics>, t: Translate, lang: Lang) {
  const max = Math.max(1, ...stats.buckets);
  const H = 120;
  const bars = stats.buckets.map((n, i) => ({
    x: 30 + i * 34,
    h: Math.round((n / max) * H),
    y: 10 + H - Math.round((n / max) * H),
    n,
    label: i === 9 ? '90–100' : `${i * 10}–${i * 10 + 9}`,
  }));
  const rates = stats.perAttempt.map((p, i) => ({
    ...p,
    x: 30 + i * 60,
    h: Math.round(((p.passRate ?? 0) / 100) * H),
    y: 10 + H - Math.round(((p.passRate ?? 0) / 100) * H),
    shown: p.passRate === null ? '—' : formatPercent(p.passRate, lang),
    label: t('standings:chart.attemptN', { n: p.rank }),
  }));
  return { bars, rates, H, empty: stats.buckets.every((n) => n === 0) };
}

interface Row {
  learner: string;
  name: string;
  status: string;
  statusLabel: string;
  reason: string;
  next: string;
  score: string;
  used: number;
  allowed: number;
  left: number;
  path: 'regular' | 'rpl';
  awarded?: string;
  owed?: { assessment: string; attempt: number; label: string };
  feedbackGiven: Array<{ text: string; body?: string }>;
  formId: string;
}

/** The routes, mounted on the LTI engine (they need a launch session). */
export function standingsRouter(deps: StandingsPagesDeps): Router {
  const { engine, repository, base, db } = deps;
  const tz = deps.timeZone ?? INSTITUTION_TIME_ZONE;
  const now = deps.now ?? (() => new Date());
  const r = express.Router();
  const instructorOnly = engine.requireLaunch('instructor');
  const query = launchQuery;

  const current = (launch: LaunchContext) => currentDefinition(repository, launch);

  /** Live standings of every learner the course knows (the policy is pure and cheap). */
  const standingsOf = async (mcId: string, stored: StoredVersion, only?: string[]) => {
    const facts = await loadFacts(db, mcId, only);
    const ids = new Set<string>(only ?? []);
    if (!only) {
      for (const l of facts.learners) if (l.status === 'active') ids.add(l.userId);
      for (const x of [...facts.attempts, ...facts.feedback, ...facts.overrides]) ids.add(x.learner);
    }
    const at = now();
    return {
      facts,
      standings: [...ids].sort().map((learner) => ({
        learner,
        row: facts.learners.find((l) => l.userId === learner),
        standing: evaluateStanding({
          rules: stored.definition.assessment,
          learner,
          path: facts.learners.find((l) => l.userId === learner)?.path ?? 'regular',
          attempts: facts.attempts,
          feedback: facts.feedback,
          completions: facts.completions,
          overrides: facts.overrides,
          now: at,
        }),
      })),
    };
  };

  const owedOn = (s: Standing): { item: Standing['items'][number]; attempt: AttemptSummary } | undefined => {
    for (const item of s.items) {
      const last = item.attempts[item.attempts.length - 1];
      if (item.feedbackOwed && last) return { item, attempt: last };
    }
    return undefined;
  };

  interface PageState {
    problem?: string;
    status?: number;
    values?: Record<string, string>;
  }

  const show = async (req: Request, res: Response, state: PageState = {}) => {
    const launch = launchOf(res);
    const lang = requestLang(req, res);
    const t = translator(lang);
    const { mc, stored } = await current(launch);
    if (!mc || !stored) {
      renderPage(
        req,
        res,
        'standings.njk',
        { launch, base, q: query(req, res), none: true },
        state.status ?? 200,
      );
      return;
    }
    const { standings } = await standingsOf(mc.id, stored);
    const awardRows = await db.select().from(awards).where(eq(awards.microcredentialId, mc.id));
    const bodies = await db
      .select()
      .from(feedback)
      .where(and(eq(feedback.microcredentialId, mc.id), eq(feedback.origin, 'jalon')));
    const rows: Row[] = standings.map(({ learner, row, standing }) => {
      const award = awardRows.find((a) => a.userId === learner);
      const owed = owedOn(standing);
      return {
        learner,
        name: row?.name ?? learner,
        status: standing.status,
        statusLabel: t(`policy:status.${standing.status}`),
        reason: renderReason(standing.reason, lang, t, { timeZone: tz }),
        next: renderReason(standing.nextStep, lang, t, { timeZone: tz }),
        score: standing.score === null ? '—' : formatPercent(Math.round(standing.score * 100) / 100, lang),
        used: standing.attemptsUsed,
        allowed: standing.attemptsAllowed,
        left: standing.attemptsLeft,
        path: standing.path,
        ...(award && {
          awarded:
            award.status === 'revoked'
              ? t('standings:award.revoked')
              : t('standings:award.on', {
                  date: formatInstant(award.awardedAt.toISOString(), lang, { timeZone: tz }),
                }),
        }),
        ...(owed && {
          owed: {
            assessment: assessmentKeyString(owed.attempt.assessment),
            attempt: owed.attempt.attemptNumber,
            label: t('standings:feedback.on', { item: owed.item.ref.label, n: owed.attempt.attemptNumber }),
          },
        }),
        feedbackGiven: standing.feedback.map((f) => ({
          text: t('standings:feedback.given', {
            n: f.attemptNumber,
            origin: t(`policy:origin.${f.origin}`),
            when: formatInstant(f.givenAt, lang, { timeZone: tz }),
          }),
          ...(f.origin === 'jalon' && {
            body: bodies.find((b) => b.sourceId === f.sourceId && b.learner === learner)?.body ?? undefined,
          }),
        })),
        formId: newFormId(),
      };
    });
    const stats = attemptStatistics(standings.map((s) => s.standing));
    const intake = await intakeNotices(db, mc, t, (d) =>
      formatInstant(d.toISOString(), lang, { timeZone: tz }),
    );
    const counts = {
      learners: rows.length,
      achieved: rows.filter((x) => x.status === 'achieved').length,
      owed: rows.filter((x) => x.status === 'feedback_owed').length,
    };
    renderPage(
      req,
      res,
      'standings.njk',
      {
        launch,
        base,
        q: query(req, res),
        rows,
        counts,
        stats,
        chart: chartModel(stats, t, lang),
        intake,
        limits: LIMITS,
        endDay: stored.definition.assessment.endAt.slice(0, 10),
        problem: state.problem,
        values: state.values ?? {},
        done:
          typeof req.query.done === 'string' && /^[a-z]+$/.test(req.query.done) ? req.query.done : undefined,
      },
      state.status ?? 200,
    );
  };

  r.get('/learner', engine.requireLaunch('learner', 'instructor'), learnerStandingHook(deps));

  r.get('/standings', instructorOnly, async (req, res, next) => {
    try {
      const launch = launchOf(res);
      const { mc } = await current(launch);
      if (mc) {
        // What a background job needs later and only a launch tells: the AGS service, the staff.
        await rememberLaunchEndpoint({ db, engine }, mc.id, launch.platformId, res);
        await recordInstructor(db, mc.id, launch);
      }
      await show(req, res);
    } catch (err) {
      next(err);
    }
  });

  /** A refused write: the page again with the message, a 4xx, and a log line saying why. */
  const refuse = async (
    req: Request,
    res: Response,
    status: number,
    why: string,
    messageKey: string,
    params: Record<string, string | number> = {},
  ) => {
    const launch = launchOf(res);
    deps.log?.warn(
      { reason: why, status, path: req.path, platformId: launch.platformId, course: launch.course?.id },
      'standings form refused',
    );
    const t = translator(requestLang(req, res));
    await show(req, res, { problem: t(messageKey, params), status });
  };

  const ACTIONS = ['feedback', 'extra', 'decision', 'path'] as const;
  type Action = (typeof ACTIONS)[number];

  r.post(
    '/standings/:action',
    instructorOnly,
    express.urlencoded({ extended: false, limit: '64kb' }),
    (req, res, next) => {
      handleWrite(req, res).catch(next);
    },
  );

  const handleWrite = async (req: Request, res: Response): Promise<void> => {
    const launch = launchOf(res);
    const action = req.params.action as Action;
    if (!(ACTIONS as readonly string[]).includes(action))
      return refuse(req, res, 404, 'STANDINGS_UNKNOWN_ACTION', 'standings:errors.unknownAction');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const field = (k: string): string | undefined =>
      typeof body[k] === 'string' ? (body[k] as string) : undefined;
    // A field sent twice arrives as an array: malformed, not "the first one".
    if (Object.values(body).some((v) => typeof v !== 'string'))
      return refuse(req, res, 400, 'STANDINGS_MALFORMED_FIELDS', 'standings:errors.malformed');
    const formId = field('formId') ?? '';
    if (!FORM_ID.test(formId))
      return refuse(req, res, 400, 'STANDINGS_BAD_FORM_ID', 'standings:errors.malformed');
    const { mc, stored } = await current(launch);
    if (!mc || !stored)
      return refuse(req, res, 409, 'STANDINGS_NO_DEFINITION', 'standings:errors.noDefinition');
    const learner = field('learner') ?? '';
    const { standings } = await standingsOf(mc.id, stored);
    const target = standings.find((s) => s.learner === learner);
    if (!target) return refuse(req, res, 400, 'STANDINGS_UNKNOWN_LEARNER', 'standings:errors.unknownLearner');
    const actor = launch.userId;
    const at = now();

    let written: boolean;
    if (action === 'feedback') {
      const text = (field('body') ?? '').trim();
      if (!text) return refuse(req, res, 400, 'STANDINGS_FEEDBACK_EMPTY', 'standings:errors.feedbackEmpty');
      if (text.length > LIMITS.feedbackMax)
        return refuse(req, res, 400, 'STANDINGS_FEEDBACK_TOO_LONG', 'standings:errors.feedbackTooLong', {
          max: LIMITS.feedbackMax,
        });
      const key = field('assessment') ?? '';
      const item = stored.definition.assessment.summative.find((s) => assessmentKeyString(s.ref) === key);
      if (!item) return refuse(req, res, 400, 'STANDINGS_FEEDBACK_BAD_ITEM', 'standings:errors.badItem');
      const n = Number(field('attempt'));
      const known = target.standing.items
        .find((i) => assessmentKeyString(i.ref) === key)
        ?.attempts.some((x) => x.attemptNumber === n);
      if (!Number.isInteger(n) || n < 1 || n > LIMITS.attemptMax || !known)
        return refuse(req, res, 400, 'STANDINGS_FEEDBACK_BAD_ATTEMPT', 'standings:errors.badAttempt');
      written = await db.transaction(async (tx) => {
        const id = `fb-jalon-${formId}`;
        const inserted = await tx
          .insert(feedback)
          .values({
            id,
            microcredentialId: mc.id,
            learner,
            assessmentSource: item.ref.source,
            assessmentLmsId: item.ref.lmsId,
            attemptNumber: n,
            givenAt: at,
            origin: 'jalon',
            sourceId: id,
            body: text,
            givenBy: actor,
          })
          .onConflictDoNothing()
          .returning({ id: feedback.id });
        if (inserted.length === 0) return false;
        await tx.insert(auditLog).values({
          actor,
          action: 'feedback.give',
          subject: mc.id,
          details: { learner, assessment: key, attempt: n, feedbackId: id },
        });
        const row = target.row;
        if (row?.email) {
          const lang = pickLang(row.locale);
          const title =
            stored.definition.title[lang] || stored.definition.title.fr || stored.definition.title.en || '';
          await enqueue(tx as unknown as Db, {
            kind: 'email.send',
            onceKey: feedbackEmailKey('jalon', id),
            payload: {
              to: row.email,
              lang,
              template: 'feedback',
              params: {
                name: row.name ?? '',
                title,
                course: mc.courseTitle ?? '',
                feedback: text,
                due: formatInstant(target.standing.dueAt, lang, { timeZone: tz }),
              },
            },
          });
        }
        await requestEvaluation(tx as unknown as Db, mc.id, [learner]);
        return true;
      });
    } else if (action === 'extra') {
      const count = Number(field('count'));
      if (!Number.isInteger(count) || count < 1 || count > LIMITS.extraMax)
        return refuse(req, res, 400, 'STANDINGS_EXTRA_BAD_COUNT', 'standings:errors.extraCount', {
          max: LIMITS.extraMax,
        });
      const untilDay = (field('until') ?? '').trim();
      let until: string | undefined;
      if (untilDay) {
        if (!isCalendarDay(untilDay))
          return refuse(req, res, 400, 'STANDINGS_EXTRA_BAD_DATE', 'standings:errors.extraDate');
        // End of that day in the institution's zone, never beyond the end date.
        until = endOfDay(untilDay, tz);
        if (Date.parse(until) > Date.parse(stored.definition.assessment.endAt))
          return refuse(req, res, 400, 'STANDINGS_EXTRA_AFTER_END', 'standings:errors.extraAfterEnd', {
            end: formatInstant(stored.definition.assessment.endAt, requestLang(req, res), { timeZone: tz }),
          });
      }
      written = await writeOverride(mc.id, learner, actor, formId, {
        kind: 'extra_attempts',
        count,
        ...(until && { until }),
        grantedAt: at.toISOString(),
        grantedBy: actor,
      });
    } else if (action === 'decision') {
      const decision = field('decision');
      if (decision !== 'achieved' && decision !== 'not_achieved')
        return refuse(req, res, 400, 'STANDINGS_DECISION_BAD', 'standings:errors.decision');
      const why = (field('reason') ?? '').trim();
      if (!why)
        return refuse(req, res, 400, 'STANDINGS_DECISION_NO_REASON', 'standings:errors.decisionReason');
      if (why.length > LIMITS.reasonMax)
        return refuse(req, res, 400, 'STANDINGS_DECISION_TOO_LONG', 'standings:errors.reasonTooLong', {
          max: LIMITS.reasonMax,
        });
      written = await writeOverride(mc.id, learner, actor, formId, {
        kind: 'manual_decision',
        decision,
        reason: why,
        decidedAt: at.toISOString(),
        decidedBy: actor,
      });
    } else {
      const path = field('path');
      if (path !== 'regular' && path !== 'rpl')
        return refuse(req, res, 400, 'STANDINGS_PATH_BAD', 'standings:errors.path');
      if (path === 'rpl' && !stored.definition.assessment.priorLearningAllowed)
        return refuse(req, res, 400, 'STANDINGS_PATH_NOT_OFFERED', 'standings:errors.rplNotOffered');
      written = await db.transaction(async (tx) => {
        const [before] = await tx
          .select()
          .from(learners)
          .where(and(eq(learners.microcredentialId, mc.id), eq(learners.userId, learner)));
        if ((before?.path ?? 'regular') === path) return false;
        await tx
          .insert(learners)
          .values({ microcredentialId: mc.id, userId: learner, path })
          .onConflictDoUpdate({
            target: [learners.microcredentialId, learners.userId],
            set: { path, updatedAt: at },
          });
        await tx.insert(auditLog).values({
          actor,
          action: 'learner.path',
          subject: mc.id,
          details: { learner, from: before?.path ?? 'regular', to: path, formId },
        });
        await requestEvaluation(tx as unknown as Db, mc.id, [learner]);
        return true;
      });
    }
    deps.log?.info(
      { action, learner, platformId: launch.platformId, course: launch.course?.id, written },
      written ? 'standings write saved' : 'standings write already saved (duplicate submit)',
    );
    res.redirect(303, `${base}/standings?${query(req, res)}&done=${action}`);
  };

  const writeOverride = (
    mcId: string,
    learner: string,
    actor: string,
    formId: string,
    data: Record<string, unknown> & { kind: 'extra_attempts' | 'manual_decision' },
  ) =>
    db.transaction(async (tx) => {
      const id = `ov-${formId}`;
      const inserted = await tx
        .insert(overrides)
        .values({
          id,
          microcredentialId: mcId,
          learner,
          kind: data.kind,
          data: { ...data, id, learner },
          createdBy: actor,
        })
        .onConflictDoNothing()
        .returning({ id: overrides.id });
      if (inserted.length === 0) return false;
      await tx.insert(auditLog).values({
        actor,
        action: `override.${data.kind}`,
        subject: mcId,
        details: { learner, overrideId: id, ...data },
      });
      await requestEvaluation(tx as unknown as Db, mcId, [learner]);
      return true;
    });

  return r;
}

/**
 * Keeps the learner's row current from their own launch (name, e-mail, language, SIS id),
 * so that e-mails reach them; never touches the path the instructor set. The intake
 * module's roster sync writes the same rows.
 */

/**
 * Middleware for the learner page: loads the launching learner's own standing (live, from
 * the facts) into `res.locals.learnerStanding` for the page to show. Never fails the page.
 */
export function learnerStandingHook(deps: StandingsPagesDeps) {
  const tz = deps.timeZone ?? INSTITUTION_TIME_ZONE;
  const now = deps.now ?? (() => new Date());
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const launch = res.locals.launch as LaunchContext | undefined;
      if (!launch?.course?.id) return next();
      const mc = await deps.repository.find(launch.platformId, launch.course.id);
      if (!mc) return next();
      // Learners' launches carry the AGS service too: the gradebook job needs it later.
      await rememberLaunchEndpoint(deps, mc.id, launch.platformId, res);
      const stored = await deps.repository.latest(mc.id);
      if (!stored || launch.isInstructor) return next();
      await recordLearnerLaunch(deps.db, mc.id, launch);
      const facts = await loadFacts(deps.db, mc.id, [launch.userId]);
      const me = facts.learners[0];
      const standing = evaluateStanding({
        rules: stored.definition.assessment,
        learner: launch.userId,
        path: me?.path ?? 'regular',
        attempts: facts.attempts,
        feedback: facts.feedback,
        completions: facts.completions,
        overrides: facts.overrides,
        now: now(),
      });
      const [award] = await deps.db
        .select()
        .from(awards)
        .where(and(eq(awards.microcredentialId, mc.id), eq(awards.userId, launch.userId)));
      const bodies = await deps.db
        .select()
        .from(feedback)
        .where(and(eq(feedback.microcredentialId, mc.id), eq(feedback.learner, launch.userId)));
      const lang = requestLang(req, res);
      res.locals.learnerStanding = learnerStandingModel(standing, lang, {
        timeZone: tz,
        summative: stored.definition.assessment.summative.map((s) => s.ref),
        feedbackBodies: Object.fromEntries(bodies.filter((b) => b.body).map((b) => [b.sourceId, b.body!])),
        award: award && { status: award.status, awardedAt: award.awardedAt.toISOString() },
        claimUrl: `${deps.base}/claim?ltik=${encodeURIComponent(launch.ltik)}&lang=${lang}`,
      });
    } catch (err) {
      deps.log?.warn({ err }, 'could not load the learner’s standing');
    }
    next();
  };
}
