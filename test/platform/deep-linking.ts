/**
 * The deep-linking return endpoint (Moodle `/mod/lti/contentitem_return.php`, Canvas
 * `/courses/{id}/deep_linking_response`). Verifies the tool's `JWT` (signature by the
 * tool's JWKS, `iss` = client id, `aud` = platform issuer, deployment, message type,
 * version, `data` echo), checks the items against the request's settings, records them
 * and creates the resource links (with their line items) as the LMS would.
 */
import express, { type Request, type Response, type Router } from 'express';
import { decodeJwt } from 'jose';
import { CLAIM } from './constants.js';
import { page } from './html.js';
import type { DeepLinkRecord, PendingDeepLink, PlatformState, ReceivedContentItem } from './state.js';
import { verifyToolJwt } from './tool-keys.js';
import type { ResourceLink } from './types.js';

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function normalise(raw: Record<string, unknown>): ReceivedContentItem {
  const item: ReceivedContentItem = { type: String(raw.type), raw };
  if (typeof raw.title === 'string') item.title = raw.title;
  if (typeof raw.text === 'string') item.text = raw.text;
  if (typeof raw.url === 'string') item.url = raw.url;
  if (isObject(raw.custom))
    item.custom = Object.fromEntries(Object.entries(raw.custom).map(([k, v]) => [k, String(v)]));
  if (isObject(raw.lineItem)) {
    const li = raw.lineItem;
    item.lineItem = {
      ...(typeof li.scoreMaximum === 'number' ? { scoreMaximum: li.scoreMaximum } : {}),
      ...(typeof li.label === 'string' ? { label: li.label } : {}),
      ...(typeof li.resourceId === 'string' ? { resourceId: li.resourceId } : {}),
      ...(typeof li.tag === 'string' ? { tag: li.tag } : {}),
    };
  }
  return item;
}

async function verify(
  state: PlatformState,
  pending: PendingDeepLink,
  jwt: string,
): Promise<string | Record<string, unknown>> {
  let iss: unknown;
  try {
    iss = decodeJwt(jwt).iss;
  } catch {
    return 'JWT is not a JWT';
  }
  if (iss !== pending.clientId) return 'iss is not the client id of the tool that was asked';
  const tool = state.registry.require(pending.clientId);
  const verified = await verifyToolJwt(jwt, tool.jwksUrl, {
    issuer: tool.clientId,
    audience: state.issuer,
    requiredClaims: ['exp', 'iat', 'nonce'],
  });
  if (!verified.ok) return `signature or claims rejected: ${verified.reason}`;
  const p = verified.payload as Record<string, unknown>;
  if (p[CLAIM.deploymentId] !== pending.deploymentId) return 'deployment_id does not match';
  if (p[CLAIM.messageType] !== 'LtiDeepLinkingResponse') return 'message_type must be LtiDeepLinkingResponse';
  if (p[CLAIM.version] !== '1.3.0') return 'version must be 1.3.0';
  if (pending.settings.data !== undefined && p[CLAIM.dlData] !== pending.settings.data)
    return 'data not echoed';
  const items = p[CLAIM.dlContentItems] ?? [];
  if (!Array.isArray(items) || !items.every(isObject)) return 'content_items must be an array of objects';
  if (items.length > 1 && !pending.settings.acceptMultiple)
    return 'several items sent but accept_multiple is false';
  const bad = items.find((i) => !pending.settings.acceptTypes.includes(String(i.type)));
  if (bad) return `content item type ${String(bad.type)} not accepted`;
  return p;
}

function createLinks(
  state: PlatformState,
  pending: PendingDeepLink,
  items: ReceivedContentItem[],
): ResourceLink[] {
  return items
    .filter((i) => i.type === 'ltiResourceLink')
    .map((i) => {
      const link = state.registry.addLink({
        courseHandle: pending.courseHandle,
        clientId: pending.clientId,
        title: i.title ?? state.registry.require(pending.clientId).name,
        ...(i.text ? { description: i.text } : {}),
        ...(i.url ? { url: i.url } : {}),
        custom: i.custom ?? {},
      });
      if (i.lineItem) {
        const item = state.gradebook.create(pending.courseHandle, pending.clientId, {
          label: i.lineItem.label ?? link.title,
          scoreMaximum: i.lineItem.scoreMaximum ?? 100,
          resourceId: i.lineItem.resourceId ?? '',
          tag: i.lineItem.tag ?? '',
          resourceLinkId: link.id,
        });
        link.lineItemId = item.id;
      }
      return link;
    });
}

async function receive(state: PlatformState, req: Request, res: Response): Promise<void> {
  const key = String(req.query.sesskey ?? req.query.dl ?? '');
  const pending = state.deepLinks.get(key);
  const reject = (status: number, reason: string) => {
    state.records.deepLinkRejections.push({ key, status, reason });
    res.status(status).type('html').send(page('Deep linking refused', reason));
  };
  if (!pending) return reject(400, 'unknown deep-linking request');
  if (pending.used) return reject(400, 'deep-linking response already received');
  const jwt = isObject(req.body) && typeof req.body.JWT === 'string' ? req.body.JWT : '';
  if (!jwt) return reject(400, 'JWT form field missing');
  const result = await verify(state, pending, jwt);
  if (typeof result === 'string') return reject(400, result);
  pending.used = true;
  const items = ((result[CLAIM.dlContentItems] ?? []) as Record<string, unknown>[]).map(normalise);
  const str = (claim: string) => (typeof result[claim] === 'string' ? (result[claim] as string) : undefined);
  const record: DeepLinkRecord = {
    key,
    clientId: pending.clientId,
    deploymentId: pending.deploymentId,
    courseHandle: pending.courseHandle,
    items,
    createdLinks: createLinks(state, pending, items),
    payload: result,
  };
  const optional = {
    msg: str(CLAIM.dlMsg),
    log: str(CLAIM.dlLog),
    errorMsg: str(CLAIM.dlErrorMsg),
    errorLog: str(CLAIM.dlErrorLog),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(record, { [k]: v });
  state.records.deepLinkResponses.push(record);
  res
    .status(200)
    .type('html')
    .send(page('Content added', `${items.length} item(s) received.`));
}

/** Route of the deep-linking return. */
export function deepLinkingRouter(state: PlatformState): Router {
  const router = express.Router();
  const path =
    state.family === 'moodle'
      ? '/mod/lti/contentitem_return.php'
      : '/courses/:courseId/deep_linking_response';
  router.post(path, (req, res) => receive(state, req, res));
  return router;
}
