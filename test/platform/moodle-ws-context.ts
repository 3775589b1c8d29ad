/**
 * The plumbing every Moodle web-service function shares: Moodle's exceptions (sent as HTTP
 * 200 `{exception, errorcode, message}`), PHP-style array parameters (`courseids[0]=17`),
 * parameter validation as `external_api::validate_parameters` does it, and the caller's
 * rights (`validate_context`, `require_capability`).
 */
import type { MoodleSite, WsToken } from './moodle-ws-data.js';
import { CAPABILITY_NAMES } from './moodle-ws-data.js';
import type { Course, User } from './types.js';

/** A Moodle exception as the REST server reports it. */
export class WsError extends Error {
  constructor(
    readonly exception: string,
    readonly errorcode: string,
    message: string,
  ) {
    super(message);
  }
}

/** `invalid_parameter_exception`. */
export const invalidParameter = (): WsError =>
  new WsError('invalid_parameter_exception', 'invalidparameter', 'Invalid parameter value detected');

/** `dml_missing_record_exception` for a table. */
export const missingRecord = (table: string): WsError =>
  new WsError(
    'dml_missing_record_exception',
    'invalidrecord',
    `Can't find data record in database table ${table}.`,
  );

/** A parsed PHP request value: a string, or an array/map of them. */
export type PhpValue = string | PhpValue[] | { [key: string]: PhpValue };

/**
 * Builds what PHP puts in `$_POST` from flat form fields: `a[0]=1&a[1]=2` → `{a: ['1','2']}`,
 * `o[0][name]=x` → `{o: [{name: 'x'}]}`, `a[]=1` appends. Numeric keys make arrays.
 */
export function parsePhpParams(flat: Record<string, unknown>): Record<string, PhpValue> {
  const root: Record<string, PhpValue> = {};
  for (const [rawKey, rawValue] of Object.entries(flat)) {
    const value = Array.isArray(rawValue) ? String(rawValue.at(-1)) : String(rawValue);
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!m) continue;
    const path = [m[1]!, ...[...(m[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1] ?? '')];
    let node: Record<string, PhpValue> | PhpValue[] = root;
    for (let i = 0; i < path.length; i++) {
      const last = i === path.length - 1;
      let key: string | number = path[i]!;
      if (Array.isArray(node)) key = key === '' ? node.length : Number(key);
      const nextIsIndex = !last && /^\d*$/.test(path[i + 1]!);
      const holder = node as Record<string | number, PhpValue>;
      if (last) holder[key] = value;
      else {
        const existing = holder[key];
        if (existing === undefined || typeof existing === 'string') holder[key] = nextIsIndex ? [] : {};
        node = holder[key] as Record<string, PhpValue> | PhpValue[];
      }
    }
  }
  return root;
}

/** Reads and validates one function's parameters (`PARAM_INT`, `PARAM_BOOL`, `PARAM_ALPHA`, arrays). */
export class WsParams {
  constructor(private readonly raw: Record<string, PhpValue>) {}

  private scalar(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw invalidParameter();
    return v;
  }

  /** A required or defaulted integer. */
  int(name: string, fallback?: number): number {
    const v = this.scalar(name);
    if (v === undefined) {
      if (fallback === undefined) throw invalidParameter();
      return fallback;
    }
    if (!/^-?\d+$/.test(v.trim())) throw invalidParameter();
    return Number(v);
  }

  /** A defaulted boolean (`0`, `1`, `true`, `false`). */
  bool(name: string, fallback: boolean): boolean {
    const v = this.scalar(name);
    if (v === undefined) return fallback;
    if (/^(1|true)$/i.test(v)) return true;
    if (/^(0|false|)$/i.test(v)) return false;
    throw invalidParameter();
  }

  /** A defaulted `PARAM_ALPHA` string (letters only, others stripped as Moodle cleans). */
  alpha(name: string, fallback: string): string {
    const v = this.scalar(name);
    return v === undefined ? fallback : v.replace(/[^a-zA-Z]/g, '');
  }

