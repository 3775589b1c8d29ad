/**
 * The shared state of one running platform, handed to each router. Also the records the
 * platform keeps for assertions (issued id_tokens, token requests, deep-linking responses).
 */
import type { AccessTokens } from './access-tokens.js';
import type { DeepLinkingSettings } from './claims.js';
import type { Directory } from './fixtures.js';
import type { Gradebook } from './gradebook.js';
import type { PlatformKeys, SigningMode } from './keys.js';
import type { Urls } from './paths.js';
import type { ToolRegistry } from './registry.js';
import type { ClaimOverrides } from './claims.js';
import type { Family, MessageType, ResourceLink } from './types.js';

/** A launch prepared by a test, waiting for the browser to go through it. */
export interface PendingLaunch {
  key: string;
  userHandle: string;
  courseHandle: string;
  clientId: string;
  deploymentId: string;
  link?: ResourceLink;
  messageType: MessageType;
  targetLinkUri: string;
  locale: string;
  loginHint: string;
  messageHint: string;
  loginMethod: 'POST' | 'GET';
  /** Extra or replaced login-initiation parameters (`undefined` removes one). */
  loginParams?: Record<string, string | undefined>;
  claims?: ClaimOverrides;
  signing: SigningMode;
  deepLinking?: Partial<DeepLinkingSettings>;
  placement?: string;
  /** Set once the auth endpoint used it: message hints are single use. */
  consumed: boolean;
}

/** An id_token the auth endpoint produced, as posted to the tool. */
export interface IssuedIdToken {
  launchKey: string;
  idToken: string;
  state?: string;
  redirectUri: string;
  claims: Record<string, unknown>;
  signing: SigningMode;
}

/** One call to the token endpoint. */
export interface TokenRequestRecord {
  clientId?: string;
  requestedScopes: string[];
  grantedScopes: string[];
  status: number;
  error?: string;
  description?: string;
}

/** A deep-linking request waiting for the tool's answer. */
export interface PendingDeepLink {
  key: string;
  clientId: string;
  deploymentId: string;
  courseHandle: string;
  settings: DeepLinkingSettings;
  used: boolean;
}

/** One content item the platform received, normalised for assertions. */
export interface ReceivedContentItem {
  type: string;
  title?: string;
  text?: string;
  url?: string;
  custom?: Record<string, string>;
  lineItem?: { scoreMaximum?: number; label?: string; resourceId?: string; tag?: string };
  raw: Record<string, unknown>;
}

/** A verified deep-linking response. */
export interface DeepLinkRecord {
  key: string;
  clientId: string;
  deploymentId: string;
  courseHandle: string;
  items: ReceivedContentItem[];
  msg?: string;
  log?: string;
  errorMsg?: string;
  errorLog?: string;
  /** Resource links the platform created from `ltiResourceLink` items. */
  createdLinks: ResourceLink[];
  payload: Record<string, unknown>;
}

/** A rejected deep-linking response. */
export interface DeepLinkRejection {
  key: string;
  status: number;
  reason: string;
}

/** Everything the routers share. */
export interface PlatformState {
  family: Family;
  issuer: string;
  name: string;
  urls: Urls;
  keys: PlatformKeys;
  directory: Directory;
  registry: ToolRegistry;
  gradebook: Gradebook;
  tokens: AccessTokens;
  launches: Map<string, PendingLaunch>;
  /** Platform browser sessions: session id → user handle. */
  sessions: Map<string, string>;
  deepLinks: Map<string, PendingDeepLink>;
  usedAssertionJtis: Set<string>;
  registrationTokens: Map<string, { clientId: string; used: boolean }>;
  records: {
    idTokens: IssuedIdToken[];
    tokenRequests: TokenRequestRecord[];
    deepLinkResponses: DeepLinkRecord[];
    deepLinkRejections: DeepLinkRejection[];
    /** Every HTTP request the platform received (method and path), to count a tool's calls. */
    httpRequests: { method: string; path: string }[];
  };
}

/** Name of the platform's own session cookie (Moodle's and Canvas' real names). */
export function sessionCookieName(family: Family): string {
  return family === 'moodle' ? 'MoodleSession' : '_normandy_session';
}
