/**
 * The definition form through real launches from the Moodle-shaped test platform, on a real
 * database: a complete bilingual save, validation in both languages with nothing saved,
 * versioning once awards exist, activity warnings, role and course isolation.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eq } from 'drizzle-orm';
import { awards, definitionVersions, microcredentials } from '../../src/db/schema/index.js';
import type { MicroCredentialDefinition } from '../../src/microcredentials/index.js';
import type { TestJalon } from '../helpers/jalon.js';
import { Browser, type Platform } from '../platform/index.js';
import {
  ROW,
  completeForm,
  countRows,
  fakeActivities,
  getPage,
  jalonWithMoodle,
  launch,
  postDefinition,
  savedState,
  text,
  type Session,
} from './definition-fixtures.js';

let jalon: TestJalon;
let moodle: Platform;
const source = fakeActivities();

beforeAll(async () => {
  ({ jalon, moodle } = await jalonWithMoodle());
  jalon.running.services.activities = source;
});

afterAll(async () => {
  await moodle?.close();
  await jalon?.stop();
});

/** The stored versions of a course's micro-credential, oldest first. */
async function versionsOf(
  contextId: string,
): Promise<Array<{ id: string; version: number; definition: MicroCredentialDefinition }>> {
  const [mc] = await jalon.database.db
    .select()
    .from(microcredentials)
    .where(eq(microcredentials.contextId, contextId));
  if (!mc) return [];
  const rows = await jalon.database.db
    .select()
    .from(definitionVersions)
    .where(eq(definitionVersions.microcredentialId, mc.id));
  return rows
    .map((r) => ({ id: r.id, version: r.version, definition: r.definition as MicroCredentialDefinition }))
    .sort((a, b) => a.version - b.version);
}

