/**
 * A small client for Moodle's REST web services: `POST <site>/webservice/rest/server.php`,
 * form-encoded, token in the body (never in a URL, never logged), PHP-style array
 * parameters, JSON answers. Moodle reports failures as HTTP 200 bodies
 * `{exception, errorcode, message}`: they become {@link MoodleWsError}s, never data.
 * HTTP-level trouble (unreachable, timeout, REST disabled, wrong address) becomes a
 * {@link ConnectorError} an administrator can act on.
 */
import { ConnectorError } from '../types.js';
import { fromMoodleException, isMoodleException } from './errors.js';

/** A parameter value: scalars, lists (`a[0]=…`) and structures (`a[0][name]=…`). */
export type WsValue = string | number | boolean | readonly WsValue[] | { readonly [key: string]: WsValue };

/** The REST endpoint, relative to the site URL. */
export const REST_PATH = '/webservice/rest/server.php';

/** Default time a call may take before Jalon gives up. */
export const DEFAULT_TIMEOUT_MS = 20_000;

/**
 * Encodes parameters as PHP reads them: `{courseids: [17]}` → `courseids[0]=17`,
 * `{options: [{name: 'x', value: 1}]}` → `options[0][name]=x&options[0][value]=1`; booleans
 * as `1`/`0`.
 */
export function encodeWsParams(params: Record<string, WsValue>): URLSearchParams {
  const out = new URLSearchParams();
  const add = (key: string, value: WsValue): void => {
    if (typeof value === 'boolean') out.append(key, value ? '1' : '0');
    else if (typeof value === 'number' || typeof value === 'string') out.append(key, String(value));
    else if (Array.isArray(value)) value.forEach((v: WsValue, i: number) => add(`${key}[${i}]`, v));
    else for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
  };
  for (const [k, v] of Object.entries(params)) add(k, v);
  return out;
}

/**
 * The site URL as Jalon stores it: http(s), no query or fragment, no trailing slash, and
 * without a pasted `/webservice/rest/server.php` or `/login/index.php`.
 */
export function normaliseSiteUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new ConnectorError('NOT_FOUND', 'error.badUrl', { url: input });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    throw new ConnectorError('NOT_FOUND', 'error.badUrl', { url: input });
  const path = url.pathname
    .replace(/\/(webservice\/rest\/server\.php|login\/index\.php|index\.php)$/i, '')
    .replace(/\/+$/, '');
  return `${url.origin}${path}`;
}

/** How to reach a Moodle site. */
export interface MoodleClientOptions {
  siteUrl: string;
  /** The web-service token (secret). */
  token: string;
  timeoutMs?: number;
}

/** Calls Moodle web-service functions. */
export class MoodleClient {
  /** Normalised site URL. */
  readonly siteUrl: string;
  private readonly token: string;
  private readonly timeoutMs: number;

  constructor(options: MoodleClientOptions) {
    this.siteUrl = normaliseSiteUrl(options.siteUrl);
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private get host(): string {
    return new URL(this.siteUrl).host;
  }

  /** Calls a function; resolves with its JSON answer or rejects with a {@link ConnectorError}. */
  async call(wsfunction: string, params: Record<string, WsValue> = {}): Promise<unknown> {
    const body = encodeWsParams(params);
    body.set('wstoken', this.token);
    body.set('wsfunction', wsfunction);
    body.set('moodlewsrestformat', 'json');
    const host = this.host;
    const post = () =>
      fetch(this.siteUrl + REST_PATH, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body,
        // A redirect would turn the POST into a GET without the token: report it instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    // Duck-typed: the DOMException fetch throws may come from another realm than `Error`.
    const timedOut = (e: unknown) => {
      const name = typeof e === 'object' && e !== null && 'name' in e ? String(e.name) : '';
      return name === 'TimeoutError' || name === 'AbortError';
    };
    let res: Response;
    try {
      try {
        res = await post();
      } catch (e) {
        // A kept-alive connection the site closed as it was reused fails at once: every
        // function Jalon calls only reads, so it is sent once more on a fresh connection.
        if (timedOut(e)) throw e;
        res = await post();
      }
    } catch (e) {
      throw timedOut(e)
        ? new ConnectorError(
            'UNAVAILABLE',
            'error.timeout',
            { host, seconds: Math.round(this.timeoutMs / 1000) },
            { cause: e },
          )
        : new ConnectorError('UNAVAILABLE', 'error.unreachable', { host }, { cause: e });
    }
    const text = await res.text().catch(() => '');
    if (res.status >= 300 && res.status < 400)
      throw new ConnectorError('NOT_FOUND', 'moodle.error.redirected', {
        host,
        location: res.headers.get('location') ?? '',
      });
    // Moodle with web services or the REST protocol disabled dies with a bare 403.
    if (res.status === 403) throw new ConnectorError('PERMISSION', 'moodle.error.restDisabled', { host });
    if (res.status === 404) throw new ConnectorError('NOT_FOUND', 'moodle.error.notMoodle', { host });
    if (res.status === 429) throw new ConnectorError('RATE_LIMITED', 'error.rateLimited', { host });
    if (res.status >= 500)
      throw new ConnectorError('UNAVAILABLE', 'error.serverError', { host, status: res.status });
    if (res.status !== 200)
      throw new ConnectorError('BAD_RESPONSE', 'error.httpStatus', { host, status: res.status });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ConnectorError('BAD_RESPONSE', 'moodle.error.notJson', { host, function: wsfunction });
    }
    if (isMoodleException(json)) throw fromMoodleException(json, wsfunction);
    return json;
  }
}
