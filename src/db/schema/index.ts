export * from './platforms.js';
export * from './lti.js';
