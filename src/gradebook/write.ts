/**
 * Writes a learner's result to Jalon's own gradebook column (AGS), outside any request:
 * the AGS endpoint is the one the course's last launch offered (`gradebook_endpoints`), the
 * access token comes from the LTI engine (client credentials). Moodle keeps a score only
 * when `gradingProgress` is `FullyGraded` and refuses a timestamp that is not strictly
 * newer (to the second) than the stored one, so each learner's last timestamp is kept and
 * the next one is at least a second later.
 */
import { and, eq } from 'drizzle-orm';
import type { Response } from 'express';
import type { Db } from '../db/client.js';
import { awards, gradebookEndpoints, gradebookScores, standings } from '../db/schema/index.js';
import type { Logger } from '../log.js';
import type { LtiEngine } from '../lti/engine.js';
import type { Standing } from '../microcredentials/policy.js';
import {
  AGS_MEDIA,
  AGS_SCOPE,
  AgsError,
  agsFetch,
  agsToken,
  findColumnByTag,
  lineItemSubUrl,
} from './ags.js';

/**
 * The AGS tag of Jalon's "Micro-credential" column, where the award is written. Not the
 * column an instructor may grade as a summative item (`JALON_ASSESSMENT_TAG`, read back by
 * `read.ts`): writing the award there would overwrite the instructor's grades.
 */
export const JALON_COLUMN_TAG = 'jalon-microcredential';

/** Payload of `gradebook.write`. */
export interface GradebookPayload {
  microcredentialId: string;
  learner: string;
}

/** What a write did. */
export type WriteOutcome =
  | { written: true; lineItemUrl: string; timestamp: string; scoreGiven: number }
  | { written: false; why: 'no_endpoint' | 'no_score_scope' | 'no_column' | 'nothing_to_write' };

/** What {@link writeLearnerScore} needs. */
export interface GradebookDeps {
  db: Db;
  engine: Pick<LtiEngine, 'platformToken'>;
  log?: Logger;
  /** Column label when it has to be created. */
  label?: string;
}

/** Records the AGS endpoint a launch offered for a course (called by launched pages). */
export async function rememberEndpoint(
  db: Db,
  microcredentialId: string,
  platformId: string,
  endpoint: { lineItemsUrl: string; scopes: string[] },
): Promise<void> {
  const values = {
    microcredentialId,
    platformId,
    lineItemsUrl: endpoint.lineItemsUrl,
    scopes: endpoint.scopes.join(' '),
    updatedAt: new Date(),
  };
  const [row] = await db
    .select()
    .from(gradebookEndpoints)
    .where(eq(gradebookEndpoints.microcredentialId, microcredentialId));
  if (row && row.lineItemsUrl === values.lineItemsUrl && row.scopes === values.scopes) return;
  await db
    .insert(gradebookEndpoints)
    .values(values)
    .onConflictDoUpdate({
      target: gradebookEndpoints.microcredentialId,
      // A new line-items URL is another course copy or tool type: the column is found again.
      set: { ...values, ...(row && row.lineItemsUrl !== values.lineItemsUrl && { lineItemUrl: null }) },
    });
}

/**
 * Remembers the AGS service the current launch offers, if any: what the background jobs (the
 * award column, the read-back) need later and only a launch tells.
 */
export async function rememberLaunchEndpoint(
  deps: { db: Db; engine: Pick<LtiEngine, 'agsEndpoint'> },
  microcredentialId: string,
  platformId: string,
  res: Response,
): Promise<void> {
  const ags = deps.engine.agsEndpoint(res);
  if (ags) await rememberEndpoint(deps.db, microcredentialId, platformId, ags);
}

/** The AGS service a launch offered for the course, with its granted scopes, if any. */
export async function endpointOf(
  db: Db,
  microcredentialId: string,
): Promise<{ ep: typeof gradebookEndpoints.$inferSelect; scopes: string[] } | undefined> {
  const [ep] = await db
    .select()
    .from(gradebookEndpoints)
    .where(eq(gradebookEndpoints.microcredentialId, microcredentialId));
  return ep ? { ep, scopes: ep.scopes.split(' ').filter(Boolean) } : undefined;
}

