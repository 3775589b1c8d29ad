/**
 * What a launch tells the rest of Jalon, in Jalon's words. Built by the LTI adapter from
 * ltijs's session; nothing outside `lti/` sees ltijs's token shape.
 */
import type { Lang } from '../i18n/index.js';
import type { Audience } from './roles.js';

export interface LaunchContext {
  /** Jalon's platform id (registry). */
  platformId: string;
  issuer: string;
  clientId: string;
  deploymentId: string;
  productFamily: string;
  /** The LMS user id (`sub`). */
  userId: string;
  name?: string;
  email?: string;
  roles: string[];
  audience: Audience | undefined;
  isAdministrator: boolean;
  isInstructor: boolean;
  course?: { id: string; label?: string; title?: string };
  resourceLink?: { id: string; title?: string };
  custom: Record<string, string>;
  lis?: Record<string, unknown>;
  lang: Lang;
  messageType: string;
  returnUrl?: string;
  /** The course's Names and Role Provisioning service, when the launch offers it. */
  nrps?: { membershipsUrl: string; serviceVersions: string[] };
  /** The session credential to carry in links and forms (never logged). */
  ltik: string;
}
