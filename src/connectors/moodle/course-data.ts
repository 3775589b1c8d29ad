/**
 * Reads of a course's settings shared by the connector and its connection test: the course
 * id Moodle's web services take, the quizzes and assignments (with the checks that turn
 * Moodle's silent warnings into errors) and each course module's completion setting.
 */
import { ConnectorError, type CourseKey } from '../types.js';
import type { MoodleClient } from './client.js';
import {
  assignmentsSchema,
  courseContentsSchema,
  parseAnswer,
  quizzesSchema,
  type WsAssignment,
  type WsQuiz,
} from './schemas.js';

/** The Moodle course id of a course (the LTI `context.id` on Moodle). */
export function moodleCourseId(course: CourseKey): number {
  const raw = course.lmsCourseId ?? course.contextId;
  if (!/^\d+$/.test(raw)) throw new ConnectorError('NOT_FOUND', 'moodle.error.badCourseId', { course: raw });
  return Number(raw);
}

const notAccessible = (fn: string, courseId: number) =>
  new ConnectorError('PERMISSION', 'moodle.error.courseNotAccessible', { function: fn, course: courseId });

/**
 * The course's quizzes. A course the token user cannot enter comes back as a warning, and
 * without `mod/quiz:view` the quizzes come without their settings: both are errors here.
 */
export async function readQuizzes(client: MoodleClient, courseId: number): Promise<WsQuiz[]> {
  const fn = 'mod_quiz_get_quizzes_by_courses';
  const r = parseAnswer(quizzesSchema, await client.call(fn, { courseids: [courseId] }), fn);
  if (r.warnings.some((w) => w.item === 'course' && w.itemid === courseId)) throw notAccessible(fn, courseId);
  const quizzes = r.quizzes.filter((q) => q.course === courseId);
  if (quizzes.some((q) => q.grade === undefined || q.attempts === undefined))
    throw new ConnectorError('PERMISSION', 'moodle.error.missingCapability', {
      function: fn,
      capability: 'mod/quiz:view',
      moodleMessage: '',
    });
  return quizzes;
}

/**
 * The course's assignments. `includenotenrolledcourses` is required: Jalon's service account
 * is usually not enrolled, and without it Moodle drops the course with a warning.
 */
export async function readAssignments(client: MoodleClient, courseId: number): Promise<WsAssignment[]> {
  const fn = 'mod_assign_get_assignments';
  const r = parseAnswer(
    assignmentsSchema,
    await client.call(fn, { courseids: [courseId], includenotenrolledcourses: true }),
    fn,
  );
  if (r.warnings.some((w) => w.item === 'course' && w.itemid === courseId)) throw notAccessible(fn, courseId);
  if (r.warnings.some((w) => w.item === 'module'))
    throw new ConnectorError('PERMISSION', 'moodle.error.missingCapability', {
      function: fn,
      capability: 'mod/assign:view',
      moodleMessage: r.warnings.find((w) => w.item === 'module')?.message ?? '',
    });
  return r.courses.filter((c) => c.id === courseId).flatMap((c) => c.assignments);
}

/** Course-module id → completion tracking (0 none, 1 manual, 2 automatic). */
export async function readModuleCompletion(
  client: MoodleClient,
  courseId: number,
): Promise<Map<number, number>> {
  const fn = 'core_course_get_contents';
  const sections = parseAnswer(courseContentsSchema, await client.call(fn, { courseid: courseId }), fn);
  return new Map(sections.flatMap((s) => s.modules.map((m) => [m.id, m.completion ?? 0] as const)));
}
