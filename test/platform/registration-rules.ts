/**
 * Validation of a dynamic-registration request body, as each LMS does it: Moodle's
 * `registration_helper::registration_to_config` (400 with an error name) and Canvas'
 * `OidcRegistration`/`LtiToolConfiguration` schemas (422). The result is what the
 * platform stores as a tool.
 */
import { ALL_SCOPES, MESSAGE_TYPES, TOOL_CONFIGURATION } from './constants.js';
import type { AddToolInput } from './registry.js';
import { privacyFrom } from './registry.js';
import type { Family, ToolMessage } from './types.js';

/** A valid registration, or the LMS's refusal. */
export type RuleResult =
  { ok: true; tool: AddToolInput; claims: string[] } | { ok: false; status: number; error: string };

const NAME_CLAIMS = ['name', 'given_name', 'family_name'];
const CANVAS_EXTRA_SCOPES = [
  'https://purl.imsglobal.org/spec/lti/scope/noticehandlers',
  'https://canvas.instructure.com/lti/public_jwk/scope/update',
  'https://canvas.instructure.com/lti/account_lookup/scope/show',
];

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((s) => typeof s === 'string');
}

/** `host[:port]` of a URL or bare domain, lowercased, without a leading `www.`. */
function domainOf(s: string): string {
  const host = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? new URL(s).host : s.split('/')[0]!;
  return host.toLowerCase().replace(/^www\./, '');
}

function messagesOf(raw: unknown, family: Family): ToolMessage[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((m) => {
    const msg: ToolMessage = { type: String(m.type) };
    if (typeof m.target_link_uri === 'string') msg.targetLinkUri = m.target_link_uri;
    if (typeof m.label === 'string') msg.label = m.label;
    if (isObject(m.custom_parameters)) msg.customParameters = m.custom_parameters as Record<string, string>;
    // Canvas: a message without placements is offered in link_selection only.
    if (family === 'canvas') msg.placements = isStringArray(m.placements) ? m.placements : ['link_selection'];
    return msg;
  });
}

function common(body: Record<string, unknown>, config: Record<string, unknown>, family: Family) {
  const claims = isStringArray(config.claims) ? config.claims : [];
  const messages = messagesOf(config.messages, family);
  const dl = messages.find((m) => m.type === 'LtiDeepLinkingRequest');
  const shareName = claims.some((c) => NAME_CLAIMS.includes(c));
  const shareEmail = claims.includes('email');
  const tool: AddToolInput = {
    loginUrl: String(body.initiate_login_uri),
    redirectUris: body.redirect_uris as string[],
    jwksUrl: String(body.jwks_uri),
    targetLinkUri: String(config.target_link_uri),
    name: String(body.client_name),
    domain: String(config.domain),
    scopes: typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : [],
    customParameters: isObject(config.custom_parameters)
      ? (config.custom_parameters as Record<string, string>)
      : {},
    shareName,
    shareEmail,
    messages: messages.length ? messages : [{ type: 'LtiResourceLinkRequest' }],
    source: 'dynamic',
  };
  if (dl) tool.deepLinkUrl = dl.targetLinkUri ?? String(config.target_link_uri);
  return { tool, claims };
}

/** Moodle 5.1's rules. */
export function moodleRules(body: unknown): RuleResult {
  const fail = (error: string): RuleResult => ({ ok: false, status: 400, error });
  if (!isObject(body)) return fail('invalid_registration_payload');
  for (const key of [
    'response_types',
    'initiate_login_uri',
    'redirect_uris',
    'client_name',
    'jwks_uri',
    'token_endpoint_auth_method',
  ]) {
    const v = body[key];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0))
      return fail(`missing_${key}`);
  }
  const config = body[TOOL_CONFIGURATION];
  if (!isObject(config)) return fail(`missing_${TOOL_CONFIGURATION}`);
  const domain = typeof config.domain === 'string' ? config.domain : '';
  if (!domain) return fail('missing_domain');
  const target =
    typeof config.target_link_uri === 'string' && config.target_link_uri
      ? config.target_link_uri
      : `https://${domain}`;
  if (domainOf(domain) !== domainOf(target)) return fail('domain_targetlinkuri_mismatch');
  if (!isStringArray(body.response_types) || !body.response_types.includes('id_token'))
    return fail('invalid_response_types');
  if (!isStringArray(body.redirect_uris)) return fail('invalid_redirect_uris');
  if (body.token_endpoint_auth_method !== 'private_key_jwt')
    return fail('invalid_token_endpoint_auth_method');
  if (body.application_type !== undefined && body.application_type !== 'web')
    return fail('invalid_application_type');
  const { tool, claims } = common(body, { ...config, target_link_uri: target }, 'moodle');
  return { ok: true, tool: { ...tool, status: 'pending' }, claims };
}

/** Canvas' rules. */
export function canvasRules(body: unknown): RuleResult {
  const fail = (error: string): RuleResult => ({ ok: false, status: 422, error });
  if (!isObject(body)) return fail('registration body must be a JSON object');
  if (body.application_type !== 'web') return fail('application_type must be "web"');
  if (
    !isStringArray(body.grant_types) ||
    !['client_credentials', 'implicit'].every((g) => (body.grant_types as string[]).includes(g))
  )
    return fail('grant_types must include client_credentials and implicit');
  if (!isStringArray(body.response_types) || !body.response_types.includes('id_token'))
    return fail('response_types must include id_token');
  if (body.token_endpoint_auth_method !== 'private_key_jwt')
    return fail('token_endpoint_auth_method must be private_key_jwt');
  for (const key of ['initiate_login_uri', 'client_name', 'jwks_uri']) {
    if (typeof body[key] !== 'string' || !body[key]) return fail(`${key} is required`);
  }
  if (!isStringArray(body.redirect_uris) || body.redirect_uris.length === 0)
    return fail('redirect_uris must be a non-empty array');
  const scopes = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : [];
  const unknown = scopes.find((s) => !ALL_SCOPES.includes(s) && !CANVAS_EXTRA_SCOPES.includes(s));
  if (unknown) return fail(`invalid scope: ${unknown}`);
  const config = body[TOOL_CONFIGURATION];
  if (!isObject(config)) return fail(`${TOOL_CONFIGURATION} is required`);
  if (typeof config.domain !== 'string' || !config.domain || config.domain.includes('://'))
    return fail('domain must be a host name without scheme');
  if (typeof config.target_link_uri !== 'string' || !config.target_link_uri)
    return fail('target_link_uri is required');
  if (!isStringArray(config.claims)) return fail('claims must be an array');
  if (!Array.isArray(config.messages)) return fail('messages must be an array');
  const supported: readonly string[] = MESSAGE_TYPES;
  for (const m of config.messages) {
    if (!isObject(m) || typeof m.type !== 'string' || !supported.includes(m.type))
      return fail('unsupported message type');
  }
  if (config.custom_parameters !== undefined) {
    if (
      !isObject(config.custom_parameters) ||
      !Object.values(config.custom_parameters).every((v) => typeof v === 'string')
    )
      return fail('custom_parameters values must be strings');
  }
  const { tool, claims } = common(body, config, 'canvas');
  const declared = config['https://canvas.instructure.com/lti/privacy_level'];
  tool.privacyLevel =
    typeof declared === 'string' ? declared : privacyFrom(tool.shareName ?? false, tool.shareEmail ?? false);
  tool.shareName = tool.privacyLevel === 'public' || tool.privacyLevel === 'name_only';
  tool.shareEmail = tool.privacyLevel === 'public' || tool.privacyLevel === 'email_only';
  return { ok: true, tool: { ...tool, status: 'active' }, claims };
}
