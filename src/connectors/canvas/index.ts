/**
 * The Canvas connector's public face: OAuth helpers for the authorisation routes, the
 * connector itself, and the scopes an admin must allow on the developer key.
 */
export {
  CanvasConnector,
  createCanvasConnector,
  courseSegment,
  type CanvasConnectorConfig,
  type CanvasLearnerRef,
  type CanvasResults,
} from './connector.js';
export {
  authorizeUrl,
  createOAuthState,
  exchangeCode,
  readCallback,
  refreshTokens,
  revokeToken,
  type CanvasOAuthClient,
  type CanvasTokenGrant,
  type CanvasTokens,
} from './oauth.js';
export type { CanvasTokenProvider } from './tokens.js';
export { CANVAS_ENDPOINTS, CANVAS_REQUIRED_SCOPES, scopeOf } from './scopes.js';
export { DEFAULT_RETRY, type RetryPolicy } from './client.js';
