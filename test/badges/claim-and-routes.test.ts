/**
 * The claim flow and the public badge routes on a real Jalon with a Moodle-shaped platform:
 * a learner claims only their own award (forged ids, another learner's id, a form without the
 * launch's ltik or without its cookie are refused), a replayed claim gives the same badge, the
 * e-mail job writes the message; the verification page, the JSON/PNG/SVG downloads (bake/unbake
 * round trip), the QR code, the DID document, the status list and Jalon's context are served
 * without login; `/verify` accepts pasted JSON and baked images and explains bad input; after
 * the instructor revokes, every verification says revoked. DCC's verifier-core verifies the badge
 * against the running server's routes (fetch redirected from https to the test server).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { unbakePng, unbakeSvg } from '../../src/badges/bake.js';
import { generateDidKey } from '../../src/badges/did-key.js';
import { signDidAuthPresentation } from '../../src/badges/signing.js';
import { badgeLoader } from '../../src/badges/store.js';
import { BADGE_FORGET_CHALLENGES_JOB } from '../../src/badges/jobs.js';
import { forgetAnsweredChallenges, spendChallenge } from '../../src/badges/wallet-challenges.js';
import { isWalletChallenge, walletChallenge } from '../../src/web/badge-exchange.js';
import { OB_SCHEMA_URL } from '../../src/badges/credential.js';
import { validateOpenBadgeCredential } from '../../src/badges/schema.js';
import { issuedBadges, jobs } from '../../src/db/schema/index.js';
import type { TestJalon } from '../helpers/jalon.js';
import type { Platform } from '../platform/index.js';
import { jalonWithMoodle, launch, text, type Session } from '../web/definition-fixtures.js';
import { addAward, withIssuerProfile } from './award-fixtures.js';

let jalon: TestJalon;
let moodle: Platform;
let ana: Session;
let ben: Session;
let anaAward: string;
let benAward: string;
let histAward: string;
let platformId: string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const db = () => jalon.running.services.database.db;

beforeAll(async () => {
  ({ jalon, moodle } = await jalonWithMoodle());
  const [p] = await jalon.running.services.registry.list();
  platformId = p!.id;
  await withIssuerProfile(db(), platformId);
  const math = moodle.course('math').contextId;
  anaAward = (await addAward(db(), platformId, { userId: moodle.user('ana').sub, contextId: math })).awardId;
  benAward = (await addAward(db(), platformId, { userId: moodle.user('ben').sub, contextId: math })).awardId;
  histAward = (
    await addAward(db(), platformId, {
      userId: moodle.user('ana').sub,
      contextId: moodle.course('hist').contextId,
    })
  ).awardId;
  ana = await launch(moodle, 'ana', 'math', 'en');
  ben = await launch(moodle, 'ben', 'math', 'fr');
}, 120_000);

afterAll(async () => {
  await moodle?.close();
  await jalon?.stop();
});

const claimUrl = (s: Session, lang = 'en') =>
  `${jalon.url}/lti/claim?ltik=${encodeURIComponent(s.ltik)}&lang=${lang}`;
const postClaim = (s: Session, fields: Record<string, string>, lang = 'en') =>
  s.browser.request('POST', claimUrl(s, lang), { ltik: s.ltik, ...fields }, { origin: jalon.url });
const badgeCount = async () => (await db().select().from(issuedBadges)).length;

let badgeId = '';

describe('claiming', () => {
  test('the claim page shows the learner their own award and asks for name and e-mail', async () => {
    expect(ana.landing.body).toContain('id="claim-link"');
    const page = await ana.browser.request('GET', claimUrl(ana));
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="claim-form"');
    expect(page.body).toContain(`name="awardId" value="${anaAward}"`);
    expect(page.body).not.toContain(benAward);
    expect(page.body).not.toContain(histAward);
    expect(text(page.body)).toContain('Workplace first aid');
  });

  test('another learner’s award id, a forged id and an award of another course are refused', async () => {
    for (const awardId of [anaAward, 'aw-forged', histAward, '']) {
      const r = await postClaim(ben, { awardId, name: 'Ben', email: 'ben@example.edu' });
      expect(r.status).toBe(404);
    }
    expect(await badgeCount()).toBe(0);
  });

  test('a form without the launch’s ltik, or without its cookie (cross-site), is refused', async () => {
    const noLtik = await ana.browser.request('POST', `${jalon.url}/lti/claim`, {
      awardId: anaAward,
      name: 'Ana',
      email: 'ana@example.edu',
    });
    expect(noLtik.status).toBeGreaterThanOrEqual(400);
    const res = await fetch(claimUrl(ana), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ltik: ana.ltik,
        awardId: anaAward,
        name: 'Ana',
        email: 'ana@example.edu',
      }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await badgeCount()).toBe(0);
  });

  test('a bad e-mail is explained in the page language and nothing is issued', async () => {
    const r = await postClaim(ana, { awardId: anaAward, name: 'Ana Tremblay', email: 'nope' }, 'fr');
    expect(r.status).toBe(400);
    expect(text(r.body)).toContain('Saisissez une adresse courriel valide.');
    expect(await badgeCount()).toBe(0);
  });

  test('claiming issues at once and shows the downloads; a replay gives the same badge', async () => {
    const r = await postClaim(ana, { awardId: anaAward, name: 'Ana Tremblay', email: 'ana@example.edu' });
    expect(r.status).toBe(200);
    expect(r.body).toContain('id="claim-issued"');
    const m = /\/badges\/([0-9a-f]{24})\/credential\.json/.exec(r.body);
    expect(m).not.toBeNull();
    badgeId = m![1]!;
    const again = await postClaim(ana, { awardId: anaAward, name: 'Other Name', email: 'x@example.edu' });
    expect(again.status).toBe(200);
    expect(again.body).toContain(`/badges/${badgeId}/credential.json`);
    expect(await badgeCount()).toBe(1);
    const [row] = await db().select().from(issuedBadges).where(eq(issuedBadges.awardId, anaAward));
    expect(row).toMatchObject({ id: badgeId, recipientName: 'Ana Tremblay', lang: 'en' });
  });

  test('the badge e-mail is queued once and written to the outbox with the baked PNG', async () => {
    const queued = await db().select().from(jobs).where(eq(jobs.kind, 'badge.email'));
    expect(queued).toHaveLength(1);
    await jalon.running.services.jobs.drain();
    const outbox = path.join(jalon.config.dataDir, 'outbox');
    const files = readdirSync(outbox).filter((f) => f.includes('badge'));
    expect(files).toHaveLength(1);
    const eml = readFileSync(path.join(outbox, files[0]!), 'utf8');
    expect(eml).toContain('To: ana@example.edu');
    expect(eml).toContain(`/badges/${badgeId}`);
    expect(eml).toContain('image/png');
    const [row] = await db().select().from(issuedBadges).where(eq(issuedBadges.id, badgeId));
    expect(row?.emailedAt).toBeInstanceOf(Date);
  });
});

describe('public routes', () => {
  test('the verification page says who, what, when, the issuer, each check and the verdict, in fr and en', async () => {
    const en = await fetch(`${jalon.url}/badges/${badgeId}?lang=en`);
    expect(en.status).toBe(200);
    const body = await en.text();
    expect(body).toContain('data-verdict="valid"');
    const t = text(body);
    expect(t).toContain('Ana Tremblay');
    expect(t).toContain('Workplace first aid');
    expect(t).toContain('Boreal College');
    for (const check of ['Digital signature', 'Issuer’s key', 'Revocation', 'Expiry date'])
      expect(t).toContain(check);
    expect(t).toContain('Notional hours');
    expect(t).toContain('86% (pass mark 80%), attempt 2');
    expect(body).toContain('https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME');
    const fr = await (await fetch(`${jalon.url}/badges/${badgeId}?lang=fr&edition=fr`)).text();
    expect(text(fr)).toContain('Premiers soins en milieu de travail');
    expect(text(fr)).toContain('Collège Boréal');
    expect(text(fr)).toContain('Signature numérique');
  });

  test('JSON (by suffix and by Accept), baked PNG and SVG round-trip to the same signed credential', async () => {
    const json = (await (await fetch(`${jalon.url}/badges/${badgeId}.json`)).json()) as Record<
      string,
      unknown
    >;
    expect(validateOpenBadgeCredential(json).valid).toBe(true);
    const negotiated = await fetch(`${jalon.url}/badges/${badgeId}`, {
      headers: { accept: 'application/ld+json' },
    });
    expect(await negotiated.json()).toEqual(json);
    const dl = await fetch(`${jalon.url}/badges/${badgeId}/credential.json`);
    expect(dl.headers.get('content-disposition')).toContain('attachment');
    expect(await dl.json()).toEqual(json);
    const png = Buffer.from(await (await fetch(`${jalon.url}/badges/${badgeId}/badge.png`)).arrayBuffer());
    expect(unbakePng(png)).toEqual(json);
    const svg = await (await fetch(`${jalon.url}/badges/${badgeId}/badge.svg`)).text();
    expect(unbakeSvg(svg)).toEqual(json);
    const qr = Buffer.from(await (await fetch(`${jalon.url}/badges/${badgeId}/qr.png`)).arrayBuffer());
    expect(qr.subarray(1, 4).toString()).toBe('PNG');
  });

  test('the DID document, the status list and Jalon’s context are served with cache headers', async () => {
    const json = (await (await fetch(`${jalon.url}/badges/${badgeId}.json`)).json()) as {
      issuer: { id: string };
      credentialStatus: { statusListCredential: string };
      '@context': string[];
    };
    const didPath = json.issuer.id.split(':').slice(3).join('/');
    const did = await fetch(`${jalon.url}/${didPath}/did.json`);
    expect(did.status).toBe(200);
    expect(((await did.json()) as { id: string }).id).toBe(json.issuer.id);
    const list = await fetch(json.credentialStatus.statusListCredential);
    expect(list.status).toBe(200);
    expect(list.headers.get('cache-control')).toContain('max-age=300');
    const ctx = await fetch(json['@context'][3]!);
    expect(ctx.headers.get('content-type')).toContain('application/ld+json');
    expect(ctx.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${jalon.url}/badges/0000000000000000deadbeef`)).status).toBe(404);
    for (const suffix of ['.json', '/credential.json', '/badge.png', '/badge.svg', '/qr.png'])
      expect((await fetch(`${jalon.url}/badges/0000000000000000deadbeef${suffix}`)).status).toBe(404);
    expect((await fetch(`${jalon.url}/badges/..%2F..%2Fetc`)).status).toBe(404);
    // An unknown edition falls back to the claimed one.
    const fallback = await fetch(`${jalon.url}/badges/${badgeId}/credential.json?edition=de`);
    expect(((await fallback.json()) as { id: string }).id).toBe((json as unknown as { id: string }).id);
    expect((await fetch(`${jalon.url}/badges/status/nope`)).status).toBe(404);
    expect((await fetch(`${jalon.url}/issuers/nope/did.json`)).status).toBe(404);
  });

  const postVerify = async (
    fields: Record<string, string>,
    file?: { bytes: Uint8Array; name: string; type: string },
    accept = 'text/html',
  ) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    if (file)
      form.append('badgeFile', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
    const res = await fetch(`${jalon.url}/verify?lang=en`, {
      method: 'POST',
      body: form,
      headers: { accept },
    });
    return { status: res.status, body: await res.text() };
  };

  test('/verify checks pasted JSON and uploaded baked images', async () => {
    const json = await (await fetch(`${jalon.url}/badges/${badgeId}.json`)).text();
    const pasted = await postVerify({ credential: json });
    expect(pasted.status).toBe(200);
    expect(pasted.body).toContain('data-verdict="valid"');
    const png = Buffer.from(await (await fetch(`${jalon.url}/badges/${badgeId}/badge.png`)).arrayBuffer());
    const fromPng = await postVerify(
      {},
      { bytes: png, name: 'b.png', type: 'image/png' },
      'application/json',
    );
    expect(JSON.parse(fromPng.body)).toMatchObject({ verdict: 'valid', valid: true });
    const svg = Buffer.from(await (await fetch(`${jalon.url}/badges/${badgeId}/badge.svg`)).arrayBuffer());
    expect((await postVerify({}, { bytes: svg, name: 'b.svg', type: 'image/svg+xml' })).body).toContain(
      'data-verdict="valid"',
    );
    const tampered = await postVerify({ credential: json.replace('"value":"86"', '"value":"99"') });
    expect(tampered.body).toContain('data-verdict="invalid"');
  });

  test('/verify explains malformed, empty, non-credential, broken and oversized input', async () => {
    const malformed = await postVerify({ credential: '{"@context": [' });
    expect(malformed.status).toBe(400);
    expect(text(malformed.body)).toContain('This is not readable JSON.');
    expect((await postVerify({ credential: '  ' })).status).toBe(400);
    const notVc = await postVerify({ credential: '[1,2,3]' });
    expect(notVc.status).toBe(400);
    expect(text(notVc.body)).toContain('This JSON is not a credential.');
    const broken = await postVerify(
      {},
      {
        bytes: Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('rubbish')]),
        name: 'x.png',
        type: 'image/png',
      },
    );
    expect(broken.status).toBe(400);
    expect(text(broken.body)).toContain('This image is damaged.');
    const plain = await postVerify(
      {},
      {
        bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
        name: 'x.svg',
        type: 'image/svg+xml',
      },
    );
    expect(text(plain.body)).toContain('This image does not contain a credential.');
    const big = await postVerify(
      {},
      { bytes: Buffer.alloc(3 * 1024 * 1024, 1), name: 'big.png', type: 'image/png' },
    );
    expect(big.status).toBe(413);
    expect(text(big.body)).toContain('This file is too large');
  });

  test('DCC verifier-core accepts the badge, reading the DID document and status list from the routes', async () => {
    const realFetch = globalThis.fetch;
    const schema = JSON.parse(
      readFileSync(
        new URL('../../src/badges/schema/ob_v3p0_achievementcredential_schema.json', import.meta.url),
        'utf8',
      ),
    ) as Record<string, unknown>;
    const host = new URL(jalon.url).host;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url === OB_SCHEMA_URL)
        return new Response(JSON.stringify({ ...schema, $id: OB_SCHEMA_URL }), { status: 200 });
      // did:web resolves over https; the test server speaks http on the same host.
      if (url.startsWith(`https://${host}/`) || url.startsWith(`http://${host}/`))
        return realFetch(url.replace(/^https:/, 'http:'), init);
      return new Response('offline', { status: 404 });
    }) as typeof fetch;
    try {
      const { verifyCredential } = (await import('@digitalcredentials/verifier-core')) as unknown as {
        verifyCredential: (o: { credential: unknown; knownDIDRegistries: unknown[] }) => Promise<{
          log?: Array<{ id: string; valid?: boolean }>;
          errors?: unknown[];
        }>;
      };
      const credential = await (await realFetch(`${jalon.url}/badges/${badgeId}.json`)).json();
      const warn = console.warn;
      console.warn = () => {};
      const result = await verifyCredential({ credential, knownDIDRegistries: [] }).finally(() => {
        console.warn = warn;
      });
      expect(result.errors).toBeUndefined();
      const step = (id: string) => result.log?.find((e) => e.id === id)?.valid;
      expect(step('valid_signature')).toBe(true);
      expect(step('revocation_status')).toBe(true);
      expect(step('expiration')).toBe(true);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});

describe('wallet delivery (VC-API exchange with DID authentication)', () => {
  let exchange = '';
  const post = async (body: unknown, url = exchange) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, Loose> };
  };

  test('the claim page links to the wallet with the exchange; the wallet gets a DID-auth request', async () => {
    const page = await ana.browser.request('GET', claimUrl(ana));
    const m = /id="claim-wallet" href="([^"]+)"/.exec(page.body);
    expect(m).not.toBeNull();
    const link = new URL(m![1]!.replace(/&amp;/g, '&'));
    expect(link.origin).toBe('https://lcw.app');
    const request = JSON.parse(link.searchParams.get('request')!) as { protocols: { vcapi: string } };
    exchange = request.protocols.vcapi;
    expect(exchange.startsWith(`${jalon.url}/exchanges/${badgeId}/`)).toBe(true);
    const first = await post({});
    expect(first.status).toBe(200);
    expect(first.json.verifiablePresentationRequest.query[0].type).toBe('DIDAuthentication');
    expect(typeof first.json.verifiablePresentationRequest.challenge).toBe('string');
  });

  test('a presentation signed by the holder DID gets the badge bound to that DID, valid', async () => {
    const { verifiablePresentationRequest: req } = (await post({})).json;
    const holder = generateDidKey();
    const vp = await signDidAuthPresentation(holder, badgeLoader(db(), jalon.config.publicUrl), {
      challenge: req.challenge,
      domain: req.domain,
    });
    const r = await post({ verifiablePresentation: vp });
    expect(r.status).toBe(200);
    const vc = r.json.verifiablePresentation.verifiableCredential[0];
    expect(vc.credentialSubject.id).toBe(holder.controller);
    expect(validateOpenBadgeCredential(vc).valid).toBe(true);
    const form = new FormData();
    form.append('credential', JSON.stringify(vc));
    const verified = await fetch(`${jalon.url}/verify`, {
      method: 'POST',
      body: form,
      headers: { accept: 'application/json' },
    });
    expect(await verified.json()).toMatchObject({ verdict: 'valid' });
  });

  test('each challenge gets one badge: a captured presentation replayed, even in parallel, is refused', async () => {
    const loader = badgeLoader(db(), jalon.config.publicUrl);
    const a = (await post({})).json.verifiablePresentationRequest;
    const b = (await post({})).json.verifiablePresentationRequest;
    expect(a.challenge).not.toBe(b.challenge);
    const holder = generateDidKey();
    const vp = await signDidAuthPresentation(holder, loader, { challenge: a.challenge, domain: a.domain });
    const first = await post({ verifiablePresentation: vp });
    expect(first.status).toBe(200);
    const again = await post({ verifiablePresentation: vp });
    expect(again.status).toBe(400);
    expect(again.json.error.message).toContain('already answered');
    // A forged answer to a challenge does not use it up: the wallet's real answer still works.
    const forgedAnswer = await signDidAuthPresentation(generateDidKey(), loader, {
      challenge: b.challenge,
      domain: 'evil.example',
    });
    expect((await post({ verifiablePresentation: forgedAnswer })).status).toBe(400);
    // Two deliveries of one fresh answer at once: one badge.
    const vp2 = await signDidAuthPresentation(holder, loader, { challenge: b.challenge, domain: b.domain });
    const both = await Promise.all([
      post({ verifiablePresentation: vp2 }),
      post({ verifiablePresentation: vp2 }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 400]);
    // A challenge is bound to its badge and its hour: edited, it is not one Jalon gave.
    const [hour, nonce, tag] = String(a.challenge).split('.');
    for (const forged of [
      `${Number(hour) - 2}.${nonce}.${tag}`,
      `${hour}.${nonce}x.${tag}`,
      `${hour}.${nonce}`,
    ]) {
      const vp3 = await signDidAuthPresentation(holder, loader, { challenge: forged, domain: a.domain });
      const r = await post({ verifiablePresentation: vp3 });
      expect(r.status).toBe(400);
      expect(r.json.error.message).toContain('challenge');
    }
  });

  test('a wrong challenge, another signer, a forged token or a bare body are refused', async () => {
    const { verifiablePresentationRequest: req } = (await post({})).json;
    const loader = badgeLoader(db(), jalon.config.publicUrl);
    const holder = generateDidKey();
    const wrong = await signDidAuthPresentation(holder, loader, {
      challenge: 'not-the-challenge',
      domain: req.domain,
    });
    expect((await post({ verifiablePresentation: wrong })).status).toBe(400);
    const otherDomain = await signDidAuthPresentation(holder, loader, {
      challenge: req.challenge,
      domain: 'evil.example',
    });
    expect((await post({ verifiablePresentation: otherDomain })).status).toBe(400);
    const vp = await signDidAuthPresentation(holder, loader, {
      challenge: req.challenge,
      domain: req.domain,
    });
    expect(
      (await post({ verifiablePresentation: { ...vp, holder: generateDidKey().controller } })).status,
    ).toBe(400);
    expect((await post({ verifiablePresentation: 'x' })).status).toBe(400);
    expect((await post({}, exchange.replace(/\/[^/]+$/, '/forged'))).status).toBe(404);
    const raw = await fetch(exchange, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken',
    });
    expect(raw.status).toBe(400);
  });
});

describe('wallet challenges', () => {
  const secret = Buffer.alloc(32, 7);
  test('good for the hour they were given in and the next one, for their badge only', () => {
    const c = walletChallenge(secret, 'b-1', 1000, 'nonce');
    expect(isWalletChallenge(secret, 'b-1', 1000, c)).toBe(true);
    expect(isWalletChallenge(secret, 'b-1', 1001, c)).toBe(true);
    expect(isWalletChallenge(secret, 'b-1', 1002, c)).toBe(false);
    expect(isWalletChallenge(secret, 'b-1', 999, c)).toBe(false); // from the future
    expect(isWalletChallenge(secret, 'b-2', 1000, c)).toBe(false);
    expect(isWalletChallenge(Buffer.alloc(32, 8), 'b-1', 1000, c)).toBe(false);
    for (const bad of [undefined, 42, '', 'x'.repeat(201), `${c}.x`, c.replace('1000.', '1001.')])
      expect(isWalletChallenge(secret, 'b-1', 1001, bad)).toBe(false);
  });

  test('answered ones are remembered longer than a challenge lives, then forgotten by the daily job', async () => {
    const now = new Date('2026-12-04T12:00:00Z');
    expect(await spendChallenge(db(), 'c-old', 'b-1')).toBe(true);
    expect(await spendChallenge(db(), 'c-old', 'b-1')).toBe(false);
    await spendChallenge(db(), 'c-recent', 'b-1');
    await db().execute(
      sql`update wallet_challenges set used_at = case challenge when 'c-old' then ${'2026-12-04T08:59:00Z'}::timestamptz else ${'2026-12-04T09:30:00Z'}::timestamptz end where challenge in ('c-old', 'c-recent')`,
    );
    expect(await forgetAnsweredChallenges(db(), now)).toBe(1);
    expect(await spendChallenge(db(), 'c-recent', 'b-1')).toBe(false);
    const jobs = jalon.running.services.jobs;
    expect(jobs.kinds).toContain(BADGE_FORGET_CHALLENGES_JOB);
  });
});

describe('revocation by the instructor', () => {
  test('only awards of the instructor’s course can be revoked, with a reason; then every check says revoked', async () => {
    const prof = await launch(moodle, 'prof', 'math', 'en');
    expect(prof.landing.body).toContain('id="awards-link"');
    const url = `${jalon.url}/lti/awards?ltik=${encodeURIComponent(prof.ltik)}&lang=en`;
    const list = await prof.browser.request('GET', url);
    expect(list.status).toBe(200);
    expect(list.body).toContain(`data-award="${anaAward}"`);
    expect(list.body).not.toContain(histAward);
    const revokeUrl = `${jalon.url}/lti/awards/revoke?ltik=${encodeURIComponent(prof.ltik)}&lang=en`;
    const post = (fields: Record<string, string>) =>
      prof.browser.request('POST', revokeUrl, { ltik: prof.ltik, ...fields });
    expect((await post({ awardId: histAward, reason: 'x' })).status).toBe(404);
    expect((await post({ awardId: anaAward, reason: ' ' })).status).toBe(400);
    // A learner cannot reach the instructor's form.
    const learnerTry = await ana.browser.request(
      'POST',
      `${jalon.url}/lti/awards/revoke?ltik=${encodeURIComponent(ana.ltik)}`,
      {
        ltik: ana.ltik,
        awardId: anaAward,
        reason: 'x',
      },
    );
    expect(learnerTry.status).toBeGreaterThanOrEqual(400);
    const done = await post({ awardId: anaAward, reason: 'Academic misconduct' });
    expect(done.status).toBe(200);
    expect(done.body).toContain('id="awards-done"');

    const page = await (await fetch(`${jalon.url}/badges/${badgeId}?lang=en`)).text();
    expect(page).toContain('data-verdict="revoked"');
    expect(page).not.toContain('data-verdict="valid"');
    const json = await (await fetch(`${jalon.url}/badges/${badgeId}.json`)).text();
    const form = new FormData();
    form.append('credential', json);
    const verified = await fetch(`${jalon.url}/verify`, {
      method: 'POST',
      body: form,
      headers: { accept: 'application/json' },
    });
    expect(await verified.json()).toMatchObject({ verdict: 'revoked', valid: false });
    const claim = await ana.browser.request('GET', claimUrl(ana));
    expect(claim.body).toContain('id="claim-revoked"');
    expect(claim.body).not.toContain('id="claim-wallet"');
    const n = await db().execute(
      sql`select count(*)::int as n from transcript_records where event = 'revoked'`,
    );
    expect((n as unknown as { rows: Array<{ n: number }> }).rows[0]?.n).toBe(1);

    // The same form sent again (a double click, a replay) is refused in words and adds nothing.
    const again = await post({ awardId: anaAward, reason: 'Academic misconduct' });
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.status).toBeLessThan(500);
    expect(again.body).toContain('This award is already revoked.');
    const m = await db().execute(
      sql`select count(*)::int as n from transcript_records where event = 'revoked'`,
    );
    expect((m as unknown as { rows: Array<{ n: number }> }).rows[0]?.n).toBe(1);
  });
});
