/**
 * Warnings shown next to an LMS activity when its own settings contradict the
 * micro-credential's rules. Jalon reads the LMS as the source of truth but applies its own
 * rules (attempts, threshold, due date): when the two disagree, learners and instructors get
 * surprises, so the definition form says so before anyone is assessed. Pure: keys of the
 * `definition` namespace with their parameters; dates stay ISO instants for the caller to
 * format in the reader's language.
 */
import type { LmsActivity } from '../connectors/types.js';
import type { AssessmentRules } from './definition.js';

/** A warning: an i18n key (`definition:warnings.…`) and its parameters. */
export interface ActivityWarning {
  key: string;
  params: Record<string, string | number>;
  /** Names of parameters holding ISO instants, to be formatted for the reader. */
  instants?: string[];
  /** Names of parameters holding percentages, to be formatted for the reader. */
  percents?: string[];
}

/** How the activity is used by the micro-credential. */
export type ActivityRole = 'summative' | 'formative' | 'completion';

/** The rules a warning is checked against. */
export type WarningRules = Pick<AssessmentRules, 'attempts' | 'passThreshold' | 'summativeDueAt' | 'endAt'>;

const W = 'definition:warnings.';

/** Percent difference below which two thresholds are the same (rounding of points). */
const THRESHOLD_TOLERANCE = 0.5;

const round2 = (n: number) => Math.round(n * 100) / 100;

function summativeWarnings(a: LmsActivity, rules: WarningRules): ActivityWarning[] {
  const out: ActivityWarning[] = [];
  if (a.attemptsAllowed === null) {
    out.push({ key: `${W}attemptsUnlimited`, params: { rules: rules.attempts } });
  } else if (typeof a.attemptsAllowed === 'number') {
    if (a.attemptsAllowed < rules.attempts)
      out.push({ key: `${W}attemptsFewer`, params: { lms: a.attemptsAllowed, rules: rules.attempts } });
    else if (a.attemptsAllowed > rules.attempts)
      out.push({ key: `${W}attemptsMore`, params: { lms: a.attemptsAllowed, rules: rules.attempts } });
  }
  if (a.maxScore !== undefined && !(a.maxScore > 0)) out.push({ key: `${W}noMaxScore`, params: {} });
  if (a.gradeToPass !== undefined && a.gradeToPass > 0 && a.maxScore !== undefined && a.maxScore > 0) {
    const lmsPercent = round2((a.gradeToPass / a.maxScore) * 100);
    if (Math.abs(lmsPercent - rules.passThreshold) >= THRESHOLD_TOLERANCE)
      out.push({
        key: `${W}passMarkDiffers`,
        params: { lms: lmsPercent, rules: rules.passThreshold },
        percents: ['lms', 'rules'],
      });
  }
  const lmsDue = a.dueAt !== undefined ? Date.parse(a.dueAt) : Number.NaN;
  if (!Number.isNaN(lmsDue)) {
    const due = Date.parse(rules.summativeDueAt);
    if (lmsDue > due)
      out.push({
        key: `${W}dueLater`,
        params: { lms: a.dueAt!, rules: rules.summativeDueAt },
        instants: ['lms', 'rules'],
      });
    else if (lmsDue < due)
      out.push({
        key: `${W}dueEarlier`,
        params: { lms: a.dueAt!, rules: rules.summativeDueAt },
        instants: ['lms', 'rules'],
      });
  }
  return out;
}

/**
 * The contradictions between an activity's LMS settings and the rules, for the role the
 * activity plays. Settings the LMS did not report (undefined) raise nothing: only a known
 * contradiction is worth the instructor's attention.
 */
export function activityWarnings(
  activity: LmsActivity,
  rules: WarningRules,
  role: ActivityRole,
): ActivityWarning[] {
  switch (role) {
    case 'summative':
      return summativeWarnings(activity, rules);
    case 'formative':
      // Formative items never decide the award (rule 2): their settings cannot contradict it.
      return [];
    case 'completion':
      return activity.completionTracked === false ? [{ key: `${W}completionNotTracked`, params: {} }] : [];
  }
}
