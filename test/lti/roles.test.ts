import { describe, expect, test } from '@jest/globals';
import { audienceOf, isAdministrator, isInstructor, isLearner } from '../../src/lti/roles.js';

const M = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const I = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#';
const S = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#';

describe('roles', () => {
  test.each([
    [[`${M}Learner`], 'learner'],
    [['Learner'], 'learner'],
    [[`${I}Student`, `${M}Learner`, `${S}User`], 'learner'],
    [[`${M}Instructor`], 'instructor'],
    [['Instructor'], 'instructor'],
    [[`${M}ContentDeveloper`], 'instructor'],
    [[`${M}Instructor#TeachingAssistant`], 'instructor'],
    [[`${I}Administrator`, `${S}Administrator`], 'admin'],
    [[`${I}Administrator`, `${M}Instructor`], 'instructor'],
    [[`${I}Student`], undefined],
    [[], undefined],
    [['http://example.com/made-up#Instructorish'], undefined],
  ])('%j → %s', (roles, audience) => {
    expect(audienceOf(roles)).toBe(audience);
  });
  test('institution roles are not course roles', () => {
    expect(isLearner([`${I}Learner`])).toBe(false);
    expect(isInstructor([`${I}Instructor`])).toBe(false);
    expect(isAdministrator([`${M}Administrator`])).toBe(false);
  });
});
