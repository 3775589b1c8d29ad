/**
 * What a Moodle administrator must put in the external service and grant to the token's
 * role for Jalon to read course results (lms-channels.md §3.3). The README and the admin
 * page print these lists; "test connection" checks each of them.
 */

/** Web-service functions Jalon calls, in the order "test connection" checks them. */
export const MOODLE_REQUIRED_FUNCTIONS = [
  'core_webservice_get_site_info',
  'core_course_get_contents',
  'mod_quiz_get_quizzes_by_courses',
  'mod_quiz_get_user_quiz_attempts',
  'mod_quiz_get_user_best_grade',
  // Which quiz attempts changed since the last read (incremental reads).
  'core_course_check_updates',
  'mod_assign_get_assignments',
  'mod_assign_get_submission_status',
  // Who changed since the last read, so a reconcile re-reads only them (incremental reads).
  'mod_assign_get_submissions',
  'mod_assign_get_grades',
  'core_completion_get_activities_completion_status',
  'core_completion_get_course_completion_status',
] as const;

/** One of {@link MOODLE_REQUIRED_FUNCTIONS}. */
export type MoodleFunction = (typeof MOODLE_REQUIRED_FUNCTIONS)[number];

/**
 * Moodle before 4.5 has no `mod_quiz_get_user_quiz_attempts`; its predecessor (deprecated in
 * 5.0, same answer shape) is accepted in its place.
 */
export const MOODLE_LEGACY_ATTEMPTS_FUNCTION = 'mod_quiz_get_user_attempts';

/** Capabilities the token's role needs (at system or category level). */
export const MOODLE_REQUIRED_CAPABILITIES = [
  'webservice/rest:use',
  'moodle/course:view',
  'mod/quiz:view',
  'mod/quiz:viewreports',
  'moodle/grade:viewhidden',
  'mod/assign:view',
  'mod/assign:viewgrades',
  'report/progress:view',
  'report/completion:view',
] as const;

/** One of {@link MOODLE_REQUIRED_CAPABILITIES}. */
export type MoodleCapability = (typeof MOODLE_REQUIRED_CAPABILITIES)[number];

/**
 * The capability a function needs to read another person's data, i.e. what a
 * `required_capability_exception` from it means. Moodle's message names the capability in
 * the site's language ("View quiz reports"), so Jalon names it from this table instead.
 */
export const CAPABILITY_FOR_FUNCTION: Partial<Record<string, MoodleCapability>> = {
  core_course_get_contents: 'moodle/course:view',
  mod_quiz_get_quizzes_by_courses: 'mod/quiz:view',
  mod_quiz_get_user_quiz_attempts: 'mod/quiz:viewreports',
  mod_quiz_get_user_attempts: 'mod/quiz:viewreports',
  mod_quiz_get_user_best_grade: 'mod/quiz:viewreports',
  core_course_check_updates: 'moodle/course:view',
  mod_assign_get_assignments: 'mod/assign:view',
  mod_assign_get_submission_status: 'mod/assign:viewgrades',
  mod_assign_get_submissions: 'mod/assign:viewgrades',
  mod_assign_get_grades: 'mod/assign:viewgrades',
  core_completion_get_activities_completion_status: 'report/progress:view',
  core_completion_get_course_completion_status: 'report/completion:view',
};
