/**
 * The micro-credential definition pages, bound to the launch's LTI context: the course
 * console with a summary of the current version, the definition form (instructors and
 * content developers only), the badge image, and the learner landing page. The course is
 * never read from the URL or the body: only from the launch session, so a form cannot
 * reach another course's definition. Forms carry the ltik, which is bound to the session
 * cookie and so also serves as the anti-forgery token.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import multer from 'multer';
import { rememberLaunchEndpoint } from '../gradebook/write.js';
import type { LmsActivity } from '../connectors/types.js';
import type { Db } from '../db/client.js';
import { DefinitionRepository, type CourseRef, type StoredVersion } from '../definitions/repository.js';
import { translator, type Lang, type Translate } from '../i18n/index.js';
import { saveImage, loadImage } from '../images/store.js';
import { checkImage, IMAGE_LIMITS, ImageError, type CheckedImage } from '../images/validate.js';
import type { Logger } from '../log.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { LtiEngine } from '../lti/engine.js';
import {
  activityWarnings,
  type ActivityWarning,
  type WarningRules,
} from '../microcredentials/activity-warnings.js';
import {
  ALIGNMENTS_MAX,
  INSTITUTION_TIME_ZONE,
  JALON_COLUMN_KEY,
  assessmentOptions,
  completionOptions,
  definitionToForm,
  endOfDay,
  fieldId,
  fieldKeyOf,
  formToInput,
  isCalendarDay,
  parseNumber,
  rowCount,
  type FormState,
} from './definition-form.js';
import { learnerPageModel, pickText } from './learner-page.js';
import {
  ASSESSMENT_TYPES,
  DEFAULT_ATTEMPTS,
  DELIVERY_MODES,
  EXPIRY_UNITS,
  IDENTITY_VERIFICATIONS,
  LEARNER_OUTCOMES,
  LEARNING_OUTCOMES_MAX,
  SUPERVISION_KINDS,
  formatInstant,
  formatPercent,
  validateDefinition,
  type FieldError,
  type MicroCredentialDefinition,
} from '../microcredentials/index.js';
import { HttpError } from './errors.js';
import { renderPage, requestLang } from './views.js';

/** What the LMS lists for the course, or why it cannot. */
export interface ActivityListing {
  /** False when no connector is set up (or it failed): only Jalon's column can be picked. */
  connected: boolean;
  activities: LmsActivity[];
  /** What went wrong, as an i18n key (any namespace) with parameters. */
  problem?: { messageKey: string; params?: Record<string, string | number>; authorizeUrl?: string };
}

/** Lists the course's assessment activities live through the platform's connector. */
export interface ActivitySource {
  list(launch: LaunchContext): Promise<ActivityListing>;
}

/** Jalon's own gradebook column (an AGS line item the instructor grades in the LMS). */
export interface GradebookColumn {
  /** Creates the column if missing and returns its line-item id, if known. */
  ensure(
    launch: LaunchContext,
    label: string,
    scoreMaximum: number,
    res: Response,
  ): Promise<string | undefined>;
}

/** What the definition pages need. */
export interface DefinitionPagesDeps {
  engine: LtiEngine;
  /** Reads; saving runs in a transaction with its own repository over `db`. */
  repository: DefinitionRepository;
  db: Db;
  /** Path prefix of the LTI routes (`/lti`). */
  base: string;
  activities: ActivitySource;
  gradebookColumn?: GradebookColumn;
  log?: Logger;
  timeZone?: string;
}

/** The listing when no connector is set up: Jalon still works on its own column. */
export const NO_CONNECTOR: ActivitySource = {
  list: async () => ({
    connected: false,
    activities: [],
    problem: { messageKey: 'definition:connector.missing' },
  }),
};

/** Score maximum of Jalon's own column: results are percentages. */
const JALON_COLUMN_MAXIMUM = 100;

const upload = multer({
  storage: multer.memoryStorage(),
  // Larger than the image limit, so that most oversized images reach `checkImage` and get
  // its message with every typed value kept; beyond that multer stops reading.
  limits: { fileSize: IMAGE_LIMITS.maxBytes * 4, files: 1, fields: 800, fieldSize: 64 * 1024, parts: 900 },
}).single('badgeImage');

