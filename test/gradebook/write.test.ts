/**
 * Writing to Jalon's own AGS column from a background job, against the test platform
 * behaving as Moodle and as Canvas: a token from the client-credentials grant outside any
 * request, the column found by its tag or created once, FullyGraded/Completed scores with
 * timestamps strictly newer to the second, `/scores` inserted before Moodle's `?type_id`,
 * and refusals (non-gradable user, stale timestamp) surfacing with their status.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { recordAttempts } from '../../src/attempts/store.js';
import { gradebookScores } from '../../src/db/schema/index.js';
import { AgsError } from '../../src/gradebook/ags.js';
import { lineItemSubUrl } from '../../src/gradebook/ags.js';
import { rememberEndpoint, writeLearnerScore } from '../../src/gradebook/write.js';
import { evaluateLearners } from '../../src/standings/evaluate.js';
import { registerManually, startJalon, type TestJalon } from '../helpers/jalon.js';
import { CLAIM, startPlatform, type Platform } from '../platform/index.js';
import { launch } from '../web/definition-fixtures.js';
import { newMicrocredential } from '../standings/helpers.js';

let jalon: TestJalon;
let moodle: Platform;
let canvas: Platform;
const ids: Record<string, string> = {};

beforeAll(async () => {
  jalon = await startJalon();
  moodle = await startPlatform({ family: 'moodle' });
  canvas = await startPlatform({ family: 'canvas' });
  ids.moodle = (await registerManually(jalon, moodle)).platformId;
  ids.canvas = (await registerManually(jalon, canvas)).platformId;
});
afterAll(async () => {
  await moodle?.close();
  await canvas?.close();
  await jalon?.stop();
});

/** The AGS endpoint claim of a real launch on the platform. */
async function agsOf(platform: Platform): Promise<{ lineItemsUrl: string; scopes: string[] }> {
  await launch(platform, 'ana', 'math');
  const claims = platform.issuedIdTokens.at(-1)!.claims as Record<string, Record<string, unknown>>;
  const ags = claims[CLAIM.ags]!;
  return { lineItemsUrl: ags.lineitems as string, scopes: ags.scope as string[] };
}

const deps = () => ({
  db: jalon.database.db,
  engine: jalon.running.services.engine,
  label: 'Jalon – MATH101',
});

test('scores URL: /scores goes before the query string', () => {
  const scoresUrl = (u: string) => lineItemSubUrl(u, 'scores');
  expect(scoresUrl('https://m.example/mod/lti/services.php/17/lineitems/3/lineitem?type_id=2')).toBe(
    'https://m.example/mod/lti/services.php/17/lineitems/3/lineitem/scores?type_id=2',
  );
  expect(scoresUrl('https://c.example/api/lti/courses/5/line_items/2')).toBe(
    'https://c.example/api/lti/courses/5/line_items/2/scores',
  );
});

describe.each(['moodle', 'canvas'] as const)('on %s', (family) => {
  test('writes the award score to Jalon’s column, created once, with increasing timestamps', async () => {
    const platform = family === 'moodle' ? moodle : canvas;
    const db = jalon.database.db;
    const mc = await newMicrocredential(db, ids[family]!);
    const ana = platform.user('ana').sub;
    expect(await writeLearnerScore(deps(), mc, ana)).toEqual({ written: false, why: 'no_endpoint' });
    await rememberEndpoint(db, mc, ids[family]!, await agsOf(platform));
    expect(await writeLearnerScore(deps(), mc, ana)).toEqual({ written: false, why: 'nothing_to_write' });

    await recordAttempts(db, mc, [
      {
        learner: ana,
        assessment: { source: 'moodle-quiz', lmsId: '14' },
        attemptNumber: 1,
        score: 17,
        maxScore: 20,
        submittedAt: '2025-04-03T12:00:00Z',
        gradedAt: '2025-04-03T12:00:00Z',
        source: 'moodle-ws',
        sourceId: `${family}-a1`,
      },
    ]);
    const [r] = await evaluateLearners(db, mc, [ana], { now: new Date('2025-04-04T12:00:00Z') });
    expect(r?.awarded).toBe(true);

    const now = new Date();
    const first = await writeLearnerScore(deps(), mc, ana, now);
    expect(first).toMatchObject({ written: true, scoreGiven: 85 });
    const columns = platform.lineItems('math').filter((i) => i.tag === 'jalon-microcredential');
    expect(columns).toHaveLength(1);
    expect(columns[0]!.grades.get(ana)).toMatchObject({
      scoreGiven: 85,
      scoreMaximum: 100,
      gradingProgress: 'FullyGraded',
      activityProgress: 'Completed',
    });
    // Same instant again (a retry, two jobs in one second): the timestamp moves on a second.
    const second = await writeLearnerScore(deps(), mc, ana, now);
    expect(
      second.written && Date.parse(second.timestamp) - Date.parse(first.written ? first.timestamp : ''),
    ).toBe(1000 - (now.getTime() % 1000));
    expect(platform.lineItems('math').filter((i) => i.tag === 'jalon-microcredential')).toHaveLength(1);

    // Forgetting the last timestamp and writing an older one: the LMS refuses, with its status.
    await db.delete(gradebookScores);
    const stale = writeLearnerScore(deps(), mc, ana, new Date(now.getTime() - 3_600_000));
    await expect(stale).rejects.toBeInstanceOf(AgsError);
    await expect(
      writeLearnerScore(deps(), mc, ana, new Date(now.getTime() - 3_600_000)),
    ).rejects.toMatchObject({ status: family === 'moodle' ? 409 : 400 });
  });

  test('a user the LMS does not grade (the instructor) is refused, and the job fails at once', async () => {
    const platform = family === 'moodle' ? moodle : canvas;
    const db = jalon.database.db;
    const mc = await newMicrocredential(db, ids[family]!);
    await rememberEndpoint(db, mc, ids[family]!, await agsOf(platform));
    const prof = platform.user('prof').sub;
    await recordAttempts(db, mc, [
      {
        learner: prof,
        assessment: { source: 'moodle-quiz', lmsId: '14' },
        attemptNumber: 1,
        score: 20,
        maxScore: 20,
        submittedAt: '2025-04-03T12:00:00Z',
        gradedAt: '2025-04-03T12:00:00Z',
        source: 'moodle-ws',
        sourceId: `${family}-p1`,
      },
    ]);
    await evaluateLearners(db, mc, [prof], { now: new Date('2025-04-04T12:00:00Z') });
    await expect(writeLearnerScore(deps(), mc, prof)).rejects.toMatchObject({
      status: family === 'moodle' ? 400 : 422,
    });
    const { job } = await jalon.running.services.jobs.enqueue({
      kind: 'gradebook.write',
      payload: { microcredentialId: mc, learner: prof },
    });
    await jalon.running.services.jobs.drain();
    const failed = jalon.logs.find((l) => l.jobId === job.id && typeof l.msg === 'string');
    expect(failed).toBeDefined();
    const rows = await db.execute(`select status from jobs where id = '${job.id}'`);
    const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as Array<{
      status: string;
    }>;
    expect(list[0]!.status).toBe('failed');
  });
});
