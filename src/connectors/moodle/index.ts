/**
 * The Moodle connector (web services, REST, token). See `connector.ts`; the lists an
 * administrator needs are in `requirements.ts`.
 */
export { MoodleConnector, createMoodleConnector } from './connector.js';
export type { AttemptsRead, MoodleCompletion } from './connector.js';
export type { ConnectionTestOptions } from './connection-test.js';
export { MoodleClient, encodeWsParams, normaliseSiteUrl, REST_PATH, DEFAULT_TIMEOUT_MS } from './client.js';
export type { MoodleClientOptions, WsValue } from './client.js';
export { MoodleWsError, explainTokenEndpointFailure, isMoodleException } from './errors.js';
export type { MoodleException } from './errors.js';
export {
  MOODLE_REQUIRED_FUNCTIONS,
  MOODLE_REQUIRED_CAPABILITIES,
  MOODLE_LEGACY_ATTEMPTS_FUNCTION,
  CAPABILITY_FOR_FUNCTION,
} from './requirements.js';
export type { MoodleFunction, MoodleCapability } from './requirements.js';
export { MOODLE_SOURCE, quizAttemptRecords, assignAttemptRecords } from './attempts.js';