/** The routes, mounted on the LTI engine (they need a launch session). */
export function definitionPagesRouter(deps: DefinitionPagesDeps): Router {
  const { engine, repository, base } = deps;
  const tz = deps.timeZone ?? INSTITUTION_TIME_ZONE;
  const r = express.Router();
  const instructorOnly = engine.requireLaunch('instructor');

  const launchOf = (res: Response) => res.locals.launch as LaunchContext;
  const courseOf = (launch: LaunchContext): CourseRef => {
    if (!launch.course?.id) throw new HttpError(400, 'definition:errors.noCourse', 'NO_COURSE_CONTEXT');
    const lmsCourseId = launch.custom.canvas_course_id;
    return {
      platformId: launch.platformId,
      contextId: launch.course.id,
      ...(launch.course.title !== undefined && { title: launch.course.title }),
      ...(launch.course.label !== undefined && { label: launch.course.label }),
      ...(lmsCourseId !== undefined && { lmsCourseId }),
    };
  };
  /** The course's latest version, without creating anything (GET pages write nothing). */
  const current = async (launch: LaunchContext): Promise<StoredVersion | undefined> => {
    const course = courseOf(launch);
    const mc = await repository.find(course.platformId, course.contextId);
    return mc ? repository.latest(mc.id) : undefined;
  };
  const query = (req: Request, res: Response) =>
    `ltik=${encodeURIComponent(launchOf(res).ltik)}&lang=${requestLang(req, res)}`;
  const courseTitle = (launch: LaunchContext, t: Translate) =>
    launch.course?.title ?? launch.course?.label ?? t('launch:thisCourse');

  const listActivities = async (launch: LaunchContext): Promise<ActivityListing> => {
    try {
      return await deps.activities.list(launch);
    } catch (err) {
      deps.log?.warn({ err, platformId: launch.platformId }, 'listing course activities failed');
      return { connected: false, activities: [], problem: { messageKey: 'definition:connector.failed' } };
    }
  };

  // ------------------------------------------------------------------ console

  r.get('/console', instructorOnly, async (req, res, next) => {
    try {
      const launch = launchOf(res);
      const lang = requestLang(req, res);
      const t = translator(lang);
      const stored = launch.course ? await current(launch) : undefined;
      renderPage(req, res, 'console.njk', {
        launch,
        base,
        q: query(req, res),
        courseTitle: courseTitle(launch, t),
        summary: stored && consoleSummary(stored, lang, tz),
      });
    } catch (err) {
      next(err);
    }
  });

  // ------------------------------------------------------------------ learner page

  r.get('/learner', engine.requireLaunch('learner', 'instructor'), async (req, res, next) => {
    try {
      const launch = launchOf(res);
      const lang = requestLang(req, res);
      const t = translator(lang);
      const stored = launch.course ? await current(launch) : undefined;
      renderPage(req, res, 'learner.njk', {
        launch,
        base,
        q: query(req, res),
        courseTitle: courseTitle(launch, t),
        learnerName: launch.name ?? t('launch:someone'),
        preview: launch.isInstructor,
        standing: res.locals.learnerStanding, // set by the standings module's hook
        page: learnerPageModel(stored?.definition, lang, stored?.version, {
          timeZone: tz,
          imageUrl: `${base}/definition/badge-image?${query(req, res)}`,
        }),
      });
    } catch (err) {
      next(err);
    }
  });

  // ------------------------------------------------------------------ badge image

  r.get('/definition/badge-image', engine.requireLaunch('learner', 'instructor'), async (req, res, next) => {
    try {
      const stored = await current(launchOf(res));
      const img = stored?.definition.imageId
        ? await loadImage(deps.db, stored.definition.imageId)
        : undefined;
      if (!img) throw new HttpError(404, 'error.notFound', 'NO_BADGE_IMAGE');
      // An SVG opened on its own must not run anything, even if sanitising missed something.
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
      res.setHeader('Cache-Control', 'private, max-age=300');
      res.type(img.mime).send(img.bytes);
    } catch (err) {
      next(err);
    }
  });

  // ------------------------------------------------------------------ definition form

  interface FormView {
    state: FormState;
    errors?: FieldError[];
    fieldOf?: Array<[string, string]>;
    listing: ActivityListing;
    stored: StoredVersion | undefined;
    notice?: { kind: 'ok' | 'warn'; text: string };
    chooseImageAgain?: boolean;
    status?: number;
  }

  const showForm = (req: Request, res: Response, view: FormView) => {
    const launch = launchOf(res);
    const lang = requestLang(req, res);
    const t = translator(lang);
    const { state, listing, stored } = view;
    const jalonLabel = jalonColumnLabel(state.values, lang, t, courseTitle(launch, t));
    const options = assessmentOptions(listing.activities, stored?.definition, jalonLabel);
    const rules = warningRules(state.values, tz);
    const rows = options.map((o, index) => {
      const choice = state.choices[o.key];
      const role = choice?.role ?? 'none';
      const warnings =
        o.activity && role !== 'formative'
          ? activityWarnings(o.activity, rules, 'summative').map((w) => renderWarning(w, lang, t, tz))
          : [];
      return {
        index,
        key: o.key,
        label: o.ref.label,
        source: t(`definition:options.source.${o.ref.source}`),
        // Only web links: the address comes from the LMS, not from Jalon.
        url: o.activity?.url && /^https?:\/\//i.test(o.activity.url) ? o.activity.url : undefined,
        facts: o.activity ? lmsFacts(o.activity, lang, t, tz) : [],
        role,
        weight: choice?.weight ?? '',
        warnings,
        hypothetical: role === 'none',
        missing: o.missing === true,
        isJalonColumn: o.key === JALON_COLUMN_KEY,
      };
    });
    const completion = completionOptions(listing.activities, stored?.definition).map((c, index) => {
      const checked = state.completion.includes(c.lmsId);
      return {
        index,
        lmsId: c.lmsId,
        label: c.label,
        checked,
        missing: c.missing === true,
        warnings:
          checked && c.activity
            ? activityWarnings(c.activity, rules, 'completion').map((w) => renderWarning(w, lang, t, tz))
            : [],
      };
    });

    // Errors: one list for the summary (in order), and per field for the messages.
    const byField: Record<string, string[]> = {};
    const summary: Array<{ href: string; text: string }> = [];
    for (const e of view.errors ?? []) {
      const key =
        e.path.startsWith('items.') || e.path === 'badgeImage'
          ? e.path
          : fieldKeyOf(e.path, view.fieldOf ?? []);
      const text = t(e.key, e.params);
      (byField[key] ??= []).push(text);
      const field = fieldLabel(key, t, (i) => options[i]?.ref.label);
      summary.push({
        href: `#${anchorOf(key)}`,
        text: field ? t('definition:errorSummary.item', { field, message: text }) : text,
      });
    }
    const family =
      launch.productFamily === 'moodle' || launch.productFamily === 'canvas' ? launch.productFamily : 'other';
    renderPage(
      req,
      res,
      'definition.njk',
      {
        launch,
        base,
        q: query(req, res),
        courseTitle: courseTitle(launch, t),
        values: state.values,
        rows,
        completion,
        errs: byField,
        summary,
        notice: view.notice,
        chooseImageAgain: view.chooseImageAgain,
        stored: stored && {
          version: stored.version,
          updatedAt: formatInstant(stored.updatedAt.toISOString(), lang, { timeZone: tz }),
          hasImage: stored.definition.imageId !== undefined,
        },
        imageUrl: `${base}/definition/badge-image?${query(req, res)}`,
        connector: {
          connected: listing.connected,
          family,
          problem: listing.problem ? t(listing.problem.messageKey, listing.problem.params ?? {}) : undefined,
          authorizeUrl: listing.problem?.authorizeUrl,
        },
        outcomeRows: rowCount(state.values, 'outcomes', LEARNING_OUTCOMES_MAX, 3),
        alignmentRows: rowCount(state.values, 'alignments', ALIGNMENTS_MAX, 1),
        imageLimits: {
          maxKb: Math.round(IMAGE_LIMITS.maxBytes / 1024),
          min: IMAGE_LIMITS.minSide,
          max: IMAGE_LIMITS.maxSide,
        },
        choices: {
          deliveryMode: DELIVERY_MODES,
          assessmentType: ASSESSMENT_TYPES,
          supervision: SUPERVISION_KINDS,
          identityVerification: IDENTITY_VERIFICATIONS,
          learnerOutcome: LEARNER_OUTCOMES,
          expiryUnit: EXPIRY_UNITS,
        },
        fid: fieldId,
      },
      view.status ?? 200,
    );
  };

  r.get('/definition', instructorOnly, async (req, res, next) => {
    try {
      const launch = launchOf(res);
      courseOf(launch);
      const [stored, listing] = await Promise.all([current(launch), listActivities(launch)]);
      showForm(req, res, { state: definitionToForm(stored?.definition, tz), listing, stored });
    } catch (err) {
      next(err);
    }
  });

  r.post('/definition', instructorOnly, (req: Request, res: Response, next: NextFunction) => {
    upload(req, res, (uploadError: unknown) => {
      saveDefinition(req, res, uploadError).catch(next);
    });
  });

  const saveDefinition = async (req: Request, res: Response, uploadError: unknown): Promise<void> => {
    const launch = launchOf(res);
    const lang = requestLang(req, res);
    const t = translator(lang);
    const course = courseOf(launch);
    const fileTooLarge = uploadError instanceof multer.MulterError && uploadError.code === 'LIMIT_FILE_SIZE';
    if (uploadError && !fileTooLarge) {
      deps.log?.warn({ err: uploadError, platformId: launch.platformId }, 'definition form refused');
      throw new HttpError(400, 'error.badRequest', 'DEFINITION_FORM_MALFORMED');
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const [stored, listing] = await Promise.all([current(launch), listActivities(launch)]);
    const jalonLabel = jalonColumnLabel(bodyValues(body), lang, t, courseTitle(launch, t));
    const assessments = assessmentOptions(listing.activities, stored?.definition, jalonLabel);

    // The badge image: a new upload (checked, stored only with the definition), the one
    // already stored, or none when the instructor removes it.
    const imageErrors: FieldError[] = [];
    let image: CheckedImage | undefined;
    let imageId = stored?.definition.imageId;
    if (fileTooLarge) {
      imageErrors.push({
        path: 'badgeImage',
        key: 'images:tooLarge',
        params: { max: Math.round(IMAGE_LIMITS.maxBytes / 1024) },
      });
    } else if (req.file && req.file.size > 0) {
      try {
        image = checkImage(req.file.buffer);
        imageId = image.id;
      } catch (err) {
        if (!(err instanceof ImageError)) throw err;
        imageErrors.push({ path: 'badgeImage', key: err.key, params: err.params });
      }
    } else if (body['badgeImage.remove'] === 'yes') {
      imageId = undefined;
    }

    const parsed = formToInput(body, {
      assessments,
      completion: completionOptions(listing.activities, stored?.definition),
      ...(imageId !== undefined && { imageId }),
      timeZone: tz,
    });
    const validation = validateDefinition(parsed.input);
    const errors = [...parsed.errors, ...(validation.ok ? [] : validation.errors), ...imageErrors];
    if (!validation.ok || errors.length > 0) {
      deps.log?.info(
        { platformId: launch.platformId, course: course.contextId, fields: errors.map((e) => e.path) },
        'definition not saved: invalid fields',
      );
      return showForm(req, res, {
        state: parsed,
        errors,
        fieldOf: parsed.fieldOf,
        listing,
        stored,
        chooseImageAgain: image !== undefined,
        status: 400,
      });
    }

    const definition = validation.definition;
    const actor = `lti:${launch.platformId}:${launch.userId}`;
    // One transaction: the image, the course's micro-credential and the version are saved
    // together or not at all.
    const saved = await deps.db.transaction(async (tx) => {
      const repo = new DefinitionRepository(tx as unknown as Db);
      if (image) await saveImage(tx as unknown as Db, image);
      const mc = await repo.ensure(course);
      return repo.save(mc.id, definition, actor);
    });
    deps.log?.info(
      {
        platformId: launch.platformId,
        course: course.contextId,
        action: saved.decision.action,
        version: saved.version.version,
      },
      'definition saved',
    );

    let notice: FormView['notice'] = { kind: 'ok', text: savedMessage(saved.decision, t) };
    if (usesJalonColumn(definition) && deps.gradebookColumn) {
      // The results sync reads the column back later, outside any launch: it needs the service.
      // The definition is saved whatever happens here; the next launch remembers it again.
      await rememberLaunchEndpoint(deps, saved.version.microcredentialId, launch.platformId, res).catch(
        (err: unknown) =>
          deps.log?.warn({ err, platformId: launch.platformId }, 'remembering the AGS service failed'),
      );
      try {
        await deps.gradebookColumn.ensure(launch, jalonLabel, JALON_COLUMN_MAXIMUM, res);
      } catch (err) {
        deps.log?.warn({ err, platformId: launch.platformId }, 'creating Jalon’s gradebook column failed');
        notice = { kind: 'warn', text: `${notice.text} ${t('definition:saved.columnFailed')}` };
      }
    }
    showForm(req, res, {
      state: definitionToForm(definition, tz),
      listing,
      stored: saved.version,
      notice,
    });
  };

  return r;
}

// ---------------------------------------------------------------------------- helpers

/** Errors on a whole group link to the group's first control. */
const GROUP_ANCHORS: Record<string, string> = {
  form: 'definition-form',
  learningOutcomes: fieldId('outcomes.0'),
  alignments: fieldId('alignments.0.name'),
  'assessment.summative': fieldId('items.0'),
};

/** The label of each field, so that the error summary says which field each message is about. */
const FIELD_LABELS: Record<string, string> = {
  title: 'fields.title.label',
  code: 'fields.code.label',
  description: 'fields.description.label',
  purpose: 'fields.purpose.label',
  learningOutcomes: 'fields.learningOutcomes.label',
  notionalHours: 'fields.notionalHours.label',
  credits: 'fields.credits.label',
  level: 'fields.level.label',
  deliveryMode: 'fields.deliveryMode.label',
  prerequisites: 'fields.prerequisites.label',
  assessmentTypes: 'fields.assessmentTypes.label',
  assessmentDetails: 'fields.assessmentDetails.label',
  'supervision.kind': 'fields.supervision.label',
  'supervision.identityVerification': 'fields.identityVerification.label',
  'supervision.details': 'fields.supervision.details',
  'qualityAssurance.name': 'fields.qualityAssurance.label',
  'qualityAssurance.url': 'fields.qualityAssurance.url',
  learnerOutcomes: 'fields.learnerOutcomes.label',
  'stacking.kind': 'fields.stacking.label',
  'stacking.into': 'fields.stacking.into',
  'stacking.towards': 'fields.stacking.towards',
  'stacking.url': 'fields.stacking.url',
  alignments: 'fields.alignments.label',
  'expiry.kind': 'fields.expiry.label',
  'expiry.date': 'fields.expiry.date',
  'expiry.amount': 'fields.expiry.amount',
  'expiry.unit': 'fields.expiry.unit',
  'assessment.summative': 'fields.summative.label',
  'assessment.passThreshold': 'fields.passThreshold.label',
  'assessment.combination': 'fields.combination.label',
  'assessment.attempts': 'fields.attempts.label',
  'assessment.feedbackRequired': 'fields.feedbackRequired.label',
  'assessment.summativeDueAt': 'fields.summativeDueAt.label',
  'assessment.endAt': 'fields.endAt.label',
  'assessment.startAt': 'fields.startAt.label',
  'assessment.priorLearningAllowed': 'fields.priorLearningAllowed.label',
  'assessment.completion.course': 'fields.completion.course',
  'assessment.completion.activities': 'fields.completion.activities',
  badgeImage: 'fields.badgeImage.label',
};

/** A field's label as the form shows it (rows are numbered, activities named). */
function fieldLabel(
  key: string,
  t: Translate,
  activity: (row: number) => string | undefined,
): string | undefined {
  const known = FIELD_LABELS[key];
  if (known) return t(`definition:${known}`);
  const outcome = /^outcomes\.(\d+)$/.exec(key);
  if (outcome) return t('definition:fields.learningOutcomes.item', { n: Number(outcome[1]) + 1 });
  const alignment = /^alignments\.(\d+)\.(name|url|code|framework)$/.exec(key);
  if (alignment)
    return `${t('definition:fields.alignments.item', { n: Number(alignment[1]) + 1 })} — ${t(`definition:fields.alignments.${alignment[2]}`)}`;
  const item = /^items\.(\d+)(\.weight)?$/.exec(key);
  const label = item ? activity(Number(item[1])) : undefined;
  if (item && label)
    return t(item[2] ? 'definition:fields.itemWeight' : 'definition:fields.itemRole', { activity: label });
  return undefined;
}

/** The id an error-summary link points at. */
function anchorOf(key: string): string {
  return GROUP_ANCHORS[key] ?? fieldId(key);
}

/** The submitted body as form values (for labels computed before parsing). */
function bodyValues(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['title.fr', 'title.en']) if (typeof body[k] === 'string') out[k] = body[k];
  return out;
}

