/**
 * A minimal, strict LTI 1.3 tool used only to test the platform (not Jalon): OIDC login
 * with a state cookie, id_token verification against the platform JWKS, a session
 * redirect, a JWKS, dynamic registration, client assertions and deep-linking responses.
 */
import express, { type Request, type Response } from 'express';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLAIM, JWT_BEARER, TOOL_CONFIGURATION } from './constants.js';

/** A platform the mini tool trusts. */
export interface TrustedPlatform {
  issuer: string;
  clientId: string;
  authUrl: string;
  jwksUrl: string;
  tokenUrl: string;
  deploymentId?: string;
}

/** A running mini tool. */
export interface MiniTool {
  url: string;
  loginUrl: string;
  launchUrl: string;
  jwksUrl: string;
  registerUrl: string;
  trust(p: TrustedPlatform): void;
  /** Client assertion for the token endpoint. */
  assertion(clientId: string, aud: string, overrides?: { jti?: string; expIn?: number }): Promise<string>;
  /** Signs any JWT with the tool key. */
  sign(payload: Record<string, unknown>): Promise<string>;
  /** Extra fields merged into the registration body (arrays replaced). */
  registrationOverrides: Record<string, unknown>;
  close(): Promise<void>;
}

const rand = () => randomBytes(12).toString('base64url');

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Starts the mini tool on 127.0.0.1. */
export async function startMiniTool(): Promise<MiniTool> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = rand();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const platforms: TrustedPlatform[] = [];
  const sessions = new Map<string, Record<string, unknown>>();
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (payload: Record<string, unknown>) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
  const tool: MiniTool = {
    url,
    loginUrl: `${url}/login`,
    launchUrl: `${url}/launch`,
    jwksUrl: `${url}/keys`,
    registerUrl: `${url}/register?invite=abc`,
    trust: (p) => platforms.push(p),
    assertion: (clientId, aud, o = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return sign({
        iss: clientId,
        sub: clientId,
        aud,
        iat: now,
        exp: now + (o.expIn ?? 60),
        jti: o.jti ?? rand(),
      });
    },
    sign,
    registrationOverrides: {},
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  app.get('/keys', (_req, res) => {
    res.json({ keys: [jwk] });
  });
  const login = (req: Request, res: Response) => {
    const p = (req.method === 'POST' ? req.body : req.query) as Record<string, string>;
    const platform = platforms.find(
      (x) => x.issuer === p.iss && (!p.client_id || x.clientId === p.client_id),
    );
    if (!platform) return void res.status(401).send('unknown platform');
    const state = rand();
    const nonce = rand();
    res.setHeader(
      'Set-Cookie',
      `state_${state}=${nonce}; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=None`,
    );
    const auth = new URL(platform.authUrl);
    const q: Record<string, string> = {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: platform.clientId,
      redirect_uri: tool.launchUrl,
      login_hint: p.login_hint ?? '',
      nonce,
      state,
    };
    if (p.lti_message_hint) q.lti_message_hint = p.lti_message_hint;
    if (p.lti_deployment_id) q.lti_deployment_id = p.lti_deployment_id;
    for (const [k, v] of Object.entries(q)) auth.searchParams.set(k, v);
    res.redirect(302, auth.toString());
  };
  app.get('/login', login);
  app.post('/login', login);
  app.post('/launch', async (req, res) => {
    const { id_token: idToken, state } = req.body as Record<string, string>;
    const nonce = state ? cookie(req, `state_${state}`) : undefined;
    if (!idToken || !nonce) return void res.status(401).send('MISSING_STATE_COOKIE');
    let claims: Record<string, unknown> | undefined;
    for (const p of platforms) {
      try {
        const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(p.jwksUrl)), {
          issuer: p.issuer,
          audience: p.clientId,
          algorithms: ['RS256'],
        });
        claims = payload as Record<string, unknown>;
      } catch {
        continue;
      }
    }
    if (!claims) return void res.status(401).send('INVALID_TOKEN');
    if (claims.nonce !== nonce) return void res.status(401).send('BAD_NONCE');
    const sid = rand();
    sessions.set(sid, claims);
    res.setHeader('Set-Cookie', [
      `state_${state}=; Path=/; Max-Age=0`,
      `sid=${sid}; Path=/; HttpOnly; Secure; SameSite=None`,
    ]);
    res.redirect(302, '/home');
  });
  app.get('/home', (req, res) => {
    const claims = sessions.get(cookie(req, 'sid') ?? '');
    if (!claims) return void res.status(401).send('NO_SESSION');
    res.type('html').send(`<pre id="claims">${JSON.stringify(claims).replace(/</g, '\\u003c')}</pre>`);
  });
  app.get('/register', async (req, res) => {
    const configUrl = String(req.query.openid_configuration ?? '');
    const token = String(req.query.registration_token ?? '');
    const config = (await (await fetch(configUrl)).json()) as Record<string, unknown>;
    const body = {
      application_type: 'web',
      response_types: ['id_token'],
      grant_types: ['implicit', 'client_credentials'],
      initiate_login_uri: tool.loginUrl,
      redirect_uris: [tool.launchUrl],
      client_name: 'Mini tool',
      jwks_uri: tool.jwksUrl,
      token_endpoint_auth_method: 'private_key_jwt',
      scope: [
        'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
        'https://purl.imsglobal.org/spec/lti-ags/scope/score',
        'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
      ].join(' '),
      [TOOL_CONFIGURATION]: {
        domain: new URL(url).host,
        target_link_uri: tool.launchUrl,
        claims: config.claims_supported,
        messages: [
          { type: 'LtiResourceLinkRequest' },
          { type: 'LtiDeepLinkingRequest', target_link_uri: tool.launchUrl },
        ],
      },
      ...tool.registrationOverrides,
    };
    const answer = await fetch(String(config.registration_endpoint), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await answer.text();
    if (!answer.ok) return void res.status(502).send(`registration refused: ${answer.status} ${text}`);
    const reg = JSON.parse(text) as Record<string, unknown>;
    const conf = reg[TOOL_CONFIGURATION] as Record<string, unknown>;
    tool.trust({
      issuer: String(config.issuer),
      clientId: String(reg.client_id),
      authUrl: String(config.authorization_endpoint),
      jwksUrl: String(config.jwks_uri),
      tokenUrl: String(config.token_endpoint),
      deploymentId: String(conf.deployment_id),
    });
    res
      .type('html')
      .send('<script>window.parent.postMessage({subject:"org.imsglobal.lti.close"},"*")</script>');
  });
  return tool;
}

/** The claims the mini tool shows on its home page. */
export function claimsOnPage(body: string): Record<string, unknown> {
  const m = /<pre id="claims">([\s\S]*)<\/pre>/.exec(body);
  if (!m) throw new Error(`no claims on page: ${body.slice(0, 200)}`);
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

/** A signed deep-linking response from the mini tool. */
export function deepLinkResponse(
  tool: MiniTool,
  o: { clientId: string; aud: string; deploymentId: string; data?: unknown; items: unknown[] },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return tool.sign({
    iss: o.clientId,
    aud: o.aud,
    iat: now,
    exp: now + 300,
    nonce: rand(),
    [CLAIM.deploymentId]: o.deploymentId,
    [CLAIM.messageType]: 'LtiDeepLinkingResponse',
    [CLAIM.version]: '1.3.0',
    ...(o.data !== undefined ? { [CLAIM.dlData]: o.data } : {}),
    [CLAIM.dlContentItems]: o.items,
  });
}

/** Form body for a client-credentials token request. */
export function tokenForm(assertion: string, scope: string): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
    scope,
  };
}
