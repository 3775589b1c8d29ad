/**
 * Moodle's web-service errors in Jalon's words. Moodle answers every failure with HTTP 200
 * and `{exception, errorcode, message}`; this maps each to a {@link ConnectorError} code and
 * a plain-language i18n key (namespace `connectors`), keeping Moodle's own fields for callers
 * that must tell cases apart (`nocriteriaset` is "not configured", not a failure).
 */
import { ConnectorError, type ConnectorErrorCode } from '../types.js';
import { CAPABILITY_FOR_FUNCTION } from './requirements.js';

/** The error body Moodle sends. */
export interface MoodleException {
  exception: string;
  errorcode: string;
  message: string;
}

/** A Moodle web-service exception, classified. */
export class MoodleWsError extends ConnectorError {
  constructor(
    code: ConnectorErrorCode,
    messageKey: string,
    params: Record<string, string | number>,
    /** What Moodle said, verbatim. */
    readonly moodle: MoodleException,
    /** The function that failed. */
    readonly wsfunction: string,
  ) {
    super(code, messageKey, params);
    this.name = 'MoodleWsError';
  }
}

/** Whether a parsed JSON body is Moodle's error shape (and so never data). */
export function isMoodleException(body: unknown): body is MoodleException {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    typeof (body as { exception?: unknown }).exception === 'string'
  );
}

const AUTH_CODES: Record<string, string> = {
  invalidtoken: 'moodle.error.invalidToken',
  invalidtimedtoken: 'moodle.error.tokenExpired',
  invalidiptoken: 'moodle.error.tokenIpRestricted',
  wsaccessusersuspended: 'moodle.error.serviceUserSuspended',
  wsaccessuserdeleted: 'moodle.error.serviceUserSuspended',
  wsaccessusernologin: 'moodle.error.serviceUserSuspended',
  usernotconfirmed: 'moodle.error.serviceUserSuspended',
  sitemaintenance: 'moodle.error.maintenance',
};

/** Classifies a Moodle exception raised by `wsfunction`. */
export function fromMoodleException(e: MoodleException, wsfunction: string): MoodleWsError {
  const base = { function: wsfunction };
  const make = (code: ConnectorErrorCode, key: string, params: Record<string, string | number> = {}) =>
    new MoodleWsError(code, key, { ...base, ...params }, e, wsfunction);
  const code = typeof e.errorcode === 'string' ? e.errorcode : '';
  const authKey = AUTH_CODES[code];
  if (authKey) return make(code === 'sitemaintenance' ? 'UNAVAILABLE' : 'AUTH', authKey);
  switch (code) {
    case 'servicenotavailable':
    case 'servicerequireslogin':
      return make('PERMISSION', 'moodle.error.serviceDisabled');
    case 'accessexception':
      return make('PERMISSION', 'moodle.error.accessException');
    case 'nopermissions':
    case 'cannotviewreport':
      return make('PERMISSION', 'moodle.error.missingCapability', {
        capability: CAPABILITY_FOR_FUNCTION[wsfunction] ?? '?',
        moodleMessage: String(e.message ?? ''),
      });
    case 'requireloginerror':
    case 'coursehidden':
      return make('PERMISSION', 'moodle.error.courseNotAccessible');
    case 'invalidrecord':
      return /external_functions/.test(String(e.message))
        ? make('PERMISSION', 'moodle.error.unknownFunction')
        : make('NOT_FOUND', 'moodle.error.notFound', { moodleMessage: String(e.message ?? '') });
    case 'invalidparameter':
      return make('BAD_RESPONSE', 'moodle.error.invalidParameter');
    default:
      return make('BAD_RESPONSE', 'moodle.error.other', {
        errorcode: code || e.exception,
        moodleMessage: String(e.message ?? ''),
      });
  }
}

/**
 * Explains a failure of Moodle's LTI token endpoint (`/mod/lti/token.php`) to an
 * administrator. Moodle answers **404 with an HTML page** when its curl security blocks
 * the tool's host or port (it could not fetch Jalon's JWKS): loopback, private addresses
 * and ports other than 80/443 are blocked by default (moodle-observed.md, Registration).
 */
export function explainTokenEndpointFailure(status: number, contentType: string | null): ConnectorError {
  if (status === 404 && /html/i.test(contentType ?? ''))
    return new ConnectorError('PERMISSION', 'moodle.error.httpSecurityBlocked');
  if (status === 401 || status === 400)
    return new ConnectorError('AUTH', 'moodle.error.ltiTokenRefused', { status });
  return new ConnectorError('UNAVAILABLE', 'moodle.error.ltiTokenFailed', { status });
}
