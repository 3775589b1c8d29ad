/**
 * The id_token claims of a launch, shaped as Moodle 5.1 (`lti_build_request`,
 * `lti_sign_jwt`) and Canvas (`Lti::Messages::JwtMessage`) shape them: see
 * lms-channels.md §7.1 and §7.2. Overrides for negative tests are applied last.
 */
import { createHash } from 'node:crypto';
import { AGS_SCOPES, CLAIM, ROLE, SCOPE } from './constants.js';
import type { Urls } from './paths.js';
import { launchRoles } from './roles.js';
import type { Course, CourseRole, Family, MessageType, RegisteredTool, ResourceLink, User } from './types.js';

/** Deep Linking settings sent in an `LtiDeepLinkingRequest`. */
export interface DeepLinkingSettings {
  returnUrl: string;
  acceptTypes: string[];
  acceptPresentationDocumentTargets: string[];
  acceptMultiple: boolean;
  autoCreate: boolean;
  data?: string;
  title?: string;
  text?: string;
}

/** Everything a launch's claims depend on. */
export interface LaunchContext {
  family: Family;
  issuer: string;
  platformName: string;
  urls: Urls;
  tool: RegisteredTool;
  deploymentId: string;
  user: User;
  course: Course;
  /** Course role; undefined for an admin who is not enrolled. */
  role?: CourseRole;
  link?: ResourceLink;
  messageType: MessageType;
  /** Locale as the LMS reports it (Moodle language code, Canvas locale). */
  locale: string;
  targetLinkUri: string;
  nonce: string;
  /** Epoch seconds. */
  now: number;
  deepLinking?: DeepLinkingSettings;
  /** Canvas placement claim. */
  placement?: string;
}

/**
 * Claim overrides: a key set to `undefined` is removed, any other value replaces the
 * claim (whole claim, not merged). `transform` runs after, for nested edits.
 */
export interface ClaimOverrides {
  set?: Record<string, unknown>;
  transform?: (claims: Record<string, unknown>) => Record<string, unknown>;
}

/** Moodle's language code for a locale: `fr-CA` → `fr_ca` (what `current_language()` returns). */
export function moodleLanguage(locale: string): string {
  return locale.toLowerCase().replace(/-/g, '_');
}

/** Expands the substitution variables both LMSs support in custom parameters. */
export function substitute(value: string, ctx: LaunchContext): string {
  const { user, course, link, family } = ctx;
  const vars: Record<string, string> = {
    '$User.id': user.restId,
    '$User.username': user.username,
    '$Person.sourcedId': user.sourcedId,
    '$Person.name.given': user.givenName,
    '$Person.name.family': user.familyName,
    '$Person.name.full': `${user.givenName} ${user.familyName}`,
    '$Person.email.primary': user.email,
    '$Context.id': course.contextId,
    '$CourseSection.sourcedId': course.sourcedId,
    '$ResourceLink.id': link?.id ?? '',
  };
  if (family === 'canvas') {
    vars['$Canvas.user.id'] = user.restId;
    vars['$Canvas.course.id'] = course.restId;
    vars['$Canvas.user.loginId'] = user.username;
  }
  return vars[value] ?? value;
}

function customClaim(ctx: LaunchContext): Record<string, string> {
  const message = ctx.tool.messages.find((m) => m.type === ctx.messageType);
  const raw = {
    ...ctx.tool.customParameters,
    ...(message?.customParameters ?? {}),
    ...(ctx.link?.custom ?? {}),
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) out[k] = substitute(v, ctx);
  if (ctx.family === 'moodle' && ctx.tool.scopes.includes(SCOPE.nrps)) {
    // Moodle copies the NRPS URL into the custom claim too.
    out.context_memberships_url = ctx.urls.memberships(ctx.course.restId, ctx.tool.typeId);
  }
  return out;
}

function agsClaim(ctx: LaunchContext): Record<string, unknown> | undefined {
  const scope = ctx.tool.scopes.filter((s) => AGS_SCOPES.includes(s));
  if (scope.length === 0) return undefined;
  const claim: Record<string, unknown> = {
    scope,
    lineitems: ctx.urls.lineItems(ctx.course.restId, ctx.tool.typeId),
  };
  // `lineitem` only when the link accepts grades (Moodle checkbox, Canvas assignment).
  if (ctx.messageType === 'LtiResourceLinkRequest' && ctx.link?.lineItemId) {
    claim.lineitem = ctx.urls.lineItem(ctx.course.restId, ctx.link.lineItemId, ctx.tool.typeId);
  }
  return claim;
}

