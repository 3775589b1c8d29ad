import { describe, expect, test } from '@jest/globals';
import { keysOf, translator } from '../../src/i18n/index.js';
import { validateDefinition, type FieldError } from '../../src/microcredentials/definition-schema.js';
import { definitionInput } from './fixtures.js';

type Input = Record<string, unknown>;
const withField = (path: string, value: unknown): Input => {
  const input = definitionInput();
  const parts = path.split('.');
  let obj: Record<string, unknown> = input;
  for (const p of parts.slice(0, -1)) obj = obj[p] as Record<string, unknown>;
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete obj[last];
  else obj[last] = value;
  return input;
};
const errorsOf = (input: unknown): FieldError[] => {
  const r = validateDefinition(input);
  if (r.ok) throw new Error('expected the definition to be rejected');
  return r.errors;
};
const expectError = (input: unknown, path: string, key: string) =>
  expect(errorsOf(input)).toContainEqual(expect.objectContaining({ path, key: `definition:errors.${key}` }));

describe('definition schema', () => {
  test('a complete definition is accepted, trimmed, with defaults filled in', () => {
    const input = withField('title', { fr: '  Premiers soins  ', en: '' });
    const r = validateDefinition(input);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.definition.title).toEqual({ fr: 'Premiers soins' });
    expect(r.definition.assessment).toMatchObject({
      attempts: 2,
      feedbackRequired: true,
      combination: 'each_must_pass',
      priorLearningAllowed: false,
      formative: [],
      completion: { course: false, activities: [] },
    });
    expect(r.definition.alignments[0]?.url).toBe('https://example.org/csa-z1210');
  });

  test.each([
    'title',
    'description',
    'purpose',
    'learningOutcomes',
    'notionalHours',
    'deliveryMode',
    'assessmentTypes',
    'supervision',
    'qualityAssurance',
    'learnerOutcomes',
    'stacking',
    'expiry',
    'assessment',
    'assessment.summative',
    'assessment.passThreshold',
    'assessment.summativeDueAt',
    'assessment.endAt',
    'supervision.identityVerification',
  ])('%s is required', (path) => {
    expectError(withField(path, undefined), path, 'required');
  });

  test('optional fields may be left out or blank', () => {
    const input = {
      ...definitionInput(),
      credits: '',
      level: { fr: '', en: ' ' },
      prerequisites: null,
      alignments: [],
    };
    const r = validateDefinition(input);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.definition.level).toBeUndefined();
      expect(r.definition.credits).toBeUndefined();
    }
  });

  test.each(['title', 'description', 'purpose', 'qualityAssurance.name'])(
    '%s needs at least one language',
    (path) => {
      expectError(withField(path, { fr: '  ', en: '' }), path, 'oneLanguage');
      expectError(withField(path, {}), path, 'oneLanguage');
      expect(validateDefinition(withField(path, { en: 'Only English' })).ok).toBe(true);
      expect(validateDefinition(withField(path, { fr: 'Seulement en français' })).ok).toBe(true);
    },
  );

  test('each learning outcome needs a language, and there is at least one, at most 12', () => {
    expectError(
      withField('learningOutcomes', [{ en: 'ok' }, { fr: '' }]),
      'learningOutcomes.1',
      'oneLanguage',
    );
    expectError(withField('learningOutcomes', []), 'learningOutcomes', 'outcomesRequired');
    expectError(
      withField(
        'learningOutcomes',
        Array.from({ length: 13 }, () => ({ en: 'x' })),
      ),
      'learningOutcomes',
      'outcomesCount',
    );
  });

  test('texts have a maximum length', () => {
    expectError(withField('title', { en: 'x'.repeat(201) }), 'title.en', 'textTooLong');
    expectError(withField('description', { fr: 'x'.repeat(5001) }), 'description.fr', 'longTextTooLong');
  });

  test.each([
    [7, false],
    [8, true],
    [200, true],
    [200.5, false],
    [-1, false],
  ])('notional hours %p accepted: %p (8–200)', (hours, ok) => {
    const r = validateDefinition(withField('notionalHours', hours));
    expect(r.ok).toBe(ok);
    if (!r.ok)
      expect(r.errors).toEqual([
        { path: 'notionalHours', key: 'definition:errors.hoursRange', params: { min: 8, max: 200 } },
      ]);
  });

  test('notional hours must be a number', () => {
    expectError(withField('notionalHours', '15'), 'notionalHours', 'hoursRange');
  });

  test.each([
    [0, false],
    [0.5, true],
    [80, true],
    [100, true],
    [100.01, false],
    [-10, false],
  ])('threshold %p accepted: %p (above 0, at most 100)', (t, ok) => {
    const r = validateDefinition(withField('assessment.passThreshold', t));
    expect(r.ok).toBe(ok);
    if (!r.ok)
      expect(r.errors[0]).toMatchObject({
        path: 'assessment.passThreshold',
        key: 'definition:errors.threshold',
      });
  });

  test.each([
    [0, false],
    [1, true],
    [2, true],
    [1.5, false],
    [21, false],
  ])('attempts %p accepted: %p (whole number ≥ 1)', (n, ok) => {
    const r = validateDefinition(withField('assessment.attempts', n));
    expect(r.ok).toBe(ok);
    if (!r.ok)
      expect(r.errors[0]).toMatchObject({
        path: 'assessment.attempts',
        key: 'definition:errors.attemptsRange',
      });
  });

  test('the due date must be on or before the end date; the start on or before the due date', () => {
    expectError(
      withField('assessment.summativeDueAt', '2025-06-01T00:00:00-04:00'),
      'assessment.summativeDueAt',
      'dueAfterEnd',
    );
    expect(validateDefinition(withField('assessment.summativeDueAt', '2025-05-31T23:59:59-04:00')).ok).toBe(
      true,
    );
    expectError(
      withField('assessment.startAt', '2025-05-02T00:00:00Z'),
      'assessment.startAt',
      'startAfterDue',
    );
  });

  test('dates are instants with an offset', () => {
    expectError(withField('assessment.endAt', '2025-05-31'), 'assessment.endAt', 'datetime');
    expectError(withField('assessment.endAt', '2025-05-31T23:59:59'), 'assessment.endAt', 'datetime');
    expectError(withField('assessment.endAt', 'soon'), 'assessment.endAt', 'datetime');
  });

  describe('summative items', () => {
    const items = (weights: Array<number | undefined>) =>
      weights.map((weight, i) => ({
        ref: { source: 'canvas-assignment', lmsId: String(i + 1), label: `Item ${i + 1}` },
        weight,
      }));

    test('weights must sum to 100 with a weighted average', () => {
      const weighted = (weights: Array<number | undefined>) =>
        withField('assessment', {
          ...(definitionInput().assessment as Input),
          combination: 'weighted_average',
          summative: items(weights),
        });
      expect(validateDefinition(weighted([60, 40])).ok).toBe(true);
      expect(validateDefinition(weighted([33.33, 33.33, 33.34])).ok).toBe(true);
      expectError(weighted([60, 30]), 'assessment.summative', 'weightsSum');
      expectError(weighted([60, undefined]), 'assessment.summative.1.weight', 'weightRequired');
      expectError(weighted([0, 100]), 'assessment.summative.0.weight', 'weight');
    });

    test('weights are not needed when each must pass', () => {
      expect(validateDefinition(withField('assessment.summative', items([undefined, undefined]))).ok).toBe(
        true,
      );
    });

    test('at least one summative item, no duplicates, not also formative, known sources', () => {
      expectError(withField('assessment.summative', []), 'assessment.summative', 'summativeRequired');
      const dup = items([undefined, undefined]).map((i) => ({ ...i, ref: { ...i.ref, lmsId: '7' } }));
      expectError(
        withField('assessment.summative', dup),
        'assessment.summative.1.ref',
        'duplicateAssessment',
      );
      expectError(
        withField('assessment.formative', [
          { source: 'moodle-quiz', lmsId: '14', label: 'Same as the exam' },
        ]),
        'assessment.formative.0',
        'formativeIsSummative',
      );
      expectError(
        withField('assessment.summative', [{ ref: { source: 'blackboard', lmsId: '1', label: 'x' } }]),
        'assessment.summative.0.ref.source',
        'assessmentSource',
      );
      expectError(
        withField('assessment.summative', [{ ref: { source: 'moodle-quiz', lmsId: ' ', label: 'x' } }]),
        'assessment.summative.0.ref.lmsId',
        'required',
      );
    });
  });

  test('alignments need a name and an http(s) URL', () => {
    const align = (url: unknown) => withField('alignments', [{ name: { en: 'Framework' }, url }]);
    expect(validateDefinition(align('https://example.org/f')).ok).toBe(true);
    expect(validateDefinition(align('http://example.org/f')).ok).toBe(true);
    for (const bad of ['javascript:alert(1)', 'ftp://example.org/f', 'example.org', 'https://', 42])
      expectError(align(bad), 'alignments.0.url', 'url');
    expectError(align(undefined), 'alignments.0.url', 'required');
    expectError(
      withField('alignments', [{ name: {}, url: 'https://example.org' }]),
      'alignments.0.name',
      'oneLanguage',
    );
  });

  test('expiry is none, a fixed date after the end, or a duration after the award', () => {
    expect(validateDefinition(withField('expiry', { kind: 'none' })).ok).toBe(true);
    expect(validateDefinition(withField('expiry', { kind: 'fixed_date', date: '2028-06-30' })).ok).toBe(true);
    expectError(withField('expiry', { kind: 'fixed_date', date: '2028-02-30' }), 'expiry.date', 'expiryDate');
    expectError(
      withField('expiry', { kind: 'fixed_date', date: '2025-05-01' }),
      'expiry.date',
      'expiryBeforeEnd',
    );
    expectError(withField('expiry', { kind: 'fixed_date' }), 'expiry.date', 'required');
    expectError(
      withField('expiry', { kind: 'after_award', amount: 0, unit: 'years' }),
      'expiry.amount',
      'expiryAmount',
    );
    expectError(
      withField('expiry', { kind: 'after_award', amount: 2, unit: 'weeks' }),
      'expiry.unit',
      'expiryUnit',
    );
    expectError(withField('expiry', { kind: 'sometime' }), 'expiry.kind', 'expiryShape');
    expectError(withField('expiry', 'never'), 'expiry', 'expiryShape');
  });

  test('stacking towards a larger credential names it', () => {
    expectError(withField('stacking', { kind: 'stackable' }), 'stacking.towards', 'required');
    expect(
      validateDefinition(
        withField('stacking', { kind: 'stackable', towards: { fr: 'Certificat en sécurité' } }),
      ).ok,
    ).toBe(true);
    expectError(withField('stacking', { kind: 'bundled' }), 'stacking.kind', 'stacking');
  });

  test('choices come from the lists offered, at least one, each once', () => {
    expectError(withField('deliveryMode', 'boat'), 'deliveryMode', 'deliveryMode');
    expectError(withField('assessmentTypes', []), 'assessmentTypes', 'assessmentTypes');
    expectError(withField('assessmentTypes', ['test', 'test']), 'assessmentTypes', 'duplicateChoice');
    expectError(withField('assessmentTypes', ['essay']), 'assessmentTypes.0', 'invalidChoice');
    expectError(withField('learnerOutcomes', []), 'learnerOutcomes', 'learnerOutcomes');
    expectError(withField('credits', 0), 'credits', 'creditsRange');
  });

  test('not an object at all is rejected, not thrown', () => {
    for (const bad of [null, 'definition', 42, []]) expect(errorsOf(bad).length).toBeGreaterThan(0);
  });

  test('every error key the schema can produce exists in both languages', () => {
    const inputs: unknown[] = [
      {},
      null,
      withField('notionalHours', 1),
      withField('title', { en: 'x'.repeat(300) }),
      withField('expiry', { kind: 'x' }),
      withField('assessment.passThreshold', 500),
      withField('assessmentTypes', ['x', 'x']),
    ];
    const en = new Set(keysOf('en', 'definition'));
    const fr = new Set(keysOf('fr', 'definition'));
    for (const input of inputs)
      for (const e of errorsOf(input)) {
        const key = e.key.replace(/^definition:/, '');
        expect({ key, en: en.has(key), fr: fr.has(key) }).toEqual({ key, en: true, fr: true });
        expect(translator('fr')(e.key, e.params)).not.toContain('{{');
      }
    expect(translator('fr')('definition:errors.hoursRange', { min: 8, max: 200 })).toBe(
      'Les heures théoriques doivent se situer entre 8 et 200.',
    );
  });
});
