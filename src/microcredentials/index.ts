/**
 * The micro-credential definition and the award policy: pure, no I/O. Facts in, a standing
 * and its reasons out. Other modules import from here.
 */
export * from './definition.js';
export * from './definition-schema.js';
export * from './versioning.js';
export * from './expiry.js';
export * from './attempts.js';
export * from './facts.js';
export * from './reasons.js';
export * from './counting.js';
export * from './policy.js';
export { canonicalJson } from './canonical.js';