function dlClaim(ctx: LaunchContext): Record<string, unknown> {
  const s = ctx.deepLinking!;
  const claim: Record<string, unknown> = {
    deep_link_return_url: s.returnUrl,
    accept_types: s.acceptTypes,
    accept_presentation_document_targets: s.acceptPresentationDocumentTargets,
    accept_multiple: s.acceptMultiple,
    auto_create: s.autoCreate,
  };
  if (ctx.family === 'moodle')
    Object.assign(claim, { accept_copy_advice: false, accept_unsigned: false, can_confirm: false });
  else claim.accept_media_types = 'application/vnd.ims.lti.v1.ltilink';
  if (s.title !== undefined) claim.title = s.title;
  if (s.text !== undefined) claim.text = s.text;
  if (s.data !== undefined) claim.data = s.data;
  return claim;
}

function moodleClaims(ctx: LaunchContext): Record<string, unknown> {
  const { tool, user, course, link } = ctx;
  const claims: Record<string, unknown> = {
    nonce: ctx.nonce,
    iat: ctx.now,
    exp: ctx.now + 60,
    iss: ctx.issuer,
    aud: tool.clientId,
    [CLAIM.deploymentId]: ctx.deploymentId,
    [CLAIM.targetLinkUri]: ctx.targetLinkUri,
    sub: user.sub,
    [CLAIM.lis]: { person_sourcedid: user.sourcedId, course_section_sourcedid: course.sourcedId },
    [CLAIM.roles]: launchRoles('moodle', ctx.role, user.admin),
    [CLAIM.context]: {
      id: course.contextId,
      label: course.label,
      title: course.title,
      type: ['CourseSection'],
    },
    [CLAIM.messageType]: ctx.messageType,
    [CLAIM.version]: '1.3.0',
  };
  if (ctx.messageType === 'LtiResourceLinkRequest' && link) {
    claims[CLAIM.resourceLink] = { id: link.id, title: link.title, description: link.description };
  }
  if (tool.shareName) {
    Object.assign(claims, {
      given_name: user.givenName,
      family_name: user.familyName,
      name: `${user.givenName} ${user.familyName}`,
    });
  }
  if (tool.shareEmail) claims.email = user.email;
  claims[CLAIM.ext] = { user_username: user.username, lms: 'moodle-2' };
  claims[CLAIM.launchPresentation] = {
    locale: ctx.locale,
    document_target: 'iframe',
    return_url: ctx.urls.returnUrl(course.restId, link?.id ?? '0'),
  };
  const host = new URL(ctx.issuer).host;
  claims[CLAIM.toolPlatform] = {
    product_family_code: 'moodle',
    version: '2025100600.13',
    // Tools created by dynamic registration see an md5 of the site identifier instead of the host.
    guid: tool.source === 'dynamic' ? createHash('md5').update(`site:${host}`).digest('hex') : host,
    name: ctx.platformName,
    description: `${ctx.platformName} (Moodle)`,
  };
  const custom = customClaim(ctx);
  if (Object.keys(custom).length > 0) claims[CLAIM.custom] = custom;
  const ags = agsClaim(ctx);
  if (ags) claims[CLAIM.ags] = ags;
  if (ags?.lineitem && link) {
    claims[CLAIM.basicOutcome] = {
      lis_result_sourcedid: JSON.stringify({
        data: {
          instanceid: link.id,
          userid: user.sub,
          typeid: String(tool.typeId),
          launchid: ctx.nonce.slice(0, 10),
        },
        hash: createHash('sha256').update(`${link.id}:${user.sub}`).digest('hex'),
      }),
      lis_outcome_service_url: `${new URL(ctx.urls.base).origin}/mod/lti/service.php`,
    };
  }
  if (tool.scopes.includes(SCOPE.nrps)) {
    claims[CLAIM.nrps] = {
      context_memberships_url: ctx.urls.memberships(course.restId, tool.typeId),
      service_versions: ['1.0', '2.0'],
    };
  }
  if (ctx.messageType === 'LtiDeepLinkingRequest') claims[CLAIM.dlSettings] = dlClaim(ctx);
  return claims;
}

