import { describe, expect, test } from '@jest/globals';
import { validateDefinition } from '../../src/microcredentials/definition-schema.js';
import type { MicroCredentialDefinition } from '../../src/microcredentials/definition.js';
import { expiresAt } from '../../src/microcredentials/expiry.js';
import { decideEdit } from '../../src/microcredentials/versioning.js';
import { definitionInput } from './fixtures.js';

function definition(): MicroCredentialDefinition {
  const r = validateDefinition(definitionInput());
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.definition;
}

describe('versioning', () => {
  const current = definition();
  const edited: MicroCredentialDefinition = {
    ...current,
    assessment: { ...current.assessment, passThreshold: 75 },
  };

  test('no award under the version: edit in place, same number', () => {
    expect(decideEdit({ version: 1, definition: current, awardCount: 0 }, edited)).toEqual({
      action: 'edit_in_place',
      version: 1,
    });
  });

  test('an award exists: a new version with the next number', () => {
    expect(decideEdit({ version: 3, definition: current, awardCount: 1 }, edited)).toEqual({
      action: 'new_version',
      version: 4,
      previousVersion: 3,
    });
  });

  test('the same content (keys in another order, undefined members) is no edit at all', () => {
    const reordered = {
      ...Object.fromEntries(Object.entries(current).reverse()),
      level: undefined,
    } as MicroCredentialDefinition;
    expect(decideEdit({ version: 2, definition: current, awardCount: 5 }, reordered)).toEqual({
      action: 'unchanged',
      version: 2,
    });
  });

  test('a change in a nested list (an outcome reworded) is an edit', () => {
    const reworded = {
      ...current,
      learningOutcomes: [{ fr: 'Évaluer une urgence', en: 'Assess an emergency' }],
    };
    expect(decideEdit({ version: 1, definition: current, awardCount: 2 }, reworded).action).toBe(
      'new_version',
    );
  });

  test('impossible stored states are refused', () => {
    expect(() => decideEdit({ version: 0, definition: current, awardCount: 0 }, edited)).toThrow(RangeError);
    expect(() => decideEdit({ version: 1.5, definition: current, awardCount: 0 }, edited)).toThrow(
      RangeError,
    );
    expect(() => decideEdit({ version: 1, definition: current, awardCount: -1 }, edited)).toThrow(RangeError);
  });
});

describe('expiry', () => {
  const awarded = '2025-01-31T15:00:00.000Z';
  test('none never expires', () => {
    expect(expiresAt({ kind: 'none' }, awarded)).toBeNull();
  });
  test('a fixed date expires at the end of that day', () => {
    expect(expiresAt({ kind: 'fixed_date', date: '2027-06-30' }, awarded)).toBe('2027-06-30T23:59:59.000Z');
  });
  test('a duration after the award, clamped to the end of a shorter month', () => {
    expect(expiresAt({ kind: 'after_award', amount: 3, unit: 'years' }, awarded)).toBe(
      '2028-01-31T15:00:00.000Z',
    );
    expect(expiresAt({ kind: 'after_award', amount: 1, unit: 'months' }, awarded)).toBe(
      '2025-02-28T15:00:00.000Z',
    );
    expect(expiresAt({ kind: 'after_award', amount: 13, unit: 'months' }, awarded)).toBe(
      '2026-02-28T15:00:00.000Z',
    );
    expect(expiresAt({ kind: 'after_award', amount: 1, unit: 'years' }, '2024-02-29T00:00:00Z')).toBe(
      '2025-02-28T00:00:00.000Z',
    );
    expect(expiresAt({ kind: 'after_award', amount: 90, unit: 'days' }, awarded)).toBe(
      '2025-05-01T15:00:00.000Z',
    );
  });
  test('an invalid award date is refused', () => {
    expect(() => expiresAt({ kind: 'none' }, 'yesterday')).toThrow(RangeError);
  });
});
