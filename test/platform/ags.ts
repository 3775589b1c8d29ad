/**
 * Assignment and Grade Services. Moodle: `/mod/lti/services.php/{course}/lineitems?type_id=N`
 * (400 for a GET whose Accept is not the exact media type, a malformed paging `Link`,
 * 403 on a foreign item's results); Canvas: `/api/lti/courses/{course}/line_items`. Both
 * list and serve only the calling tool's own items.
 */
import express, { type Request, type Response, type Router } from 'express';
import { isFailure } from './access-tokens.js';
import { postScore, rescaled } from './ags-scores.js';
import { MEDIA, SCOPE } from './constants.js';
import type { LineItemInput } from './gradebook.js';
import type { PlatformState } from './state.js';
import type { Course, LineItem, RegisteredTool } from './types.js';

interface Call {
  tool: RegisteredTool;
  course: Course;
}

const READ = [SCOPE.lineItem, SCOPE.lineItemReadOnly];

/** Moodle compares Accept with its formats: absent is fine, anything else must match. */
function acceptOk(req: Request, formats: readonly string[]): boolean {
  const accept = req.get('accept');
  if (!accept) return true;
  return accept.split(',').every((e) => formats.includes(e.split(';')[0]!.trim().toLowerCase()));
}

function contentTypeIs(req: Request, type: string): boolean {
  return (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase() === type;
}

function error(state: PlatformState, res: Response, status: number, message: string): void {
  if (state.family === 'moodle') res.status(status).type('text/plain').send(message);
  else res.status(status).json({ errors: [{ message }] });
}

/** Resolves the course and the bearer's tool, or answers the error. */
function authorize(
  state: PlatformState,
  req: Request,
  res: Response,
  scopes: readonly string[],
): Call | undefined {
  const check = state.tokens.check(req, state.family, scopes);
  if (isFailure(check)) {
    res.status(check.status).json(check.body);
    return undefined;
  }
  const tool = state.registry.require(check.clientId);
  if (state.family === 'moodle' && String(req.query.type_id ?? '') !== String(tool.typeId)) {
    // Moodle ties each service URL to a tool type; another tool's token does not fit.
    res
      .status(401)
      .json({ status: 401, reason: 'Unauthorized', detail: 'type_id does not match the access token' });
    return undefined;
  }
  const course = state.directory.findCourseByRestId(String(req.params.courseId));
  if (!course) {
    error(state, res, 404, 'Course not found');
    return undefined;
  }
  return { tool, course };
}

function itemJson(state: PlatformState, call: Call, item: LineItem): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: state.urls.lineItem(call.course.restId, item.id, call.tool.typeId),
    label: item.label,
    scoreMaximum: item.scoreMaximum,
    resourceId: item.resourceId,
    tag: item.tag,
  };
  if (state.family === 'moodle')
    Object.assign(json, { resourceLinkId: item.resourceLinkId, ltiLinkId: item.resourceLinkId });
  else if (item.resourceLinkId) json.resourceLinkId = item.resourceLinkId;
  if (item.startDateTime) json.startDateTime = item.startDateTime;
  if (item.endDateTime) json.endDateTime = item.endDateTime;
  return json;
}

function parseItem(state: PlatformState, call: Call, body: unknown): LineItemInput | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'line item must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.label !== 'string' || !b.label.trim()) return 'label required';
  if (typeof b.scoreMaximum !== 'number' || !(b.scoreMaximum > 0)) return 'scoreMaximum must be a number > 0';
  for (const k of ['resourceId', 'tag', 'resourceLinkId', 'startDateTime', 'endDateTime']) {
    if (b[k] !== undefined && typeof b[k] !== 'string') return `${k} must be a string`;
  }
  if (typeof b.resourceLinkId === 'string' && b.resourceLinkId) {
    const link = state.registry.link(b.resourceLinkId);
    if (!link || link.clientId !== call.tool.clientId || link.courseHandle !== call.course.handle)
      return 'unknown resourceLinkId';
  }
  return b as unknown as LineItemInput;
}