/** The value of the input named `name` in a page. */
function inputValue(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input[^>]*name="${name.replace(/\./g, '\\.')}"[^>]*>`).exec(html)?.[0];
  return tag ? text(/value="([^"]*)"/.exec(tag)?.[1] ?? '') : undefined;
}

const mathCourseId = () => moodle.course('math').contextId;
const histCourseId = () => moodle.course('hist').contextId;

let prof: Session;

describe('instructor: the definition form', () => {
  beforeAll(async () => {
    prof = await launch(moodle, 'prof', 'math', 'en');
  });

  test('the console says no micro-credential is defined yet and links to the form', async () => {
    expect(prof.landing.url).toContain('/lti/console?');
    expect(prof.landing.body).toContain('No micro-credential is defined for this course yet.');
    expect(prof.landing.body).toMatch(/href="\/lti\/definition\?ltik=[^"&]+&amp;lang=en"/);
  });

  test('the empty form carries the ltik, lists the course activities with their warnings, and offers Jalon’s column', async () => {
    const page = await getPage(jalon, prof, 'definition');
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<input type="hidden" name="ltik" value="${prof.ltik}">`);
    expect(page.body).toContain('enctype="multipart/form-data"');
    for (const label of ['Final exam', 'Practical demonstration', 'Practice quiz'])
      expect(page.body).toContain(label);
    expect(page.body).toContain('Result entered in Jalon');
    // Defaults: two attempts, feedback required.
    expect(inputValue(page.body, 'assessment.attempts')).toBe('2');
    expect(page.body).toMatch(/name="assessment\.feedbackRequired" value="yes" checked/);
    // The quiz allows one attempt, the assignment unlimited ones: said next to each.
    const body = text(page.body);
    expect(body).toContain('Attempts allowed by the platform: 1; by the rules: 2.');
    expect(body).toContain('The platform allows unlimited attempts: Jalon counts only the first 2.');
    // The connector was asked with this launch's course, not another.
    expect(source.calls.at(-1)?.course?.id).toBe(mathCourseId());
    // GET writes nothing.
    expect(await countRows(jalon, 'microcredentials')).toBe(0);
  });

  test('saves a complete bilingual definition as version 1', async () => {
    const before = await countRows(jalon, 'definition_versions');
    const r = await postDefinition(jalon, prof, completeForm());
    expect(r.status).toBe(200);
    expect(text(r.body)).toContain('Saved: version 1 of the micro-credential was created.');
    expect(await countRows(jalon, 'definition_versions')).toBe(before + 1);
    const [v1] = await versionsOf(mathCourseId());
    const d = v1!.definition;
    expect(d.title).toEqual({ fr: 'Premiers soins en milieu de travail', en: 'Workplace first aid' });
    expect(d.code).toBe('MC-PS-101');
    expect(d.purpose).toEqual({ en: 'For supervisors who must hold a first-aid certificate.' });
    expect(d.learningOutcomes).toHaveLength(2);
    expect(d.credits).toBe(0.5); // typed "0,5"
    expect(d.stacking).toEqual({
      kind: 'stackable',
      towards: { fr: 'Certificat en santé et sécurité', en: 'Certificate in health and safety' },
      url: 'https://example.edu/certificate',
    });
    expect(d.alignments).toEqual([
      { name: { en: 'CSA Z1210 First aid' }, url: 'https://example.org/csa-z1210', code: 'Z1210' },
    ]);
    expect(d.expiry).toEqual({ kind: 'after_award', amount: 3, unit: 'years' });
    expect(d.assessment.summative).toEqual([
      { ref: { source: 'moodle-quiz', lmsId: '101', label: 'Final exam' } },
    ]);
    expect(d.assessment.formative).toEqual([{ source: 'moodle-quiz', lmsId: '103', label: 'Practice quiz' }]);
    expect(d.assessment).toMatchObject({
      passThreshold: 80,
      attempts: 2,
      feedbackRequired: true,
      priorLearningAllowed: true,
      // Calendar days become the end (or start) of the day in Toronto, daylight time included.
      summativeDueAt: '2030-04-30T23:59:59-04:00',
      endAt: '2030-05-31T23:59:59-04:00',
      startAt: '2030-01-13T00:00:00-05:00',
      completion: { course: true, activities: [{ lmsId: '503', label: 'Practice quiz' }] },
    });
    // The saved page shows the stored values back and the summative quiz's warnings.
    expect(inputValue(r.body, 'title.en')).toBe('Workplace first aid');
    expect(r.body).toMatch(/<option value="summative" selected>/);
    expect(text(r.body)).toContain('The platform’s grade to pass is 70%, the rules’ threshold is 80%');
  });

  test('the console summarises the current version', async () => {
    const page = await getPage(jalon, prof, 'console');
    expect(page.body).toContain('Workplace first aid');
    expect(page.body).toContain('Current definition: version 1');
    expect(page.body).toContain('Final exam');
    expect(page.body).toContain('Edit the micro-credential');
  });

  test('validation errors in English: summary with links, messages on fields, values kept, nothing saved', async () => {
    const before = await savedState(jalon);
    const r = await postDefinition(
      jalon,
      prof,
      completeForm({
        'title.fr': '',
        'title.en': '   ',
        notionalHours: '500',
        'assessment.passThreshold': '0',
        'assessment.summativeDueAt': '2030-06-30',
        'qualityAssurance.url': 'javascript:alert(1)',
        'description.en': 'Kept <b>as typed</b>',
      }),
    );
    expect(r.status).toBe(400);
    expect(await savedState(jalon)).toEqual(before);
    const body = text(r.body);
    expect(r.body).toMatch(/<div class="error-summary" id="error-summary" role="alert"/);
    expect(body).toContain('The micro-credential was not saved');
    for (const [anchor, message] of [
      ['f-title', 'Title: Fill in at least one language (French or English).'],
      ['f-notionalHours', 'Notional hours of learning: Notional hours must be between 8 and 200.'],
      [
        'f-assessment-passThreshold',
        'Pass threshold (%): The threshold is a percentage above 0 and at most 100.',
      ],
      [
        'f-assessment-summativeDueAt',
        'Summative assessment due date: The summative due date must be on or before the end date.',
      ],
      [
        'f-qualityAssurance-url',
        'Web address of the quality-assurance body (optional): Enter a web address starting with https:// or http://.',
      ],
    ] as const) {
      expect(body).toContain(`<li><a href="#${anchor}">${message}</a></li>`);
      // The field itself: invalid, described by its message.
      expect(r.body).toMatch(
        new RegExp(`id="${anchor}"[^>]*aria-describedby="e-${anchor}[^"]*" aria-invalid="true"`),
      );
      expect(r.body).toContain(`<div class="field-error" id="e-${anchor}">`);
    }
    // Every typed value is shown back, escaped.
    expect(r.body).toContain('Kept &lt;b&gt;as typed&lt;/b&gt;');
    expect(inputValue(r.body, 'notionalHours')).toBe('500');
    expect(inputValue(r.body, 'qualityAssurance.url')).toBe('javascript:alert(1)');
    expect(inputValue(r.body, 'code')).toBe('MC-PS-101');
    expect(r.body).toMatch(/<option value="formative" selected>/);
  });

  test('validation errors in French, with the same guarantees', async () => {
    const before = await savedState(jalon);
    const r = await postDefinition(
      jalon,
      prof,
      completeForm({
        'title.fr': '',
        'title.en': '',
        [`items.${ROW.exam}.role`]: 'none',
        [`items.${ROW.practice}.role`]: 'none',
        'assessment.attempts': '0',
        'expiry.amount': 'trois',
      }),
      { lang: 'fr' },
    );
    expect(r.status).toBe(400);
    expect(await savedState(jalon)).toEqual(before);
    expect(r.body).toContain('<html lang="fr">');
    const body = text(r.body);
    expect(body).toContain('La microcertification n’a pas été enregistrée');
    expect(body).toContain(
      '<a href="#f-title">Titre\u00a0: Remplissez au moins une langue (français ou anglais).</a>',
    );
    expect(body).toContain(
      'Choisissez au moins une évaluation sommative\u00a0: sans évaluation, il n’y a pas de microcertification.',
    );
    expect(body).toContain('<a href="#f-items-0">Évaluation sommative\u00a0: Choisissez au moins');
    expect(body).toContain('<a href="#f-assessment-attempts">');
    expect(body).toContain('<a href="#f-expiry-amount">');
    expect(inputValue(r.body, 'expiry.amount')).toBe('trois');
  });

  test('an activity the course does not offer (a forged or stale form) is refused, nothing saved', async () => {
    const before = await savedState(jalon);
    const r = await postDefinition(
      jalon,
      prof,
      completeForm({
        [`items.${ROW.exam}.key`]: 'moodle-quiz:999',
        'assessment.completion.activities': ['999'],
      }),
    );
    expect(r.status).toBe(400);
    expect(await savedState(jalon)).toEqual(before);
    expect(text(r.body)).toContain(
      `<a href="#f-items-${ROW.exam}">Use of “Final exam”: This activity is not offered by the course any more: choose again.</a>`,
    );
    expect(text(r.body)).toContain(
      'Completion of these activities: This activity is not offered by the course any more: choose again.',
    );
  });

  test('weights count only with a weighted average, and must then add up to 100', async () => {
    const before = await savedState(jalon);
    const r = await postDefinition(
      jalon,
      prof,
      completeForm({
        'assessment.combination': 'weighted_average',
        [`items.${ROW.demo}.role`]: 'summative',
        [`items.${ROW.exam}.weight`]: '60',
        [`items.${ROW.demo}.weight`]: '30',
      }),
    );
    expect(r.status).toBe(400);
    expect(await savedState(jalon)).toEqual(before);
    expect(text(r.body)).toContain('The weights must add up to 100%.');
    expect(inputValue(r.body, `items.${ROW.demo}.weight`)).toBe('30');
  });
});

