/** Push triggers (issue 10 §2): Canvas Live Events and Moodle logstore_xapi, checked and normalised. */
export * from './basic-auth.js';
export * from './canvas-ids.js';
export * from './canvas-live-events.js';
export * from './errors.js';
export * from './types.js';
export * from './xapi.js';
