/**
 * Where each LMS serves what. Moodle keeps everything under `/mod/lti/` (services carry
 * `?type_id=N`); Canvas spreads it over `/api/lti/…` and `/login/oauth2/token`.
 */
import type { Family } from './types.js';

/** Absolute URLs of the platform's fixed endpoints. */
export interface PlatformEndpoints {
  openidConfiguration: string;
  jwks: string;
  auth: string;
  token: string;
  registration: string;
}

const FIXED: Record<Family, PlatformEndpoints> = {
  moodle: {
    openidConfiguration: '/mod/lti/openid-configuration.php',
    jwks: '/mod/lti/certs.php',
    auth: '/mod/lti/auth.php',
    token: '/mod/lti/token.php',
    registration: '/mod/lti/openid-registration.php',
  },
  canvas: {
    openidConfiguration: '/api/lti/security/openid-configuration',
    jwks: '/api/lti/security/jwks',
    auth: '/api/lti/authorize_redirect',
    token: '/login/oauth2/token',
    registration: '/api/lti/registrations',
  },
};

/** Route paths (relative) of the fixed endpoints for a family. */
export function fixedPaths(family: Family): PlatformEndpoints {
  return FIXED[family];
}

/** URL builders bound to one running platform. */
export class Urls {
  constructor(
    readonly family: Family,
    readonly base: string,
  ) {}

  /** The fixed endpoints as absolute URLs. */
  endpoints(): PlatformEndpoints {
    const p = FIXED[this.family];
    return {
      openidConfiguration: this.base + p.openidConfiguration,
      jwks: this.base + p.jwks,
      auth: this.base + p.auth,
      token: this.base + p.token,
      registration: this.base + p.registration,
    };
  }

  /** The page a browser opens to start a launch (it renders the login-initiation form). */
  launchPage(courseRestId: string, linkId: string, launchKey: string): string {
    return this.family === 'moodle'
      ? `${this.base}/mod/lti/launch.php?id=${encodeURIComponent(linkId)}&launch=${launchKey}`
      : `${this.base}/courses/${courseRestId}/external_tools/retrieve?launch=${launchKey}`;
  }

  /** AGS line-item container of a course, as the tool sees it. */
  lineItems(courseRestId: string, typeId: number): string {
    return this.family === 'moodle'
      ? `${this.base}/mod/lti/services.php/${courseRestId}/lineitems?type_id=${typeId}`
      : `${this.base}/api/lti/courses/${courseRestId}/line_items`;
  }

  /** One line item (Moodle's URL ends in `/lineitem?type_id=N`). */
  lineItem(courseRestId: string, itemId: string, typeId: number): string {
    return this.family === 'moodle'
      ? `${this.base}/mod/lti/services.php/${courseRestId}/lineitems/${itemId}/lineitem?type_id=${typeId}`
      : `${this.base}/api/lti/courses/${courseRestId}/line_items/${itemId}`;
  }

  /** A sub-resource of a line item (`scores`, `results`), query kept after the path. */
  lineItemSub(courseRestId: string, itemId: string, typeId: number, sub: 'scores' | 'results'): string {
    const item = this.lineItem(courseRestId, itemId, typeId);
    const [path, query] = item.split('?');
    return `${path}/${sub}${query ? `?${query}` : ''}`;
  }

  /** NRPS context memberships URL. */
  memberships(courseRestId: string, typeId: number): string {
    return this.family === 'moodle'
      ? `${this.base}/mod/lti/services.php/CourseSection/${courseRestId}/bindings/${typeId}/memberships`
      : `${this.base}/api/lti/courses/${courseRestId}/names_and_roles`;
  }

  /** Where the tool posts its deep-linking response. */
  deepLinkReturn(courseRestId: string, typeId: number, key: string): string {
    return this.family === 'moodle'
      ? `${this.base}/mod/lti/contentitem_return.php?course=${courseRestId}&id=${typeId}&sesskey=${key}`
      : `${this.base}/courses/${courseRestId}/deep_linking_response?modal=true&dl=${key}`;
  }

  /** `launch_presentation.return_url`. */
  returnUrl(courseRestId: string, linkId: string): string {
    return this.family === 'moodle'
      ? `${this.base}/mod/lti/return.php?course=${courseRestId}&launch_container=3&instanceid=${encodeURIComponent(linkId)}&sesskey=s`
      : `${this.base}/courses/${courseRestId}/external_content/success/external_tool_redirect`;
  }
}
