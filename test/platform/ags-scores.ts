/**
 * Score posting rules. Both LMSs validate the AGS score body; Moodle then keeps a score
 * only when `gradingProgress` is `FullyGraded`, refuses a timestamp not newer than the
 * stored one at one-second resolution (409), and refuses non-gradable users; Canvas
 * refuses non-students (422) and stale timestamps (400).
 */
import type { Directory } from './fixtures.js';
import { isGradable } from './roles.js';
import type { Family, LineItem, StoredGrade } from './types.js';

const ACTIVITY = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'];
const GRADING = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'];

/** Outcome of a score POST. */
export type ScoreOutcome = { ok: true; grade: StoredGrade } | { ok: false; status: number; message: string };

/** Validates and stores a score on a line item. */
export function postScore(family: Family, directory: Directory, item: LineItem, body: unknown): ScoreOutcome {
  const fail = (status: number, message: string): ScoreOutcome => ({ ok: false, status, message });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return fail(400, 'score body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.userId !== 'string' || !b.userId) return fail(400, 'userId required');
  if (typeof b.timestamp !== 'string' || Number.isNaN(Date.parse(b.timestamp)))
    return fail(400, 'timestamp required (ISO 8601)');
  if (typeof b.activityProgress !== 'string' || !ACTIVITY.includes(b.activityProgress))
    return fail(400, 'invalid activityProgress');
  if (typeof b.gradingProgress !== 'string' || !GRADING.includes(b.gradingProgress))
    return fail(400, 'invalid gradingProgress');
  if (b.scoreGiven !== undefined) {
    if (typeof b.scoreGiven !== 'number' || !Number.isFinite(b.scoreGiven) || b.scoreGiven < 0)
      return fail(400, 'invalid scoreGiven');
    if (typeof b.scoreMaximum !== 'number' || !(b.scoreMaximum > 0))
      return fail(400, 'scoreGiven requires scoreMaximum > 0');
  }
  if (b.comment !== undefined && typeof b.comment !== 'string') return fail(400, 'comment must be a string');
  const user =
    family === 'moodle' ? directory.allUsers().find((u) => u.sub === b.userId) : directory.findUser(b.userId);
  const enrolment = user ? directory.enrolment(user.handle, item.courseHandle) : undefined;
  if (!user || enrolment?.status !== 'active' || !isGradable(enrolment.role)) {
    return family === 'moodle'
      ? fail(400, 'Incorrect score received')
      : fail(422, 'User not found in course or is not a student');
  }
  const timestamp = Date.parse(b.timestamp);
  const stored = item.grades.get(user.sub);
  if (stored) {
    if (family === 'moodle' && Math.floor(stored.timestamp / 1000) >= Math.floor(timestamp / 1000)) {
      return fail(409, `Refusing score with an earlier timestamp for item ${item.id} and user ${user.sub}`);
    }
    if (family === 'canvas' && stored.timestamp >= timestamp)
      return fail(400, 'Score timestamp not after the existing result');
  }
  const keep = family === 'canvas' || b.gradingProgress === 'FullyGraded';
  const grade: StoredGrade = {
    userSub: user.sub,
    scoreGiven: keep && typeof b.scoreGiven === 'number' ? b.scoreGiven : null,
    scoreMaximum: keep && typeof b.scoreMaximum === 'number' ? b.scoreMaximum : null,
    ...(typeof b.comment === 'string' ? { comment: b.comment } : {}),
    activityProgress: b.activityProgress,
    gradingProgress: b.gradingProgress,
    timestamp,
  };
  item.grades.set(user.sub, grade);
  return { ok: true, grade };
}

/** A grade rescaled to the item's maximum (7/10 on a 100-point item reads 70/100). */
export function rescaled(item: LineItem, grade: StoredGrade): number | null {
  if (grade.scoreGiven === null || grade.scoreMaximum === null) return null;
  return Math.round((grade.scoreGiven / grade.scoreMaximum) * item.scoreMaximum * 100000) / 100000;
}
