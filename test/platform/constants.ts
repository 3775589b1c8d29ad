/**
 * LTI 1.3 / Advantage vocabulary the test platform speaks: claim names, scopes, media
 * types and role URIs, spelled once so that every module agrees with the specs.
 */

/** Prefix of the core LTI claims. */
export const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';

/** Full claim names used in id_tokens and deep-linking messages. */
export const CLAIM = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  roles: `${LTI}roles`,
  context: `${LTI}context`,
  toolPlatform: `${LTI}tool_platform`,
  launchPresentation: `${LTI}launch_presentation`,
  custom: `${LTI}custom`,
  lis: `${LTI}lis`,
  ext: `${LTI}ext`,
  lti11LegacyUserId: `${LTI}lti11_legacy_user_id`,
  lti1p1: `${LTI}lti1p1`,
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  basicOutcome: 'https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome',
  dlSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  dlContentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  dlData: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  dlMsg: 'https://purl.imsglobal.org/spec/lti-dl/claim/msg',
  dlLog: 'https://purl.imsglobal.org/spec/lti-dl/claim/log',
  dlErrorMsg: 'https://purl.imsglobal.org/spec/lti-dl/claim/errormsg',
  dlErrorLog: 'https://purl.imsglobal.org/spec/lti-dl/claim/errorlog',
  canvasPlacement: 'https://www.instructure.com/placement',
} as const;

/** The tool-configuration member of a dynamic-registration body. */
export const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
/** The platform-configuration member of an OpenID configuration. */
export const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';

/** OAuth scopes of LTI Advantage services. */
export const SCOPE = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadOnly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadOnly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
} as const;

/** Every AGS scope. */
export const AGS_SCOPES: readonly string[] = [
  SCOPE.lineItem,
  SCOPE.lineItemReadOnly,
  SCOPE.resultReadOnly,
  SCOPE.score,
];
/** Every service scope the platform knows (tools are granted a subset). */
export const ALL_SCOPES: readonly string[] = [...AGS_SCOPES, SCOPE.nrps];

/** Media types of the services; both LMSs check them. */
export const MEDIA = {
  lineItemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  lineItem: 'application/vnd.ims.lis.v2.lineitem+json',
  score: 'application/vnd.ims.lis.v1.score+json',
  resultContainer: 'application/vnd.ims.lis.v2.resultcontainer+json',
  membershipContainer: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
  membershipContainerV1: 'application/vnd.ims.lis.v2.membershipcontainer+json',
} as const;

/** LIS v2 role vocabularies. */
export const ROLE = {
  membership: 'http://purl.imsglobal.org/vocab/lis/v2/membership#',
  instructorSub: 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#',
  institution: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#',
  system: 'http://purl.imsglobal.org/vocab/lis/v2/system/person#',
  person: 'http://purl.imsglobal.org/vocab/lis/v2/person#',
} as const;

/** The LTI message types the platform sends. */
export const MESSAGE_TYPES = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'] as const;

/** OAuth client-assertion type for `private_key_jwt`. */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
