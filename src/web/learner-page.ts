/**
 * The learner landing page's view model: what the micro-credential is, its rules in plain
 * words, its dates and what to do next, in the learner's language. A text the instructor
 * wrote only in the other language is shown as is, marked with its `lang` so that screen
 * readers pronounce it right. Pure: the clock and the translator are inputs.
 */
import { translator, type Lang } from '../i18n/index.js';
import {
  formatInstant,
  formatPercent,
  renderReason,
  type AssessmentRef,
  type Standing,
  type LocalizedText,
  type MicroCredentialDefinition,
} from '../microcredentials/index.js';
import { INSTITUTION_TIME_ZONE } from './definition-form.js';

/** A text to show; `lang` is set when it is not in the page's language. */
export interface ShownText {
  text: string;
  lang?: Lang;
  url?: string;
}

/** One fact of the "about" list: a term and its values. */
export interface Fact {
  term: string;
  values: ShownText[];
}

/** Everything the learner page shows. */
export interface LearnerPageModel {
  hasDefinition: boolean;
  version?: number;
  title?: ShownText;
  description?: ShownText;
  purpose?: ShownText;
  outcomes: ShownText[];
  facts: Fact[];
  rules: string[];
  dates: Array<{ term: string; value: string; datetime: string }>;
  next: string[];
  imageUrl?: string;
}

/** Inputs besides the definition. */
export interface LearnerPageOptions {
  /** The current instant (tests pass a fixed one). */
  now?: Date;
  timeZone?: string;
  /** Where the badge image is served, when the definition has one. */
  imageUrl?: string;
}

/** The text in `lang`, or else in the other language marked as such. */
export function pickText(text: LocalizedText | undefined, lang: Lang): ShownText | undefined {
  if (!text) return undefined;
  const own = text[lang];
  if (own !== undefined && own !== '') return { text: own };
  const other: Lang = lang === 'fr' ? 'en' : 'fr';
  const theirs = text[other];
  return theirs !== undefined && theirs !== '' ? { text: theirs, lang: other } : undefined;
}

function formatDay(iso: string, lang: Lang, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', { dateStyle: 'long', timeZone }).format(
    d,
  );
}

function list(items: string[], lang: Lang): string {
  return new Intl.ListFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', {
    style: 'long',
    type: 'conjunction',
  }).format(items);
}

/** A date ending in "p.m." at the end of a sentence must not get a second period. */
const tidy = (sentence: string) => sentence.replace(/(\p{L})\.\.(?!\.)/gu, '$1.');

const quoted = (label: string, lang: Lang) => (lang === 'fr' ? `«\u00a0${label}\u00a0»` : `“${label}”`);

