/**
 * The course roster through LTI Names and Role Provisioning (NRPS v2), for the whole-roster
 * sync. NRPS keys members by their LTI `user_id` (the launch `sub`), which Canvas REST never
 * gives: through it, learners who never launched Jalon are known and read (Canvas by
 * `lti_1_3_id:`). The memberships URL is the one a launch in the course offered (remembered
 * here, per platform and context); the token is a platform access token for the NRPS scope.
 *
 * Every `rel="next"` page is followed (Canvas pages by 50; Moodle pages when asked). Only
 * members with a Learner role, not also an instructor, whose status is Active, are kept.
 * Anything unexpected (a refused token, a 401, a body that is not a membership container,
 * another course's context, a next page on another host) makes the whole read fail with a
 * reason: the caller then falls back to the connector's roster, never to a partial list
 * that would mark the rest of the course inactive.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { nrpsEndpoints } from '../db/schema/index.js';
import type { LtiEngine } from '../lti/engine.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { Logger } from '../log.js';
import type { LearnerInput } from './facts-store.js';
import type { IntakeProblem } from './status.js';
import { followPages, nextLink } from '../lti/paging.js';

/** The NRPS scope the platform token is asked for. */
export const NRPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';
const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const MEDIA = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';
/** A course of 50,000 at Canvas's 50 a page: beyond that the Link chain is taken as a loop. */
const MAX_PAGES = 1000;
const PAGE_TIMEOUT_MS = 15_000;
/** Longest id Jalon accepts for a learner (the `results.sync` payload's limit). */
const MAX_ID = 200;

/** The stored NRPS service of a course. */
export type NrpsEndpointRow = typeof nrpsEndpoints.$inferSelect;

/** Records the memberships URL a launch offered for its course; only a change costs a write. */
export async function rememberMemberships(
  db: Db,
  platformId: string,
  contextId: string,
  nrps: NonNullable<LaunchContext['nrps']>,
): Promise<void> {
  const versions = nrps.serviceVersions.join(' ');
  const [row] = await db
    .select()
    .from(nrpsEndpoints)
    .where(and(eq(nrpsEndpoints.platformId, platformId), eq(nrpsEndpoints.contextId, contextId)));
  if (row && row.membershipsUrl === nrps.membershipsUrl && row.serviceVersions === versions) return;
  const values = { membershipsUrl: nrps.membershipsUrl, serviceVersions: versions, updatedAt: new Date() };
  await db
    .insert(nrpsEndpoints)
    .values({ platformId, contextId, ...values })
    .onConflictDoUpdate({
      target: [nrpsEndpoints.platformId, nrpsEndpoints.contextId],
      // A new URL (the tool re-registered, the course copied) deserves a fresh try.
      set: { ...values, problem: null, problemAt: null },
    });
}

/** The course's NRPS service, if a launch ever offered it. */
export async function nrpsEndpointOf(
  db: Db,
  platformId: string,
  contextId: string,
): Promise<NrpsEndpointRow | undefined> {
  const [row] = await db
    .select()
    .from(nrpsEndpoints)
    .where(and(eq(nrpsEndpoints.platformId, platformId), eq(nrpsEndpoints.contextId, contextId)));
  return row;
}

/** What a full NRPS read gave. */
export interface NrpsRoster {
  /** Active learners, one per `user_id`. */
  learners: LearnerInput[];
  /** Pages fetched (HTTP requests to the memberships service). */
  pages: number;
  /** Members listed that were left out (instructors, inactive, malformed). */
  skipped: number;
}

/** Why an NRPS read failed: code for logs, i18n key for people, and a detail for the log only. */
export class NrpsError extends Error {
  override name = 'NrpsError';
  constructor(
    readonly code:
      'TOKEN' | 'AUTH' | 'NOT_FOUND' | 'UNAVAILABLE' | 'BAD_RESPONSE' | 'WRONG_CONTEXT' | 'OFFSITE' | 'EMPTY',
    readonly messageKey: string,
    readonly detail: string,
    readonly params?: Record<string, string | number>,
  ) {
    super(`${code}: ${detail}`);
  }

  get problem(): IntakeProblem {
    return { code: this.code, messageKey: this.messageKey, ...(this.params ? { params: this.params } : {}) };
  }
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 500) : undefined;

function isLearnerRole(role: string): boolean {
  return role === 'Learner' || role === `${MEMBERSHIP}Learner`;
}