/** Jalon's column is named after the micro-credential, in the instructor's language first. */
function jalonColumnLabel(
  values: Record<string, string | string[]>,
  lang: Lang,
  t: Translate,
  course: string,
): string {
  const own = values[`title.${lang}`];
  const other = values[`title.${lang === 'fr' ? 'en' : 'fr'}`];
  const pick = [own, other].find((v): v is string => typeof v === 'string' && v.trim() !== '');
  return (pick ?? t('definition:jalonColumn.defaultLabel', { course })).trim().slice(0, 200);
}

function usesJalonColumn(def: MicroCredentialDefinition): boolean {
  const refs = [...def.assessment.summative.map((s) => s.ref), ...def.assessment.formative];
  return refs.some((r) => r.source === 'jalon-column');
}

/** The rules the warnings compare against, from what the form currently says. */
function warningRules(values: Record<string, string | string[]>, tz: string): WarningRules {
  const v = (k: string) => (typeof values[k] === 'string' ? values[k] : '');
  const attempts = parseNumber(v('assessment.attempts'));
  const threshold = parseNumber(v('assessment.passThreshold'));
  const day = v('assessment.summativeDueAt').trim();
  const endDay = v('assessment.endAt').trim();
  return {
    attempts: typeof attempts === 'number' ? attempts : DEFAULT_ATTEMPTS,
    passThreshold: typeof threshold === 'number' ? threshold : Number.NaN,
    summativeDueAt: isCalendarDay(day) ? endOfDay(day, tz) : '',
    endAt: isCalendarDay(endDay) ? endOfDay(endDay, tz) : '',
  };
}