/** Builds the learner page for a definition (or its absence) in one language. */
export function learnerPageModel(
  def: MicroCredentialDefinition | undefined,
  lang: Lang,
  version?: number,
  options: LearnerPageOptions = {},
): LearnerPageModel {
  const t = translator(lang);
  if (!def) {
    return { hasDefinition: false, outcomes: [], facts: [], rules: [], dates: [], next: [t('learner:none')] };
  }
  const tz = options.timeZone ?? INSTITUTION_TIME_ZONE;
  const now = (options.now ?? new Date()).getTime();
  const own = (text: string): ShownText => ({ text });
  const facts: Fact[] = [];
  const fact = (term: string, values: Array<ShownText | undefined>) => {
    const shown = values.filter((v): v is ShownText => v !== undefined);
    if (shown.length > 0) facts.push({ term: t(term), values: shown });
  };
  const number = (n: number) => new Intl.NumberFormat(lang === 'fr' ? 'fr-CA' : 'en-CA').format(n);

  fact('learner:about.hours', [own(t('learner:about.hoursValue', { hours: number(def.notionalHours) }))]);
  if (def.credits !== undefined) fact('learner:about.credits', [own(number(def.credits))]);
  fact('learner:about.level', [pickText(def.level, lang)]);
  fact('learner:about.deliveryMode', [own(t(`definition:options.deliveryMode.${def.deliveryMode}`))]);
  fact('learner:about.prerequisites', [
    pickText(def.prerequisites, lang) ?? own(t('learner:about.noPrerequisites')),
  ]);
  fact('learner:about.assessment', [
    own(
      list(
        def.assessmentTypes.map((a) => t(`definition:options.assessmentType.${a}`)),
        lang,
      ),
    ),
    pickText(def.assessmentDetails, lang),
  ]);
  fact('learner:about.supervision', [
    own(t(`definition:options.supervision.${def.supervision.kind}`)),
    own(
      t('learner:about.identity', {
        how: t(`definition:options.identityVerification.${def.supervision.identityVerification}`),
      }),
    ),
    pickText(def.supervision.details, lang),
  ]);
  const qa = pickText(def.qualityAssurance.name, lang);
  fact('learner:about.qualityAssurance', [
    qa && { ...qa, ...(def.qualityAssurance.url && { url: def.qualityAssurance.url }) },
  ]);
  fact('learner:about.outcome', [
    own(
      list(
        def.learnerOutcomes.map((o) => t(`definition:options.learnerOutcome.${o}`)),
        lang,
      ),
    ),
  ]);
  const s = def.stacking;
  if (s.kind === 'stand_alone')
    fact('learner:about.stacking', [own(t('definition:options.stacking.stand_alone'))]);
  else if (s.kind === 'integrated') {
    const into = pickText(s.into, lang);
    fact('learner:about.stacking', [own(t('definition:options.stacking.integrated')), into]);
  } else {
    const towards = pickText(s.towards, lang);
    fact('learner:about.stacking', [
      own(t('learner:about.stackableTowards')),
      towards && { ...towards, ...(s.url && { url: s.url }) },
    ]);
  }
  fact(
    'learner:about.alignments',
    def.alignments.map((a) => {
      const name = pickText(a.name, lang);
      return name && { ...name, text: a.code ? `${name.text} (${a.code})` : name.text, url: a.url };
    }),
  );
  const e = def.expiry;
  fact('learner:about.expiry', [
    own(
      e.kind === 'none'
        ? t('learner:about.noExpiry')
        : e.kind === 'fixed_date'
          ? t('learner:about.expiresOn', { date: formatDay(`${e.date}T12:00:00Z`, lang, 'UTC') })
          : t('learner:about.expiresAfter', {
              amount: number(e.amount),
              unit: t(`definition:options.expiryUnit.${e.unit}`),
            }),
    ),
  ]);
  if (def.code) fact('learner:about.code', [own(def.code)]);

  // The rules, as sentences a learner reads once.
  const r = def.assessment;
  const label = (ref: AssessmentRef) => quoted(ref.label, lang);
  const summative = list(
    r.summative.map((i) => label(i.ref)),
    lang,
  );
  const threshold = formatPercent(r.passThreshold, lang);
  const rules: string[] = [];
  const rule = (sentence: string) => rules.push(tidy(sentence));
  if (r.summative.length === 1) rule(t('learner:rules.thresholdOne', { threshold, items: summative }));
  else if (r.combination === 'weighted_average')
    rule(
      t('learner:rules.thresholdWeighted', {
        threshold,
        items: list(
          r.summative.map((i) => `${label(i.ref)} (${formatPercent(i.weight ?? 0, lang)})`),
          lang,
        ),
      }),
    );
  else rule(t('learner:rules.thresholdEach', { threshold, items: summative }));
  rule(
    r.attempts === 1
      ? t('learner:rules.attemptsOne')
      : t('learner:rules.attemptsMany', { count: number(r.attempts) }),
  );
  if (r.feedbackRequired && r.attempts > 1) rule(t('learner:rules.feedback'));
  const due = formatInstant(r.summativeDueAt, lang, { timeZone: tz });
  const end = formatInstant(r.endAt, lang, { timeZone: tz });
  rule(t('learner:rules.due', { date: due }));
  rule(t('learner:rules.end', { date: end }));
  if (r.priorLearningAllowed) rule(t('learner:rules.priorLearning'));
  if (r.completion.course) rule(t('learner:rules.completionCourse'));
  if (r.completion.activities.length > 0)
    rule(
      t('learner:rules.completionActivities', {
        activities: list(
          r.completion.activities.map((a) => quoted(a.label, lang)),
          lang,
        ),
      }),
    );
  if (r.formative.length > 0)
    rule(t('learner:rules.formative', { items: list(r.formative.map(label), lang) }));

  const dates: LearnerPageModel['dates'] = [];
  if (r.startAt)
    dates.push({
      term: t('learner:dates.start'),
      value: formatDay(r.startAt, lang, tz),
      datetime: r.startAt,
    });
  dates.push({ term: t('learner:dates.due'), value: due, datetime: r.summativeDueAt });
  dates.push({ term: t('learner:dates.end'), value: end, datetime: r.endAt });

  const next: string[] = [];
  const step = (sentence: string) => next.push(tidy(sentence));
  if (now > Date.parse(r.endAt)) step(t('learner:next.ended'));
  else if (now > Date.parse(r.summativeDueAt)) step(t('learner:next.pastDue'));
  else {
    step(t('learner:next.before', { items: summative, date: due }));
    if (r.priorLearningAllowed) step(t('learner:next.priorLearning'));
    step(t('learner:next.afterPassing'));
  }

  return {
    hasDefinition: true,
    ...(version !== undefined && { version }),
    title: pickText(def.title, lang),
    description: pickText(def.description, lang),
    purpose: pickText(def.purpose, lang),
    outcomes: def.learningOutcomes
      .map((o) => pickText(o, lang))
      .filter((o): o is ShownText => o !== undefined),
    facts,
    rules,
    dates,
    next,
    ...(def.imageId && options.imageUrl && { imageUrl: options.imageUrl }),
  };
}

