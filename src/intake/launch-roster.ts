/**
 * Learners come into the roster by launching Jalon: a learner's launch in a course that has
 * a micro-credential records them (name, e-mail, language, SIS id, and on Canvas the REST id
 * the connector needs); an instructor's launch is remembered apart, never as a learner.
 * Called from the engine's `onAccepted` hook; it never fails a launch.
 */
import type { Db } from '../db/client.js';
import type { DefinitionRepository } from '../definitions/repository.js';
import type { Logger } from '../log.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { courseInstructors } from '../db/schema/index.js';
import { upsertLearner } from './facts-store.js';
import { rememberMemberships } from './nrps.js';

/** Remembers that an instructor launched in the micro-credential's course (latest time kept). */
export async function recordInstructor(
  db: Db,
  microcredentialId: string,
  launch: LaunchContext,
): Promise<void> {
  const seen = { name: launch.name ?? null, email: launch.email ?? null, locale: launch.lang };
  await db
    .insert(courseInstructors)
    .values({ microcredentialId, userId: launch.userId, ...seen })
    .onConflictDoUpdate({
      target: [courseInstructors.microcredentialId, courseInstructors.userId],
      set: { ...seen, seenAt: new Date() },
    });
}

/** Records (or refreshes) the launching learner in the micro-credential's roster. */
export async function recordLearnerLaunch(
  db: Db,
  microcredentialId: string,
  launch: LaunchContext,
): Promise<void> {
  const sis = launch.lis?.person_sourcedid;
  await upsertLearner(db, microcredentialId, {
    userId: launch.userId,
    lmsUserId: lmsUserIdOf(launch) ?? null,
    name: launch.name ?? null,
    email: launch.email ?? null,
    locale: launch.lang,
    sisPersonId: typeof sis === 'string' ? sis : null,
  });
}

/** The id the LMS's web services know the launching person by, when the launch says it. */
export function lmsUserIdOf(launch: LaunchContext): string | undefined {
  if (launch.productFamily === 'moodle') return launch.userId; // Moodle's `sub` is its user id
  const id = launch.custom.canvas_user_id;
  return id && /^\d+$/.test(id) ? id : undefined;
}

/**
 * Records the launching learner in the course's micro-credential, if the course has one
 * (or the launching instructor, apart). Administrators are neither; a course without a
 * micro-credential has no roster to join yet (the LMS roster read of the first sync fills it).
 * Any launch that offers NRPS, whoever launches, also remembers the course's memberships URL.
 */
export async function recordLaunchedLearner(
  deps: { db: Db; definitions: DefinitionRepository; log?: Logger },
  launch: LaunchContext,
): Promise<void> {
  if (launch.nrps && launch.course?.id) {
    try {
      // Any launch in the course will do, even before it has a micro-credential.
      await rememberMemberships(deps.db, launch.platformId, launch.course.id, launch.nrps);
    } catch (err) {
      deps.log?.warn({ err, platformId: launch.platformId }, 'could not remember the NRPS service');
    }
  }
  if ((launch.audience !== 'learner' && launch.audience !== 'instructor') || !launch.course?.id) return;
  try {
    const mc = await deps.definitions.find(launch.platformId, launch.course.id);
    if (!mc) return;
    if (launch.audience === 'instructor') {
      // Not a learner: remembered so the Canvas sync can read as this course's own teacher.
      await recordInstructor(deps.db, mc.id, launch);
      return;
    }
    await recordLearnerLaunch(deps.db, mc.id, launch);
  } catch (err) {
    // The roster is a convenience for the sync; the learner's page must still open.
    deps.log?.warn({ err, platformId: launch.platformId }, 'could not record the launching learner');
  }
}
