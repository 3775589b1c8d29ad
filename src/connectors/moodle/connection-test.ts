/**
 * "Test connection" for Moodle: the token works, the external service holds each function
 * Jalon needs, and — for a course — the token's role has each capability, said in plain
 * words (which function to add to the service, which capability to give the role).
 */
import type { ConnectionCheck, ConnectionReport, CourseKey } from '../types.js';
import { ConnectorError } from '../types.js';
import type { MoodleClient } from './client.js';
import { moodleCourseId, readAssignments, readModuleCompletion, readQuizzes } from './course-data.js';
import { MoodleWsError } from './errors.js';
import {
  MOODLE_LEGACY_ATTEMPTS_FUNCTION,
  MOODLE_REQUIRED_FUNCTIONS,
  type MoodleCapability,
} from './requirements.js';
import { parseAnswer, quizAttemptsSchema, siteInfoSchema } from './schemas.js';

/** Options of the connection test. */
export interface ConnectionTestOptions {
  /**
   * Moodle id of another active person of the course (the instructor who asks will do):
   * Moodle checks the capabilities to read other people's data only for someone else.
   */
  probeUserId?: string;
}

const fail = (name: string, e: unknown): ConnectionCheck =>
  e instanceof ConnectorError
    ? { name, ok: false, messageKey: e.messageKey, params: e.params }
    : {
        name,
        ok: false,
        messageKey: 'moodle.error.other',
        params: { errorcode: 'internal', moodleMessage: String(e) },
      };

const capOk = (capability: MoodleCapability): ConnectionCheck => ({
  name: capability,
  ok: true,
  messageKey: 'moodle.check.capabilityOk',
  params: { capability },
});

const capMissing = (capability: MoodleCapability, fn: string): ConnectionCheck => ({
  name: capability,
  ok: false,
  messageKey: 'moodle.check.capabilityMissing',
  params: { capability, function: fn },
});

const notChecked = (capability: MoodleCapability, messageKey: string): ConnectionCheck => ({
  name: capability,
  ok: true,
  messageKey,
  params: { capability },
});

/** Runs one capability probe: ok, missing (a permission error), or another failure. */
async function probe(
  capability: MoodleCapability,
  fn: string,
  run: () => Promise<unknown>,
): Promise<ConnectionCheck> {
  try {
    await run();
    return capOk(capability);
  } catch (e) {
    if (
      e instanceof ConnectorError &&
      e.code === 'PERMISSION' &&
      e.messageKey === 'moodle.error.missingCapability'
    )
      return capMissing(capability, fn);
    // "No criteria" or "not a tracked learner" come after the capability check: it passed.
    if (
      e instanceof MoodleWsError &&
      ['nocriteriaset', 'usernotenroled', 'notenroled'].includes(e.moodle.errorcode)
    )
      return capOk(capability);
    return fail(capability, e);
  }
}

