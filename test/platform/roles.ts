/**
 * How each LMS names a person's roles. Launches carry full LIS v2 URIs on both; NRPS
 * carries Moodle's short names ("Learner", "Instructor") but Canvas' URIs. The mappings
 * follow Moodle's `lti_get_ims_role` (anyone with `mod/lti:manage` — editing and
 * non-editing teachers — is an Instructor; site admins add two Administrator roles) and
 * Canvas' `LIS_V2_LTI_ADVANTAGE_ROLE_MAP`.
 */
import { ROLE } from './constants.js';
import type { AdminLevel, CourseRole, Family } from './types.js';

const CANVAS_MEMBERSHIP: Record<CourseRole, string[]> = {
  learner: [`${ROLE.membership}Learner`],
  instructor: [`${ROLE.membership}Instructor`],
  ta: [`${ROLE.instructorSub}TeachingAssistant`, `${ROLE.membership}Instructor`],
  'content-developer': [`${ROLE.membership}ContentDeveloper`],
};

const CANVAS_INSTITUTION: Record<CourseRole, string[]> = {
  learner: [`${ROLE.institution}Student`],
  instructor: [`${ROLE.institution}Instructor`],
  ta: [`${ROLE.institution}Instructor`],
  'content-developer': [],
};

/** Moodle's short role for a course role: everyone who can manage the activity is an Instructor. */
function moodleShort(role: CourseRole | undefined, admin: AdminLevel | undefined): 'Learner' | 'Instructor' {
  if (admin) return 'Instructor';
  return role === undefined || role === 'learner' ? 'Learner' : 'Instructor';
}

/** Roles claim of a launch (full URIs). */
export function launchRoles(family: Family, role: CourseRole | undefined, admin?: AdminLevel): string[] {
  if (family === 'moodle') {
    const roles = [`${ROLE.membership}${moodleShort(role, admin)}`];
    if (admin) roles.push(`${ROLE.system}Administrator`, `${ROLE.institution}Administrator`);
    return roles;
  }
  const roles = [...(role ? CANVAS_INSTITUTION[role] : []), ...(role ? CANVAS_MEMBERSHIP[role] : [])];
  if (admin) roles.unshift(`${ROLE.institution}Administrator`);
  if (admin === 'system') roles.unshift(`${ROLE.system}SysAdmin`);
  roles.push(`${ROLE.system}User`);
  return [...new Set(roles)];
}

/** Roles of a member in an NRPS answer. */
export function nrpsRoles(family: Family, role: CourseRole, admin?: AdminLevel): string[] {
  if (family === 'moodle') {
    const roles: string[] = [moodleShort(role, admin)];
    if (admin) roles.push(`${ROLE.person}Administrator`);
    return roles;
  }
  return [...CANVAS_MEMBERSHIP[role]];
}

/**
 * Whether a member passes NRPS `?role=`. Moodle: `Instructor` means holders of
 * `moodle/course:manageactivities` (editing teachers, designers, admins — not the
 * non-editing TA), `Learner` everyone else; short names and membership URIs both work.
 * Canvas: a membership URI; anything it does not know yields nobody.
 */
export function passesRoleFilter(
  family: Family,
  role: CourseRole,
  admin: AdminLevel | undefined,
  filter: string,
): boolean {
  if (family === 'moodle') {
    const short = filter.startsWith(ROLE.membership) ? filter.slice(ROLE.membership.length) : filter;
    const manages = admin !== undefined || role === 'instructor' || role === 'content-developer';
    if (short === 'Instructor') return manages;
    if (short === 'Learner') return !manages;
    return false;
  }
  return CANVAS_MEMBERSHIP[role].includes(filter);
}

/** Whether the gradebook accepts scores for this person (Moodle `gradebookroles`, Canvas students). */
export function isGradable(role: CourseRole | undefined): boolean {
  return role === 'learner';
}
