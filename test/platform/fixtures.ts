/**
 * People, courses and enrolments of the test platform, with ids shaped like each LMS's
 * (Moodle: numeric user and course ids; Canvas: UUID `sub`, numeric REST ids, 40-hex
 * context ids). `seedDefaults` loads a small bilingual class used across the test suite.
 */
import { hex40, Sequence, uuid } from './ids.js';
import type { Course, CourseRole, CourseSeed, Enrolment, Family, User, UserSeed } from './types.js';

/** The in-memory directory: who exists, which courses, who is enrolled where. */
export class Directory {
  private readonly users = new Map<string, User>();
  private readonly courses = new Map<string, Course>();
  private readonly enrolments: Enrolment[] = [];
  private readonly userIds: Sequence;
  private readonly courseIds: Sequence;

  constructor(readonly family: Family) {
    this.userIds = new Sequence(family === 'moodle' ? 40 : 48);
    this.courseIds = new Sequence(family === 'moodle' ? 17 : 565);
  }

  /** Creates a person; the handle must be new. */
  addUser(seed: UserSeed): User {
    if (this.users.has(seed.handle)) throw new Error(`user ${seed.handle} exists`);
    const restId = String(this.userIds.take());
    const canvas = this.family === 'canvas';
    const user: User = {
      handle: seed.handle,
      givenName: seed.givenName,
      familyName: seed.familyName,
      email: seed.email,
      username: seed.username ?? seed.handle,
      sourcedId: seed.sourcedId ?? '',
      locale: seed.locale ?? 'en',
      ...(seed.admin ? { admin: seed.admin } : {}),
      sub: canvas ? uuid() : restId,
      restId,
      legacyId: canvas ? hex40(`legacy:${seed.handle}:${restId}`) : restId,
      lti1p1Id: canvas ? hex40(`lti11:${seed.handle}:${restId}`) : restId,
    };
    this.users.set(user.handle, user);
    return user;
  }

  /** Creates a course; the handle must be new. */
  addCourse(seed: CourseSeed): Course {
    if (this.courses.has(seed.handle)) throw new Error(`course ${seed.handle} exists`);
    const restId = String(this.courseIds.take());
    const course: Course = {
      handle: seed.handle,
      label: seed.label,
      title: seed.title,
      sourcedId: seed.sourcedId ?? seed.label,
      restId,
      contextId: this.family === 'canvas' ? hex40(`context:${seed.handle}:${restId}`) : restId,
    };
    this.courses.set(course.handle, course);
    return course;
  }

  /** Enrols (or re-enrols with another role/status) a person in a course. */
  enrol(
    userHandle: string,
    courseHandle: string,
    role: CourseRole,
    status: Enrolment['status'] = 'active',
  ): void {
    this.user(userHandle);
    this.course(courseHandle);
    const existing = this.enrolment(userHandle, courseHandle);
    if (existing) {
      existing.role = role;
      existing.status = status;
    } else this.enrolments.push({ userHandle, courseHandle, role, status });
  }

  /** The person with this handle (throws if unknown: a test typo should fail loudly). */
  user(handle: string): User {
    const user = this.users.get(handle);
    if (!user) throw new Error(`unknown user ${handle}`);
    return user;
  }

  /** The course with this handle (throws if unknown). */
  course(handle: string): Course {
    const course = this.courses.get(handle);
    if (!course) throw new Error(`unknown course ${handle}`);
    return course;
  }

  /** Every person. */
  allUsers(): User[] {
    return [...this.users.values()];
  }

  /** Every course. */
  allCourses(): Course[] {
    return [...this.courses.values()];
  }

  /** A person's enrolment in a course, if any (any status). */
  enrolment(userHandle: string, courseHandle: string): Enrolment | undefined {
    return this.enrolments.find((e) => e.userHandle === userHandle && e.courseHandle === courseHandle);
  }

  /** Active members of a course, in enrolment order. */
  activeMembers(courseHandle: string): { user: User; enrolment: Enrolment }[] {
    return this.enrolments
      .filter((e) => e.courseHandle === courseHandle && e.status === 'active')
      .map((e) => ({ user: this.user(e.userHandle), enrolment: e }));
  }