function isInstructorRole(role: string): boolean {
  return (
    role === 'Instructor' ||
    role === `${MEMBERSHIP}Instructor` ||
    role.startsWith('http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#')
  );
}

/** A member as Jalon keeps it, or why not. */
function learnerOf(member: unknown, family: 'moodle' | 'canvas'): LearnerInput | undefined {
  if (typeof member !== 'object' || member === null) return undefined;
  const m = member as Record<string, unknown>;
  const userId = str(m.user_id);
  if (!userId || userId.length > MAX_ID) return undefined;
  // The specification's default status is Active; Moodle and Canvas list active members only.
  if (m.status !== undefined && m.status !== 'Active') return undefined;
  const roles = Array.isArray(m.roles) ? m.roles.filter((r): r is string => typeof r === 'string') : [];
  // A teacher who is also enrolled as a student stays a teacher: recorded as a learner, they
  // could no longer be the person Canvas reads act as (see `course-connector.ts`).
  if (!roles.some(isLearnerRole) || roles.some(isInstructorRole)) return undefined;
  const given = str(m.given_name);
  const family_ = str(m.family_name);
  const name = str(m.name) ?? ([given, family_].filter(Boolean).join(' ') || undefined);
  let lmsUserId: string | undefined;
  if (family === 'moodle') lmsUserId = /^\d+$/.test(userId) ? userId : undefined;
  else {
    // Canvas gives the REST id only inside `message` (an `rlid` read with the custom
    // parameter `canvas_user_id=$Canvas.user.id`); otherwise reads go by `lti_1_3_id:`.
    const messages = Array.isArray(m.message) ? m.message : [];
    for (const msg of messages) {
      const custom = (msg as Record<string, unknown> | null)?.[
        'https://purl.imsglobal.org/spec/lti/claim/custom'
      ] as Record<string, unknown> | undefined;
      const id = str(custom?.canvas_user_id);
      if (id && /^\d+$/.test(id)) lmsUserId = id;
    }
  }
  return {
    userId,
    ...(lmsUserId ? { lmsUserId } : {}),
    name: name ?? null,
    email: str(m.email) ?? null,
    sisPersonId: str(m.lis_person_sourcedid) ?? null,
  };
}

/** One page: the members, and the next page's URL if any. */
async function fetchPage(
  url: string,
  token: string,
  contextId: string,
): Promise<{ members: unknown[]; next?: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: MEDIA },
      signal: AbortSignal.timeout(PAGE_TIMEOUT_MS),
      redirect: 'error', // a redirect would carry the bearer token wherever it points
    });
  } catch (err) {
    throw new NrpsError('UNAVAILABLE', 'intake:nrps.problem.unavailable', `fetch failed: ${String(err)}`);
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403)
    throw new NrpsError('AUTH', 'intake:nrps.problem.refused', `HTTP ${res.status}: ${text.slice(0, 200)}`, {
      status: res.status,
    });
  if (res.status === 404)
    throw new NrpsError('NOT_FOUND', 'intake:nrps.problem.notFound', `HTTP 404: ${text.slice(0, 200)}`);
  if (!res.ok)
    throw new NrpsError(
      'UNAVAILABLE',
      'intake:nrps.problem.unavailable',
      `HTTP ${res.status}: ${text.slice(0, 200)}`,
    );
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new NrpsError('BAD_RESPONSE', 'intake:nrps.problem.badResponse', `not JSON: ${text.slice(0, 120)}`);
  }
  const b = body as { context?: { id?: unknown }; members?: unknown } | null;
  if (typeof b !== 'object' || b === null || !Array.isArray(b.members))
    throw new NrpsError('BAD_RESPONSE', 'intake:nrps.problem.badResponse', 'no members array');
  // Another course's list would enrol strangers and deactivate the real learners.
  if (b.context !== undefined && String(b.context?.id) !== contextId)
    throw new NrpsError(
      'WRONG_CONTEXT',
      'intake:nrps.problem.wrongContext',
      `context ${String(b.context?.id).slice(0, 80)} is not ${contextId}`,
    );
  const next = nextLink(res.headers.get('link'));
  return { members: b.members, ...(next ? { next } : {}) };
}

/** What {@link readNrpsRoster} needs. */
export interface NrpsDeps {
  db: Db;
  engine: Pick<LtiEngine, 'platformToken'>;
}

