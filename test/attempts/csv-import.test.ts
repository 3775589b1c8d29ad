/**
 * The CSV parser of the instructor's import: formats real spreadsheets write (BOM,
 * semicolons and decimal commas, quoted fields, CRLF) and every kind of row error, each
 * with its row number and a message in both languages.
 */
import { describe, expect, test } from '@jest/globals';
import { CSV_MAX_ROWS, parseAttemptsCsv, type CsvProblem } from '../../src/attempts/csv-import.js';
import { translator } from '../../src/i18n/index.js';
import type { AssessmentRef } from '../../src/microcredentials/definition.js';

const ASSESSMENTS: AssessmentRef[] = [
  { source: 'moodle-quiz', lmsId: '101', label: 'Final exam' },
  { source: 'moodle-quiz', lmsId: '103', label: 'Practice quiz' },
  { source: 'jalon-column', lmsId: 'jalon', label: 'Demonstration, part 1' },
];
const HEADER = 'user_id,assessment,attempt,score,max_score,submitted_at';

const keys = (problems: CsvProblem[]) => problems.map((p) => [p.row, p.key]);

describe('parseAttemptsCsv', () => {
  test('reads a comma-separated file into attempt records', () => {
    const p = parseAttemptsCsv(
      `${HEADER}\n2,Final exam,1,7.5,10,2030-03-01T10:00:00Z\n3,moodle-quiz:103,2,18,20,2030-03-02\n`,
      ASSESSMENTS,
    );
    expect(p.problems).toEqual([]);
    expect(p.delimiter).toBe(',');
    expect(p.rows.map((r) => r.row)).toEqual([2, 3]);
    expect(p.rows[0]!.record).toEqual({
      learner: '2',
      assessment: { source: 'moodle-quiz', lmsId: '101' },
      attemptNumber: 1,
      score: 7.5,
      maxScore: 10,
      submittedAt: '2030-03-01T10:00:00Z',
      gradedAt: null,
      source: 'csv',
      sourceId: '2:moodle-quiz:101:1',
    });
    // A date alone is the end of that day in Toronto (still standard time on March 2).
    expect(p.rows[1]!.record.submittedAt).toBe('2030-03-02T23:59:59-05:00');
    expect(p.rows[1]!.assessmentLabel).toBe('Practice quiz');
  });

  test('reads UTF-8 bytes with a BOM, semicolons, decimal commas, CRLF and local times', () => {
    const text = `\uFEFFuser_id;assessment;attempt;score;max_score;submitted_at\r\nélodie;final EXAM;1;8,5;10;2030-07-01 14:30\r\n`;
    const p = parseAttemptsCsv(new TextEncoder().encode(text), ASSESSMENTS);
    expect(p.problems).toEqual([]);
    expect(p.delimiter).toBe(';');
    expect(p.rows[0]!.record).toMatchObject({
      learner: 'élodie',
      score: 8.5,
      submittedAt: '2030-07-01T14:30:00-04:00',
    });
  });

  test('reads quoted fields with commas, quotes and columns in any order', () => {
    const text = `submitted_at,score,max_score,attempt,"assessment",user_id,comment\n2030-03-01T10:00:00Z,"7,5",10,1,"Demonstration, part 1",4,"said ""hi"""\n`;
    const p = parseAttemptsCsv(text, ASSESSMENTS);
    expect(p.problems).toEqual([]);
    expect(p.rows[0]!.record).toMatchObject({
      learner: '4',
      assessment: { source: 'jalon-column', lmsId: 'jalon' },
      score: 7.5,
    });
  });

  test('reports every row error with its spreadsheet row number', () => {
    const text = [
      HEADER,
      '2,Final exam,1,7,10,2030-03-01T10:00:00Z', // row 2: fine
      ',Final exam,1,7,10,2030-03-01T10:00:00Z', // row 3: no learner
      '3,Midterm,1,7,10,2030-03-01T10:00:00Z', // row 4: unknown assessment
      '3,Final exam,0,7,10,2030-03-01T10:00:00Z', // row 5: attempt < 1
      '3,Final exam,1.5,7,10,2030-03-01T10:00:00Z', // row 6: attempt not whole
      '3,Final exam,1,seven,10,2030-03-01T10:00:00Z', // row 7: score not numeric
      '3,Final exam,2,7,0,2030-03-01T10:00:00Z', // row 8: max not positive
      '3,Final exam,3,-1,10,2030-03-01T10:00:00Z', // row 9: negative
      '3,Final exam,4,11,10,2030-03-01T10:00:00Z', // row 10: above max
      '3,Final exam,5,7,10,2030-02-30', // row 11: bad date
      '3,Final exam,6,7,10,yesterday', // row 12: bad date
      '2,moodle-quiz:101,1,8,10,2030-03-01T10:00:00Z', // row 13: duplicate of row 2
      '3,Final exam,7,7,10', // row 14: missing a value
    ].join('\n');
    const p = parseAttemptsCsv(text, ASSESSMENTS);
    expect(keys(p.problems)).toEqual([
      [3, 'import:errors.learner'],
      [4, 'import:errors.assessment'],
      [5, 'import:errors.attempt'],
      [6, 'import:errors.attempt'],
      [7, 'import:errors.score'],
      [8, 'import:errors.maxScore'],
      [9, 'import:errors.scoreNegative'],
      [10, 'import:errors.scoreAboveMax'],
      [11, 'import:errors.date'],
      [12, 'import:errors.date'],
      [13, 'import:errors.duplicate'],
      [14, 'import:errors.columnCount'],
    ]);
    expect(p.problems.find((x) => x.row === 13)!.params).toEqual({ first: 2 });
    expect(p.rows.map((r) => r.row)).toEqual([2]);
    // Every message exists in both languages.
    for (const lang of ['fr', 'en'] as const) {
      const t = translator(lang);
      for (const problem of p.problems) {
        const message = t(problem.key, problem.params);
        expect(message).not.toBe(problem.key.replace(/^import:/, ''));
        expect(message).not.toContain('{{');
      }
    }
    expect(translator('fr')('import:errors.assessment', { value: 'Midterm' })).toBe(
      '«\u00a0Midterm\u00a0» n’est pas une évaluation de cette microcertification.',
    );
  });

  test('an ambiguous label must be given as a key', () => {
    const twins: AssessmentRef[] = [
      { source: 'moodle-quiz', lmsId: '1', label: 'Quiz' },
      { source: 'moodle-quiz', lmsId: '2', label: 'Quiz' },
    ];
    const p = parseAttemptsCsv(
      `${HEADER}\na,Quiz,1,1,2,2030-01-01\na,moodle-quiz:2,1,1,2,2030-01-01\n`,
      twins,
    );
    expect(keys(p.problems)).toEqual([[2, 'import:errors.assessmentAmbiguous']]);
    expect(p.rows.map((r) => r.record.assessment.lmsId)).toEqual(['2']);
  });

  test('refuses whole files that cannot be read', () => {
    const only = (content: string | Uint8Array) => keys(parseAttemptsCsv(content, ASSESSMENTS).problems);
    // Windows-1252 "é" is not UTF-8.
    expect(only(Uint8Array.from([...Buffer.from(`${HEADER}\n`), 0xe9, 0x0a]))).toEqual([
      [undefined, 'import:errors.encoding'],
    ]);
    expect(only('')).toEqual([[undefined, 'import:errors.empty']]);
    expect(only(`${HEADER}\n`)).toEqual([[undefined, 'import:errors.empty']]);
    expect(only('user_id,score\n1,2\n')).toEqual([[undefined, 'import:errors.missingColumns']]);
    expect(only(`${HEADER}\n1,"Final exam,1,7,10,2030-01-01\n`)).toEqual([
      [undefined, 'import:errors.malformed'],
    ]);
    const big = `${HEADER}\n${'1,Final exam,1,1,2,2030-01-01\n'.repeat(CSV_MAX_ROWS + 1)}`;
    expect(only(big)).toEqual([[undefined, 'import:errors.tooManyRows']]);
  });

  test('the same bytes always give the same preview', () => {
    const text = `${HEADER}\n2,Final exam,1,7,10,2030-03-01\n3,Final exam,1,9,10,2030-03-01\n`;
    expect(parseAttemptsCsv(text, ASSESSMENTS)).toEqual(parseAttemptsCsv(text, ASSESSMENTS));
  });
});
