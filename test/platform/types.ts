/**
 * The test platform's data model: fixtures (people, courses, enrolments), registered
 * tools, resource links and gradebook items. Plain records, kept in memory.
 */
import type { MESSAGE_TYPES } from './constants.js';

/** Which LMS the platform imitates. */
export type Family = 'moodle' | 'canvas';

/** A course role, independent of the LMS vocabulary (mapped per family in roles.ts). */
export type CourseRole = 'learner' | 'instructor' | 'content-developer' | 'ta';

/** Administrative standing outside courses: an account/institution admin or a site/system admin. */
export type AdminLevel = 'institution' | 'system';

/** An LTI message type. */
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** What a test gives to create a person. */
export interface UserSeed {
  /** Short handle used by tests (`ana`, `prof`…). */
  handle: string;
  givenName: string;
  familyName: string;
  email: string;
  /** LMS user name (Moodle `ext.user_username`, Canvas login id). */
  username?: string;
  /** SIS id: `lis.person_sourcedid` (Moodle idnumber; may be empty). */
  sourcedId?: string;
  /** The person's interface language as the LMS knows it: `fr`, `en`, `fr-CA`. */
  locale?: string;
  admin?: AdminLevel;
}

/** A person on the platform, with the ids each LMS exposes. */
export interface User extends Required<Omit<UserSeed, 'admin'>> {
  admin?: AdminLevel;
  /** LTI `sub`: Moodle user id (numeric string); Canvas `lti_id` (UUID). */
  sub: string;
  /** REST/web-service user id (Moodle: same as sub; Canvas: numeric id). */
  restId: string;
  /** Canvas `lti11_legacy_user_id` (40 hex); Moodle: equals sub. */
  legacyId: string;
  /** Canvas `lti1p1.user_id` (40 hex); unused on Moodle. */
  lti1p1Id: string;
}

/** What a test gives to create a course. */
export interface CourseSeed {
  handle: string;
  label: string;
  title: string;
  /** Moodle `course_section_sourcedid` / Canvas `course_offering_sourcedid`. */
  sourcedId?: string;
}

/** A course on the platform. */
export interface Course extends Required<CourseSeed> {
  /** LTI `context.id`: Moodle course id ("17"); Canvas 40-hex `lti_context_id`. */
  contextId: string;
  /** REST course id (Moodle: same; Canvas: numeric id used in service URLs). */
  restId: string;
}

/** A person's membership of a course. */
export interface Enrolment {
  userHandle: string;
  courseHandle: string;
  role: CourseRole;
  /** Suspended enrolments are left out of NRPS (both LMSs list active ones only). */
  status: 'active' | 'suspended';
}

/** One message a registered tool accepts (dynamic registration `messages[]`). */
export interface ToolMessage {
  type: string;
  targetLinkUri?: string;
  label?: string;
  /** Canvas placements; Canvas records `['link_selection']` when the tool sent none. */
  placements?: string[];
  customParameters?: Record<string, string>;
}

/** A tool registered on the platform (a Moodle tool type, a Canvas developer key + install). */
export interface RegisteredTool {
  clientId: string;
  /** Moodle `lti_types.id` (used in `?type_id=` and as deployment id); Canvas: the install id. */
  typeId: number;
  deploymentIds: string[];
  name: string;
  loginUrl: string;
  redirectUris: string[];
  jwksUrl: string;
  targetLinkUri: string;
  deepLinkUrl?: string;
  /** Domain the tool declared (`host[:port]`), if any. */
  domain?: string;
  /** Scopes the platform grants this tool (after the LMS's own mapping). */
  scopes: string[];
  customParameters: Record<string, string>;
  /** Whether launches carry name fields and e-mail. */
  shareName: boolean;
  shareEmail: boolean;
  /** Canvas privacy level derived from `claims` or given (`anonymous|name_only|email_only|public`). */
  privacyLevel: string;
  messages: ToolMessage[];
  /** Moodle: pending until an admin activates it. Canvas: active (admin confirms in its own UI). */
  status: 'pending' | 'active';
  source: 'manual' | 'dynamic';
  /** The raw dynamic-registration request body, for assertions. */
  registrationRequest?: unknown;
  /** What the platform answered the tool at dynamic registration. */
  registrationResponse?: unknown;
}

/** A placement of the tool in a course (Moodle `lti` instance / Canvas resource link). */
export interface ResourceLink {
  id: string;
  courseHandle: string;
  clientId: string;
  title: string;
  description: string;
  /** Target of the launch; defaults to the tool's target link URI. */
  url?: string;
  custom: Record<string, string>;
  /** Line item coupled to the link (Moodle "Accept grades", Canvas assignment). */
  lineItemId?: string;
}

/** A stored grade for one learner on one line item. */
export interface StoredGrade {
  userSub: string;
  /** Score as given, normalised to the item's maximum when read. */
  scoreGiven: number | null;
  scoreMaximum: number | null;
  comment?: string;
  activityProgress: string;
  gradingProgress: string;
  /** Epoch ms of the score's own timestamp. */
  timestamp: number;
}

/** A gradebook column. `clientId` null = native (quiz, assignment): never visible through AGS. */
export interface LineItem {
  id: string;
  courseHandle: string;
  clientId: string | null;
  /** For native items, what they are (`quiz`, `assign`, `manual`…). */
  nativeModule?: string;
  label: string;
  scoreMaximum: number;
  resourceId: string;
  tag: string;
  resourceLinkId: string;
  startDateTime?: string;
  endDateTime?: string;
  grades: Map<string, StoredGrade>;
}
