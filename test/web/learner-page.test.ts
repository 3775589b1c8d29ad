/**
 * The learner landing page: its view model (pure) and the page itself through real launches,
 * in French and in English, before and after the instructor defines the micro-credential.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { validateDefinition, type MicroCredentialDefinition } from '../../src/microcredentials/index.js';
import { learnerPageModel, pickText } from '../../src/web/learner-page.js';
import type { TestJalon } from '../helpers/jalon.js';
import type { Platform } from '../platform/index.js';
import {
  completeForm,
  fakeActivities,
  getPage,
  jalonWithMoodle,
  launch,
  postDefinition,
  text,
} from './definition-fixtures.js';
import { definitionInput } from '../microcredentials/fixtures.js';

function definition(
  overrides: (d: Record<string, unknown>) => void = () => undefined,
): MicroCredentialDefinition {
  const input = definitionInput();
  overrides(input);
  const v = validateDefinition(input);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.definition;
}

const BEFORE_DUE = new Date('2025-04-01T12:00:00Z');

describe('learner page model', () => {
  test('no definition yet: a kind word, nothing else', () => {
    const en = learnerPageModel(undefined, 'en');
    expect(en).toMatchObject({ hasDefinition: false, rules: [], facts: [] });
    expect(en.next[0]).toContain('has not set up the micro-credential for this course yet');
    expect(learnerPageModel(undefined, 'fr').next[0]).toContain(
      'n’a pas encore mis en place la microcertification',
    );
  });

  test('a text missing in the learner’s language falls back to the other one, marked with its language', () => {
    expect(pickText({ fr: 'Bonjour', en: 'Hello' }, 'fr')).toEqual({ text: 'Bonjour' });
    expect(pickText({ en: 'Hello' }, 'fr')).toEqual({ text: 'Hello', lang: 'en' });
    expect(pickText({ fr: 'Bonjour', en: '' }, 'en')).toEqual({ text: 'Bonjour', lang: 'fr' });
    expect(pickText(undefined, 'en')).toBeUndefined();
    const m = learnerPageModel(definition(), 'fr', 1, { now: BEFORE_DUE });
    expect(m.purpose).toEqual({ text: 'For supervisors who must hold a first-aid certificate.', lang: 'en' });
    expect(m.title).toEqual({ text: 'Premiers soins en milieu de travail' });
    const qa = m.facts.find((f) => f.term === 'Assurance qualité');
    expect(qa?.values).toEqual([{ text: 'Comité des programmes', url: 'https://example.edu/qa' }]);
  });

  test('the rules in plain French, with Canadian formats and Toronto time', () => {
    const m = learnerPageModel(
      definition((d) => {
        const a = d.assessment as Record<string, unknown>;
        a.priorLearningAllowed = true;
        a.completion = { course: true, activities: [{ lmsId: '7', label: 'Module 1' }] };
        a.formative = [{ source: 'moodle-quiz', lmsId: '15', label: 'Quiz de pratique' }];
      }),
      'fr',
      3,
      { now: BEFORE_DUE },
    );
    expect(m.rules).toEqual([
      'Vous devez obtenir au moins 80\u00a0% à l’évaluation sommative, «\u00a0Final exam\u00a0».',
      'Vous avez 2 tentatives à l’évaluation sommative.',
      'Si une tentative échoue, votre instructeur vous donne une rétroaction sur ce qu’il faut travailler avant la tentative suivante.',
      'Les tentatives doivent être remises au plus tard le 30 avril 2025 à 23 h 59; les tentatives plus tardives ne comptent pas.',
      'La microcertification prend fin le 31 mai 2025 à 23 h 59; rien ne compte après cette date.',
      'Si vous maîtrisez déjà ces résultats d’apprentissage, vous pouvez passer directement l’évaluation sommative (reconnaissance des acquis). La microcertification est la même.',
      'Vous devez aussi terminer le cours.',
      'Vous devez aussi terminer «\u00a0Module 1\u00a0».',
      'Affichées comme progression seulement, sans effet sur l’obtention de la microcertification\u00a0: «\u00a0Quiz de pratique\u00a0».',
    ]);
    expect(m.dates.map((d) => d.value)).toEqual(['30 avril 2025 à 23 h 59', '31 mai 2025 à 23 h 59']);
    expect(m.next[0]).toBe(
      'Suivez le cours, puis remettez «\u00a0Final exam\u00a0» au plus tard le 30 avril 2025 à 23 h 59.',
    );
    expect(m.next).toHaveLength(3); // + prior learning + after passing
    const terms = m.facts.map((f) => f.term);
    expect(terms).toEqual(
      expect.arrayContaining([
        'Heures d’apprentissage théoriques',
        'Mode de participation',
        'Expiration',
        'Empilabilité',
      ]),
    );
    expect(m.facts.find((f) => f.term === 'Expiration')?.values[0]?.text).toBe(
      'Expire 3 ans après son obtention',
    );
    expect(m.version).toBe(3);
  });

  test('the rules in English; one attempt; a weighted average; no feedback sentence without a second attempt', () => {
    const m = learnerPageModel(
      definition((d) => {
        const a = d.assessment as Record<string, unknown>;
        a.attempts = 1;
        a.combination = 'weighted_average';
        a.summative = [
          { ref: { source: 'moodle-quiz', lmsId: '14', label: 'Exam' }, weight: 70 },
          { ref: { source: 'moodle-assign', lmsId: '9', label: 'Essay' }, weight: 30 },
        ];
      }),
      'en',
      1,
      { now: BEFORE_DUE },
    );
    expect(m.rules.slice(0, 4)).toEqual([
      'Your results on “Exam” (70%) and “Essay” (30%) are combined as a weighted average, which must reach at least 80%.',
      'You have one attempt at the summative assessment.',
      'Attempts must be submitted by April 30, 2025 at 11:59 p.m.; later attempts do not count.',
      'The micro-credential ends on May 31, 2025 at 11:59 p.m.; nothing after that counts.',
    ]);
    // A date ending in "p.m." ends the sentence with one period, not two.
    expect(m.next[0]).toBe(
      'Work through the course, then submit “Exam” and “Essay” by April 30, 2025 at 11:59 p.m.',
    );
  });

  test('what to do next follows the dates', () => {
    const d = definition();
    expect(learnerPageModel(d, 'en', 1, { now: new Date('2025-05-10T12:00:00Z') }).next).toEqual([
      'The due date of the summative assessment has passed: attempts submitted now do not count. If you think this is a mistake, talk to your instructor.',
    ]);
    expect(learnerPageModel(d, 'en', 1, { now: new Date('2025-06-10T12:00:00Z') }).next[0]).toContain(
      'has ended',
    );
  });
});

describe('learner page through real launches', () => {
  let jalon: TestJalon;
  let moodle: Platform;

  beforeAll(async () => {
    ({ jalon, moodle } = await jalonWithMoodle());
    jalon.running.services.activities = fakeActivities();
  });
  afterAll(async () => {
    await moodle?.close();
    await jalon?.stop();
  });

  test('before the instructor defines it, the learner is told so kindly', async () => {
    const ana = await launch(moodle, 'ana', 'math');
    expect(ana.landing.body).toContain('<h1>Votre microcertification</h1>');
    expect(text(ana.landing.body)).toContain(
      'Votre instructeur n’a pas encore mis en place la microcertification de ce cours.',
    );
  });

  test('after saving, learners see it in their language, with the other language marked', async () => {
    const prof = await launch(moodle, 'prof', 'math');
    const saved = await postDefinition(jalon, prof, completeForm({ 'title.fr': '' }));
    expect(saved.status).toBe(200);

    const ana = await launch(moodle, 'ana', 'math'); // French
    const fr = text(ana.landing.body);
    expect(ana.landing.body).toContain('<html lang="fr">');
    // The title exists only in English: shown, marked as English.
    expect(ana.landing.body).toContain('<h2 id="mc-title" lang="en">Workplace first aid</h2>');
    expect(fr).toContain('Intervenir en cas d’urgence au travail.');
    expect(fr).toContain(
      'Vous devez obtenir au moins 80\u00a0% à l’évaluation sommative, «\u00a0Final exam\u00a0».',
    );
    expect(fr).toContain('30 avril 2030 à 23 h 59');
    expect(fr).toContain('<h2 id="next-title">Et maintenant?</h2>');
    expect(fr).toContain('Suivez le cours, puis remettez');
    expect(fr).toContain('Environ 15 heures');
    expect(fr).toContain(
      '<a href="https://example.org/csa-z1210" lang="en" hreflang="en">CSA Z1210 First aid (Z1210)</a>',
    );
    expect(fr).toContain('<time datetime="2030-04-30T23:59:59-04:00">');

    const ben = await launch(moodle, 'ben', 'math'); // English
    const en = text(ben.landing.body);
    expect(ben.landing.body).toContain('<h2 id="mc-title">Workplace first aid</h2>');
    expect(en).toContain('You must score at least 80% on the summative assessment, “Final exam”.');
    expect(en).toContain('April 30, 2030 at 11:59 p.m.');
    expect(en).toContain('You have 2 attempts at the summative assessment.');
    expect(en).toContain(
      'Shown as progress only, never deciding whether you earn the micro-credential: “Practice quiz”.',
    );

    // The language switch shows the French learner the English page.
    const switched = await getPage(jalon, ana, 'learner', 'en');
    expect(switched.body).toContain('<html lang="en">');
    expect(text(switched.body)).toContain('You must score at least 80%');
  });

  test('a course without a definition stays separate', async () => {
    const ana = await launch(moodle, 'ana', 'hist');
    expect(ana.landing.body).not.toContain('Workplace first aid');
    expect(ana.landing.body).toContain('id="no-definition"');
  });

  test('an instructor may preview the learner page; it says it is a preview', async () => {
    const prof = await launch(moodle, 'prof', 'math', 'en');
    const page = await getPage(jalon, prof, 'learner');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Preview: this is what learners of this course see.');
  });
});