  /** An array of structures of scalars (`tocheck[0][id]=…`); anything else is refused. */
  objects(name: string): Record<string, string>[] {
    const v = this.raw[name];
    if (!Array.isArray(v)) throw invalidParameter();
    return v.map((x) => {
      if (!x || typeof x !== 'object' || Array.isArray(x)) throw invalidParameter();
      const out: Record<string, string> = {};
      for (const [k, y] of Object.entries(x)) {
        if (typeof y !== 'string') throw invalidParameter();
        out[k] = y;
      }
      return out;
    });
  }

  /** An array of integers; a scalar where an array is expected is refused ("Only arrays accepted"). */
  intArray(name: string, fallback?: number[]): number[] {
    const v = this.raw[name];
    if (v === undefined) {
      if (fallback === undefined) throw invalidParameter();
      return fallback;
    }
    if (!Array.isArray(v)) throw invalidParameter();
    return v.map((x) => {
      if (typeof x !== 'string' || !/^-?\d+$/.test(x.trim())) throw invalidParameter();
      return Number(x);
    });
  }
}

/** Who is calling and what they may do. */
export class WsContext {
  constructor(
    readonly site: MoodleSite,
    readonly token: WsToken,
    readonly user: User,
  ) {}

  /** The token user's Moodle id. */
  get userid(): number {
    return Number(this.user.restId);
  }

  /** `has_capability` (the token role is assigned at system level). */
  has(capability: string): boolean {
    return this.token.capabilities.has(capability);
  }

  /** `require_capability`: `required_capability_exception` naming the capability as Moodle words it. */
  require(capability: string): void {
    if (!this.has(capability))
      throw new WsError(
        'required_capability_exception',
        'nopermissions',
        `Sorry, but you do not currently have permissions to do that (${CAPABILITY_NAMES[capability] ?? capability}).`,
      );
  }

  /** Whether the caller may enter a course (`can_access_course`): enrolled, or `moodle/course:view`. */
  canAccess(course: Course): boolean {
    const e = this.site.directory.enrolment(this.user.handle, course.handle);
    return (e !== undefined && e.status === 'active') || this.has('moodle/course:view');
  }

  /** `validate_context` for a course or one of its modules. */
  requireAccess(course: Course): void {
    if (!this.canAccess(course))
      throw new WsError(
        'require_login_exception',
        'requireloginerror',
        'Course or activity not accessible. (Not enrolled)',
      );
  }

  /** A course by Moodle id (`get_course`), or `invalidrecord`. */
  course(id: number): Course {
    const c = this.site.directory.allCourses().find((x) => x.restId === String(id));
    if (!c) throw missingRecord('course');
    return c;
  }

  /**
   * The target user (`core_user::get_user(..., MUST_EXIST)` + `require_active_user`); 0 means
   * the caller. Returns the user and whether it is someone else.
   */
  target(userid: number): { user: User; other: boolean } {
    if (userid === 0) return { user: this.user, other: false };
    const user = this.site.directory.allUsers().find((u) => u.restId === String(userid));
    if (!user) throw missingRecord('user');
    return { user, other: user.handle !== this.user.handle };
  }

  /** Whether a person is an active learner (can submit, is tracked for completion) in a course. */
  isActiveLearner(user: User, course: Course): boolean {
    const e = this.site.directory.enrolment(user.handle, course.handle);
    return e !== undefined && e.status === 'active' && e.role === 'learner';
  }
}

/** The warning `util::validate_courses` gives for a course the caller cannot enter. */
export const courseWarning = (id: number) => ({
  item: 'course',
  itemid: id,
  warningcode: '1',
  message: 'No access rights in course context',
});

/** Unix seconds, or null when 0, as several Moodle fields are. */
export const orNull = (n: number): number | null => (n ? n : null);

/** One web-service function: checks rights, reads parameters, returns the JSON answer. */
export type WsFunction = (ctx: WsContext, params: WsParams) => unknown;
