/**
 * The badge core's public API in one import: build, sign, verify, revoke and bake Open Badges 3.0
 * credentials, fully offline. See README.md in this folder for the layout and the decisions.
 */
export * from './bake.js';
export * from './checks.js';
export * from './contexts/index.js';
export * from './credential.js';
export * from './did-web.js';
export * from './document-loader.js';
export * from './identity.js';
export * from './ids.js';
export * from './keys.js';
export * from './schema.js';
export * from './signing.js';
export * from './status-list.js';
export * from './types.js';
