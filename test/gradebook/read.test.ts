/**
 * Reading Jalon's column back when the LMS answers badly. An LMS's answer is outside input:
 * a column found only on a later page (Moodle's sloppy `Link` header), malformed result
 * entries skipped one by one, and a page that is not JSON, not an array, refused, offsite or
 * looping stops the read with an AgsError (nothing partial comes back). A course that gives
 * no AGS, no `result.readonly` scope or no column is not read at all.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { standings } from '../../src/db/schema/index.js';
import { AGS_SCOPE, AgsError } from '../../src/gradebook/ags.js';
import { JALON_ASSESSMENT_TAG, parseResult, readAssessmentResults } from '../../src/gradebook/read.js';
import { rememberEndpoint, writeLearnerScore } from '../../src/gradebook/write.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addPlatformRow } from '../helpers/platform-row.js';
import { newMicrocredential } from '../standings/helpers.js';

let database: TestDatabase;
let server: Server;
let base: string;
let platformId: string;
let mc: string;
/** What the crafted LMS answers for the results, per test. */
let results: (req: express.Request, res: express.Response) => void;
const tokens: string[] = [];
const engine = {
  platformToken: async (_platform: string, scopes: string[]) => {
    tokens.push(scopes.join(' '));
    return 'token-123';
  },
};
const SCOPES = [AGS_SCOPE.lineItemReadOnly, AGS_SCOPE.resultReadOnly, AGS_SCOPE.score];

beforeAll(async () => {
  database = await createTestDatabase();
  platformId = await addPlatformRow(database.db);
  mc = await newMicrocredential(database.db, platformId);
  const app = express();
  app.use((req, res, next) =>
    req.get('authorization') === 'Bearer token-123' ? next() : res.status(401).json({ error: 'no token' }),
  );
  // Moodle-shaped: the column is on page 2, behind an `&amp;` and curly-quoted `rel`.
  app.get('/lineitems', (req, res) => {
    if (req.query.from === '1') {
      res.json([{ id: `${base}/lineitems/7/lineitem?type_id=2`, tag: JALON_ASSESSMENT_TAG, label: 'Jalon' }]);
      return;
    }
    // Moodle sends the curly quotes as raw UTF-8 bytes (which Node writes only as latin1).
    const link = `<${base}/lineitems?type_id=2&amp;tag=${JALON_ASSESSMENT_TAG}&amp;from=1>; rel=“next”`;
    res.setHeader('link', Buffer.from(link, 'utf8').toString('latin1'));
    res.json([{ id: `${base}/lineitems/3/lineitem?type_id=2`, tag: 'other' }]);
  });
  app.get('/lineitems/7/lineitem/results', (req, res) => results(req, res));
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await rememberEndpoint(database.db, mc, platformId, {
    lineItemsUrl: `${base}/lineitems?type_id=2`,
    scopes: SCOPES,
  });
}, 60_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await database?.close();
});

beforeEach(() => {
  tokens.length = 0;
});

const read = (userIds?: string[]) => readAssessmentResults({ db: database.db, engine }, mc, userIds);