function canvasClaims(ctx: LaunchContext): Record<string, unknown> {
  const { tool, user, course, link } = ctx;
  const includeName = tool.privacyLevel === 'public' || tool.privacyLevel === 'name_only';
  const includeEmail = tool.privacyLevel === 'public' || tool.privacyLevel === 'email_only';
  const claims: Record<string, unknown> = {
    iss: ctx.issuer,
    aud: tool.clientId,
    azp: tool.clientId,
    [CLAIM.deploymentId]: ctx.deploymentId,
    exp: ctx.now + 3600,
    iat: ctx.now,
    nonce: ctx.nonce,
    sub: user.sub,
    [CLAIM.lti11LegacyUserId]: user.legacyId,
    [CLAIM.lti1p1]: { user_id: user.lti1p1Id },
    [CLAIM.messageType]: ctx.messageType,
    [CLAIM.version]: '1.3.0',
    [CLAIM.targetLinkUri]: ctx.targetLinkUri,
    [CLAIM.context]: {
      id: course.contextId,
      label: course.label,
      title: course.title,
      type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'],
    },
    [CLAIM.roles]: launchRoles('canvas', ctx.role, user.admin),
  };
  if (ctx.messageType === 'LtiResourceLinkRequest' && link) {
    claims[CLAIM.resourceLink] = { id: link.id, title: link.title, description: link.description || null };
  }
  if (includeName) {
    Object.assign(claims, {
      name: `${user.givenName} ${user.familyName}`,
      given_name: user.givenName,
      family_name: user.familyName,
    });
  }
  if (includeEmail) claims.email = user.email;
  claims[CLAIM.lis] = {
    ...(includeName ? { person_sourcedid: user.sourcedId } : {}),
    course_offering_sourcedid: course.sourcedId,
  };
  claims[CLAIM.toolPlatform] = {
    guid: `${createHash('sha1').update('root-account').digest('hex').slice(0, 40)}:canvas-lms`,
    name: ctx.platformName,
    version: 'cloud',
    product_family_code: 'canvas',
  };
  claims[CLAIM.launchPresentation] = {
    document_target: 'iframe',
    return_url: ctx.urls.returnUrl(course.restId, link?.id ?? ''),
    locale: ctx.locale,
    height: 400,
    width: 800,
  };
  claims.locale = ctx.locale;
  const custom = customClaim(ctx);
  if (Object.keys(custom).length > 0) claims[CLAIM.custom] = custom;
  const ags = agsClaim(ctx);
  if (ags) claims[CLAIM.ags] = ags;
  if (tool.scopes.includes(SCOPE.nrps)) {
    claims[CLAIM.nrps] = {
      context_memberships_url: ctx.urls.memberships(course.restId, tool.typeId),
      service_versions: ['2.0'],
    };
  }
  if (ctx.messageType === 'LtiDeepLinkingRequest') claims[CLAIM.dlSettings] = dlClaim(ctx);
  if (ctx.placement) claims[CLAIM.canvasPlacement] = ctx.placement;
  claims.errors = { errors: {} };
  return claims;
}

/** The claims of a launch for the platform's family. */
export function buildClaims(ctx: LaunchContext): Record<string, unknown> {
  return ctx.family === 'moodle' ? moodleClaims(ctx) : canvasClaims(ctx);
}

/** Applies negative-test overrides to built claims. */
export function applyOverrides(
  claims: Record<string, unknown>,
  overrides: ClaimOverrides | undefined,
): Record<string, unknown> {
  if (!overrides) return claims;
  let out = { ...claims };
  for (const [key, value] of Object.entries(overrides.set ?? {})) {
    if (value === undefined) delete out[key];
    else out[key] = value;
  }
  if (overrides.transform) out = overrides.transform(structuredClone(out));
  return out;
}

/** Short role URI helper for tests: `membership('Learner')`. */
export function membership(role: string): string {
  return `${ROLE.membership}${role}`;
}
