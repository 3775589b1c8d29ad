/**
 * LTI roles → what Jalon shows. Launch roles are full URIs; NRPS (Moodle) uses short
 * forms ("Learner", "Instructor"), so both are accepted.
 */

/** Where a launch lands. */
export type Audience = 'instructor' | 'learner' | 'admin';

const ADMIN = [
  'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin',
];
const INSTRUCTOR = ['Instructor', 'ContentDeveloper', 'TeachingAssistant', 'Mentor'];
const LEARNER = ['Learner', 'Student'];

function shortName(role: string): string {
  const hash = role.lastIndexOf('#');
  const tail = hash >= 0 ? role.slice(hash + 1) : role.slice(role.lastIndexOf('/') + 1);
  return tail;
}

function isContextRole(role: string): boolean {
  return !role.includes('://') || role.includes('/membership');
}

/** True when the roles include an institution or system administrator role. */
export function isAdministrator(roles: readonly string[]): boolean {
  return roles.some((r) => ADMIN.includes(r));
}

/** True when the roles give teaching rights in the course (instructor, content developer, TA). */
export function isInstructor(roles: readonly string[]): boolean {
  return roles.some((r) => isContextRole(r) && INSTRUCTOR.includes(shortName(r)));
}

/** True when the roles make the user a learner in the course. */
export function isLearner(roles: readonly string[]): boolean {
  return roles.some((r) => isContextRole(r) && LEARNER.includes(shortName(r)));
}

/**
 * The page a launch opens: teaching roles in the course win (an administrator who teaches
 * the course wants the course console), then administrators, then learners.
 */
export function audienceOf(roles: readonly string[]): Audience | undefined {
  if (isInstructor(roles)) return 'instructor';
  if (isAdministrator(roles)) return 'admin';
  if (isLearner(roles)) return 'learner';
  return undefined;
}
