/**
 * The whole-roster `results.sync` reads the course roster through LTI Names and Role
 * Provisioning when a launch offered it, over HTTP against the Moodle- and Canvas-shaped
 * test platforms: every page, learners only, suspended members made inactive, Canvas
 * learners who never launched read by their LTI id. A forged or broken NRPS answer never
 * stops the sync: the connector's roster takes over and the reason is logged and kept.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listAttempts } from '../../src/attempts/store.js';
import type { Microcredential } from '../../src/definitions/repository.js';
import { translator } from '../../src/i18n/index.js';
import { listLearners } from '../../src/intake/facts-store.js';
import { nrpsEndpointOf, rememberMemberships } from '../../src/intake/nrps.js';
import { nextLink } from '../../src/lti/paging.js';
import { intakeStatusOf } from '../../src/intake/status.js';
import { RESULTS_SYNC, syncDedupeKey } from '../../src/intake/sync.js';
import { startJalon, type TestJalon } from '../helpers/jalon.js';
import { Browser, CLAIM } from '../platform/index.js';
import { connectCanvas, connectMoodle, jobsOf, microcredentialFor, type ConnectedPlatform } from './setup.js';

let jalon: TestJalon;

beforeAll(async () => {
  jalon = await startJalon();
});

afterAll(async () => {
  await jalon?.stop();
});

const db = () => jalon.database.db;
const sub = (cp: ConnectedPlatform, handle: string) => cp.platform.user(handle).sub;

/** A whole-roster sync, run to the end; returns the job's final status. */
async function syncRoster(mc: Microcredential) {
  await jalon.running.services.jobs.enqueue({
    kind: RESULTS_SYNC,
    payload: { microcredentialId: mc.id },
    dedupeKey: syncDedupeKey(mc.id),
  });
  await jalon.running.services.jobs.drain();
  const mine = (await jobsOf(jalon, RESULTS_SYNC)).filter((j) => j.dedupeKey === syncDedupeKey(mc.id));
  return mine.at(-1)?.status;
}

const activeIds = async (mc: Microcredential) =>
  (await listLearners(db(), mc.id))
    .filter((l) => l.status === 'active')
    .map((l) => l.userId)
    .sort();

const logsOf = (msg: string, mc: Microcredential) =>
  jalon.logs.filter((l) => l.msg === msg && l.microcredentialId === mc.id);

test('nextLink reads the next page of well-formed and of sloppy Link headers', () => {
  expect(nextLink('<https://a/m?page=2>; rel="next", <https://a/m?page=1>; rel="first"')).toBe(
    'https://a/m?page=2',
  );
  expect(nextLink('<https://a/m?page=1>; rel="current",<https://a/m?page=3>; rel=next')).toBe(
    'https://a/m?page=3',
  );
  expect(nextLink('<https://a/m?limit=2&amp;from=2>; rel=“next”')).toBe('https://a/m?limit=2&from=2');
  // As fetch shows raw UTF-8 bytes: latin1.
  const raw = Buffer.from('<https://a/m?from=4>; rel=“next”', 'utf8').toString('latin1');
  expect(nextLink(raw)).toBe('https://a/m?from=4');
  expect(nextLink('<https://a/m?page=1>; rel="first"')).toBeUndefined();
  expect(nextLink(null)).toBeUndefined();
});