/** What the learner's own standing section shows. */
export interface LearnerStandingModel {
  status: string;
  statusLabel: string;
  reason: string;
  next: string;
  score?: string;
  used: number;
  allowed: number;
  left: number;
  attempts: Array<{
    item: string;
    n: number;
    submitted: string;
    datetime: string;
    score: string;
    result: string;
  }>;
  feedback: Array<{ text: string; body?: string }>;
  due: { value: string; datetime: string };
  end: { value: string; datetime: string };
  notes: string[];
  awarded?: { on: string; revoked: boolean };
  claimUrl?: string;
}

/** Inputs of {@link learnerStandingModel} besides the standing. */
export interface LearnerStandingOptions {
  timeZone?: string;
  /** The summative items (for their labels). */
  summative: AssessmentRef[];
  /** Text of feedback written in Jalon, by source id. */
  feedbackBodies?: Record<string, string>;
  award?: { status: string; awardedAt: string };
  /** The claim page (built by the badges module). */
  claimUrl?: string;
}

/**
 * The learner's standing in their language: status and why, score, attempts used and left
 * with each attempt's result, the feedback received (and where it was written), the dates
 * and what remains; with the claim link once awarded.
 */
export function learnerStandingModel(
  standing: Standing,
  lang: Lang,
  options: LearnerStandingOptions,
): LearnerStandingModel {
  const t = translator(lang);
  const tz = options.timeZone ?? INSTITUTION_TIME_ZONE;
  const when = (iso: string) => formatInstant(iso, lang, { timeZone: tz });
  const label = (key: { source: string; lmsId: string }) =>
    options.summative.find((s) => s.source === key.source && s.lmsId === key.lmsId)?.label ?? key.lmsId;
  const awarded =
    options.award &&
    ({ on: when(options.award.awardedAt), revoked: options.award.status === 'revoked' } as const);
  return {
    status: standing.status,
    statusLabel: t(`policy:status.${standing.status}`),
    reason: renderReason(standing.reason, lang, t, { timeZone: tz }),
    next: renderReason(standing.nextStep, lang, t, { timeZone: tz }),
    ...(standing.score !== null && { score: formatPercent(Math.round(standing.score * 100) / 100, lang) }),
    used: standing.attemptsUsed,
    allowed: standing.attemptsAllowed,
    left: standing.attemptsLeft,
    attempts: standing.items.flatMap((item) =>
      item.attempts.map((a) => ({
        item: item.ref.label,
        n: a.attemptNumber,
        submitted: when(a.submittedAt),
        datetime: a.submittedAt,
        score:
          a.percent === null
            ? t('standings:learner.notGraded')
            : formatPercent(Math.round(a.percent * 100) / 100, lang),
        result:
          a.passed === null
            ? t('standings:learner.pending')
            : a.passed
              ? t('standings:learner.passed')
              : t('standings:learner.failed'),
      })),
    ),
    feedback: standing.feedback.map((f) => ({
      text: t('standings:learner.feedbackFrom', {
        item: label(f.assessment),
        n: f.attemptNumber,
        origin: t(`policy:origin.${f.origin}`),
        when: when(f.givenAt),
      }),
      ...(f.origin === 'jalon' && f.sourceId && options.feedbackBodies?.[f.sourceId]
        ? { body: options.feedbackBodies[f.sourceId] }
        : {}),
    })),
    due: { value: when(standing.dueAt), datetime: standing.dueAt },
    end: { value: when(standing.endAt), datetime: standing.endAt },
    notes: standing.notes
      .filter((n) => !n.key.endsWith('note.feedbackGiven') && !n.key.endsWith('note.policyWould'))
      .map((n) => renderReason(n, lang, t, { timeZone: tz })),
    ...(awarded && { awarded }),
    ...(awarded && !awarded.revoked && options.claimUrl && { claimUrl: options.claimUrl }),
  };
}