async function findOrCreateColumn(
  deps: GradebookDeps,
  ep: typeof gradebookEndpoints.$inferSelect,
  token: string,
  canCreate: boolean,
): Promise<string | undefined> {
  if (ep.lineItemUrl) return ep.lineItemUrl;
  let id = await findColumnByTag(ep.lineItemsUrl, token, JALON_COLUMN_TAG);
  if (!id && canCreate) {
    const created = await agsFetch(ep.lineItemsUrl, token, {
      method: 'POST',
      accept: AGS_MEDIA.lineItem,
      headers: { 'content-type': AGS_MEDIA.lineItem },
      body: JSON.stringify({
        label: deps.label ?? 'Jalon',
        scoreMaximum: 100,
        tag: JALON_COLUMN_TAG,
        resourceId: JALON_COLUMN_TAG,
      }),
    });
    if (!created.ok) throw new AgsError(`create line item: HTTP ${created.status}`, created.status);
    id = ((await created.json()) as { id?: string }).id;
  }
  if (!id) return undefined;
  await deps.db
    .update(gradebookEndpoints)
    .set({ lineItemUrl: id })
    .where(eq(gradebookEndpoints.microcredentialId, ep.microcredentialId));
  return id;
}

/**
 * Posts the learner's result to Jalon's column: the award's score (100 for a manual award
 * without one) once awarded, otherwise the standing's current score when every item has
 * one. `FullyGraded`, `Completed`, a timestamp strictly newer than the last one written.
 */
export async function writeLearnerScore(
  deps: GradebookDeps,
  microcredentialId: string,
  learner: string,
  now: Date = new Date(),
): Promise<WriteOutcome> {
  const { db } = deps;
  const found = await endpointOf(db, microcredentialId);
  if (!found) return { written: false, why: 'no_endpoint' };
  const { ep, scopes } = found;
  if (!scopes.includes(AGS_SCOPE.score)) return { written: false, why: 'no_score_scope' };

  const [award] = await db
    .select()
    .from(awards)
    .where(and(eq(awards.microcredentialId, microcredentialId), eq(awards.userId, learner)));
  const [row] = await db
    .select()
    .from(standings)
    .where(and(eq(standings.microcredentialId, microcredentialId), eq(standings.learner, learner)));
  const standing = row?.standing as Standing | undefined;
  let scoreGiven: number | null = null;
  if (award && award.status === 'active') scoreGiven = award.score === null ? 100 : Number(award.score);
  else if (standing && standing.score !== null) scoreGiven = standing.score;
  if (scoreGiven === null) return { written: false, why: 'nothing_to_write' };
  scoreGiven = Math.round(Math.min(100, Math.max(0, scoreGiven)) * 100) / 100;

  const canCreate = scopes.includes(AGS_SCOPE.lineItem);
  const tokenScopes = [canCreate ? AGS_SCOPE.lineItem : AGS_SCOPE.lineItemReadOnly, AGS_SCOPE.score].filter(
    (s) => scopes.includes(s),
  );
  const token = await agsToken(deps.engine, ep.platformId, tokenScopes);
  const lineItemUrl = await findOrCreateColumn(deps, ep, token, canCreate);
  if (!lineItemUrl) return { written: false, why: 'no_column' };

  const [last] = await db
    .select()
    .from(gradebookScores)
    .where(
      and(eq(gradebookScores.microcredentialId, microcredentialId), eq(gradebookScores.learner, learner)),
    );
  // Moodle compares to the second: the next timestamp is at least one whole second later.
  const floor = last ? Math.floor(last.lastTimestamp.getTime() / 1000) * 1000 + 1000 : 0;
  const at = new Date(Math.max(now.getTime(), floor));
  const timestamp = at.toISOString();
  const res = await agsFetch(lineItemSubUrl(lineItemUrl, 'scores'), token, {
    method: 'POST',
    headers: { 'content-type': AGS_MEDIA.score },
    body: JSON.stringify({
      userId: learner,
      scoreGiven,
      scoreMaximum: 100,
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
      timestamp,
    }),
  });
  if (!res.ok) {
    const text = (await res.text()).slice(0, 300);
    deps.log?.warn({ status: res.status, microcredentialId, learner, text }, 'AGS score refused');
    throw new AgsError(`score: HTTP ${res.status}`, res.status);
  }
  await db
    .insert(gradebookScores)
    .values({ microcredentialId, learner, lastTimestamp: at })
    .onConflictDoUpdate({
      target: [gradebookScores.microcredentialId, gradebookScores.learner],
      set: { lastTimestamp: at },
    });
  return { written: true, lineItemUrl, timestamp, scoreGiven };
}
