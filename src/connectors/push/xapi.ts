/**
 * Moodle `logstore_xapi` batches → push triggers. Jalon exposes a minimal LRS-style
 * `POST …/statements` per platform (Basic credentials, see `basic-auth.ts`); this module reads
 * what arrives and says which learner to re-read. Pure: nothing is stored here.
 *
 * What logstore_xapi expects from the endpoint (plugin 5.0.1, `src/loader/lrs.php`,
 * `moodle_curl_lrs.php`): it POSTs a JSON **array** of up to `maxbatchsize` (default 30)
 * statements with `Authorization: Basic …` and `X-Experience-API-Version: 1.0.3`, and treats
 * **any status other than 200 as a failure**: the whole batch goes to its failed log and is
 * re-sent by `failed_task` every 30 minutes when `resendfailedbatches` is on. So the endpoint
 * answers 200 whenever the batch was read — including statements ignored here and statements
 * about courses Jalon does not know (acknowledged and ignored, issue 10 §2) — and a 4xx only for
 * wrong credentials or a batch that is not a statement list (those will fail again on resend,
 * which is what an administrator should see). xAPI 1.0.3 says the 200 body is the array of
 * statement ids; the plugin does not read it.
 */
import { createHash } from 'node:crypto';
import { PushError } from './errors.js';
import type { IgnoredPush, MoodlePushTrigger, PushKind } from './types.js';

/** The largest batch read; logstore_xapi's default is 30 and admins rarely raise it past 100s. */
export const XAPI_MAX_BATCH = 1000;

/** xAPI IRIs logstore_xapi uses for the statements Jalon acts on. */
export const XAPI = {
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  scored: 'https://w3id.org/xapi/tla/verbs/scored',
  attemptType: 'http://adlnet.gov/expapi/activities/attempt',
  courseType: 'https://w3id.org/xapi/cmi5/activitytype/course',
  /** Learning Locker's extension where logstore_xapi records the Moodle event name. */
  infoExtension: 'http://lrs.learninglocker.net/define/extensions/info',
} as const;

/** The result of reading one batch: one outcome per statement, in order. */
export interface XapiBatch {
  /** `outcomes[i]` is what statement `i` became. */
  outcomes: (MoodlePushTrigger | IgnoredPush)[];
  /** The triggers among the outcomes. */
  triggers: MoodlePushTrigger[];
}

type Json = Record<string, unknown>;
const obj = (x: unknown): Json | undefined =>
  x && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : undefined;
const str = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x : undefined);

/**
 * The `id` query parameter of a Moodle URL under `siteUrl` whose path ends with `pathEnd`
 * (e.g. `/mod/quiz/view.php`). IRIs on another host are not trusted for ids.
 */
function moodleId(iri: unknown, siteUrl: string, pathEnd: RegExp): string | undefined {
  const s = str(iri);
  if (!s || !s.toLowerCase().startsWith(`${siteUrl.toLowerCase()}/`)) return undefined;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  if (!pathEnd.test(url.pathname)) return undefined;
  const id = url.searchParams.get('id') ?? url.searchParams.get('cmid');
  return id && /^[1-9]\d{0,17}$/.test(id) ? id : undefined;
}

const MODULE_VIEW = /\/mod\/[a-z0-9_]+\/view\.php$/;
const QUIZ_ATTEMPT = /\/mod\/quiz\/attempt\.php$/;
const ASSIGN_VIEW = /\/mod\/assign\/view\.php$/;
const COURSE_VIEW = /\/course\/view\.php$/;

/** Activities in `context.contextActivities.parent` and `.grouping` (the plugin uses both). */
function contextActivities(statement: Json): Json[] {
  const ca = obj(obj(statement.context)?.contextActivities);
  const list = [ca?.parent, ca?.grouping].flatMap((x) => (Array.isArray(x) ? x : []));
  return list.map(obj).filter((x): x is Json => x !== undefined);
}

function firstId(activities: Json[], siteUrl: string, path: RegExp): string | undefined {
  for (const a of activities) {
    const id = moodleId(a.id, siteUrl, path);
    if (id) return id;
  }
  return undefined;
}

interface Classified {
  kind: PushKind;
  eventName: string;
  cmid?: string;
  courseId?: string;
}

