/**
 * Shared set-up for the intake tests: a real Jalon, a Moodle- or Canvas-shaped test platform
 * registered on it with its connector, and a micro-credential for a course of that platform
 * whose definition follows the course's seeded summative quiz and essay.
 */
import { asc, eq } from 'drizzle-orm';
import { jobs } from '../../src/db/schema/index.js';
import { RESULTS_SYNC, syncDedupeKey } from '../../src/intake/sync.js';
import { exchangeCode } from '../../src/connectors/canvas/index.js';
import type { Microcredential } from '../../src/definitions/repository.js';
import type { AssessmentRef, CompletionRequirement } from '../../src/microcredentials/definition.js';
import { validateDefinition } from '../../src/microcredentials/definition-schema.js';
import type { TestJalon } from '../helpers/jalon.js';
import { registerManually } from '../helpers/jalon.js';
import { definitionInput } from '../microcredentials/fixtures.js';
import { authorizeInBrowser } from '../platform/canvas-browser.js';
import { Browser, startPlatform, type Platform } from '../platform/index.js';

/** A platform registered on Jalon with a working connector. */
export interface ConnectedPlatform {
  platform: Platform;
  /** Canvas: the API developer key saved as the connector. */
  apiKey?: { clientId: string; clientSecret: string };
  platformId: string;
  clientId: string;
  deploymentId: string;
}

/** A valid definition whose summative items (and completion rule, other assessment fields) are the given ones. */
export function definitionFor(
  summative: AssessmentRef[],
  completion?: CompletionRequirement,
  assessment: Record<string, unknown> = {},
) {
  const input = definitionInput() as { assessment: Record<string, unknown> };
  input.assessment.summative = summative.map((ref) => ({ ref }));
  if (completion) input.assessment.completion = completion;
  Object.assign(input.assessment, assessment);
  const v = validateDefinition(input);
  if (!v.ok) throw new Error(`fixture definition invalid: ${JSON.stringify(v.errors)}`);
  return v.definition;
}

/** A Moodle platform with a web-service token saved as its connector. */
export async function connectMoodle(jalon: TestJalon, platform?: Platform): Promise<ConnectedPlatform> {
  const p = platform ?? (await startPlatform({ family: 'moodle' }));
  const reg = await registerManually(jalon, p);
  const { token } = p.createWsToken();
  await jalon.running.services.connectorSettings.save(reg.platformId, { baseUrl: p.url, token }, 'test');
  return { platform: p, ...reg };
}

/** A Canvas platform with an API key saved as its connector and `prof` having authorised Jalon. */
export async function connectCanvas(jalon: TestJalon, platform?: Platform): Promise<ConnectedPlatform> {
  const p = platform ?? (await startPlatform({ family: 'canvas' }));
  const reg = await registerManually(jalon, p);
  const redirectUri = jalon.running.services.connectors.redirectUri;
  const key = p.createApiKey({ redirectUri });
  await jalon.running.services.connectorSettings.save(
    reg.platformId,
    { baseUrl: p.url, clientId: key.clientId, clientSecret: key.clientSecret },
    'test',
  );
  await authorise(jalon, { platform: p, ...reg }, key, 'prof');
  return { platform: p, apiKey: key, ...reg };
}

/** `handle` authorises Jalon on the Canvas platform; their tokens are saved as the OAuth callback would. */
export async function authorise(
  jalon: TestJalon,
  cp: ConnectedPlatform,
  key: { clientId: string; clientSecret: string },
  handle: string,
): Promise<void> {
  const redirectUri = jalon.running.services.connectors.redirectUri;
  const start = new URL(`${cp.platform.url}/login/oauth2/auth`);
  start.search = new URLSearchParams({
    client_id: key.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    state: 's',
  }).toString();
  const run = await authorizeInBrowser(cp.platform, new Browser(), start.toString(), { user: handle });
  const grant = await exchangeCode(
    { baseUrl: cp.platform.url, ...key },
    { code: run.callback!.searchParams.get('code')!, redirectUri },
  );
  await jalon.running.services.connectorSettings.saveUserTokens(
    cp.platformId,
    cp.platform.user(handle).sub,
    grant,
    grant.user.id,
  );
}

/** The course's micro-credential with a definition over the seeded summative quiz and essay. */
export async function microcredentialFor(
  jalon: TestJalon,
  cp: ConnectedPlatform,
  courseHandle = 'math',
  options: { completion?: CompletionRequirement } = {},
): Promise<Microcredential> {
  const { definitions } = jalon.running.services;
  const course = cp.platform.course(courseHandle);
  const mc = await definitions.ensure({
    platformId: cp.platformId,
    contextId: course.contextId,
    title: course.title,
    label: course.label,
    ...(cp.platform.family === 'canvas' ? { lmsCourseId: course.restId } : {}),
  });
  const summative: AssessmentRef[] =
    cp.platform.family === 'moodle'
      ? [
          ...cp.platform.moodle
            .quizzesIn(courseHandle)
            .filter((q) => q.name === 'Quiz – summative')
            .map((q) => ({ source: 'moodle-quiz' as const, lmsId: String(q.id), label: q.name })),
          ...cp.platform.moodle
            .assignmentsIn(courseHandle)
            .filter((a) => a.name === 'Essay')
            .map((a) => ({ source: 'moodle-assign' as const, lmsId: String(a.id), label: a.name })),
        ]
      : [
          ...cp.platform.canvas.data
            .assignmentsIn(courseHandle)
            .filter((a) => a.name === 'Essay – summative')
            .map((a) => ({ source: 'canvas-assignment' as const, lmsId: String(a.id), label: a.name })),
          ...cp.platform.canvas.data
            .quizzesIn(courseHandle)
            .filter((q) => q.title === 'Quiz – summative')
            .map((q) => ({ source: 'canvas-quiz' as const, lmsId: String(q.id), label: q.title })),
        ];
  await definitions.save(mc.id, definitionFor(summative, options.completion), 'test');
  return mc;
}

/** Jobs of a kind, oldest first. */
export async function jobsOf(jalon: TestJalon, kind: string) {
  return jalon.database.db
    .select()
    .from(jobs)
    .where(eq(jobs.kind, kind))
    .orderBy(asc(jobs.createdAt), asc(jobs.id));
}

/** Queues a `results.sync` (whole roster, or these learners) and runs the queue; returns how many jobs ran. */
export async function runSync(jalon: TestJalon, mc: Microcredential, learners?: string[]): Promise<number> {
  await jalon.running.services.jobs.enqueue({
    kind: RESULTS_SYNC,
    payload: { microcredentialId: mc.id, ...(learners ? { learners } : {}) },
    dedupeKey: syncDedupeKey(mc.id, learners?.[0]),
  });
  return jalon.running.services.jobs.drain();
}