/** `?limit` paging: Moodle's malformed Link (`&amp;`, curly-quoted rel), Canvas' well-formed one. */
function page<T>(state: PlatformState, req: Request, res: Response, all: T[], baseUrl: string): T[] {
  const limit = Number(req.query.limit ?? 0);
  if (!Number.isInteger(limit) || limit <= 0) return all;
  if (state.family === 'moodle') {
    const from = Math.max(0, Number(req.query.from ?? 0) || 0);
    if (from + limit < all.length) {
      const utf8AsLatin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
      const next = `${baseUrl}&amp;limit=${limit}&amp;from=${from + limit}`;
      res.setHeader('Link', `<${next}>; rel=${utf8AsLatin1('“')}next${utf8AsLatin1('”')}`);
    }
    return all.slice(from, from + limit);
  }
  const pageNo = Math.max(1, Number(req.query.page ?? 1) || 1);
  const last = Math.max(1, Math.ceil(all.length / limit));
  const link = (p: number, rel: string) =>
    `<${baseUrl}?page=${p}&per_page=${limit}&limit=${limit}>; rel="${rel}"`;
  const links = [link(pageNo, 'current')];
  if (pageNo < last) links.push(link(pageNo + 1, 'next'));
  links.push(link(1, 'first'), link(last, 'last'));
  res.setHeader('Link', links.join(','));
  return all.slice((pageNo - 1) * limit, pageNo * limit);
}

function listItems(state: PlatformState, req: Request, res: Response): void {
  if (state.family === 'moodle' && !acceptOk(req, [MEDIA.lineItemContainer]))
    return error(state, res, 400, 'unsupported content type');
  const call = authorize(state, req, res, READ);
  if (!call) return;
  const q = req.query;
  const linkFilter = String(q.resource_link_id ?? q.lti_link_id ?? '');
  const items = state.gradebook
    .list(call.course.handle, call.tool.clientId)
    .filter(
      (i) =>
        (q.tag === undefined || i.tag === q.tag) &&
        (q.resource_id === undefined || i.resourceId === q.resource_id),
    )
    .filter((i) => !linkFilter || i.resourceLinkId === linkFilter);
  const base = state.urls.lineItems(call.course.restId, call.tool.typeId);
  const shown = page(state, req, res, items, base);
  res.type(MEDIA.lineItemContainer).send(JSON.stringify(shown.map((i) => itemJson(state, call, i))));
}

function createItem(state: PlatformState, req: Request, res: Response): void {
  if (state.family === 'moodle' && !contentTypeIs(req, MEDIA.lineItem))
    return error(state, res, 400, 'unsupported content type');
  const call = authorize(state, req, res, [SCOPE.lineItem]);
  if (!call) return;
  const input = parseItem(state, call, req.body);
  if (typeof input === 'string') return error(state, res, 400, input);
  const item = state.gradebook.create(call.course.handle, call.tool.clientId, input);
  res
    .status(201)
    .type(MEDIA.lineItem)
    .send(JSON.stringify(itemJson(state, call, item)));
}

function ownItem(
  state: PlatformState,
  req: Request,
  res: Response,
  call: Call,
  foreignStatus = 404,
): LineItem | undefined {
  const item = state.gradebook.owned(String(req.params.itemId), call.course.handle, call.tool.clientId);
  if (!item) error(state, res, foreignStatus, 'Line item does not exist');
  return item;
}

function getItem(state: PlatformState, req: Request, res: Response): void {
  if (state.family === 'moodle' && !acceptOk(req, [MEDIA.lineItem]))
    return error(state, res, 400, 'unsupported content type');
  const call = authorize(state, req, res, READ);
  const item = call && ownItem(state, req, res, call);
  if (call && item) res.type(MEDIA.lineItem).send(JSON.stringify(itemJson(state, call, item)));
}

