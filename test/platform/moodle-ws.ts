/**
 * Moodle's REST web-service server, `/webservice/rest/server.php` (POST form or GET query:
 * `wstoken`, `wsfunction`, `moodlewsrestformat=json`, PHP-style array parameters). As in
 * Moodle, every failure is an HTTP **200** whose body is `{exception, errorcode, message}`;
 * with the REST protocol disabled the server answers 403 with an empty body. The checks run
 * in Moodle's order: token, expiry, `webservice/rest:use`, function exists, function in the
 * token's service, then the function's own parameters and capabilities.
 */
import express, { type Request, type Response, type Router } from 'express';
import { ASSIGN_FUNCTIONS } from './moodle-ws-assign.js';
import {
  missingRecord,
  parsePhpParams,
  WsContext,
  WsError,
  WsParams,
  type WsFunction,
} from './moodle-ws-context.js';
import { CORE_FUNCTIONS } from './moodle-ws-core.js';
import type { MoodleSite } from './moodle-ws-data.js';
import { hasMoodleSite, moodleSiteOf } from './moodle-ws-site.js';
import { QUIZ_FUNCTIONS } from './moodle-ws-quiz.js';
import type { PlatformState } from './state.js';

/** Every function the platform implements. */
export const WS_FUNCTIONS: Record<string, WsFunction> = {
  ...CORE_FUNCTIONS,
  ...QUIZ_FUNCTIONS,
  ...ASSIGN_FUNCTIONS,
};

/** The REST server path, relative to the site URL. */
export const WS_REST_PATH = '/webservice/rest/server.php';

function authenticate(site: MoodleSite, token: string | undefined): WsContext {
  const record = token ? site.tokens.get(token) : undefined;
  if (!record) throw new WsError('moodle_exception', 'invalidtoken', 'Invalid token - token not found');
  if (record.validUntil && record.validUntil < Math.floor(Date.now() / 1000))
    throw new WsError(
      'moodle_exception',
      'invalidtimedtoken',
      'Invalid token - token expired - check validuntil time for the token',
    );
  const ctx = new WsContext(site, record, site.directory.user(record.userHandle));
  // Moodle words a missing protocol capability like a missing function: "Access control exception".
  if (!ctx.has('webservice/rest:use'))
    throw new WsError('webservice_access_exception', 'accessexception', 'Access control exception');
  return ctx;
}

function run(site: MoodleSite, flat: Record<string, unknown>): unknown {
  const ctx = authenticate(site, typeof flat.wstoken === 'string' ? flat.wstoken : undefined);
  const name = typeof flat.wsfunction === 'string' ? flat.wsfunction : '';
  const fn = WS_FUNCTIONS[name];
  if (!fn) throw missingRecord('external_functions');
  if (!ctx.token.functions.has(name))
    throw new WsError('webservice_access_exception', 'accessexception', 'Access control exception');
  const { wstoken: _t, wsfunction: _f, moodlewsrestformat: _r, ...rest } = flat;
  return fn(ctx, new WsParams(parsePhpParams(rest)));
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Moodle's REST XML encoding (`<RESPONSE>`, `<SINGLE>`, `<MULTIPLE>`, `<KEY name>`, `<VALUE>`). */
function toXml(value: unknown): string {
  if (value === null || value === undefined) return '<VALUE null="null"/>';
  if (Array.isArray(value)) return `<MULTIPLE>${value.map(toXml).join('')}</MULTIPLE>`;
  if (typeof value === 'object')
    return `<SINGLE>${Object.entries(value)
      .map(([k, v]) => `<KEY name="${escapeXml(k)}">${toXml(v)}</KEY>`)
      .join('')}</SINGLE>`;
  return `<VALUE>${escapeXml(String(value))}</VALUE>`;
}

function send(res: Response, json: boolean, body: unknown, error?: WsError): void {
  if (json) {
    res.status(200).type('application/json; charset=utf-8').send(JSON.stringify(body));
    return;
  }
  const xml = error
    ? `<EXCEPTION class="${error.exception}"><ERRORCODE>${error.errorcode}</ERRORCODE><MESSAGE>${escapeXml(error.message)}</MESSAGE></EXCEPTION>`
    : `<RESPONSE>${toXml(body)}</RESPONSE>`;
  res
    .status(200)
    .type('application/xml; charset=utf-8')
    .send(`<?xml version="1.0" encoding="UTF-8" ?>\n${xml}\n`);
}

/** The REST server (mounted on every platform; answers only on Moodle ones). */
export function moodleWsRouter(state: PlatformState): Router {
  const router = express.Router();
  router.all(WS_REST_PATH, (req: Request, res: Response, next) => {
    if (!hasMoodleSite(state) || (req.method !== 'GET' && req.method !== 'POST')) return next();
    const site = moodleSiteOf(state);
    if (!site.restEnabled) {
      res.status(403).end();
      return;
    }
    const body: unknown = req.body;
    const flat: Record<string, unknown> = {
      ...(req.query as Record<string, unknown>),
      ...(body && typeof body === 'object' ? (body as Record<string, unknown>) : {}),
    };
    const json = flat.moodlewsrestformat === 'json';
    const { wstoken: _t, wsfunction, ...params } = flat;
    const record = {
      wsfunction: String(wsfunction ?? ''),
      params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
    };
    site.calls.push(record);
    try {
      send(res, json, run(site, flat));
    } catch (e) {
      const err =
        e instanceof WsError
          ? e
          : new WsError('coding_exception', 'codingerror', `Coding error detected: ${String(e)}`);
      Object.assign(record, { errorcode: err.errorcode });
      send(res, json, { exception: err.exception, errorcode: err.errorcode, message: err.message }, err);
    }
  });
  return router;
}
