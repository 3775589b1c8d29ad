/**
 * How a cell of Jalon's own gradebook column becomes attempts and feedback: first grade,
 * unchanged grade, retry only after a failed attempt with feedback, correction otherwise,
 * conflict with another channel's attempt, comments as feedback on the attempt they came with.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { AgsResult } from '../../src/gradebook/read.js';
import { AGS_SOURCE, cellFacts, commentSourceId, type CellContext } from '../../src/intake/ags-attempts.js';
import type { AttemptRecord } from '../../src/microcredentials/attempts.js';
import type { AssessmentKey } from '../../src/microcredentials/definition.js';
import type { FeedbackRecord } from '../../src/microcredentials/facts.js';

const item: AssessmentKey = { source: 'jalon-column', lmsId: 'jalon' };
const cellId = 'https://lms.example.edu/lineitems/7/lineitem/results?type_id=1&user_id=42';
const cell = (score: number | null, extra: Partial<AgsResult> = {}): AgsResult => ({
  id: cellId,
  userId: 'ana',
  score,
  max: 100,
  ...extra,
});
const ctx = (over: Partial<CellContext> = {}): CellContext => ({
  item,
  passThreshold: 80,
  attempts: [],
  feedback: [],
  now: '2030-03-10T12:00:00.000Z',
  ...over,
});
const stored = (n: number, score: number, source = AGS_SOURCE): AttemptRecord => ({
  learner: 'ana',
  assessment: item,
  attemptNumber: n,
  score,
  maxScore: 100,
  submittedAt: `2030-03-0${n}T10:00:00.000Z`,
  gradedAt: `2030-03-0${n}T10:00:00.000Z`,
  source,
  sourceId: `${cellId}#${n}`,
});
const feedbackOn = (n: number, origin: 'jalon' | 'lms' = 'jalon'): FeedbackRecord => ({
  learner: 'ana',
  assessment: item,
  attemptNumber: n,
  givenAt: `2030-03-0${n}T15:00:00.000Z`,
  origin,
  sourceId: `fb-${n}`,
});

describe('a gradebook cell', () => {
  test('without a grade says nothing', () => {
    expect(cellFacts(cell(null), ctx())).toEqual({ as: 'ungraded' });
  });

  test('its first grade is attempt 1, at the LMS time when it gives one (Moodle)', () => {
    const f = cellFacts(cell(60, { timestamp: '2030-03-01T09:00:00.000Z' }), ctx());
    expect(f.as).toBe('first');
    expect(f.attempt).toEqual({
      learner: 'ana',
      assessment: item,
      attemptNumber: 1,
      score: 60,
      maxScore: 100,
      submittedAt: '2030-03-01T09:00:00.000Z',
      gradedAt: '2030-03-01T09:00:00.000Z',
      source: AGS_SOURCE,
      sourceId: `${cellId}#1`,
    });
  });

  test('at the time of the read when the LMS gives none (Canvas), with a missing maximum as 100', () => {
    const f = cellFacts(cell(7, { max: null }), ctx());
    expect(f.attempt).toMatchObject({ submittedAt: '2030-03-10T12:00:00.000Z', maxScore: 100 });
  });

  test('read again unchanged changes nothing, even rescaled (7/10 seen as 70/100)', () => {
    expect(cellFacts(cell(60), ctx({ attempts: [stored(1, 60)] }))).toEqual({ as: 'unchanged' });
    expect(cellFacts(cell(6, { max: 10 }), ctx({ attempts: [stored(1, 60)] }))).toEqual({ as: 'unchanged' });
  });

  test('a new grade after a failed attempt with feedback is the next attempt', () => {
    const f = cellFacts(cell(85), ctx({ attempts: [stored(1, 60)], feedback: [feedbackOn(1)] }));
    expect(f.as).toBe('retry');
    expect(f.attempt).toMatchObject({ attemptNumber: 2, score: 85, sourceId: `${cellId}#2` });
  });

  test('a new grade after a failed attempt without feedback corrects it (no retry yet)', () => {
    const f = cellFacts(cell(65), ctx({ attempts: [stored(1, 60)] }));
    expect(f.as).toBe('correction');
    expect(f.attempt).toMatchObject({ attemptNumber: 1, score: 65, submittedAt: '2030-03-01T10:00:00.000Z' });
  });

  test('a new grade after a passed attempt corrects it, feedback or not', () => {
    const f = cellFacts(cell(95), ctx({ attempts: [stored(1, 85)], feedback: [feedbackOn(1)] }));
    expect(f.as).toBe('correction');
    expect(f.attempt?.attemptNumber).toBe(1);
  });

  test('a grade stamped before the failed attempt is no retry', () => {
    const f = cellFacts(cell(85, { timestamp: '2030-02-01T00:00:00.000Z' }), {
      ...ctx({ attempts: [stored(1, 60)], feedback: [feedbackOn(1)] }),
    });
    expect(f.as).toBe('correction');
  });

  test("disagreeing with another channel's attempt is a conflict, left alone", () => {
    expect(cellFacts(cell(65), ctx({ attempts: [stored(1, 60, 'csv')] }))).toEqual({ as: 'conflict' });
  });

  test('after a retry, the third grade follows the same rule', () => {
    const attempts = [stored(1, 60), stored(2, 70)];
    expect(cellFacts(cell(90), ctx({ attempts })).as).toBe('correction');
    expect(
      cellFacts(cell(90), ctx({ attempts, feedback: [feedbackOn(1), feedbackOn(2)] })).attempt,
    ).toMatchObject({ attemptNumber: 3 });
  });

  test("ignores other learners' and other items' attempts", () => {
    const other = { ...stored(1, 60), learner: 'bob' };
    const quiz = { ...stored(1, 60), assessment: { source: 'moodle-quiz', lmsId: '3' } as AssessmentKey };
    expect(cellFacts(cell(60), ctx({ attempts: [other, quiz] })).as).toBe('first');
  });
});

describe('a gradebook comment', () => {
  test('is LMS feedback on the attempt it came with, identified without its words', () => {
    const f = cellFacts(cell(60, { comment: 'Revoir la partie 2' }), ctx({ attempts: [stored(1, 60)] }));
    expect(f.as).toBe('unchanged');
    const sourceId = commentSourceId(cellId, 'Revoir la partie 2');
    expect(sourceId).not.toContain('Revoir');
    expect(f.feedback).toEqual({
      learner: 'ana',
      assessment: item,
      attemptNumber: 1,
      givenAt: '2030-03-10T12:00:00.000Z',
      origin: 'lms',
      sourceId,
    });
  });

  test('already kept is not given again, and stays with its attempt after a retry', () => {
    const known: FeedbackRecord = {
      ...feedbackOn(1, 'lms'),
      sourceId: commentSourceId(cellId, 'Revoir la partie 2'),
    };
    const f = cellFacts(
      cell(85, { comment: 'Revoir la partie 2' }),
      ctx({ attempts: [stored(1, 60)], feedback: [known] }),
    );
    expect(f.as).toBe('retry');
    expect(f.feedback).toBeUndefined();
  });

  test('a changed comment with a retry is feedback on the new attempt', () => {
    const f = cellFacts(
      cell(85, { comment: 'Bien mieux' }),
      ctx({ attempts: [stored(1, 60)], feedback: [feedbackOn(1)] }),
    );
    expect(f.feedback?.attemptNumber).toBe(2);
  });

  test('on a cell with no grade and no attempt is nothing to attach to', () => {
    expect(cellFacts(cell(null, { comment: 'À faire' }), ctx()).feedback).toBeUndefined();
  });
});

describe('properties', () => {
  test('never skips a number, never counts a retry without feedback on a failed attempt', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ score: fc.integer({ min: 0, max: 100 }), feedback: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        (reads) => {
          const attempts: AttemptRecord[] = [];
          const feedback: FeedbackRecord[] = [];
          reads.forEach((r, i) => {
            const now = new Date(Date.UTC(2030, 0, 1 + i * 2)).toISOString();
            const before = attempts[attempts.length - 1];
            const f = cellFacts(cell(r.score), ctx({ attempts, feedback, now }));
            if (f.attempt) {
              const n = f.attempt.attemptNumber;
              if (before && n > before.attemptNumber) {
                expect(n).toBe(before.attemptNumber + 1);
                expect((before.score ?? 0) < 80).toBe(true);
                expect(feedback.some((x) => x.attemptNumber === before.attemptNumber)).toBe(true);
              }
              const k = attempts.findIndex((a) => a.attemptNumber === n);
              if (k >= 0) attempts[k] = f.attempt;
              else attempts.push(f.attempt);
            }
            const last = attempts[attempts.length - 1];
            if (r.feedback && last)
              feedback.push({
                learner: 'ana',
                assessment: item,
                attemptNumber: last.attemptNumber,
                givenAt: new Date(Date.UTC(2030, 0, 2 + i * 2)).toISOString(),
                origin: 'jalon',
              });
          });
          attempts.forEach((a, i) => expect(a.attemptNumber).toBe(i + 1));
        },
      ),
    );
  });
});