function updateItem(state: PlatformState, req: Request, res: Response): void {
  if (state.family === 'moodle' && !contentTypeIs(req, MEDIA.lineItem))
    return error(state, res, 400, 'unsupported content type');
  const call = authorize(state, req, res, [SCOPE.lineItem]);
  const item = call && ownItem(state, req, res, call);
  if (!call || !item) return;
  const input = parseItem(state, call, req.body);
  if (typeof input === 'string') return error(state, res, 400, input);
  Object.assign(item, {
    label: input.label,
    scoreMaximum: input.scoreMaximum,
    resourceId: input.resourceId ?? item.resourceId,
    tag: input.tag ?? item.tag,
  });
  res.type(MEDIA.lineItem).send(JSON.stringify(itemJson(state, call, item)));
}

function deleteItem(state: PlatformState, req: Request, res: Response): void {
  const call = authorize(state, req, res, [SCOPE.lineItem]);
  const item = call && ownItem(state, req, res, call);
  if (!call || !item) return;
  state.gradebook.delete(item.id);
  res.status(204).end();
}

function scores(state: PlatformState, req: Request, res: Response): void {
  const typeOk =
    state.family === 'moodle' ? contentTypeIs(req, MEDIA.score) : /json/i.test(req.get('content-type') ?? '');
  if (!typeOk) return error(state, res, 400, 'unsupported content type');
  const call = authorize(state, req, res, [SCOPE.score]);
  const item = call && ownItem(state, req, res, call);
  if (!call || !item) return;
  const outcome = postScore(state.family, state.directory, item, req.body);
  if (!outcome.ok) return error(state, res, outcome.status, outcome.message);
  if (state.family === 'moodle') res.status(200).end();
  else {
    const resultUrl = `${state.urls.lineItem(call.course.restId, item.id, call.tool.typeId)}/results/${outcome.grade.userSub}`;
    res.status(200).json({ resultUrl });
  }
}

function phpDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function results(state: PlatformState, req: Request, res: Response): void {
  if (state.family === 'moodle' && !acceptOk(req, [MEDIA.resultContainer]))
    return error(state, res, 400, 'unsupported content type');
  const call = authorize(state, req, res, [SCOPE.resultReadOnly]);
  const item = call && ownItem(state, req, res, call, state.family === 'moodle' ? 403 : 404);
  if (!call || !item) return;
  const itemUrl = state.urls.lineItem(call.course.restId, item.id, call.tool.typeId);
  const userFilter = req.query.user_id === undefined ? undefined : String(req.query.user_id);
  const out = [...item.grades.values()]
    .filter((g) => userFilter === undefined || g.userSub === userFilter)
    .map((g) => {
      const score = rescaled(item, g);
      const base =
        state.family === 'moodle'
          ? {
              id: `${state.urls.lineItemSub(call.course.restId, item.id, call.tool.typeId, 'results')}&user_id=${g.userSub}`,
              userId: g.userSub,
            }
          : { id: `${itemUrl}/results/${g.userSub}`, scoreOf: itemUrl, userId: g.userSub };
      return {
        ...base,
        ...(score !== null ? { resultScore: score, resultMaximum: item.scoreMaximum } : {}),
        ...(g.comment !== undefined ? { comment: g.comment } : {}),
        ...(state.family === 'moodle' ? { scoreOf: itemUrl, timestamp: phpDate(g.timestamp) } : {}),
      };
    });
  res.type(MEDIA.resultContainer).send(JSON.stringify(out));
}

/** Routes of AGS for the platform's family. */
export function agsRouter(state: PlatformState): Router {
  const router = express.Router();
  const items =
    state.family === 'moodle'
      ? '/mod/lti/services.php/:courseId/lineitems'
      : '/api/lti/courses/:courseId/line_items';
  const item = state.family === 'moodle' ? `${items}/:itemId/lineitem` : `${items}/:itemId`;
  router.get(items, (req, res) => listItems(state, req, res));
  router.post(items, (req, res) => createItem(state, req, res));
  router.get(item, (req, res) => getItem(state, req, res));
  router.put(item, (req, res) => updateItem(state, req, res));
  router.delete(item, (req, res) => deleteItem(state, req, res));
  router.post(`${item}/scores`, (req, res) => scores(state, req, res));
  router.get(`${item}/results`, (req, res) => results(state, req, res));
  return router;
}
