/**
 * The LTI 1.3 test platform: start a Moodle- or Canvas-like platform, drive launches with
 * a test browser. See README.md.
 */
export { startPlatform, Platform } from './platform.js';
export type {
  StartPlatformOptions,
  LaunchOptions,
  PreparedLaunch,
  ResourceLinkOptions,
  DynamicRegistrationResult,
} from './platform.js';
export { Browser } from './browser.js';
export type { BrowserStep, Navigation, LaunchResult, BrowserOptions } from './browser.js';
export {
  CLAIM,
  SCOPE,
  MEDIA,
  ROLE,
  TOOL_CONFIGURATION,
  JWT_BEARER,
  AGS_SCOPES,
  ALL_SCOPES,
} from './constants.js';
export type { SigningMode } from './keys.js';
export type { AddToolInput } from './registry.js';
export { OTHER_TOOL_CLIENT_ID } from './gradebook.js';
export { parseForm, autoSubmitForm } from './html.js';
export { membership } from './claims.js';
export type * from './types.js';
export type { IssuedIdToken, DeepLinkRecord, ReceivedContentItem, TokenRequestRecord } from './state.js';