describe('reading the column', () => {
  test('finds it on a later page and keeps only well-formed entries', async () => {
    results = (req, res) => {
      expect(req.query.type_id).toBe('2'); // /results went before the query string
      expect(req.query.limit).toBe('100'); // a whole column in pages of 100
      res.json([
        {
          id: 'r1',
          userId: 'ana',
          resultScore: 72,
          resultMaximum: 100,
          comment: '  Revoir  ',
          timestamp: '2030-03-01T10:00:00+00:00',
        },
        { id: 'r2', userId: 42, resultScore: 5, resultMaximum: 10 },
        { userId: 'no-id', resultScore: 50 },
        { id: 'r3', resultScore: 50 },
        { id: 'r4', userId: 'ben', resultScore: '90', resultMaximum: 100, timestamp: 'yesterday' },
        'junk',
        null,
      ]);
    };
    const r = await read();
    expect(tokens).toEqual([`${AGS_SCOPE.lineItemReadOnly} ${AGS_SCOPE.resultReadOnly}`]);
    expect(r).toEqual({
      read: true,
      results: [
        {
          id: 'r1',
          userId: 'ana',
          score: 72,
          max: 100,
          comment: 'Revoir',
          timestamp: '2030-03-01T10:00:00.000Z',
        },
        { id: 'r2', userId: '42', score: 5, max: 10 },
        // A score that is not a number is no grade; a date that is not one is no timestamp.
        { id: 'r4', userId: 'ben', score: null, max: 100 },
      ],
    });
  });

  test('asks for one learner with user_id, and keeps only the learners asked for', async () => {
    let asked: unknown;
    results = (req, res) => {
      asked = req.query.user_id;
      res.json([
        { id: 'r1', userId: 'ana', resultScore: 72, resultMaximum: 100 },
        { id: 'r9', userId: 'eve', resultScore: 99, resultMaximum: 100 },
      ]);
    };
    const r = await read(['ana']);
    expect(asked).toBe('ana');
    expect(r.read && r.results.map((x) => x.userId)).toEqual(['ana']);
  });

  test('a learner listed twice is one cell, the most recently changed; asking for no one reads nothing', async () => {
    let requests = 0;
    results = (_req, res) => {
      requests++;
      res.json([
        { id: 'r1', userId: 'ana', resultScore: 72, resultMaximum: 100, timestamp: '2026-12-01T10:00:00Z' },
        { id: 'r2', userId: 'ana', resultScore: 85, resultMaximum: 100, timestamp: '2026-12-02T10:00:00Z' },
        { id: 'r1', userId: 'ana', resultScore: 72, resultMaximum: 100, timestamp: '2026-12-01T10:00:00Z' },
        { id: 'r3', userId: 'ben', resultScore: 90, resultMaximum: 100 },
        { id: 'r3', userId: 'ben', resultScore: 90, resultMaximum: 100 },
      ]);
    };
    const r = await read();
    expect(r.read && r.results.map((x) => [x.userId, x.score])).toEqual([
      ['ana', 85],
      ['ben', 90],
    ]);
    expect(requests).toBe(1);
    expect(await read([])).toEqual({ read: true, results: [] });
    expect(requests).toBe(1);
  });

  test.each([
    [
      'not JSON',
      (_q: express.Request, res: express.Response) => void res.type('json').send('{oops'),
      /not JSON/,
      502,
    ],
    [
      'not an array',
      (_q: express.Request, res: express.Response) => void res.json({ results: [] }),
      /not an array/,
      502,
    ],
    [
      'refused',
      (_q: express.Request, res: express.Response) => void res.status(403).json({ error: 'no' }),
      /HTTP 403/,
      403,
    ],
    [
      'rate limited',
      (_q: express.Request, res: express.Response) => void res.status(429).send('slow down'),
      /HTTP 429/,
      429,
    ],
    [
      'continued offsite',
      (_q: express.Request, res: express.Response) =>
        void res.set('link', '<https://elsewhere.example/results?page=2>; rel="next"').json([]),
      /next page on https:\/\/elsewhere\.example/,
      502,
    ],
    [
      'looping',
      (req: express.Request, res: express.Response) =>
        void res
          .set('link', `<${base}${req.originalUrl}>; rel="next"`)
          .json([{ id: 'r1', userId: 'ana', resultScore: 1 }]),
      /paging loop/,
      502,
    ],
  ])('stops with an AgsError when a page is %s', async (_name, answer, message, status) => {
    results = answer;
    const err = await read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgsError);
    expect((err as AgsError).message).toMatch(message);
    expect((err as AgsError).status).toBe(status);
  });
});

describe('not reading', () => {
  test('without the result.readonly scope, without AGS, or without the column', async () => {
    await rememberEndpoint(database.db, mc, platformId, {
      lineItemsUrl: `${base}/lineitems?type_id=2`,
      scopes: [AGS_SCOPE.lineItemReadOnly, AGS_SCOPE.score],
    });
    expect(await read()).toEqual({ read: false, why: 'no_result_scope' });
    expect(tokens).toEqual([]); // not even a token is asked for
    const other = await newMicrocredential(database.db, platformId);
    expect(await readAssessmentResults({ db: database.db, engine }, other)).toEqual({
      read: false,
      why: 'no_endpoint',
    });
    // A line-item list without Jalon's column (here, an empty container).
    results = (_req, res) => void res.json([]);
    await rememberEndpoint(database.db, other, platformId, {
      lineItemsUrl: `${base}/lineitems/7/lineitem/results`,
      scopes: SCOPES,
    });
    expect(await readAssessmentResults({ db: database.db, engine }, other)).toEqual({
      read: false,
      why: 'no_column',
    });
  });

  test('parseResult refuses what is not a result', () => {
    expect(parseResult(undefined)).toBeUndefined();
    expect(parseResult({ id: 'x'.repeat(2001), userId: 'a' })).toBeUndefined();
    expect(parseResult({ id: 'r', userId: ' ' })).toBeUndefined();
    expect(parseResult({ id: 'r', userId: 'a', resultScore: Number.NaN })).toEqual({
      id: 'r',
      userId: 'a',
      score: null,
      max: null,
    });
  });
});

describe('a platform that refuses the access token', () => {
  const refusing = {
    platformToken: async () => {
      throw new Error('invalid_client: the tool key was removed');
    },
  };
  test('the read and the award write both stop with the same AgsError 401, retried later', async () => {
    await rememberEndpoint(database.db, mc, platformId, {
      lineItemsUrl: `${base}/lineitems?type_id=2`,
      scopes: SCOPES,
    });
    const readErr = await readAssessmentResults({ db: database.db, engine: refusing }, mc).catch((e) => e);
    expect(readErr).toBeInstanceOf(AgsError);
    expect(readErr).toMatchObject({ status: 401, message: expect.stringContaining('invalid_client') });
    // A learner with a score to write (the standing's current score).
    await database.db.insert(standings).values({
      microcredentialId: mc,
      learner: 'learner-1',
      definitionVersionId: 'v1',
      status: 'in_progress',
      standing: { score: 72 },
    });
    const writeErr = await writeLearnerScore({ db: database.db, engine: refusing }, mc, 'learner-1').catch(
      (e) => e,
    );
    expect(writeErr).toBeInstanceOf(AgsError);
    expect(writeErr).toMatchObject({ status: 401, message: readErr.message });
  });
});
