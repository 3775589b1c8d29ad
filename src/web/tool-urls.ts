/**
 * The addresses an LMS administrator pastes into Moodle or Canvas, derived from PUBLIC_URL.
 */
import type { Config } from '../config/index.js';

export interface ToolUrls {
  login: string;
  launch: string;
  jwks: string;
  registration: string;
  deepLinking: string;
}

/** The tool's LTI addresses; the registration URL carries the invite when one is required. */
export function toolUrls(config: Config, registrationInvite: string): ToolUrls {
  const lti = `${config.publicUrl}/lti`;
  return {
    login: `${lti}/login`,
    launch: lti,
    jwks: `${lti}/keys`,
    registration: config.registration.requireInvite
      ? `${lti}/register/${registrationInvite}`
      : `${lti}/register`,
    deepLinking: lti,
  };
}
