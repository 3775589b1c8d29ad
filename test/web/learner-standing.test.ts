/**
 * The learner's own standing as the learner page shows it (pure view model): attempts used
 * and left, each attempt's score and result, feedback and where it was written, dates,
 * what remains, in French and English; the claim link only once awarded and not revoked.
 */
import { describe, expect, test } from '@jest/globals';
import { evaluateStanding } from '../../src/microcredentials/policy.js';
import { learnerStandingModel } from '../../src/web/learner-page.js';
import { april, attempt, EXAM, feedback, LEARNER, rules } from '../microcredentials/fixtures.js';

const summative = [{ ...EXAM, label: 'Final exam' }];

describe('learnerStandingModel', () => {
  const failedThenFeedback = evaluateStanding({
    rules: rules(),
    learner: LEARNER,
    attempts: [attempt(1, 55, april(3))],
    feedback: [feedback(april(5), { attemptNumber: 1, sourceId: 'fb-1' })],
    now: april(6),
  });

  test('English: attempts, feedback with its origin and text, dates, what remains', () => {
    const m = learnerStandingModel(failedThenFeedback, 'en', {
      summative,
      feedbackBodies: { 'fb-1': 'Practise the recovery position.' },
    });
    expect(m).toMatchObject({
      status: 'retry_open',
      statusLabel: 'New attempt open',
      used: 1,
      allowed: 2,
      left: 1,
    });
    expect(m.attempts).toEqual([
      expect.objectContaining({ item: 'Final exam', n: 1, score: '55%', result: 'Not passed' }),
    ]);
    expect(m.feedback).toEqual([
      {
        text: expect.stringContaining('On Final exam, attempt 1, written in Jalon on April 5, 2025'),
        body: 'Practise the recovery position.',
      },
    ]);
    expect(m.due.value).toBe('April 30, 2025 at 11:59 p.m.');
    expect(m.next).toMatch(/April 30, 2025/);
    expect(m.claimUrl).toBeUndefined();
  });

  test('French, awarded: the claim link; revoked: none', () => {
    const passed = evaluateStanding({
      rules: rules(),
      learner: LEARNER,
      attempts: [attempt(1, 90, april(3))],
      now: april(6),
    });
    const m = learnerStandingModel(passed, 'fr', {
      summative,
      award: { status: 'active', awardedAt: april(6) },
      claimUrl: '/lti/claim?ltik=x',
    });
    expect(m.statusLabel).toBe('Obtenue');
    expect(m.attempts[0]).toMatchObject({ score: '90\u00a0%', result: 'Réussie' });
    expect(m.awarded?.on).toContain('6 avril 2025');
    expect(m.claimUrl).toBe('/lti/claim?ltik=x');
    const revoked = learnerStandingModel(passed, 'fr', {
      summative,
      award: { status: 'revoked', awardedAt: april(6) },
      claimUrl: '/lti/claim?ltik=x',
    });
    expect(revoked.awarded?.revoked).toBe(true);
    expect(revoked.claimUrl).toBeUndefined();
  });
});
