/**
 * The connector of a micro-credential's course when nobody is launching: the sync runs in
 * a job. Moodle needs only the platform's token. Canvas reads as a person who authorised
 * Jalon: the course's own instructor when one did, and says so when nobody has.
 */
import { and, desc, eq, notInArray } from 'drizzle-orm';
import { CanvasConnector } from '../connectors/canvas/index.js';
import type { ConnectorFactory } from '../connectors/factory.js';
import { MoodleConnector } from '../connectors/moodle/index.js';
import type { CourseKey } from '../connectors/types.js';
import type { Db } from '../db/client.js';
import { courseInstructors, learners, lmsUserTokens } from '../db/schema/index.js';
import type { Microcredential } from '../definitions/repository.js';
import type { IntakeProblem } from './status.js';

/** A connector able to read results, with the course it addresses. */
export type CourseConnector =
  | { kind: 'moodle'; connector: MoodleConnector; course: CourseKey }
  | { kind: 'canvas'; connector: CanvasConnector; course: CourseKey; actingUserId: string };

/** The course key of a micro-credential (Canvas: the REST id when a launch gave it). */
export function courseKeyOfMicrocredential(mc: Microcredential): CourseKey {
  return {
    contextId: mc.contextId,
    ...(mc.lmsCourseId && /^\d+$/.test(mc.lmsCourseId) ? { lmsCourseId: mc.lmsCourseId } : {}),
  };
}

/**
 * Who a Canvas read acts as: the instructor of this course who launched most recently and
 * has authorised Jalon; failing that, the latest authorisation on the platform by anyone who
 * is not a learner of the course (an administrator, a co-teacher who never opened Jalon here).
 */
async function canvasActingUser(db: Db, platformId: string, microcredentialId: string) {
  const [own] = await db
    .select({ userId: lmsUserTokens.userId })
    .from(lmsUserTokens)
    .innerJoin(
      courseInstructors,
      and(
        eq(courseInstructors.userId, lmsUserTokens.userId),
        eq(courseInstructors.microcredentialId, microcredentialId),
      ),
    )
    .where(eq(lmsUserTokens.platformId, platformId))
    .orderBy(desc(courseInstructors.seenAt))
    .limit(1);
  if (own) return own.userId;
  const learnerIds = db
    .select({ id: learners.userId })
    .from(learners)
    .where(eq(learners.microcredentialId, microcredentialId));
  const [row] = await db
    .select({ userId: lmsUserTokens.userId })
    .from(lmsUserTokens)
    .where(and(eq(lmsUserTokens.platformId, platformId), notInArray(lmsUserTokens.userId, learnerIds)))
    .orderBy(desc(lmsUserTokens.updatedAt))
    .limit(1);
  return row?.userId;
}

/** Builds the course's connector, or the problem an administrator or instructor must fix. */
export async function connectorForCourse(
  deps: { db: Db; connectors: ConnectorFactory },
  mc: Microcredential,
): Promise<CourseConnector | { problem: IntakeProblem }> {
  const course = courseKeyOfMicrocredential(mc);
  let settings;
  try {
    settings = await deps.connectors.settings.get(mc.platformId);
  } catch {
    // The sealed secret no longer opens (master key changed): only an administrator can fix it.
    return { problem: { code: 'CONFIG', messageKey: 'connectors:missing.unreadable' } };
  }
  if (!settings) return { problem: { code: 'CONFIG', messageKey: 'intake:problem.noConnector' } };
  if (settings.kind === 'moodle') {
    const connector = deps.connectors.build(settings, '');
    if (!(connector instanceof MoodleConnector)) throw new Error('moodle settings gave another connector');
    return { kind: 'moodle', connector, course };
  }
  const actingUserId = await canvasActingUser(deps.db, mc.platformId, mc.id);
  if (!actingUserId)
    return { problem: { code: 'CONFIG', messageKey: 'intake:problem.noCanvasAuthorization' } };
  const connector = deps.connectors.build(settings, actingUserId);
  if (!(connector instanceof CanvasConnector)) throw new Error('canvas settings gave another connector');
  return { kind: 'canvas', connector, course, actingUserId };
}