describe('on Moodle', () => {
  let moodle: ConnectedPlatform;
  let mc: Microcredential;
  beforeAll(async () => {
    moodle = await connectMoodle(jalon);
    mc = await microcredentialFor(jalon, moodle, 'math');
    for (let i = 0; i < 5; i++) {
      moodle.platform.addUser({
        handle: `n${i}`,
        givenName: `N${i}`,
        familyName: 'Never',
        email: `n${i}@x.edu`,
      });
      moodle.platform.enrol(`n${i}`, 'math', 'learner');
    }
  });
  afterAll(async () => {
    await moodle?.platform.close();
  });

  test("an instructor's launch remembers the course's memberships URL", async () => {
    // Pages of two, so that the Link chain is really followed (Moodle pages when asked to).
    const r = await new Browser().launch(moodle.platform, {
      user: 'prof',
      course: 'math',
      transformClaims: (c) => {
        const nrps = c[CLAIM.nrps] as { context_memberships_url: string };
        return {
          ...c,
          [CLAIM.nrps]: { ...nrps, context_memberships_url: `${nrps.context_memberships_url}?limit=2` },
        };
      },
    });
    expect(r.final.status).toBe(200);
    const ep = await nrpsEndpointOf(db(), moodle.platformId, moodle.platform.course('math').contextId);
    expect(ep?.membershipsUrl).toMatch(/\/bindings\/\d+\/memberships\?limit=2$/);
    expect(ep?.serviceVersions).toContain('2.0');
  });

  test('the sync reads every page: learners who never launched, no teacher, nobody suspended', async () => {
    const calls = moodle.platform.moodle.calls.length;
    const from = moodle.platform.httpRequests.length;
    expect(await syncRoster(mc)).toBe('done');
    expect(await activeIds(mc)).toEqual(
      ['ana', 'ben', 'chloe', 'dana', 'n0', 'n1', 'n2', 'n3', 'n4'].map((h) => sub(moodle, h)).sort(),
    );
    // The roster came from NRPS, not from the web service's enrolled users.
    const made = moodle.platform.moodle.calls.slice(calls);
    expect(made.some((c) => c.wsfunction === 'core_enrol_get_enrolled_users')).toBe(false);
    const pages = moodle.platform.httpRequests.slice(from).filter((q) => q.path.endsWith('/memberships'));
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(logsOf('roster read through NRPS', mc).at(-1)).toMatchObject({ pages: pages.length, learners: 9 });
    const ana = (await listLearners(db(), mc.id)).find((l) => l.userId === sub(moodle, 'ana'))!;
    expect(ana).toMatchObject({ lmsUserId: sub(moodle, 'ana'), sisPersonId: 'S12345' });
    expect(ana.email).toBe(moodle.platform.user('ana').email);
    // Their results were read too.
    const attempts = await listAttempts(db(), mc.id);
    expect(attempts.some((a) => a.learner === sub(moodle, 'ana'))).toBe(true);
    const ep = await nrpsEndpointOf(db(), moodle.platformId, moodle.platform.course('math').contextId);
    expect(ep?.lastReadAt).toBeInstanceOf(Date);
    expect(ep?.problem).toBeNull();
  });

  test('a learner no longer listed (suspended) becomes inactive; listed again, active again', async () => {
    moodle.platform.enrol('n1', 'math', 'learner', 'suspended');
    await syncRoster(mc);
    const rows = await listLearners(db(), mc.id);
    expect(rows.find((l) => l.userId === sub(moodle, 'n1'))?.status).toBe('inactive');
    expect(rows.filter((l) => l.status === 'active')).toHaveLength(8);
    moodle.platform.enrol('n1', 'math', 'learner', 'active');
    await syncRoster(mc);
    expect((await listLearners(db(), mc.id)).find((l) => l.userId === sub(moodle, 'n1'))?.status).toBe(
      'active',
    );
  });
});

describe('on Canvas', () => {
  let canvas: ConnectedPlatform;
  let mc: Microcredential;
  beforeAll(async () => {
    canvas = await connectCanvas(jalon);
    mc = await microcredentialFor(jalon, canvas, 'math');
    for (let i = 0; i < 60; i++) {
      canvas.platform.addUser({
        handle: `c${i}`,
        givenName: `C${i}`,
        familyName: 'Never',
        email: `c${i}@x.edu`,
      });
      canvas.platform.enrol(`c${i}`, 'math', 'learner');
    }
  });
  afterAll(async () => {
    await canvas?.platform.close();
  });

  test("learners who never launched are read by their LTI id, over Canvas's pages of 50", async () => {
    const r = await new Browser().launch(canvas.platform, { user: 'prof', course: 'math' });
    expect(r.final.status).toBe(200);
    const from = canvas.platform.httpRequests.length;
    expect(await syncRoster(mc)).toBe('done');
    const handles = ['ana', 'ben', 'chloe', 'dana', ...Array.from({ length: 60 }, (_, i) => `c${i}`)];
    expect(await activeIds(mc)).toEqual(handles.map((h) => sub(canvas, h)).sort());
    const made = canvas.platform.httpRequests.slice(from);
    expect(made.filter((q) => q.path.endsWith('/names_and_roles'))).toHaveLength(2);
    // No REST roster read: NRPS named everyone.
    expect(made.some((q) => /\/api\/v1\/courses\/[^/]+\/users$/.test(q.path))).toBe(false);
    // Ana never launched: Canvas REST could not have keyed her; her attempts are read now.
    const ana = (await listAttempts(db(), mc.id))
      .filter((a) => a.learner === sub(canvas, 'ana'))
      .map((a) => [a.assessmentSource, a.attemptNumber, a.score])
      .sort();
    expect(ana).toEqual([
      ['canvas-assignment', 1, 91],
      ['canvas-quiz', 1, 8],
    ]);
    // Canvas NRPS carries no REST id (without an `rlid` message); the submission read by
    // `lti_1_3_id:` names it, and it is kept so that her Live Events are recognised.
    const row = (await listLearners(db(), mc.id)).find((l) => l.userId === sub(canvas, 'ana'))!;
    expect(row.lmsUserId).toBe(canvas.platform.user('ana').restId);
    expect(row.name).toBeTruthy();
    expect((await listLearners(db(), mc.id)).some((l) => l.userId === sub(canvas, 'prof'))).toBe(false);
  });
});

