/**
 * Shared set-up for the definition-page tests: a real Jalon with a Moodle-shaped test
 * platform registered, real launches, the multipart form as a browser posts it (with the
 * session cookie of the launch), Moodle-like activities from a fake connector, and small
 * real images.
 */
import { sql } from 'drizzle-orm';
import type { LmsActivity } from '../../src/connectors/types.js';
import type { ActivityListing, ActivitySource } from '../../src/web/definition-pages.js';
import type { LaunchContext } from '../../src/lti/launch-context.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';
import { Browser, startPlatform, type Platform } from '../platform/index.js';

/** Moodle-like activities: a quiz allowing one attempt, an assignment, a quiz with a pass mark. */
export const MOODLE_ACTIVITIES: LmsActivity[] = [
  {
    ref: { source: 'moodle-quiz', lmsId: '101', label: 'Final exam' },
    kind: 'quiz',
    maxScore: 10,
    attemptsAllowed: 1,
    gradeToPass: 7,
    dueAt: '2030-05-15T23:59:00-04:00',
    cmid: '501',
    completionTracked: true,
    url: 'https://moodle.example.edu/mod/quiz/view.php?id=501',
  },
  {
    ref: { source: 'moodle-assign', lmsId: '102', label: 'Practical demonstration' },
    kind: 'assignment',
    maxScore: 100,
    attemptsAllowed: null,
    cmid: '502',
    completionTracked: false,
  },
  {
    ref: { source: 'moodle-quiz', lmsId: '103', label: 'Practice quiz' },
    kind: 'quiz',
    maxScore: 20,
    attemptsAllowed: 2,
    cmid: '503',
    completionTracked: true,
  },
];

/** Index of each option row in the form: the live activities, then Jalon's column. */
export const ROW = { exam: 0, demo: 1, practice: 2, jalon: 3 } as const;

/** A connector that lists fixed activities and records who asked. */
export function fakeActivities(activities: LmsActivity[] = MOODLE_ACTIVITIES): ActivitySource & {
  calls: LaunchContext[];
} {
  const calls: LaunchContext[] = [];
  return {
    calls,
    async list(launch: LaunchContext): Promise<ActivityListing> {
      calls.push(launch);
      return { connected: true, activities };
    },
  };
}

/** A Jalon with a Moodle-shaped platform registered and activated (manual registration). */
export async function jalonWithMoodle(): Promise<{ jalon: TestJalon; moodle: Platform }> {
  const jalon = await startJalon();
  const moodle = await startPlatform({ family: 'moodle' });
  await registerManually(jalon, moodle);
  return { jalon, moodle };
}

/** A launched session: its browser (cookie jar), ltik and landing page. */
export interface Session {
  browser: Browser;
  ltik: string;
  landing: { status: number; url: string; body: string };
}

/** Runs a complete launch and returns the session it opened. */
export async function launch(
  platform: Platform,
  user: string,
  course: string,
  locale?: string,
): Promise<Session> {
  const browser = new Browser();
  const r = await browser.launch(platform, { user, course, ...(locale && { locale }) });
  const ltik = new URL(r.final.url).searchParams.get('ltik');
  if (r.final.status !== 200 || !ltik) throw new Error(`launch failed: ${r.final.status} ${r.final.url}`);
  return { browser, ltik, landing: { status: r.final.status, url: r.final.url, body: r.final.body } };
}

/** The institution administrator role, as LMSs send it. */
export const ADMIN_ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator';

/** A launch as an institution administrator (the administration area's audience). */
export async function adminLaunch(platform: Platform, course = 'math'): Promise<Session> {
  const browser = new Browser();
  const r = await browser.launch(platform, {
    user: 'dean',
    course,
    locale: 'en',
    claims: { 'https://purl.imsglobal.org/spec/lti/claim/roles': [ADMIN_ROLE] },
  });
  const ltik = new URL(r.final.url).searchParams.get('ltik');
  if (r.final.status !== 200 || !ltik) throw new Error(`admin launch failed: ${r.final.status}`);
  return { browser, ltik, landing: { status: r.final.status, url: r.final.url, body: r.final.body } };
}

/** GET a launched page (`/lti/<path>`), with the session's ltik. */
export async function getPage(jalon: TestJalon, s: Session, path: string, lang?: string) {
  const url = `${jalon.url}/lti/${path}?ltik=${encodeURIComponent(s.ltik)}${lang ? `&lang=${lang}` : ''}`;
  const r = await s.browser.request('GET', url);
  return { status: r.status, body: r.body, headers: r.headers };
}

/** Form fields as a browser sends them (a repeated name is an array). */
export type Fields = Record<string, string | string[]>;

/** A file input's content. */
export interface Upload {
  bytes: Buffer;
  filename: string;
  type: string;
}

