/**
 * LTI Dynamic Registration, platform side: the OpenID configuration, single-use 1-hour
 * registration tokens, and the registration endpoint (Moodle
 * `/mod/lti/openid-registration.php`, Canvas `/api/lti/registrations`).
 */
import express, { type Request, type Response, type Router } from 'express';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { ALL_SCOPES, MESSAGE_TYPES, PLATFORM_CONFIGURATION, TOOL_CONFIGURATION } from './constants.js';
import { canvasClientId, moodleClientId, opaque, uuid } from './ids.js';
import { fixedPaths } from './paths.js';
import { canvasRules, moodleRules } from './registration-rules.js';
import type { PlatformState } from './state.js';
import type { RegisteredTool } from './types.js';

let canvasKeySequence = 900;

/**
 * Mints a registration token: an RS256 JWT signed by the platform, valid `ttlSeconds`
 * (default 3600), usable once. Moodle puts the future client id in `sub` with scope `reg`.
 */
export async function createRegistrationToken(state: PlatformState, ttlSeconds = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jti = opaque(12);
  const clientId = state.family === 'moodle' ? moodleClientId() : canvasClientId(canvasKeySequence++);
  state.registrationTokens.set(jti, { clientId, used: false });
  const payload =
    state.family === 'moodle'
      ? { sub: clientId, scope: 'reg', iat: now, exp: now + ttlSeconds, jti }
      : {
          uuid: uuid(),
          user_id: '1',
          root_account_global_id: '10000000000001',
          iat: now,
          exp: now + ttlSeconds,
          jti,
        };
  return state.keys.sign(payload);
}

/** The platform's OpenID configuration document. */
export function openidConfiguration(state: PlatformState): Record<string, unknown> {
  const e = state.urls.endpoints();
  const base = {
    issuer: state.issuer,
    token_endpoint: e.token,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    jwks_uri: e.jwks,
    authorization_endpoint: e.auth,
    registration_endpoint: e.registration,
    scopes_supported: ['openid', ...ALL_SCOPES],
    response_types_supported: ['id_token'],
    subject_types_supported: ['public', 'pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
  };
  if (state.family === 'moodle') {
    return {
      ...base,
      [PLATFORM_CONFIGURATION]: {
        product_family_code: 'moodle',
        version: '5.1.3 (Build: 20260216)',
        messages_supported: [...MESSAGE_TYPES],
        placements: ['AddContentMenu'],
        variables: [
          'basic-lti-launch-request',
          'ContentItemSelectionRequest',
          'User.id',
          'Person.email.primary',
        ],
      },
    };
  }
  return {
    ...base,
    claims_supported: [...base.claims_supported, 'picture', 'locale'],
    [PLATFORM_CONFIGURATION]: {
      product_family_code: 'canvas',
      version: 'OpenSource',
      messages_supported: [
        {
          type: 'LtiResourceLinkRequest',
          placements: ['course_navigation', 'link_selection', 'assignment_selection'],
        },
        {
          type: 'LtiDeepLinkingRequest',
          placements: ['link_selection', 'assignment_selection', 'editor_button'],
        },
      ],
      notice_types_supported: ['LtiHelloWorldNotice'],
      variables: ['Canvas.user.id', 'Canvas.course.id', 'Person.email.primary'],
      'https://canvas.instructure.com/lti/account_name': state.name,
      'https://canvas.instructure.com/lti/account_lti_guid': state.registry.accountGuid,
    },
  };
}

function refuse(state: PlatformState, res: Response, status: number, error: string): void {
  // Moodle answers a bare error name; Canvas a JSON error list.
  if (state.family === 'moodle') res.status(status).type('text/plain').send(error);
  else res.status(status).json({ errors: [{ message: error }] });
}

async function register(state: PlatformState, req: Request, res: Response): Promise<void> {
  const auth = req.get('authorization') ?? '';
  if (!auth.startsWith('Bearer ')) return refuse(state, res, 401, 'missing_registration_token');
  const token = auth.slice(7).trim();
  let jti: string;
  try {
    await jwtVerify(token, createLocalJWKSet(state.keys.jwks()), { algorithms: ['RS256'] });
    jti = String(decodeJwt(token).jti);
  } catch {
    return refuse(state, res, 401, 'invalid_registration_token');
  }
  const entry = state.registrationTokens.get(jti);
  if (!entry) return refuse(state, res, 401, 'invalid_registration_token');
  if (entry.used) return refuse(state, res, 401, 'token_already_used');
  const rules = state.family === 'moodle' ? moodleRules(req.body) : canvasRules(req.body);
  if (!rules.ok) return refuse(state, res, rules.status, rules.error);
  entry.used = true;
  const tool = state.registry.add({ ...rules.tool, clientId: entry.clientId });
  tool.registrationRequest = req.body;
  tool.registrationResponse = registrationResponse(tool, rules.claims);
  res.status(200).json(tool.registrationResponse);
}

/** What the platform answers a successful registration (client id, deployment id, echoes). */
function registrationResponse(tool: RegisteredTool, claims: string[]): Record<string, unknown> {
  const body = (tool.registrationRequest ?? {}) as Record<string, unknown>;
  const config = (body[TOOL_CONFIGURATION] ?? {}) as Record<string, unknown>;
  return {
    client_id: tool.clientId,
    response_types: ['id_token'],
    jwks_uri: tool.jwksUrl,
    initiate_login_uri: tool.loginUrl,
    grant_types: ['client_credentials', 'implicit'],
    redirect_uris: tool.redirectUris,
    application_type: 'web',
    token_endpoint_auth_method: 'private_key_jwt',
    client_name: tool.name,
    scope: tool.scopes.join(' '),
    [TOOL_CONFIGURATION]: {
      ...config,
      version: '1.3.0',
      deployment_id: tool.deploymentIds[0],
      target_link_uri: tool.targetLinkUri,
      domain: tool.domain,
      claims,
      custom_parameters: tool.customParameters,
      messages: tool.messages.map((m) => ({
        type: m.type,
        ...(m.targetLinkUri ? { target_link_uri: m.targetLinkUri } : {}),
        ...(m.placements ? { placements: m.placements } : {}),
      })),
    },
  };
}

/** Routes: OpenID configuration (family path and `/.well-known/`) and registration. */
export function registrationRouter(state: PlatformState): Router {
  const router = express.Router();
  const paths = fixedPaths(state.family);
  const config = (_req: Request, res: Response) => {
    res.json(openidConfiguration(state));
  };
  router.get(paths.openidConfiguration, config);
  router.get('/.well-known/openid-configuration', config);
  router.post(paths.registration, (req, res) => register(state, req, res));
  return router;
}