describe('a forged or broken NRPS answer', () => {
  let moodle: ConnectedPlatform;
  let mc: Microcredential;
  let server: Server;
  let url: string;
  let mode = 'ok';
  let body: unknown;

  beforeAll(async () => {
    moodle = await connectMoodle(jalon);
    mc = await microcredentialFor(jalon, moodle, 'hist');
    const app = express();
    app.get('/m', (_req, res) => {
      const context = { id: moodle.platform.course('hist').contextId };
      if (mode === 'notjson') return void res.type('text/html').send('<html>login</html>');
      if (mode === '401') return void res.status(401).json({ error: 'invalid token' });
      if (mode === 'wrongContext') return void res.json({ context: { id: '999' }, members: [] });
      if (mode === 'noMembers') return void res.json({ context, members: 'none' });
      if (mode === 'empty') return void res.json({ context, members: [] });
      if (mode === 'offsite') {
        res.setHeader('Link', '<https://elsewhere.example/m?page=2>; rel="next"');
        return void res.json({ context, members: [] });
      }
      if (mode === 'loop') {
        res.setHeader('Link', `<${url}?role=x>; rel="next"`);
        return void res.json({ context, members: [] });
      }
      res.json(body);
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m`;
    await rememberMemberships(db(), moodle.platformId, moodle.platform.course('hist').contextId, {
      membershipsUrl: url,
      serviceVersions: ['2.0'],
    });
  });
  afterAll(async () => {
    await new Promise<void>((r) => server?.close(() => r()));
    await moodle?.platform.close();
  });

  test.each([
    ['notjson', 'BAD_RESPONSE', 'intake:nrps.problem.badResponse'],
    ['401', 'AUTH', 'intake:nrps.problem.refused'],
    ['wrongContext', 'WRONG_CONTEXT', 'intake:nrps.problem.wrongContext'],
    ['noMembers', 'BAD_RESPONSE', 'intake:nrps.problem.badResponse'],
    ['offsite', 'OFFSITE', 'intake:nrps.problem.offsite'],
    ['loop', 'BAD_RESPONSE', 'intake:nrps.problem.badResponse'],
    ['empty', 'EMPTY', 'intake:nrps.problem.empty'],
  ])('%s: the sync goes on with the connector roster, and says why', async (m, code, key) => {
    mode = m;
    const calls = moodle.platform.moodle.calls.length;
    expect(await syncRoster(mc)).toBe('done');
    // The connector's roster of hist: ana is its only learner.
    expect(await activeIds(mc)).toEqual([sub(moodle, 'ana')]);
    expect(
      moodle.platform.moodle.calls.slice(calls).some((c) => c.wsfunction === 'core_enrol_get_enrolled_users'),
    ).toBe(true);
    const ep = await nrpsEndpointOf(db(), moodle.platformId, moodle.platform.course('hist').contextId);
    expect(ep?.problem).toMatchObject({ code, messageKey: key });
    expect(ep?.problemAt).toBeInstanceOf(Date);
    const log = logsOf('NRPS roster unreadable; reading the roster through the connector', mc).at(-1);
    expect(log).toMatchObject({ code, reason: key });
    expect(String(log?.detail)).not.toBe('');
    // The sync itself is fine: no problem on the course's intake status.
    expect((await intakeStatusOf(db(), mc.id))?.problem).toBeNull();
    expect(translator('fr')(key, { status: 401 })).not.toBe(key.split(':')[1]);
  });

  test('inactive members, instructors and malformed entries are left out of a valid answer', async () => {
    mode = 'ok';
    const learner = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
    body = {
      id: url,
      context: { id: moodle.platform.course('hist').contextId },
      members: [
        { status: 'Active', roles: ['Learner'], user_id: sub(moodle, 'ana'), name: 'Ana M' },
        { status: 'Inactive', roles: ['Learner'], user_id: sub(moodle, 'ben') },
        { status: 'Active', roles: [learner, 'Instructor'], user_id: sub(moodle, 'prof') },
        { status: 'Active', roles: ['Instructor'], user_id: sub(moodle, 'ta') },
        { roles: [learner], user_id: sub(moodle, 'chloe') },
        { status: 'Active', roles: ['Learner'] },
        { status: 'Active', roles: ['Learner'], user_id: 'x'.repeat(300) },
        'junk',
      ],
    };
    expect(await syncRoster(mc)).toBe('done');
    expect(await activeIds(mc)).toEqual([sub(moodle, 'ana'), sub(moodle, 'chloe')].sort());
    const ep = await nrpsEndpointOf(db(), moodle.platformId, moodle.platform.course('hist').contextId);
    expect(ep?.problem).toBeNull();
    expect(logsOf('roster read through NRPS', mc).at(-1)).toMatchObject({ learners: 2, skipped: 6 });
  });
});
