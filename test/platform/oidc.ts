/**
 * The launch, platform side: the LMS page that starts a launch (it opens a platform
 * session and renders the login-initiation form to the tool), and the OIDC
 * authorization endpoint that checks the tool's authentication request and form-posts
 * the signed id_token to the registered redirect URI.
 */
import express, { type Request, type Response, type Router } from 'express';
import { applyOverrides, buildClaims, moodleLanguage, type DeepLinkingSettings } from './claims.js';
import { autoSubmitForm, page } from './html.js';
import { opaque } from './ids.js';
import { fixedPaths } from './paths.js';
import { sessionCookieName, type PendingLaunch, type PlatformState } from './state.js';

/** The login-initiation parameters a platform sends for a launch. */
export async function loginParameters(
  state: PlatformState,
  launch: PendingLaunch,
): Promise<Record<string, string>> {
  const params: Record<string, string | undefined> = {
    iss: state.issuer,
    target_link_uri: launch.targetLinkUri,
    login_hint: launch.loginHint,
    lti_message_hint: launch.messageHint,
    client_id: launch.clientId,
    lti_deployment_id: launch.deploymentId,
  };
  if (state.family === 'canvas')
    Object.assign(params, { canvas_region: 'us-east-1', canvas_environment: 'prod' });
  Object.assign(params, launch.loginParams ?? {});
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

async function launchPage(state: PlatformState, req: Request, res: Response): Promise<void> {
  const launch = state.launches.get(String(req.query.launch ?? ''));
  if (!launch) {
    res.status(404).type('html').send(page('Not found', 'No such launch.'));
    return;
  }
  const tool = state.registry.require(launch.clientId);
  if (tool.status !== 'active') {
    // The LMS does not offer a pending tool at all.
    res
      .status(403)
      .type('html')
      .send(page('Tool not available', 'This tool is pending activation by an administrator.'));
    return;
  }
  const enrolment = state.directory.enrolment(launch.userHandle, launch.courseHandle);
  if (enrolment?.status !== 'active' && !state.directory.user(launch.userHandle).admin) {
    // Moodle's require_login / Canvas' course access: no active enrolment, no course page.
    res.status(403).type('html').send(page('Access denied', 'You are not enrolled in this course.'));
    return;
  }
  if (launch.messageType === 'LtiDeepLinkingRequest') {
    const dl = tool.messages.find((m) => m.type === 'LtiDeepLinkingRequest');
    const placements = dl?.placements ?? ['link_selection'];
    if (!dl || (state.family === 'canvas' && launch.placement && !placements.includes(launch.placement))) {
      // The LMS offers no content selection for a tool that did not register it there.
      res
        .status(403)
        .type('html')
        .send(page('Tool not available', 'This tool does not offer content selection here.'));
      return;
    }
  }
  const sid = opaque(16);
  state.sessions.set(sid, launch.userHandle);
  res.setHeader('Set-Cookie', `${sessionCookieName(state.family)}=${sid}; Path=/; HttpOnly`);
  const fields = await loginParameters(state, launch);
  res
    .type('html')
    .send(autoSubmitForm({ action: tool.loginUrl, method: launch.loginMethod, fields }, 'Launching'));
}

type AuthError = { error: string; description: string };

function checkAuthRequest(
  state: PlatformState,
  req: Request,
  p: Record<string, string>,
): AuthError | PendingLaunch {
  const bad = (error: string, description: string): AuthError => ({ error, description });
  for (const key of ['scope', 'response_type', 'client_id', 'redirect_uri', 'login_hint', 'nonce']) {
    if (!p[key]) return bad('invalid_request', `missing ${key}`);
  }
  if (p.scope !== 'openid') return bad('invalid_scope', 'scope must be openid');
  if (p.response_type !== 'id_token')
    return bad('unsupported_response_type', 'response_type must be id_token');
  const tool = state.registry.get(p.client_id!);
  if (!tool) return bad('unauthorized_client', 'unknown client_id');
  if (tool.status !== 'active') return bad('unauthorized_client', 'tool is pending activation');
  const launch = p.lti_message_hint
    ? [...state.launches.values()].find((l) => l.messageHint === p.lti_message_hint)
    : undefined;
  if (!launch || launch.clientId !== tool.clientId) return bad('invalid_request', 'unknown lti_message_hint');
  if (launch.consumed) return bad('invalid_request', 'lti_message_hint already used');
  const sessionUser = state.sessions.get(cookie(req, sessionCookieName(state.family)) ?? '');
  if (p.login_hint !== launch.loginHint || sessionUser !== launch.userHandle) {
    return bad('access_denied', 'login_hint does not match the signed-in user');
  }
  if (!tool.redirectUris.includes(p.redirect_uri!))
    return bad('invalid_request', `unregistered redirect_uri (${p.redirect_uri})`);
  if (p.response_mode !== 'form_post') return bad('invalid_request', 'response_mode must be form_post');
  if (p.prompt !== 'none') return bad('invalid_request', 'prompt must be none');
  if (p.lti_deployment_id !== undefined && p.lti_deployment_id !== launch.deploymentId) {
    return bad('invalid_request', 'lti_deployment_id does not match');
  }
  return launch;
}

function deepLinkingSettings(state: PlatformState, launch: PendingLaunch): DeepLinkingSettings {
  const tool = state.registry.require(launch.clientId);
  const course = state.directory.course(launch.courseHandle);
  const key = opaque(16);
  const given = launch.deepLinking ?? {};
  const settings: DeepLinkingSettings = {
    returnUrl: state.urls.deepLinkReturn(course.restId, tool.typeId, key),
    acceptTypes: given.acceptTypes ?? ['ltiResourceLink'],
    acceptPresentationDocumentTargets:
      given.acceptPresentationDocumentTargets ??
      (state.family === 'moodle' ? ['frame', 'iframe', 'window'] : ['iframe', 'window']),
    acceptMultiple: given.acceptMultiple ?? state.family === 'moodle',
    autoCreate: given.autoCreate ?? false,
    data: given.data ?? opaque(12),
    ...(given.title !== undefined ? { title: given.title } : {}),
    ...(given.text !== undefined ? { text: given.text } : {}),
  };
  state.deepLinks.set(key, {
    key,
    clientId: tool.clientId,
    deploymentId: launch.deploymentId,
    courseHandle: course.handle,
    settings,
    used: false,
  });
  return settings;
}

async function authorize(state: PlatformState, req: Request, res: Response): Promise<void> {
  const source =
    req.method === 'POST' ? (req.body as Record<string, unknown>) : (req.query as Record<string, unknown>);
  const p: Record<string, string> = {};
  for (const [k, v] of Object.entries(source ?? {})) if (typeof v === 'string') p[k] = v;
  const checked = checkAuthRequest(state, req, p);
  if ('error' in checked) {
    // Never redirect to an unverified redirect_uri: answer the browser directly.
    res.status(400).type('html').send(page(checked.error, checked.description));
    return;
  }
  const launch = checked;
  launch.consumed = true;
  const tool = state.registry.require(launch.clientId);
  const user = state.directory.user(launch.userHandle);
  const course = state.directory.course(launch.courseHandle);
  const claims = buildClaims({
    family: state.family,
    issuer: state.issuer,
    platformName: state.name,
    urls: state.urls,
    tool,
    deploymentId: launch.deploymentId,
    user,
    course,
    ...(state.directory.enrolment(user.handle, course.handle)?.status === 'active'
      ? { role: state.directory.enrolment(user.handle, course.handle)!.role }
      : {}),
    ...(launch.link ? { link: launch.link } : {}),
    messageType: launch.messageType,
    locale: state.family === 'moodle' ? moodleLanguage(launch.locale) : launch.locale,
    targetLinkUri: launch.targetLinkUri,
    nonce: p.nonce!,
    now: Math.floor(Date.now() / 1000),
    ...(launch.messageType === 'LtiDeepLinkingRequest'
      ? { deepLinking: deepLinkingSettings(state, launch) }
      : {}),
    ...(launch.placement ? { placement: launch.placement } : {}),
  });
  const finalClaims = applyOverrides(claims, launch.claims);
  const idToken = await state.keys.sign(finalClaims, launch.signing);
  state.records.idTokens.push({
    launchKey: launch.key,
    idToken,
    ...(p.state !== undefined ? { state: p.state } : {}),
    redirectUri: p.redirect_uri!,
    claims: finalClaims,
    signing: launch.signing,
  });
  const fields: Record<string, string> = { id_token: idToken };
  if (p.state !== undefined) fields.state = p.state;
  res.type('html').send(autoSubmitForm({ action: p.redirect_uri!, method: 'POST', fields }, 'Launching'));
}

/** Routes: the launch page and the authorization endpoint (GET and POST). */
export function oidcRouter(state: PlatformState): Router {
  const router = express.Router();
  const launchPath =
    state.family === 'moodle' ? '/mod/lti/launch.php' : '/courses/:courseId/external_tools/retrieve';
  router.get(launchPath, (req, res) => launchPage(state, req, res));
  const auth = fixedPaths(state.family).auth;
  router.get(auth, (req, res) => authorize(state, req, res));
  router.post(auth, (req, res) => authorize(state, req, res));
  return router;
}