function classify(statement: Json, siteUrl: string): Classified | IgnoredPush {
  const verb = str(obj(statement.verb)?.id);
  const object = obj(statement.object);
  const objectId = object?.id;
  const objectType = str(obj(object?.definition)?.type);
  const parents = contextActivities(statement);
  const courseId = firstId(parents, siteUrl, COURSE_VIEW);
  if (!verb || !str(objectId)) return { ignored: 'statement has no verb or object id' };

  if (verb === XAPI.completed && objectType === XAPI.attemptType) {
    // Quiz attempt: the quiz's cmid is in the parent `view.php?id=`, or `cmid=` on the attempt IRI.
    const cmid = firstId(parents, siteUrl, MODULE_VIEW) ?? moodleId(objectId, siteUrl, QUIZ_ATTEMPT);
    if (!cmid) return { ignored: 'attempt statement without a course module id' };
    return { kind: 'attempt', eventName: '\\mod_quiz\\event\\attempt_submitted', cmid, courseId };
  }
  if (verb === XAPI.scored) {
    const cmid = moodleId(objectId, siteUrl, ASSIGN_VIEW);
    if (!cmid) return { ignored: 'scored statement not about an assignment on this site' };
    return { kind: 'grade', eventName: '\\mod_assign\\event\\submission_graded', cmid, courseId };
  }
  if (verb === XAPI.completed || verb.endsWith('/uncompleted')) {
    const course = moodleId(objectId, siteUrl, COURSE_VIEW);
    if (course && (objectType === XAPI.courseType || objectType === undefined))
      return { kind: 'completion', eventName: '\\core\\event\\course_completed', courseId: course };
    const cmid = moodleId(objectId, siteUrl, MODULE_VIEW);
    if (cmid)
      return {
        kind: 'completion',
        eventName: '\\core\\event\\course_module_completion_updated',
        cmid,
        courseId,
      };
  }
  return { ignored: `verb ${verb} on this object is not used by Jalon` };
}

function oneStatement(x: unknown): MoodlePushTrigger | IgnoredPush {
  const statement = obj(x);
  if (!statement) return { ignored: 'statement is not an object' };
  const account = obj(obj(statement.actor)?.account);
  const home = str(account?.homePage);
  const userId = typeof account?.name === 'number' ? String(account.name) : str(account?.name);
  // logstore_xapi's default actor; `send_mbox`/`send_username` actors carry no Moodle user id.
  if (!home || !userId || !/^[1-9]\d{0,17}$/.test(userId))
    return { ignored: 'actor is not a Moodle account (homePage + numeric user id)' };
  const siteUrl = home.replace(/\/+$/, '');
  const c = classify(statement, siteUrl);
  if ('ignored' in c) return c;
  const info = obj(obj(obj(statement.context)?.extensions)?.[XAPI.infoExtension]);
  const eventName = str(info?.event_name) ?? c.eventName;
  const timestamp = str(statement.timestamp);
  const idempotencyKey =
    str(statement.id) ??
    createHash('sha256')
      .update(
        JSON.stringify([
          eventName,
          siteUrl,
          userId,
          c.cmid,
          c.courseId,
          timestamp,
          obj(statement.object)?.id,
        ]),
      )
      .digest('base64url');
  const trigger: MoodlePushTrigger = {
    source: 'moodle-xapi',
    siteUrl,
    userId,
    kind: c.kind,
    eventName,
    idempotencyKey,
  };
  if (c.cmid) trigger.cmid = c.cmid;
  if (c.courseId) trigger.courseId = c.courseId;
  if (timestamp) trigger.timestamp = timestamp;
  return trigger;
}

/**
 * Reads one `logstore_xapi` POST body: a JSON array of statements (what the plugin sends) or a
 * single statement (what the xAPI spec also allows), already parsed or as raw text.
 * One statement Jalon cannot use never spoils the batch: it is marked ignored with a reason.
 *
 * @throws {PushError} `PUSH_GARBAGE` (text that is not JSON) or `PUSH_MALFORMED` (not an
 *   array or object, or more than {@link XAPI_MAX_BATCH} statements).
 */
export function parseXapiStatements(body: unknown): XapiBatch {
  let value = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch {
      throw new PushError('PUSH_GARBAGE', 'statements body is not JSON');
    }
  }
  const list = Array.isArray(value) ? value : obj(value) ? [value] : undefined;
  if (!list) throw new PushError('PUSH_MALFORMED', 'statements body is neither an array nor a statement');
  if (list.length > XAPI_MAX_BATCH) throw new PushError('PUSH_MALFORMED', 'statement batch too large');
  const outcomes = list.map(oneStatement);
  return { outcomes, triggers: outcomes.filter((o): o is MoodlePushTrigger => !('ignored' in o)) };
}