  /** The person whose LTI `sub` (or, on Canvas, REST id) this is. */
  findUser(id: string): User | undefined {
    return [...this.users.values()].find((u) => u.sub === id || u.restId === id);
  }

  /** The course whose REST id this is. */
  findCourseByRestId(restId: string): Course | undefined {
    return [...this.courses.values()].find((c) => c.restId === restId);
  }
}

/** Default people: three learners in three locales, teaching staff, two kinds of admin. */
export const DEFAULT_USERS: readonly UserSeed[] = [
  {
    handle: 'ana',
    givenName: 'Ana',
    familyName: 'Martin',
    email: 'ana.martin@example.edu',
    username: 'amartin',
    sourcedId: 'S12345',
    locale: 'fr',
  },
  {
    handle: 'ben',
    givenName: 'Ben',
    familyName: 'Tremblay',
    email: 'ben.tremblay@example.edu',
    username: 'btremblay',
    sourcedId: 'S12346',
    locale: 'en',
  },
  {
    handle: 'chloe',
    givenName: 'Chloé',
    familyName: 'Gagnon',
    email: 'chloe.gagnon@example.edu',
    username: 'cgagnon',
    sourcedId: 'S12347',
    locale: 'fr-CA',
  },
  {
    handle: 'dana',
    givenName: 'Dana',
    familyName: 'Roy',
    email: 'dana.roy@example.edu',
    username: 'droy',
    sourcedId: '',
    locale: 'en',
  },
  {
    handle: 'eve',
    givenName: 'Ève',
    familyName: 'Lapointe',
    email: 'eve.lapointe@example.edu',
    username: 'elapointe',
    sourcedId: 'S12349',
    locale: 'fr',
  },
  {
    handle: 'prof',
    givenName: 'Marie',
    familyName: 'Dubois',
    email: 'marie.dubois@example.edu',
    username: 'mdubois',
    sourcedId: 'E900',
    locale: 'fr',
  },
  {
    handle: 'designer',
    givenName: 'Luc',
    familyName: 'Bergeron',
    email: 'luc.bergeron@example.edu',
    username: 'lbergeron',
    sourcedId: 'E901',
    locale: 'en',
  },
  {
    handle: 'ta',
    givenName: 'Sam',
    familyName: 'Nguyen',
    email: 'sam.nguyen@example.edu',
    username: 'snguyen',
    sourcedId: 'E902',
    locale: 'en',
  },
  {
    handle: 'dean',
    givenName: 'Nadia',
    familyName: 'Chen',
    email: 'nadia.chen@example.edu',
    username: 'nchen',
    sourcedId: 'E100',
    locale: 'en',
    admin: 'institution',
  },
  {
    handle: 'admin',
    givenName: 'Alex',
    familyName: 'Admin',
    email: 'admin@example.edu',
    username: 'admin',
    sourcedId: '',
    locale: 'en',
    admin: 'system',
  },
];

/** Default courses. */
export const DEFAULT_COURSES: readonly CourseSeed[] = [
  { handle: 'math', label: 'MATH101', title: 'Mathematics 101', sourcedId: 'MATH101-2025' },
  { handle: 'hist', label: 'HIST200', title: 'Histoire du Québec', sourcedId: 'HIST200-2025' },
];

/** Default enrolments: `eve` is suspended; `dean` and `admin` are not enrolled anywhere. */
export const DEFAULT_ENROLMENTS: readonly [string, string, CourseRole, Enrolment['status']?][] = [
  ['ana', 'math', 'learner'],
  ['ben', 'math', 'learner'],
  ['chloe', 'math', 'learner'],
  ['dana', 'math', 'learner'],
  ['eve', 'math', 'learner', 'suspended'],
  ['prof', 'math', 'instructor'],
  ['designer', 'math', 'content-developer'],
  ['ta', 'math', 'ta'],
  ['ana', 'hist', 'learner'],
  ['prof', 'hist', 'instructor'],
];

/** Loads the default people, courses and enrolments. */
export function seedDefaults(directory: Directory): void {
  for (const u of DEFAULT_USERS) directory.addUser(u);
  for (const c of DEFAULT_COURSES) directory.addCourse(c);
  for (const [u, c, role, status] of DEFAULT_ENROLMENTS) directory.enrol(u, c, role, status);
}
