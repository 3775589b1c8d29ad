export * from './platforms.js';
export * from './lti.js';
export * from './connectors.js';
export * from './microcredentials.js';
export * from './awards.js';
export * from './jobs.js';
export * from './attempts.js';