describe('versioning', () => {
  test('without awards an edit changes version 1 in place; an identical save changes nothing', async () => {
    const edited = await postDefinition(jalon, prof, completeForm({ notionalHours: '16' }));
    expect(edited.status).toBe(200);
    expect(text(edited.body)).toContain('Saved: version 1 was edited (no award has been issued under it).');
    const same = await postDefinition(jalon, prof, completeForm({ notionalHours: '16' }));
    expect(text(same.body)).toContain('Nothing changed: version 1 is still current.');
    const versions = await versionsOf(mathCourseId());
    expect(versions.map((v) => v.version)).toEqual([1]);
    expect(versions[0]!.definition.notionalHours).toBe(16);
  });

  test('once an award exists, an edit is saved as version 2 and the award keeps version 1', async () => {
    const [v1] = await versionsOf(mathCourseId());
    const [mc] = await jalon.database.db
      .select()
      .from(microcredentials)
      .where(eq(microcredentials.contextId, mathCourseId()));
    await jalon.database.db.insert(awards).values({
      id: 'aw-test-1',
      microcredentialId: mc!.id,
      definitionVersionId: v1!.id,
      userId: moodle.user('ana').sub,
      decidedBy: 'policy',
    });
    const r = await postDefinition(
      jalon,
      prof,
      completeForm({ notionalHours: '20', 'assessment.passThreshold': '75' }),
    );
    expect(r.status).toBe(200);
    expect(text(r.body)).toContain(
      'Saved as version 2, because awards exist under version 1. Learners already awarded keep version 1.',
    );
    expect(r.body).toContain('Current version: 2');
    const versions = await versionsOf(mathCourseId());
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[0]!.definition.notionalHours).toBe(16);
    expect(versions[0]!.definition.assessment.passThreshold).toBe(80);
    expect(versions[1]!.definition.assessment.passThreshold).toBe(75);
    const [award] = await jalon.database.db.select().from(awards).where(eq(awards.id, 'aw-test-1'));
    expect(award!.definitionVersionId).toBe(v1!.id);
  });
});