/** Tests a Moodle connection (see {@link ConnectionTestOptions}). */
export async function testMoodleConnection(
  client: MoodleClient,
  course?: CourseKey,
  options: ConnectionTestOptions = {},
): Promise<ConnectionReport> {
  const checks: ConnectionCheck[] = [];
  const report = (): ConnectionReport => ({
    ok: checks.every((c) => c.ok),
    checkedAt: new Date().toISOString(),
    checks,
  });

  let functions: Set<string>;
  try {
    const fn = 'core_webservice_get_site_info';
    const info = parseAnswer(siteInfoSchema, await client.call(fn), fn);
    functions = new Set(info.functions.map((f) => f.name));
    checks.push({
      name: 'connection',
      ok: true,
      messageKey: 'moodle.check.connected',
      params: { site: info.sitename, release: info.release ?? '?', user: info.username },
    });
    checks.push(capOk('webservice/rest:use'));
  } catch (e) {
    if (e instanceof MoodleWsError && e.moodle.errorcode === 'accessexception')
      checks.push({
        name: 'core_webservice_get_site_info',
        ok: false,
        messageKey: 'moodle.check.siteInfoDenied',
        params: { function: 'core_webservice_get_site_info', capability: 'webservice/rest:use' },
      });
    else checks.push(fail('connection', e));
    return report();
  }

  for (const fn of MOODLE_REQUIRED_FUNCTIONS) {
    if (functions.has(fn))
      checks.push({ name: fn, ok: true, messageKey: 'moodle.check.functionOk', params: { function: fn } });
    else if (fn === 'mod_quiz_get_user_quiz_attempts' && functions.has(MOODLE_LEGACY_ATTEMPTS_FUNCTION))
      checks.push({
        name: fn,
        ok: true,
        messageKey: 'moodle.check.legacyAttemptsFunction',
        params: { function: fn, legacy: MOODLE_LEGACY_ATTEMPTS_FUNCTION },
      });
    else
      checks.push({
        name: fn,
        ok: false,
        messageKey: 'moodle.check.functionMissing',
        params: { function: fn },
      });
  }
  if (!course) return report();

  let courseId: number;
  try {
    courseId = moodleCourseId(course);
    if (functions.has('core_course_get_contents')) {
      await readModuleCompletion(client, courseId);
      checks.push({
        name: 'moodle/course:view',
        ok: true,
        messageKey: 'moodle.check.courseAccessOk',
        params: { course: courseId },
      });
    }
  } catch (e) {
    const denied = e instanceof ConnectorError && e.messageKey === 'moodle.error.courseNotAccessible';
    checks.push(
      denied
        ? {
            name: 'moodle/course:view',
            ok: false,
            messageKey: 'moodle.check.courseAccessMissing',
            params: { course: course.contextId },
          }
        : fail('moodle/course:view', e),
    );
    return report();
  }

  const has = (fn: string) => functions.has(fn);
  const quizzes = has('mod_quiz_get_quizzes_by_courses')
    ? await readQuizzes(client, courseId).then(
        (q) => (checks.push(capOk('mod/quiz:view')), q),
        (e) => (checks.push(probeFailure('mod/quiz:view', 'mod_quiz_get_quizzes_by_courses', e)), []),
      )
    : [];
  const assignments = has('mod_assign_get_assignments')
    ? await readAssignments(client, courseId).then(
        (a) => (checks.push(capOk('mod/assign:view')), a),
        (e) => (checks.push(probeFailure('mod/assign:view', 'mod_assign_get_assignments', e)), []),
      )
    : [];

  const probeUser =
    options.probeUserId !== undefined && /^\d+$/.test(options.probeUserId)
      ? Number(options.probeUserId)
      : undefined;
  if (probeUser === undefined) {
    for (const c of [
      'mod/quiz:viewreports',
      'moodle/grade:viewhidden',
      'mod/assign:viewgrades',
      'report/progress:view',
      'report/completion:view',
    ] as const)
      checks.push(notChecked(c, 'moodle.check.capabilityNotChecked'));
    return report();
  }

  const attemptsFn = has('mod_quiz_get_user_quiz_attempts')
    ? 'mod_quiz_get_user_quiz_attempts'
    : MOODLE_LEGACY_ATTEMPTS_FUNCTION;
  const quiz = quizzes[0];
  if (!quiz || !has(attemptsFn)) {
    checks.push(notChecked('mod/quiz:viewreports', 'moodle.check.noQuizToCheck'));
    checks.push(notChecked('moodle/grade:viewhidden', 'moodle.check.noQuizToCheck'));
  } else {
    let marksHidden = false;
    let marksSeen = false;
    checks.push(
      await probe('mod/quiz:viewreports', attemptsFn, async () => {
        const r = parseAnswer(
          quizAttemptsSchema,
          await client.call(attemptsFn, { quizid: quiz.id, userid: probeUser, status: 'finished' }),
          attemptsFn,
        );
        for (const a of r.attempts.filter((x) => x.state === 'finished')) {
          if (a.sumgrades === null || a.sumgrades === undefined) marksHidden = true;
          else marksSeen = true;
        }
      }),
    );
    checks.push(
      marksHidden && attemptsFn !== MOODLE_LEGACY_ATTEMPTS_FUNCTION
        ? capMissing('moodle/grade:viewhidden', attemptsFn)
        : marksSeen
          ? capOk('moodle/grade:viewhidden')
          : notChecked('moodle/grade:viewhidden', 'moodle.check.viewHiddenUnverified'),
    );
  }
  const assign = assignments[0];
  if (!assign || !has('mod_assign_get_submission_status'))
    checks.push(notChecked('mod/assign:viewgrades', 'moodle.check.noAssignmentToCheck'));
  else
    checks.push(
      await probe('mod/assign:viewgrades', 'mod_assign_get_submission_status', () =>
        client.call('mod_assign_get_submission_status', { assignid: assign.id, userid: probeUser }),
      ),
    );
  for (const [cap, fn] of [
    ['report/progress:view', 'core_completion_get_activities_completion_status'],
    ['report/completion:view', 'core_completion_get_course_completion_status'],
  ] as const)
    if (has(fn))
      checks.push(await probe(cap, fn, () => client.call(fn, { courseid: courseId, userid: probeUser })));
  return report();
}

function probeFailure(capability: MoodleCapability, fn: string, e: unknown): ConnectionCheck {
  if (
    e instanceof ConnectorError &&
    e.code === 'PERMISSION' &&
    e.messageKey === 'moodle.error.missingCapability'
  )
    return capMissing(capability, fn);
  return fail(capability, e);
}
