/**
 * LTI Dynamic Registration, tool side, as Moodle 4.x/5.x and Canvas perform it. Our own
 * handler rather than ltijs's: ltijs drops the deployment id, generates a 4096-bit key on
 * every anonymous call, and answers errors as JSON. Here a registration only ever creates
 * (or updates) a *pending* platform; keys are made at activation by an administrator.
 */
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { PlatformError, type Platform, type PlatformRegistry } from '../platforms/registry.js';
import { HttpError } from '../web/errors.js';

const TOOL_CONFIG = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
const PLATFORM_CONFIG = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
const SCOPES = [
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
];
const CLAIMS = ['iss', 'sub', 'name', 'given_name', 'family_name', 'email', 'locale'];
const MAX_BODY = 256 * 1024;

/** The outcome shown to the administrator. */
export interface RegistrationOutcome {
  platform: Platform;
  created: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/**
 * Checks a URL the platform gave us before we call it: https, or http on loopback (local
 * and test set-ups) or when `allowInsecurePlatforms` is set.
 */
export function assertPlatformUrl(
  raw: unknown,
  config: Pick<Config, 'allowInsecurePlatforms'>,
  what: string,
): URL {
  if (typeof raw !== 'string' || raw.length > 2048) {
    throw new HttpError(400, 'lti:registration.badConfiguration', `DR_BAD_URL_${what}`, { what });
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HttpError(400, 'lti:registration.badConfiguration', `DR_BAD_URL_${what}`, { what });
  }
  const ok =
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && (isLoopback(url.hostname) || config.allowInsecurePlatforms));
  if (!ok || url.username || url.password) {
    throw new HttpError(400, 'lti:registration.insecureUrl', `DR_INSECURE_URL_${what}`, { what });
  }
  return url;
}