describe('roles and courses', () => {
  test('a learner gets 403 on GET and POST of the form, and on the console; nothing saved', async () => {
    const ana = await launch(moodle, 'ana', 'math');
    expect(ana.landing.url).toContain('/lti/learner?');
    const before = await savedState(jalon);
    const get = await getPage(jalon, ana, 'definition');
    expect(get.status).toBe(403);
    expect(get.body).not.toContain('definition-form');
    const post = await postDefinition(jalon, ana, completeForm({ 'title.en': 'Hijacked' }));
    expect(post.status).toBe(403);
    expect((await getPage(jalon, ana, 'console')).status).toBe(403);
    expect(await savedState(jalon)).toEqual(before);
    expect(jalon.logs.some((l) => l.reason === 'LTI_FORBIDDEN_ROUTE')).toBe(true);
  });

  test('a POST without the session cookie, or with a forged ltik, saves nothing', async () => {
    const before = await savedState(jalon);
    const stranger = { ...prof, browser: new Browser() };
    const noCookie = await postDefinition(jalon, stranger, completeForm({ 'title.en': 'Forged' }));
    expect(noCookie.status).toBe(401);
    const forged = await postDefinition(
      jalon,
      { ...prof, ltik: `${prof.ltik.slice(0, -4)}AAAA` },
      completeForm(),
    );
    expect(forged.status).toBe(401);
    expect(await savedState(jalon)).toEqual(before);
  });

  test('an instructor in hist sees hist’s own empty form and cannot change math’s definition', async () => {
    const histProf = await launch(moodle, 'prof', 'hist', 'en');
    const form = await getPage(jalon, histProf, 'definition');
    expect(form.status).toBe(200);
    expect(inputValue(form.body, 'title.en')).toBe('');
    expect(form.body).not.toContain('Workplace first aid');
    const mathBefore = await versionsOf(mathCourseId());
    // Course fields in the body are ignored: the course comes from the launch only.
    const r = await postDefinition(
      jalon,
      histProf,
      completeForm({
        'title.en': 'History of science',
        'title.fr': 'Histoire des sciences',
        contextId: mathCourseId(),
        course: 'math',
        microcredentialId: 'anything',
      }),
    );
    expect(r.status).toBe(200);
    expect(text(r.body)).toContain('Saved: version 1 of the micro-credential was created.');
    expect(await versionsOf(mathCourseId())).toEqual(mathBefore);
    const hist = await versionsOf(histCourseId());
    expect(hist.map((v) => v.definition.title.en)).toEqual(['History of science']);
  });
});

