import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { Browser } from './browser.js';
import { CLAIM, MEDIA, ROLE, SCOPE, TOOL_CONFIGURATION } from './constants.js';
import { OTHER_TOOL_CLIENT_ID } from './gradebook.js';
import { claimsOnPage, deepLinkResponse, startMiniTool, tokenForm, type MiniTool } from './mini-tool.js';
import { startPlatform, type Platform } from './platform.js';

const form = (url: string, body: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });

async function manualTool(
  platform: Platform,
  tool: MiniTool,
  extra: Parameters<Platform['addTool']>[0] extends infer T ? Partial<T> : never = {},
) {
  const added = platform.addTool({
    loginUrl: tool.loginUrl,
    redirectUris: [tool.launchUrl],
    jwksUrl: tool.jwksUrl,
    deepLinkUrl: tool.launchUrl,
    ...extra,
  });
  tool.trust({
    issuer: platform.issuer,
    clientId: added.clientId,
    authUrl: platform.endpoints.auth,
    jwksUrl: platform.endpoints.jwks,
    tokenUrl: platform.endpoints.token,
  });
  return added;
}

async function accessToken(
  platform: Platform,
  tool: MiniTool,
  clientId: string,
  scope: string,
): Promise<string> {
  const res = await form(
    platform.endpoints.token,
    tokenForm(await tool.assertion(clientId, platform.endpoints.token), scope),
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe.each(['moodle', 'canvas'] as const)('%s platform', (family) => {
  let platform: Platform;
  let tool: MiniTool;
  let clientId: string;
  let deploymentId: string;

  beforeAll(async () => {
    platform = await startPlatform({ family });
    tool = await startMiniTool();
    ({ clientId, deploymentId } = await manualTool(platform, tool));
  });
  afterAll(async () => {
    await tool.close();
    await platform.close();
  });

  test('publishes an RS256 JWKS and an OpenID configuration at the LMS paths', async () => {
    const jwksPath = family === 'moodle' ? '/mod/lti/certs.php' : '/api/lti/security/jwks';
    const jwks = (await (await fetch(platform.url + jwksPath)).json()) as {
      keys: { kid: string; alg: string; kty: string; d?: string }[];
    };
    expect(jwks.keys[0]).toMatchObject({ kid: platform.kid, alg: 'RS256', kty: 'RSA' });
    expect(jwks.keys[0]!.d).toBeUndefined();
    const config = (await (await fetch(platform.endpoints.openidConfiguration)).json()) as Record<
      string,
      unknown
    >;
    expect(config.issuer).toBe(platform.issuer);
    expect(config.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt']);
    if (family === 'canvas') expect(platform.issuer).toBe('https://canvas.instructure.com');
    else expect(platform.issuer).toBe(platform.url);
    expect(clientId).toMatch(family === 'moodle' ? /^[A-Za-z0-9]{15}$/ : /^1\d{13}$/);
    expect(deploymentId).toMatch(family === 'moodle' ? /^\d+$/ : /^\d+:[0-9a-f]{40}$/);
  });

  test('a learner launch runs login → auth → form_post → tool redirect, with the LMS claim shapes', async () => {
    const browser = new Browser();
    const result = await browser.launch(platform, { user: 'ana', course: 'math' });
    expect(result.final.status).toBe(200);
    expect(result.login?.method).toBe('POST');
    expect(result.login?.requestBody).toMatchObject({
      iss: platform.issuer,
      client_id: clientId,
      lti_deployment_id: deploymentId,
    });
    const { payload, protectedHeader } = await jwtVerify(
      result.idToken!,
      createRemoteJWKSet(new URL(platform.endpoints.jwks)),
      {
        issuer: platform.issuer,
        audience: clientId,
      },
    );
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: platform.kid });
    const claims = claimsOnPage(result.final.body);
    expect(claims).toEqual(payload);
    const ana = platform.user('ana');
    const math = platform.course('math');
    expect((claims.exp! as number) - (claims.iat as number)).toBe(family === 'moodle' ? 60 : 3600);
    expect(claims[CLAIM.roles]).toContain(`${ROLE.membership}Learner`);
    expect(claims[CLAIM.deploymentId]).toBe(deploymentId);
    expect(claims[CLAIM.launchPresentation]).toMatchObject({ locale: 'fr', document_target: 'iframe' });
    const ags = claims[CLAIM.ags] as Record<string, unknown>;
    expect(ags.lineitem).toBeUndefined();
    expect(claims[CLAIM.nrps]).toBeDefined();
    if (family === 'moodle') {
      expect(claims.sub).toBe(ana.restId);
      expect(claims[CLAIM.context]).toEqual({
        id: math.restId,
        label: 'MATH101',
        title: 'Mathematics 101',
        type: ['CourseSection'],
      });
      expect(ags.lineitems).toMatch(/\/mod\/lti\/services\.php\/\d+\/lineitems\?type_id=\d+$/);
      expect(claims[CLAIM.ext]).toEqual({ user_username: 'amartin', lms: 'moodle-2' });
      expect((claims[CLAIM.custom] as Record<string, string>).context_memberships_url).toContain(
        '/bindings/',
      );
      expect((claims[CLAIM.toolPlatform] as Record<string, string>).product_family_code).toBe('moodle');
      expect(claims[CLAIM.lis]).toEqual({
        person_sourcedid: 'S12345',
        course_section_sourcedid: 'MATH101-2025',
      });
    } else {
      expect(claims.sub).toMatch(/^[0-9a-f-]{36}$/);
      expect(claims.sub).not.toBe(ana.restId);
      expect((claims[CLAIM.context] as Record<string, string>).id).toMatch(/^[0-9a-f]{40}$/);
      expect(claims[CLAIM.custom]).toEqual({ canvas_user_id: ana.restId, canvas_course_id: math.restId });
      expect(claims[CLAIM.lti11LegacyUserId]).toMatch(/^[0-9a-f]{40}$/);
      expect(claims[CLAIM.roles]).toEqual(
        expect.arrayContaining([`${ROLE.institution}Student`, `${ROLE.system}User`]),
      );
      expect(ags.lineitems).toBe(`${platform.url}/api/lti/courses/${math.restId}/line_items`);
      expect(claims.azp).toBe(clientId);
    }
  });

  test('locales and roles follow the LMS: fr-CA, instructors, TAs, admins', async () => {
    const launchClaims = async (user: string) => {
      const r = await new Browser().launch(platform, { user, course: 'math' });
      return decodeJwt(r.idToken!);
    };
    const chloe = await launchClaims('chloe');
    expect((chloe[CLAIM.launchPresentation] as Record<string, string>).locale).toBe(
      family === 'moodle' ? 'fr_ca' : 'fr-CA',
    );
    expect((await launchClaims('prof'))[CLAIM.roles]).toContain(`${ROLE.membership}Instructor`);
    const ta = (await launchClaims('ta'))[CLAIM.roles] as string[];
    expect(ta).toContain(`${ROLE.membership}Instructor`);
    if (family === 'canvas') expect(ta).toContain(`${ROLE.instructorSub}TeachingAssistant`);
    const admin = (await launchClaims('admin'))[CLAIM.roles] as string[];
    expect(admin).toContain(family === 'moodle' ? `${ROLE.system}Administrator` : `${ROLE.system}SysAdmin`);
    expect(admin).not.toContain(`${ROLE.membership}Learner`);
    expect((await launchClaims('dean'))[CLAIM.roles]).toContain(`${ROLE.institution}Administrator`);
    // Suspended or not enrolled: the LMS does not open the course page at all.
    expect((await new Browser().launch(platform, { user: 'eve', course: 'math' })).final.status).toBe(403);
    expect((await new Browser().launch(platform, { user: 'ben', course: 'hist' })).final.status).toBe(403);
  });

  test('a graded link carries lineitem; GET login initiation works too', async () => {
    const link = platform.addResourceLink({
      course: 'math',
      title: 'Certification',
      acceptGrades: { scoreMaximum: 100 },
    });
    const r = await new Browser().launch(platform, {
      user: 'ben',
      course: 'math',
      resourceLink: link.id,
      loginMethod: 'GET',
    });
    expect(r.login?.method).toBe('GET');
    expect(r.final.status).toBe(200);
    const claims = claimsOnPage(r.final.body);
    expect((claims[CLAIM.ags] as Record<string, string>).lineitem).toContain(link.lineItemId!);
    expect(claims[CLAIM.resourceLink]).toMatchObject({ id: link.id, title: 'Certification' });
  });

  test('the auth endpoint refuses a wrong redirect_uri, client_id, prompt, user and a reused message hint', async () => {
    const browser = new Browser();
    const prepared = await platform.prepareLaunch({ user: 'ana', course: 'math' });
    await browser.get(prepared.url); // opens the platform session
    const base = {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: clientId,
      redirect_uri: tool.launchUrl,
      login_hint: prepared.loginHint,
      lti_message_hint: prepared.messageHint,
      nonce: 'n-1',
      state: 's-1',
    };
    const auth = (over: Record<string, string>) =>
      browser.get(`${platform.endpoints.auth}?${new URLSearchParams({ ...base, ...over })}`);
    const cases: [Record<string, string>, string][] = [
      [{ redirect_uri: `${tool.launchUrl}/` }, 'unregistered redirect_uri'],
      [{ client_id: 'nope' }, 'unauthorized_client'],
      [{ response_type: 'code' }, 'unsupported_response_type'],
      [{ scope: 'profile' }, 'invalid_scope'],
      [{ response_mode: 'query' }, 'response_mode'],
      [{ prompt: 'login' }, 'prompt'],
      [{ login_hint: platform.user('ben').sub }, 'access_denied'],
      [{ lti_message_hint: 'forged' }, 'lti_message_hint'],
    ];
    for (const [over, expected] of cases) {
      const res = await auth(over);
      expect(res.status).toBe(400);
      expect(res.body).toContain(expected);
    }
    expect((await auth({})).status).toBe(200);
    const again = await auth({});
    expect(again.status).toBe(400);
    expect(again.body).toContain('already used');
    // Without the platform session the login hint belongs to nobody.
    const other = await platform.prepareLaunch({ user: 'ana', course: 'math' });
    const stranger = await new Browser().get(
      `${platform.endpoints.auth}?${new URLSearchParams({ ...base, lti_message_hint: other.messageHint })}`,
    );
    expect(stranger.status).toBe(400);
    expect(stranger.body).toContain('access_denied');
  });

  test('negative hooks: claim overrides and forged signatures reach the tool, which refuses them', async () => {
    const expired = await new Browser().launch(platform, {
      user: 'ana',
      course: 'math',
      claims: { exp: 1000, aud: undefined },
    });
    expect(decodeJwt(expired.idToken!).aud).toBeUndefined();
    expect(expired.final.status).toBe(401);
    for (const signing of ['unknown-kid', 'other-key', 'none-alg', 'hs256-public-key', 'garbage'] as const) {
      const r = await new Browser().launch(platform, { user: 'ana', course: 'math', signing });
      expect(r.launch?.status).toBe(401);
      if (signing === 'unknown-kid') expect(decodeProtectedHeader(r.idToken!).kid).not.toBe(platform.kid);
      if (signing === 'none-alg') expect(decodeProtectedHeader(r.idToken!).alg).toBe('none');
    }
    const nested = await new Browser().launch(platform, {
      user: 'ana',
      course: 'math',
      transformClaims: (c) => ({ ...c, [CLAIM.roles]: ['garbage'] }),
    });
    expect(decodeJwt(nested.idToken!)[CLAIM.roles]).toEqual(['garbage']);
    expect(platform.issuedIdTokens.at(-1)?.idToken).toBe(nested.idToken);
  });

  test('the browser keeps, expires and blocks cookies like a browser', async () => {
    const blocked = new Browser({ blockThirdPartyCookies: true });
    const r = await blocked.launch(platform, { user: 'ana', course: 'math' });
    expect(r.login?.refusedCookies.length).toBe(1);
    expect(r.final.status).toBe(401);
    expect(r.final.body).toBe('MISSING_STATE_COOKIE');
    const browser = new Browser();
    const ok = await browser.launch(platform, { user: 'ana', course: 'math' });
    expect(ok.final.status).toBe(200);
    // The state cookie was cleared with Max-Age=0; the session cookie stays until dropped.
    expect(browser.jar.all().some((c) => c.name.startsWith('state_'))).toBe(false);
    expect((await browser.get(`${tool.url}/home`)).status).toBe(200);
    expect(browser.dropCookies((c) => c.name === 'sid')).toBe(1);
    expect((await browser.get(`${tool.url}/home`)).status).toBe(401);
    // Replaying the captured id_token POST: the state cookie is gone.
    const replay = await browser.post(tool.launchUrl, { id_token: ok.idToken!, state: ok.state! });
    expect(replay.status).toBe(401);
  });

  test('the token endpoint verifies the assertion against the tool JWKS, once per jti', async () => {
    const token = platform.endpoints.token;
    const scope = `${SCOPE.score} ${SCOPE.nrps}`;
    const good = await form(token, tokenForm(await tool.assertion(clientId, token), scope));
    expect(good.status).toBe(200);
    const body = (await good.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(String(body.scope).split(' ').sort()).toEqual([SCOPE.nrps, SCOPE.score].sort());
    const forger = await startMiniTool();
    try {
      const forged = await form(token, tokenForm(await forger.assertion(clientId, token), scope));
      expect(forged.status).toBe(401);
      expect(await forged.json()).toMatchObject({ error: 'invalid_client' });
    } finally {
      await forger.close();
    }
    const jti = 'jti-once';
    expect((await form(token, tokenForm(await tool.assertion(clientId, token, { jti }), scope))).status).toBe(
      200,
    );
    const replay = await form(token, tokenForm(await tool.assertion(clientId, token, { jti }), scope));
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error_description: 'jti already used' });
    expect((await form(token, tokenForm(await tool.assertion(clientId, platform.url), scope))).status).toBe(
      401,
    );
    expect(
      (await form(token, tokenForm(await tool.assertion(clientId, token, { expIn: -10 }), scope))).status,
    ).toBe(401);
    expect(
      (
        await form(token, {
          ...tokenForm(await tool.assertion(clientId, token), scope),
          grant_type: 'password',
        })
      ).status,
    ).toBe(400);
    const foreign = await form(
      token,
      tokenForm(await tool.assertion(clientId, token), `${SCOPE.score} https://example.test/scope`),
    );
    if (family === 'moodle')
      expect(((await foreign.json()) as Record<string, string>).scope).toBe(SCOPE.score);
    else expect(await foreign.json()).toMatchObject({ error: 'invalid_scope' });
  });

  test('AGS lists only the tool’s own items and applies the LMS scoring rules', async () => {
    const math = platform.course('math');
    const full = await accessToken(
      platform,
      tool,
      clientId,
      [SCOPE.lineItem, SCOPE.lineItemReadOnly, SCOPE.resultReadOnly, SCOPE.score].join(' '),
    );
    const readOnly = await accessToken(platform, tool, clientId, SCOPE.lineItemReadOnly);
    const auth = (t: string, extra: Record<string, string> = {}) => ({
      Authorization: `Bearer ${t}`,
      ...extra,
    });
    const lineitems = (decodeJwt(platform.issuedIdTokens[0]!.idToken)[CLAIM.ags] as Record<string, string>)
      .lineitems!;
    const created = await fetch(lineitems, {
      method: 'POST',
      headers: auth(full, { 'Content-Type': MEDIA.lineItem }),
      body: JSON.stringify({ label: 'Jalon', scoreMaximum: 100, tag: 'jalon' }),
    });
    expect(created.status).toBe(201);
    const item = (await created.json()) as { id: string };
    expect(
      (
        await fetch(lineitems, {
          method: 'POST',
          headers: auth(full, { 'Content-Type': MEDIA.lineItem }),
          body: '{"label":""}',
        })
      ).status,
    ).toBe(400);
    const list = await fetch(lineitems, { headers: auth(full, { Accept: MEDIA.lineItemContainer }) });
    const items = (await list.json()) as { id: string; label: string }[];
    const ids = items.map((i) =>
      i.id
        .split('?')[0]!
        .split('/')
        .find((_, k, a) => a[k - 1] === 'lineitems' || a[k - 1] === 'line_items'),
    );
    const native = platform
      .lineItems('math')
      .filter((i) => i.clientId === null || i.clientId === OTHER_TOOL_CLIENT_ID);
    expect(native.length).toBeGreaterThanOrEqual(2);
    for (const n of native) expect(ids).not.toContain(n.id);
    expect(items.map((i) => i.label)).toContain('Jalon');
    const [path, query] = item.id.split('?');
    const scoresUrl = `${path}/scores${query ? `?${query}` : ''}`;
    const resultsUrl = `${path}/results${query ? `?${query}` : ''}`;
    const score = (t: string, body: Record<string, unknown>) =>
      fetch(scoresUrl, {
        method: 'POST',
        headers: auth(t, { 'Content-Type': MEDIA.score }),
        body: JSON.stringify(body),
      });
    const ben = platform.user('ben').sub;
    const at = Date.now() - 10_000;
    const base = {
      userId: ben,
      scoreGiven: 7,
      scoreMaximum: 10,
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
    };
    expect((await score(readOnly, { ...base, timestamp: new Date(at).toISOString() })).status).toBe(401);
    expect((await score(full, { ...base, timestamp: new Date(at).toISOString() })).status).toBe(200);
    const stale = await score(full, { ...base, timestamp: new Date(at).toISOString() });
    expect(stale.status).toBe(family === 'moodle' ? 409 : 400);
    const teacher = await score(full, {
      ...base,
      userId: platform.user('prof').sub,
      timestamp: new Date().toISOString(),
    });
    expect(teacher.status).toBe(family === 'moodle' ? 400 : 422);
    expect((await score(full, { ...base, scoreGiven: -1, timestamp: new Date().toISOString() })).status).toBe(
      400,
    );
    const results = (await (
      await fetch(resultsUrl, { headers: auth(full, { Accept: MEDIA.resultContainer }) })
    ).json()) as Record<string, unknown>[];
    expect(results).toEqual([expect.objectContaining({ userId: ben, resultScore: 70, resultMaximum: 100 })]);
    // Someone else's column: its results are not served.
    const quiz = platform.lineItems('math').find((i) => i.nativeModule === 'quiz')!;
    const foreign =
      family === 'moodle'
        ? `${platform.url}/mod/lti/services.php/${math.restId}/lineitems/${quiz.id}/lineitem/results?type_id=${platform.tool(clientId).typeId}`
        : `${platform.url}/api/lti/courses/${math.restId}/line_items/${quiz.id}/results`;
    expect((await fetch(foreign, { headers: auth(full, { Accept: MEDIA.resultContainer }) })).status).toBe(
      family === 'moodle' ? 403 : 404,
    );
    // fetch's default `Accept: */*` is refused by Moodle before anything else.
    expect((await fetch(lineitems, { headers: auth(full) })).status).toBe(family === 'moodle' ? 400 : 200);
    platform.expireAccessTokens();
    expect(
      (await fetch(lineitems, { headers: auth(full, { Accept: MEDIA.lineItemContainer }) })).status,
    ).toBe(401);
  });

  test('NRPS lists active members with the LMS role vocabulary and pages', async () => {
    const t = await accessToken(platform, tool, clientId, SCOPE.nrps);
    const url = (decodeJwt(platform.issuedIdTokens[0]!.idToken)[CLAIM.nrps] as Record<string, string>)
      .context_memberships_url!;
    const get = (u: string) =>
      fetch(u, { headers: { Authorization: `Bearer ${t}`, Accept: MEDIA.membershipContainer } });
    const all = (await (await get(url)).json()) as {
      context: { id: string };
      members: Record<string, unknown>[];
    };
    expect(all.context.id).toBe(platform.course('math').contextId);
    expect(all.members.map((m) => m.user_id)).not.toContain(platform.user('eve').sub);
    const ana = all.members.find((m) => m.user_id === platform.user('ana').sub)!;
    expect(ana.roles).toEqual(family === 'moodle' ? ['Learner'] : [`${ROLE.membership}Learner`]);
    expect(ana).toMatchObject({ status: 'Active', name: 'Ana Martin', email: 'ana.martin@example.edu' });
    const role = family === 'moodle' ? 'Learner' : `${ROLE.membership}Learner`;
    const page1 = await get(`${url}?role=${encodeURIComponent(role)}&limit=2`);
    const members1 = ((await page1.json()) as { members: Record<string, unknown>[] }).members;
    expect(members1).toHaveLength(2);
    const next = /<([^>]+)>;\s*rel="next"/.exec(page1.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const members2 = ((await (await get(next!)).json()) as { members: Record<string, unknown>[] }).members;
    expect(members2).toHaveLength(2);
    expect([...members1, ...members2].every((m) => JSON.stringify(m.roles).includes('Learner'))).toBe(true);
    expect(new Set([...members1, ...members2].map((m) => m.user_id)).size).toBe(4);
  });

  test('deep linking: the return endpoint verifies the tool JWT, records items once', async () => {
    const r = await new Browser().launch(platform, {
      user: 'prof',
      course: 'math',
      messageType: 'LtiDeepLinkingRequest',
    });
    const claims = claimsOnPage(r.final.body);
    expect(claims[CLAIM.messageType]).toBe('LtiDeepLinkingRequest');
    expect(claims[CLAIM.resourceLink]).toBeUndefined();
    const settings = claims[CLAIM.dlSettings] as {
      deep_link_return_url: string;
      data: string;
      accept_types: string[];
    };
    expect(settings.accept_types).toEqual(['ltiResourceLink']);
    const items = [
      {
        type: 'ltiResourceLink',
        title: 'Badge',
        url: tool.launchUrl,
        custom: { mc: '42' },
        lineItem: { scoreMaximum: 10, label: 'Badge' },
      },
    ];
    const post = async (data: unknown, aud = platform.issuer) =>
      new Browser().post(settings.deep_link_return_url, {
        JWT: await deepLinkResponse(tool, { clientId, aud, deploymentId, data, items }),
      });
    expect((await post('wrong-data')).status).toBe(400);
    expect(
      (await post(settings.data, platform.url === platform.issuer ? 'other' : platform.url)).status,
    ).toBe(400);
    expect((await post(settings.data)).status).toBe(200);
    expect((await post(settings.data)).status).toBe(400);
    const rec = platform.deepLinkResponses.at(-1)!;
    expect(rec.items[0]).toMatchObject({
      type: 'ltiResourceLink',
      title: 'Badge',
      custom: { mc: '42' },
      lineItem: { scoreMaximum: 10 },
    });
    expect(rec.createdLinks[0]!.lineItemId).toBeDefined();
    expect(platform.deepLinkRejections.map((x) => x.reason)).toEqual(
      expect.arrayContaining(['data not echoed']),
    );
  });

  test('dynamic registration: single-use token, LMS validation, pending until activated (Moodle)', async () => {
    const dr = await startMiniTool();
    try {
      const first = await platform.runDynamicRegistration(dr.registerUrl);
      expect(first.status).toBe(200);
      expect(first.url).toContain('invite=abc&openid_configuration=');
      expect(first.body).toContain('org.imsglobal.lti.close');
      const registered = first.tool!;
      expect(registered.source).toBe('dynamic');
      const response = registered.registrationResponse as Record<string, Record<string, unknown>>;
      expect(response[TOOL_CONFIGURATION]!.deployment_id).toBe(registered.deploymentIds[0]);
      if (family === 'canvas') {
        expect(registered.messages.every((m) => JSON.stringify(m.placements) === '["link_selection"]')).toBe(
          true,
        );
        expect(registered.status).toBe('active');
      } else {
        expect(registered.scopes).toEqual([
          SCOPE.lineItemReadOnly,
          SCOPE.resultReadOnly,
          SCOPE.score,
          SCOPE.lineItem,
          SCOPE.nrps,
        ]);
        expect(registered.status).toBe('pending');
        const refused = await new Browser().launch(platform, {
          user: 'ana',
          course: 'math',
          tool: registered.clientId,
        });
        expect(refused.final.status).toBe(403);
        platform.activateTool(registered.clientId);
      }
      const ok = await new Browser().launch(platform, {
        user: 'ana',
        course: 'math',
        tool: registered.clientId,
      });
      expect(ok.final.status).toBe(200);
      const reused = await platform.runDynamicRegistration(dr.registerUrl, {
        registrationToken: first.registrationToken,
      });
      expect(reused.status).toBe(502);
      expect(reused.body).toContain('401');
      if (family === 'moodle') expect(reused.body).toContain('token_already_used');
      const missing = await fetch(platform.endpoints.registration, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(missing.status).toBe(401);
      if (family === 'moodle') expect(await missing.text()).toBe('missing_registration_token');
      const expiredToken = await platform.createRegistrationToken(-10);
      expect(
        (await platform.runDynamicRegistration(dr.registerUrl, { registrationToken: expiredToken })).body,
      ).toContain('invalid_registration_token');
      dr.registrationOverrides = {
        [TOOL_CONFIGURATION]: { domain: 'elsewhere.example', target_link_uri: dr.launchUrl, messages: [] },
      };
      const invalid = await platform.runDynamicRegistration(dr.registerUrl);
      expect(invalid.body).toContain(family === 'moodle' ? '400 domain_targetlinkuri_mismatch' : '422');
      expect(invalid.tool).toBeUndefined();
    } finally {
      await dr.close();
    }
  });
});

describe('LMS-specific behaviour', () => {
  let tool: MiniTool;
  beforeAll(async () => {
    tool = await startMiniTool();
  });
  afterAll(() => tool.close());

  test('Moodle: malformed lineitems Link, FullyGraded-only scores, Instructor filter without the TA', async () => {
    const platform = await startPlatform({ family: 'moodle' });
    try {
      const { clientId, tool: reg } = await manualTool(platform, tool);
      const math = platform.course('math');
      const t = await accessToken(
        platform,
        tool,
        clientId,
        `${SCOPE.lineItem} ${SCOPE.score} ${SCOPE.resultReadOnly} ${SCOPE.nrps}`,
      );
      const headers = { Authorization: `Bearer ${t}`, Accept: MEDIA.lineItemContainer };
      const lineitems = `${platform.url}/mod/lti/services.php/${math.restId}/lineitems?type_id=${reg.typeId}`;
      for (const label of ['A', 'B', 'C']) {
        const r = await fetch(lineitems, {
          method: 'POST',
          headers: { ...headers, 'Content-Type': MEDIA.lineItem },
          body: JSON.stringify({ label, scoreMaximum: 10 }),
        });
        expect(r.status).toBe(201);
      }
      const page = await fetch(`${lineitems}&limit=2`, { headers });
      expect(((await page.json()) as unknown[]).length).toBe(2);
      const link = Buffer.from(page.headers.get('link') ?? '', 'latin1').toString('utf8');
      expect(link).toContain('&amp;limit=2&amp;from=2');
      expect(link).toContain('rel=“next”');
      expect(
        (await fetch(`${lineitems}`, { headers: { ...headers, Accept: 'application/json' } })).status,
      ).toBe(400);
      expect(
        (await fetch(lineitems.replace(`type_id=${reg.typeId}`, 'type_id=999'), { headers })).status,
      ).toBe(401);
      const item = (await (await fetch(lineitems, { headers })).json()) as { id: string }[];
      const scores = item[0]!.id.replace('/lineitem?', '/lineitem/scores?');
      const pending = await fetch(scores, {
        method: 'POST',
        headers: { Authorization: `Bearer ${t}`, 'Content-Type': MEDIA.score },
        body: JSON.stringify({
          userId: platform.user('ana').sub,
          scoreGiven: 5,
          scoreMaximum: 10,
          activityProgress: 'Submitted',
          gradingProgress: 'Pending',
          timestamp: new Date().toISOString(),
        }),
      });
      expect(pending.status).toBe(200);
      expect(await pending.text()).toBe('');
      const results = (await (
        await fetch(item[0]!.id.replace('/lineitem?', '/lineitem/results?'), {
          headers: { Authorization: `Bearer ${t}`, Accept: MEDIA.resultContainer },
        })
      ).json()) as Record<string, unknown>[];
      expect(results).toHaveLength(1);
      expect(results[0]!.resultScore).toBeUndefined();
      const nrps = `${platform.url}/mod/lti/services.php/CourseSection/${math.restId}/bindings/${reg.typeId}/memberships`;
      const instructors = (await (
        await fetch(`${nrps}?role=Instructor`, {
          headers: { Authorization: `Bearer ${t}`, Accept: MEDIA.membershipContainer },
        })
      ).json()) as { members: { user_id: string; roles: string[] }[] };
      const subs = instructors.members.map((m) => m.user_id);
      expect(subs).toContain(platform.user('prof').sub);
      expect(subs).not.toContain(platform.user('ta').sub);
      expect(instructors.members.every((m) => m.roles.includes('Instructor'))).toBe(true);
    } finally {
      await platform.close();
    }
  });

  test('Canvas: NRPS pages hold at most 50, issuer can be set, manual tools get REST-id custom parameters', async () => {
    const platform = await startPlatform({ family: 'canvas', issuer: 'https://canvas.test.instructure.com' });
    try {
      const { clientId, tool: reg } = await manualTool(platform, tool);
      const big = platform.addCourse({ handle: 'big', label: 'BIG1', title: 'Big course' });
      for (let i = 0; i < 55; i++) {
        platform.addUser({
          handle: `l${i}`,
          givenName: 'L',
          familyName: String(i),
          email: `l${i}@example.edu`,
        });
        platform.enrol(`l${i}`, 'big', 'learner');
      }
      const t = await accessToken(platform, tool, clientId, SCOPE.nrps);
      const get = (u: string) => fetch(u, { headers: { Authorization: `Bearer ${t}` } });
      const first = await get(`${platform.url}/api/lti/courses/${big.restId}/names_and_roles?limit=500`);
      expect(((await first.json()) as { members: unknown[] }).members).toHaveLength(50);
      const next = /<([^>]+)>;\s*rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
      expect(((await (await get(next!)).json()) as { members: unknown[] }).members).toHaveLength(5);
      const r = await new Browser().launch(platform, { user: 'l3', course: 'big' });
      const claims = claimsOnPage(r.final.body);
      expect(claims.iss).toBe('https://canvas.test.instructure.com');
      expect(claims[CLAIM.custom]).toEqual({
        canvas_user_id: platform.user('l3').restId,
        canvas_course_id: big.restId,
      });
      expect(reg.privacyLevel).toBe('public');
    } finally {
      await platform.close();
    }
  });
});