/**
 * POSTs the definition form as multipart/form-data, as the browser does: the ltik in the
 * action URL and in the hidden field, the session cookie from the launch.
 */
export async function postDefinition(
  jalon: TestJalon,
  s: Session,
  fields: Fields,
  options: { file?: Upload; lang?: string; ltikInUrl?: boolean } = {},
): Promise<{ status: number; body: string }> {
  const form = new FormData();
  form.append('ltik', s.ltik);
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
  }
  if (options.file)
    form.append(
      'badgeImage',
      new Blob([new Uint8Array(options.file.bytes)], { type: options.file.type }),
      options.file.filename,
    );
  const query = options.ltikInUrl === false ? '' : `?ltik=${encodeURIComponent(s.ltik)}`;
  const lang = options.lang ? `${query ? '&' : '?'}lang=${options.lang}` : '';
  const url = `${jalon.url}/lti/definition${query}${lang}`;
  const cookie = s.browser.jar.header(url);
  const res = await fetch(url, {
    method: 'POST',
    body: form,
    headers: { ...(cookie && { cookie }), origin: jalon.url },
    redirect: 'manual',
  });
  return { status: res.status, body: await res.text() };
}

/** A complete, valid, bilingual definition as the form posts it. */
export function completeForm(overrides: Fields = {}): Fields {
  return {
    'title.fr': 'Premiers soins en milieu de travail',
    'title.en': 'Workplace first aid',
    code: 'MC-PS-101',
    'description.fr': 'Intervenir en cas d’urgence au travail.',
    'description.en': 'Respond to an emergency at work.',
    'purpose.en': 'For supervisors who must hold a first-aid certificate.',
    'outcomes.0.fr': 'Évaluer une situation d’urgence',
    'outcomes.0.en': 'Assess an emergency',
    'outcomes.1.fr': 'Pratiquer la réanimation cardiorespiratoire',
    'outcomes.1.en': 'Perform cardiopulmonary resuscitation',
    'outcomes.2.fr': '',
    'outcomes.2.en': '',
    notionalHours: '15',
    credits: '0,5',
    'level.fr': 'Introduction',
    'level.en': 'Introductory',
    deliveryMode: 'hybrid',
    'prerequisites.fr': '',
    'prerequisites.en': '',
    assessmentTypes: ['test', 'practical_demonstration'],
    'supervision.kind': 'in_person',
    'supervision.identityVerification': 'photo_id',
    'qualityAssurance.name.fr': 'Comité des programmes',
    'qualityAssurance.name.en': 'Program committee',
    'qualityAssurance.url': 'https://example.edu/qa',
    learnerOutcomes: ['badge', 'credit'],
    'stacking.kind': 'stackable',
    'stacking.towards.fr': 'Certificat en santé et sécurité',
    'stacking.towards.en': 'Certificate in health and safety',
    'stacking.url': 'https://example.edu/certificate',
    'alignments.0.name.en': 'CSA Z1210 First aid',
    'alignments.0.name.fr': '',
    'alignments.0.url': 'https://example.org/csa-z1210',
    'alignments.0.code': 'Z1210',
    'expiry.kind': 'after_award',
    'expiry.amount': '3',
    'expiry.unit': 'years',
    [`items.${ROW.exam}.key`]: 'moodle-quiz:101',
    [`items.${ROW.exam}.role`]: 'summative',
    [`items.${ROW.demo}.key`]: 'moodle-assign:102',
    [`items.${ROW.demo}.role`]: 'none',
    [`items.${ROW.practice}.key`]: 'moodle-quiz:103',
    [`items.${ROW.practice}.role`]: 'formative',
    [`items.${ROW.jalon}.key`]: 'jalon-column:jalon',
    [`items.${ROW.jalon}.role`]: 'none',
    'assessment.passThreshold': '80',
    'assessment.combination': 'each_must_pass',
    'assessment.attempts': '2',
    'assessment.feedbackRequired': 'yes',
    'assessment.summativeDueAt': '2030-04-30',
    'assessment.endAt': '2030-05-31',
    'assessment.startAt': '2030-01-13',
    'assessment.priorLearningAllowed': 'yes',
    'assessment.completion.course': 'yes',
    'assessment.completion.activities': ['503'],
    ...overrides,
  };
}

/** Rows in a table (to prove that nothing was saved). */
export async function countRows(jalon: TestJalon, table: string): Promise<number> {
  const r = await jalon.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
  const rows = (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as Array<{ n: number }>;
  return rows[0]!.n;
}

/** Row counts of every table a save writes to. */
export async function savedState(jalon: TestJalon): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['microcredentials', 'definition_versions', 'images', 'audit_log'])
    out[t] = await countRows(jalon, t);
  return out;
}

/** Decodes the HTML entities nunjucks writes, for assertions on text. */
export function text(html: string): string {
  return html
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
export { png } from '../helpers/png.js';