/**
 * Reads the whole roster of a course through NRPS, every page. Throws {@link NrpsError}
 * (nothing partial is returned). The Learner filter is asked of the platform too (fewer
 * pages), but applied here regardless: the answer is not trusted to have honoured it.
 */
export async function readNrpsRoster(
  deps: NrpsDeps,
  endpoint: NrpsEndpointRow,
  family: 'moodle' | 'canvas',
): Promise<NrpsRoster> {
  let token: string;
  try {
    token = await deps.engine.platformToken(endpoint.platformId, [NRPS_SCOPE]);
  } catch (err) {
    throw new NrpsError('TOKEN', 'intake:nrps.problem.token', String((err as Error)?.message ?? err));
  }
  const first = new URL(endpoint.membershipsUrl);
  if (!first.searchParams.has('role')) first.searchParams.set('role', `${MEMBERSHIP}Learner`);
  const byId = new Map<string, LearnerInput>();
  let skipped = 0;
  const pages = await followPages(
    first.toString(),
    async (url) => {
      const page = await fetchPage(url, token, endpoint.contextId);
      for (const member of page.members) {
        const learner = learnerOf(member, family);
        if (learner) byId.set(learner.userId, learner);
        else skipped++;
      }
      return page.next;
    },
    {
      maxPages: MAX_PAGES,
      fault: (kind, detail) =>
        kind === 'offsite'
          ? new NrpsError('OFFSITE', 'intake:nrps.problem.offsite', detail)
          : new NrpsError('BAD_RESPONSE', 'intake:nrps.problem.badResponse', detail),
    },
  );
  // A roster that lists nobody would mark every learner inactive: not taken on NRPS's word
  // alone (a platform answering for a half-restored course does that); the connector's
  // roster, read next, decides.
  if (byId.size === 0)
    throw new NrpsError('EMPTY', 'intake:nrps.problem.empty', `no active learner in ${pages} page(s)`);
  return { learners: [...byId.values()], pages, skipped };
}

/** Records a full NRPS read: the problem, if any, is cleared. */
export async function recordNrpsOk(db: Db, endpoint: NrpsEndpointRow, at = new Date()): Promise<void> {
  await db
    .update(nrpsEndpoints)
    .set({ lastReadAt: at, problem: null, problemAt: null })
    .where(
      and(eq(nrpsEndpoints.platformId, endpoint.platformId), eq(nrpsEndpoints.contextId, endpoint.contextId)),
    );
}

/** Records why the last NRPS read failed (the sync went on with the connector's roster). */
export async function recordNrpsProblem(
  db: Db,
  endpoint: NrpsEndpointRow,
  problem: IntakeProblem,
  at = new Date(),
): Promise<void> {
  await db
    .update(nrpsEndpoints)
    .set({ problem, problemAt: at })
    .where(
      and(eq(nrpsEndpoints.platformId, endpoint.platformId), eq(nrpsEndpoints.contextId, endpoint.contextId)),
    );
}

/**
 * The roster of a micro-credential's course through NRPS, when a launch offered the service:
 * `undefined` when there is none or it failed (failure logged with its reason and recorded on
 * the endpoint), so the caller reads the connector's roster instead.
 */
export async function nrpsRosterForCourse(
  deps: NrpsDeps & { log: Logger },
  course: { microcredentialId: string; platformId: string; contextId: string },
  family: 'moodle' | 'canvas',
): Promise<NrpsRoster | undefined> {
  const endpoint = await nrpsEndpointOf(deps.db, course.platformId, course.contextId);
  if (!endpoint) return undefined;
  try {
    const roster = await readNrpsRoster(deps, endpoint, family);
    await recordNrpsOk(deps.db, endpoint);
    deps.log.info(
      {
        microcredentialId: course.microcredentialId,
        pages: roster.pages,
        learners: roster.learners.length,
        skipped: roster.skipped,
      },
      'roster read through NRPS',
    );
    return roster;
  } catch (err) {
    if (!(err instanceof NrpsError)) throw err;
    await recordNrpsProblem(deps.db, endpoint, err.problem);
    deps.log.warn(
      {
        microcredentialId: course.microcredentialId,
        platformId: course.platformId,
        code: err.code,
        reason: err.messageKey,
        detail: err.detail,
      },
      'NRPS roster unreadable; reading the roster through the connector',
    );
    return undefined;
  }
}