function renderWarning(w: ActivityWarning, lang: Lang, t: Translate, tz: string): string {
  const params: Record<string, string | number> = { ...w.params };
  for (const name of w.instants ?? [])
    params[name] = formatInstant(String(w.params[name]), lang, { timeZone: tz });
  for (const name of w.percents ?? []) params[name] = formatPercent(Number(w.params[name]), lang);
  return t(w.key, params);
}

/** What the LMS says of an activity, in words. */
function lmsFacts(a: LmsActivity, lang: Lang, t: Translate, tz: string): string[] {
  const out: string[] = [];
  if (a.attemptsAllowed === null) out.push(t('definition:activities.attemptsUnlimited'));
  else if (a.attemptsAllowed !== undefined)
    out.push(t('definition:activities.attempts', { count: a.attemptsAllowed }));
  if (a.maxScore !== undefined) out.push(t('definition:activities.maxScore', { max: a.maxScore }));
  if (a.gradeToPass !== undefined && a.gradeToPass > 0)
    out.push(t('definition:activities.gradeToPass', { points: a.gradeToPass }));
  if (a.dueAt)
    out.push(t('definition:activities.dueAt', { date: formatInstant(a.dueAt, lang, { timeZone: tz }) }));
  return out;
}

type SaveDecision = Awaited<ReturnType<DefinitionRepository['save']>>['decision'];

function savedMessage(d: SaveDecision, t: Translate): string {
  switch (d.action) {
    case 'created':
      return t('definition:saved.created', { version: d.version });
    case 'edit_in_place':
      return t('definition:saved.edited', { version: d.version });
    case 'new_version':
      return t('definition:saved.newVersion', { version: d.version, previous: d.previousVersion });
    case 'unchanged':
      return t('definition:saved.unchanged', { version: d.version });
  }
}

/** The console's summary of the current version. */
function consoleSummary(stored: StoredVersion, lang: Lang, tz: string) {
  const d = stored.definition;
  const t = translator(lang);
  return {
    title: pickText(d.title, lang),
    version: stored.version,
    updatedAt: formatInstant(stored.updatedAt.toISOString(), lang, { timeZone: tz }),
    summative: d.assessment.summative.map((s) => s.ref.label),
    threshold: formatPercent(d.assessment.passThreshold, lang),
    attempts: d.assessment.attempts,
    due: formatInstant(d.assessment.summativeDueAt, lang, { timeZone: tz }),
    end: formatInstant(d.assessment.endAt, lang, { timeZone: tz }),
    hours: d.notionalHours,
    mode: t(`definition:options.deliveryMode.${d.deliveryMode}`),
  };
}