describe('refusals are pages, never partial saves', () => {
  test('a launch without a course context cannot define anything', async () => {
    const browser = new Browser();
    const r = await browser.launch(moodle, {
      user: 'prof',
      course: 'math',
      claims: { 'https://purl.imsglobal.org/spec/lti/claim/context': undefined },
    });
    expect(r.final.url).toContain('/lti/console?');
    const ltik = new URL(r.final.url).searchParams.get('ltik')!;
    const session = { browser, ltik, landing: r.final };
    const page = await getPage(jalon, session, 'definition');
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(text(page.body)).toContain('Cette page doit être ouverte à partir d’un cours.');
    const before = await savedState(jalon);
    const post = await postDefinition(jalon, session, completeForm());
    expect(post.status).toBe(400);
    expect(await savedState(jalon)).toEqual(before);
  });

  test('a malformed multipart body gets a readable 400 page and saves nothing', async () => {
    const before = await savedState(jalon);
    const url = `${jalon.url}/lti/definition?ltik=${encodeURIComponent(prof.ltik)}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        cookie: prof.browser.jar.header(url) ?? '',
        'content-type': 'multipart/form-data; boundary=XYZ',
      },
      body: '--XYZ\r\nContent-Disposition: form-data; name="title.en"\r\n\r\nunterminated',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    const body = await res.text();
    expect(body).toContain('The request could not be understood.');
    expect(body).not.toMatch(/at .*\.js:\d+/);
    expect(await savedState(jalon)).toEqual(before);
    expect(jalon.logs.some((l) => l.msg === 'definition form refused')).toBe(true);
  });
});

describe('without a connector', () => {
  test('says plainly what the administrator must set up, and Jalon’s own column still works', async () => {
    jalon.running.services.activities = undefined;
    const columns: Array<{ label: string; max: number; course?: string }> = [];
    jalon.running.services.gradebookColumn = {
      async ensure(l, label, max) {
        columns.push({ label, max, course: l.course?.id });
        return 'lineitem-1';
      },
    };
    try {
      const designer = await launch(moodle, 'designer', 'math', 'en');
      const page = await getPage(jalon, designer, 'definition');
      const body = text(page.body);
      expect(body).toContain('Ask your Jalon administrator to set up the Moodle web-service connector.');
      expect(body).toContain(
        'Until then you can use Jalon’s own gradebook column or import results from a CSV file.',
      );
      // Nothing is listed live; what version 2 picked is kept, and said to be no longer listed.
      expect(page.body).not.toContain('data-key="moodle-assign:102"');
      expect(body).toMatch(
        /Final exam<br><span class="muted">Moodle quiz<\/span>\s*<br><span class="warning">No longer listed by the platform\.<\/span>/,
      );
      const r = await postDefinition(
        jalon,
        designer,
        completeForm({
          'items.0.key': 'jalon-column:jalon',
          'items.0.role': 'summative',
          'items.1.key': 'moodle-quiz:101',
          'items.1.role': 'none',
          'items.2.key': 'moodle-quiz:103',
          'items.2.role': 'none',
          'items.3.key': 'moodle-assign:102',
          'items.3.role': 'none',
          'assessment.completion.activities': [],
        }),
      );
      expect(r.status).toBe(200);
      const latest = (await versionsOf(mathCourseId())).at(-1)!;
      expect(latest.definition.assessment.summative).toEqual([
        { ref: { source: 'jalon-column', lmsId: 'jalon', label: 'Workplace first aid' } },
      ]);
      expect(columns).toEqual([{ label: 'Workplace first aid', max: 100, course: mathCourseId() }]);
    } finally {
      jalon.running.services.activities = source;
      jalon.running.services.gradebookColumn = undefined;
    }
  });
});