async function fetchJson(
  url: URL,
  init: RequestInit,
  what: string,
): Promise<{ status: number; json: unknown; text: string }> {
  let res: globalThis.Response;
  try {
    res = await fetch(url, {
      ...init,
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
      headers: { 'User-Agent': 'Jalon', ...(init.headers as Record<string, string>) },
    });
  } catch (err) {
    throw new HttpError(502, 'lti:registration.unreachable', `DR_UNREACHABLE_${what}`, {
      url: url.origin,
      detail: (err as Error).message.slice(0, 200),
    });
  }
  const text = (await res.text()).slice(0, MAX_BODY);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** The registration request Jalon sends, shaped for the platform's family. */
export function registrationRequest(
  config: Config,
  openid: Record<string, unknown>,
): Record<string, unknown> {
  const base = config.publicUrl;
  const platformConfig = isObject(openid[PLATFORM_CONFIG]) ? openid[PLATFORM_CONFIG] : {};
  const family =
    typeof platformConfig.product_family_code === 'string' ? platformConfig.product_family_code : '';
  const supportedClaims = Array.isArray(openid.claims_supported)
    ? openid.claims_supported.filter((c): c is string => typeof c === 'string')
    : CLAIMS;
  const claims = CLAIMS.filter((c) => supportedClaims.includes(c));
  const supportedScopes = Array.isArray(openid.scopes_supported)
    ? openid.scopes_supported.filter((s): s is string => typeof s === 'string')
    : SCOPES;
  const scope = SCOPES.filter((s) => supportedScopes.includes(s)).join(' ');
  const canvas = family === 'canvas';
  const icon = `${base}/static/icon.svg`;
  const messages = canvas
    ? [
        {
          type: 'LtiResourceLinkRequest',
          target_link_uri: `${base}/lti`,
          label: 'Jalon',
          icon_uri: icon,
          placements: ['course_navigation'],
          'https://canvas.instructure.com/lti/course_navigation/default_enabled': false,
          'https://canvas.instructure.com/lti/visibility': 'members',
        },
        {
          type: 'LtiDeepLinkingRequest',
          target_link_uri: `${base}/lti`,
          label: 'Jalon',
          icon_uri: icon,
          placements: ['link_selection', 'assignment_selection', 'module_menu_modal'],
        },
      ]
    : [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest', target_link_uri: `${base}/lti` }];
  const toolConfig: Record<string, unknown> = {
    domain: new URL(base).host,
    description: 'Jalon — verifiable micro-credentials / microcertifications vérifiables',
    target_link_uri: `${base}/lti`,
    custom_parameters: canvas
      ? { canvas_user_id: '$Canvas.user.id', canvas_course_id: '$Canvas.course.id' }
      : { moodle_course_id: '$Context.id' },
    claims,
    messages,
  };
  if (canvas) toolConfig['https://canvas.instructure.com/lti/privacy_level'] = 'public';
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: `${base}/lti/login`,
    // Both forms: some platforms compare redirect_uri byte for byte (reference/ltijs.md §11).
    redirect_uris: [`${base}/lti`, `${base}/lti/`],
    client_name: 'Jalon',
    jwks_uri: `${base}/lti/keys`,
    logo_uri: icon,
    token_endpoint_auth_method: 'private_key_jwt',
    scope,
    [TOOL_CONFIG]: toolConfig,
  };
}

/** Runs one dynamic registration against the platform that opened us. */
export async function performRegistration(
  input: { openidConfiguration: unknown; registrationToken: unknown },
  deps: { config: Config; registry: PlatformRegistry; log: Logger },
): Promise<RegistrationOutcome> {
  const { config, registry } = deps;
  const configUrl = assertPlatformUrl(input.openidConfiguration, config, 'OPENID_CONFIGURATION');
  const token = input.registrationToken;
  if (token !== undefined && (typeof token !== 'string' || token.length > 8192)) {
    throw new HttpError(400, 'lti:registration.badConfiguration', 'DR_BAD_TOKEN');
  }
  if ((await registry.countPending()) >= config.registration.maxPendingPlatforms) {
    throw new HttpError(429, 'lti:registration.tooManyPending', 'DR_TOO_MANY_PENDING');
  }
  const got = await fetchJson(
    configUrl,
    { headers: token ? { Authorization: `Bearer ${token}` } : {} },
    'CONFIG',
  );
  if (got.status !== 200 || !isObject(got.json)) {
    throw new HttpError(502, 'lti:registration.platformError', 'DR_CONFIG_HTTP', {
      status: got.status,
      body: got.text.slice(0, 300),
    });
  }
  const openid = got.json;
  assertPlatformUrl(openid.issuer, config, 'ISSUER');
  // The issuer as the platform spells it: it must equal the id_token's `iss` byte for byte.
  const issuer = openid.issuer as string;
  const auth = assertPlatformUrl(openid.authorization_endpoint, config, 'AUTHORIZATION_ENDPOINT');
  const tokenEndpoint = assertPlatformUrl(openid.token_endpoint, config, 'TOKEN_ENDPOINT');
  const jwks = assertPlatformUrl(openid.jwks_uri, config, 'JWKS_URI');
  const regEndpoint = assertPlatformUrl(openid.registration_endpoint, config, 'REGISTRATION_ENDPOINT');
  const platformConfig = isObject(openid[PLATFORM_CONFIG]) ? openid[PLATFORM_CONFIG] : {};
  const family =
    typeof platformConfig.product_family_code === 'string' ? platformConfig.product_family_code : 'unknown';

  const body = registrationRequest(config, openid);
  const reg = await fetchJson(
    regEndpoint,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    },
    'REGISTRATION',
  );
  if (reg.status < 200 || reg.status >= 300 || !isObject(reg.json)) {
    throw new HttpError(502, 'lti:registration.platformRefused', 'DR_REGISTRATION_HTTP', {
      status: reg.status,
      body: reg.text.slice(0, 300),
    });
  }
  const answer = reg.json;
  const clientId = answer.client_id;
  const toolConfig = isObject(answer[TOOL_CONFIG]) ? answer[TOOL_CONFIG] : {};
  const deploymentId = toolConfig.deployment_id ?? answer.deployment_id;
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new HttpError(502, 'lti:registration.platformRefused', 'DR_NO_CLIENT_ID', {
      status: reg.status,
      body: reg.text.slice(0, 300),
    });
  }
  if (
    (typeof deploymentId !== 'string' && typeof deploymentId !== 'number') ||
    String(deploymentId).trim().length === 0 ||
    String(deploymentId).length > 255 ||
    clientId.length > 255
  ) {
    throw new HttpError(502, 'lti:registration.noDeployment', 'DR_NO_DEPLOYMENT_ID');
  }
  const platformName =
    (typeof openid['https://canvas.instructure.com/lti/account_name'] === 'string'
      ? (openid['https://canvas.instructure.com/lti/account_name'] as string)
      : undefined) ?? `${family === 'unknown' ? 'LMS' : family} ${configUrl.host}`;
  const newPlatform: Parameters<PlatformRegistry['add']>[0] = {
    issuer,
    clientId,
    name: platformName,
    productFamily: family,
    authEndpoint: auth.toString(),
    tokenEndpoint: tokenEndpoint.toString(),
    authorizationServer:
      typeof openid.authorization_server === 'string' ? openid.authorization_server : undefined,
    jwksUri: jwks.toString(),
    deploymentIds: [String(deploymentId)],
    origins: [configUrl.origin, issuer],
    registration: { request: body, response: answer, openidConfiguration: configUrl.toString() },
  };
  let stored: RegistrationOutcome;
  try {
    stored = await registry.add(newPlatform, 'dynamic-registration', 'dynamic', true);
  } catch (err) {
    // What the platform sent does not make a valid platform: say so, not "internal error".
    if (err instanceof PlatformError) {
      throw new HttpError(502, 'lti:registration.badConfiguration', 'DR_INVALID_PLATFORM', {
        what: err.message.slice(0, 200),
      });
    }
    throw err;
  }
  const { platform, created } = stored;
  deps.log.info(
    { platformId: platform.id, issuer, clientId, deploymentId, family, created },
    'dynamic registration stored (pending until activated)',
  );
  return { platform, created };
}
