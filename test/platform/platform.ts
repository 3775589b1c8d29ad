/**
 * `startPlatform`: a running LTI 1.3 platform on 127.0.0.1 that behaves as Moodle 5.1 or
 * Canvas do (see README.md). Tests drive it through the `Platform` methods and a
 * `Browser`; the tool under test only ever sees standard LTI over HTTP.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { decodeJwt } from 'jose';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessTokens } from './access-tokens.js';
import { agsRouter } from './ags.js';
import { attachCanvasLms, canvasLmsOf, type ApiKeyCredentials, type CanvasLms } from './canvas-api.js';
import type { ApiKeyInput } from './canvas-oauth.js';
import type { DeepLinkingSettings } from './claims.js';
import { deepLinkingRouter } from './deep-linking.js';
import { Directory, seedDefaults } from './fixtures.js';
import { Gradebook } from './gradebook.js';
import { opaque } from './ids.js';
import { PlatformKeys, type SigningMode } from './keys.js';
import { moodleWsRouter } from './moodle-ws.js';
import type { MoodleSite, WsToken, WsTokenOptions } from './moodle-ws-data.js';
import { attachMoodleSite, moodleSiteOf } from './moodle-ws-site.js';
import { nrpsRouter } from './nrps.js';
import { loginParameters, oidcRouter } from './oidc.js';
import { Urls, type PlatformEndpoints } from './paths.js';
import { createRegistrationToken, openidConfiguration, registrationRouter } from './registration.js';
import type { AddToolInput } from './registry.js';
import { ToolRegistry } from './registry.js';
import type { PendingLaunch, PlatformState } from './state.js';
import { tokenRouter } from './token-endpoint.js';
import type {
  Course,
  CourseRole,
  CourseSeed,
  Family,
  LineItem,
  MessageType,
  RegisteredTool,
  ResourceLink,
  User,
  UserSeed,
} from './types.js';

/** Options of `startPlatform`. */
export interface StartPlatformOptions {
  family: Family;
  /** Moodle: defaults to its own URL. Canvas: defaults to `https://canvas.instructure.com`. */
  issuer?: string;
  /** Site / account name shown in `tool_platform`. */
  name?: string;
  /** Lifetime of service access tokens (`expires_in`), seconds; default 3600. */
  accessTokenTtl?: number;
  /** Load the default people, courses, enrolments and native grade items (default true). */
  seed?: boolean;
  /** Extra pages served by the platform (the demo's course page), mounted before the 404. */
  routes?: (platform: Platform) => Router;
}

/** What a test asks for when it launches. */
export interface LaunchOptions {
  /** User handle (`ana`, `prof`…). */
  user: string;
  /** Course handle (`math`, `hist`…). */
  course: string;
  /** Client id; default: the tool registered last. */
  tool?: string;
  /** Resource link id; default: the tool's default (ungraded) link in the course. */
  resourceLink?: string;
  messageType?: MessageType;
  /** Locale as the user set it (`fr`, `en`, `fr-CA`); Moodle sends its language code (`fr_ca`). */
  locale?: string;
  /** Deployment id sent at login and in the id_token; default: the tool's first. */
  deploymentId?: string;
  targetLinkUri?: string;
  /** Claim overrides: a value replaces the claim, `undefined` deletes it. */
  claims?: Record<string, unknown>;
  /** Runs after `claims`, on a copy, for nested edits. */
  transformClaims?: (claims: Record<string, unknown>) => Record<string, unknown>;
  signing?: SigningMode;
  /** How the login initiation reaches the tool (Moodle and Canvas both POST by default). */
  loginMethod?: 'POST' | 'GET';
  /** Replaces (or with `undefined` removes) login-initiation parameters. */
  loginParams?: Record<string, string | undefined>;
  deepLinking?: Partial<DeepLinkingSettings>;
  /** Canvas placement; deep linking defaults to `link_selection`. */
  placement?: string;
}

/** A prepared launch: open `url` in a browser to run it. */
export interface PreparedLaunch {
  key: string;
  /** The LMS page that starts the launch (sets the platform session, posts to the tool's login URL). */
  url: string;
  clientId: string;
  deploymentId: string;
  loginHint: string;
  messageHint: string;
  targetLinkUri: string;
  /** The login-initiation parameters as they will be sent. */
  loginParams: Record<string, string>;
}

/** Options of a resource link. */
export interface ResourceLinkOptions {
  course: string;
  tool?: string;
  title?: string;
  description?: string;
  url?: string;
  custom?: Record<string, string>;
  /** Couples a line item (Moodle "Accept grades from the tool", Canvas assignment). */
  acceptGrades?: boolean | { scoreMaximum?: number; label?: string; tag?: string; resourceId?: string };
}

/** What `runDynamicRegistration` saw. */
export interface DynamicRegistrationResult {
  /** The URL the admin's browser opened (tool URL + `openid_configuration` + `registration_token`). */
  url: string;
  status: number;
  headers: Headers;
  body: string;
  registrationToken: string;
  /** The tool created with this token, if the tool completed registration. */
  tool?: RegisteredTool;
}

/** Something that can GET a URL (a `Browser`, or plain fetch by default). */
export interface Getter {
  get(url: string): Promise<{ status: number; headers: Headers; body: string; url: string }>;
}

/** A running test platform. */
export class Platform {
  private lastClientId?: string;

  /** @internal use `startPlatform`. */
  constructor(
    private readonly state: PlatformState,
    private readonly server: http.Server,
  ) {}

  get family(): Family {
    return this.state.family;
  }
  /** Base URL (`http://127.0.0.1:<port>`). */
  get url(): string {
    return this.state.urls.base;
  }
  /** `iss` of id_tokens (Canvas: differs from `url`). */
  get issuer(): string {
    return this.state.issuer;
  }
  /** Absolute URLs of OpenID configuration, JWKS, auth, token and registration endpoints. */
  get endpoints(): PlatformEndpoints {
    return this.state.urls.endpoints();
  }
  /** The OpenID configuration document. */
  openidConfiguration(): Record<string, unknown> {
    return openidConfiguration(this.state);
  }
  /** The current signing `kid`. */
  get kid(): string {
    return this.state.keys.kid;
  }
  /** The JWKS the platform publishes. */
  jwks(): ReturnType<PlatformKeys['jwks']> {
    return this.state.keys.jwks();
  }
  /** New signing key; the old one stays published unless `keepPrevious: false`. */
  rotateKeys(options?: { keepPrevious?: boolean }): Promise<string> {
    return this.state.keys.rotate(options);
  }
  /** Signs any payload with the platform key (or a forgery mode). */
  sign(payload: Record<string, unknown>, mode?: SigningMode): Promise<string> {
    return this.state.keys.sign(payload, mode);
  }

  // Fixtures ---------------------------------------------------------------

  /** A person by handle. */
  user(handle: string): User {
    return this.state.directory.user(handle);
  }
  /** A course by handle. */
  course(handle: string): Course {
    return this.state.directory.course(handle);
  }
  /** Every person. */
  users(): User[] {
    return this.state.directory.allUsers();
  }
  /** Creates a person. */
  addUser(seed: UserSeed): User {
    return this.state.directory.addUser(seed);
  }
  /** Creates a course (and seeds its native grade items). */
  addCourse(seed: CourseSeed): Course {
    const course = this.state.directory.addCourse(seed);
    this.state.gradebook.seedNative(course.handle, []);
    return course;
  }
  /** Enrols a person (or changes the role/status). */
  enrol(user: string, course: string, role: CourseRole, status: 'active' | 'suspended' = 'active'): void {
    this.state.directory.enrol(user, course, role, status);
  }

  // Tools ------------------------------------------------------------------

  /** Registers a tool by hand (active at once). Canvas tools get `canvas_user_id`/`canvas_course_id` custom parameters by default. */
  addTool(input: AddToolInput): { clientId: string; deploymentId: string; tool: RegisteredTool } {
    const customParameters =
      input.customParameters ??
      (this.family === 'canvas'
        ? { canvas_user_id: '$Canvas.user.id', canvas_course_id: '$Canvas.course.id' }
        : {});
    const tool = this.state.registry.add({ ...input, customParameters });
    this.lastClientId = tool.clientId;
    return { clientId: tool.clientId, deploymentId: tool.deploymentIds[0]!, tool };
  }
  /** A registered tool (throws if unknown). */
  tool(clientId: string): RegisteredTool {
    return this.state.registry.require(clientId);
  }
  /** Every registered tool. */
  tools(): RegisteredTool[] {
    return this.state.registry.all();
  }
  /** What an admin's "Activate" does. */
  activateTool(clientId: string): void {
    this.tool(clientId).status = 'active';
  }
  /** Back to pending (launches and tokens refused). */
  deactivateTool(clientId: string): void {
    this.tool(clientId).status = 'pending';
  }
  /** Adds a deployment to a tool; returns its id. */
  addDeployment(clientId: string, deploymentId?: string): string {
    return this.state.registry.addDeployment(clientId, deploymentId);
  }
  /** Mints a single-use registration token (default 1 hour; negative ttl = already expired). */
  createRegistrationToken(ttlSeconds?: number): Promise<string> {
    return createRegistrationToken(this.state, ttlSeconds);
  }

  /**
   * Does what the LMS admin's browser does for dynamic registration: opens the tool's
   * registration URL with `openid_configuration` and `registration_token` appended to its
   * query. Returns the tool's answer and, if it registered, the new tool record.
   */
  async runDynamicRegistration(
    toolRegistrationUrl: string,
    options: { browser?: Getter; registrationToken?: string; ttlSeconds?: number } = {},
  ): Promise<DynamicRegistrationResult> {
    const registrationToken =
      options.registrationToken ?? (await this.createRegistrationToken(options.ttlSeconds));
    const url = new URL(toolRegistrationUrl);
    url.searchParams.append('openid_configuration', this.endpoints.openidConfiguration);
    url.searchParams.append('registration_token', registrationToken);
    const answer = options.browser
      ? await options.browser.get(url.toString())
      : await fetch(url, { redirect: 'manual' }).then(async (r) => ({
          status: r.status,
          headers: r.headers,
          body: await r.text(),
          url: url.toString(),
        }));
    let tool: RegisteredTool | undefined;
    try {
      const entry = this.state.registrationTokens.get(String(decodeJwt(registrationToken).jti));
      tool = entry?.used ? this.state.registry.get(entry.clientId) : undefined;
    } catch {
      tool = undefined;
    }
    if (tool) this.lastClientId = tool.clientId;
    return {
      url: url.toString(),
      status: answer.status,
      headers: answer.headers,
      body: answer.body,
      registrationToken,
      ...(tool ? { tool } : {}),
    };
  }

  /** Places the tool in a course; optionally graded. */
  addResourceLink(options: ResourceLinkOptions): ResourceLink {
    const clientId = this.resolveTool(options.tool);
    const link = this.state.registry.addLink({
      courseHandle: this.course(options.course).handle,
      clientId,
      title: options.title ?? this.tool(clientId).name,
      description: options.description ?? '',
      custom: options.custom ?? {},
      ...(options.url ? { url: options.url } : {}),
    });
    if (options.acceptGrades) {
      const g = options.acceptGrades === true ? {} : options.acceptGrades;
      const item = this.state.gradebook.create(link.courseHandle, clientId, {
        label: g.label ?? link.title,
        scoreMaximum: g.scoreMaximum ?? 100,
        tag: g.tag ?? '',
        resourceId: g.resourceId ?? '',
        resourceLinkId: link.id,
      });
      link.lineItemId = item.id;
    }
    return link;
  }
  /** A resource link by id. */
  resourceLink(id: string): ResourceLink | undefined {
    return this.state.registry.link(id);
  }

  private resolveTool(clientId?: string): string {
    const id = clientId ?? this.lastClientId;
    if (!id) throw new Error('no tool registered on the platform');
    return this.tool(id).clientId;
  }

  // Launches ---------------------------------------------------------------

  /** Prepares a launch and returns the LMS page URL that starts it. */
  async prepareLaunch(options: LaunchOptions): Promise<PreparedLaunch> {
    const clientId = this.resolveTool(options.tool);
    const tool = this.tool(clientId);
    const user = this.user(options.user);
    const course = this.course(options.course);
    const messageType = options.messageType ?? 'LtiResourceLinkRequest';
    const link =
      messageType === 'LtiResourceLinkRequest'
        ? options.resourceLink
          ? this.state.registry.link(options.resourceLink)
          : this.state.registry.defaultLink(course.handle, clientId)
        : undefined;
    if (messageType === 'LtiResourceLinkRequest' && !link)
      throw new Error(`unknown resource link ${options.resourceLink}`);
    const dlMessage = tool.messages.find((m) => m.type === 'LtiDeepLinkingRequest');
    const targetLinkUri =
      options.targetLinkUri ??
      (messageType === 'LtiDeepLinkingRequest'
        ? (dlMessage?.targetLinkUri ?? tool.deepLinkUrl ?? tool.targetLinkUri)
        : (link?.url ?? tool.targetLinkUri));
    const key = opaque(16);
    const deploymentId = options.deploymentId ?? tool.deploymentIds[0]!;
    const locale = options.locale ?? user.locale;
    const messageHint =
      this.family === 'moodle'
        ? JSON.stringify({ cmid: link?.id ?? '0', launchid: `ltilaunch${opaque(6)}_${key.slice(0, 6)}` })
        : await this.state.keys.sign({
            verifier: key,
            canvas_domain: new URL(this.url).host,
            context_type: 'Course',
            context_id: course.restId,
            canvas_locale: locale,
            include_storage_target: false,
            exp: Math.floor(Date.now() / 1000) + 300,
          });
    const launch: PendingLaunch = {
      key,
      userHandle: user.handle,
      courseHandle: course.handle,
      clientId,
      deploymentId,
      ...(link ? { link } : {}),
      messageType,
      targetLinkUri,
      locale,
      loginHint: user.sub,
      messageHint,
      loginMethod: options.loginMethod ?? 'POST',
      ...(options.loginParams ? { loginParams: options.loginParams } : {}),
      ...(options.claims || options.transformClaims
        ? {
            claims: {
              ...(options.claims ? { set: options.claims } : {}),
              ...(options.transformClaims ? { transform: options.transformClaims } : {}),
            },
          }
        : {}),
      signing: options.signing ?? 'valid',
      ...(options.deepLinking ? { deepLinking: options.deepLinking } : {}),
      ...(options.placement || (this.family === 'canvas' && messageType === 'LtiDeepLinkingRequest')
        ? { placement: options.placement ?? 'link_selection' }
        : {}),
      consumed: false,
    };
    this.state.launches.set(key, launch);
    return {
      key,
      url: this.state.urls.launchPage(course.restId, link?.id ?? '0', key),
      clientId,
      deploymentId,
      loginHint: launch.loginHint,
      messageHint,
      targetLinkUri,
      loginParams: await loginParameters(this.state, launch),
    };
  }

  /** Shorthand: the LMS page URL that starts a launch. */
  async launchUrlFor(options: LaunchOptions): Promise<string> {
    return (await this.prepareLaunch(options)).url;
  }

  // Records ----------------------------------------------------------------

  /** Every id_token the auth endpoint produced (for replay and claim assertions). */
  get issuedIdTokens(): PlatformState['records']['idTokens'] {
    return this.state.records.idTokens;
  }
  /** Every HTTP request received (method, path): what a tool cost the LMS. */
  get httpRequests(): PlatformState['records']['httpRequests'] {
    return this.state.records.httpRequests;
  }
  /** Every token-endpoint call. */
  get tokenRequests(): PlatformState['records']['tokenRequests'] {
    return this.state.records.tokenRequests;
  }
  /** Verified deep-linking responses. */
  get deepLinkResponses(): PlatformState['records']['deepLinkResponses'] {
    return this.state.records.deepLinkResponses;
  }
  /** Refused deep-linking responses with the reason. */
  get deepLinkRejections(): PlatformState['records']['deepLinkRejections'] {
    return this.state.records.deepLinkRejections;
  }
  /** Every line item of a course, native ones included. */
  lineItems(course: string): LineItem[] {
    return this.state.gradebook.allInCourse(this.course(course).handle);
  }
  /** A line item by id. */
  lineItem(id: string): LineItem | undefined {
    return this.state.gradebook.get(id);
  }
  /**
   * An instructor types a grade (and maybe a comment) into a tool's column in the course
   * gradebook, as in the LMS's grader page: the cell's time is now (Moodle shows it through
   * AGS results, Canvas does not). `score` null empties the cell's grade.
   */
  gradeInGradebook(
    itemId: string,
    userHandle: string,
    input: { score: number | null; comment?: string; at?: Date },
  ): void {
    const item = this.state.gradebook.get(itemId);
    if (!item) throw new Error(`unknown line item ${itemId}`);
    const sub = this.user(userHandle).sub;
    const before = item.grades.get(sub);
    item.grades.set(sub, {
      userSub: sub,
      scoreGiven: input.score,
      scoreMaximum: input.score === null ? null : item.scoreMaximum,
      ...(input.comment !== undefined
        ? { comment: input.comment }
        : before?.comment !== undefined
          ? { comment: before.comment }
          : {}),
      activityProgress: 'Completed',
      gradingProgress: 'FullyGraded',
      timestamp: (input.at ?? new Date()).getTime(),
    });
  }
  /** Makes every access token expired. */
  expireAccessTokens(): void {
    this.state.tokens.expireAll();
  }
  /** Changes the lifetime of access tokens issued from now on. */
  setAccessTokenTtl(seconds: number): void {
    this.state.tokens.ttlSeconds = seconds;
  }

  // Canvas REST API (canvas-api.ts, CANVAS-API.md) ---------------------------

  /** Canvas only: the REST side (OAuth grants, course data, throttle, request log). */
  get canvas(): CanvasLms {
    return canvasLmsOf(this.state);
  }
  /** Canvas only: creates an API developer key, as an account admin does. */
  createApiKey(input: ApiKeyInput): ApiKeyCredentials {
    return this.canvas.createApiKey(input);
  }

  // Moodle web services (moodle-ws*.ts) --------------------------------------

  /** Moodle only: the site behind `/webservice/rest/server.php` (activities, attempts, completion, tokens). */
  get moodle(): MoodleSite {
    return moodleSiteOf(this.state);
  }
  /** Moodle only: creates a web-service token (default: every function and capability Jalon needs). */
  createWsToken(options?: WsTokenOptions): WsToken {
    return this.moodle.createToken(options);
  }

  /** Stops the server. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((e) => (e ? reject(e) : resolve()));
      this.server.closeAllConnections();
    });
  }
}

function errorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const status =
    typeof err === 'object' && err && 'status' in err && typeof err.status === 'number' ? err.status : 500;
  res.status(status).json({
    error: status === 500 ? 'server_error' : 'invalid_request',
    error_description: err instanceof Error ? err.message : String(err),
  });
}

/** Starts a platform on 127.0.0.1 (random port). Close it in `afterAll`. */
export async function startPlatform(options: StartPlatformOptions): Promise<Platform> {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false }));
  app.use(express.json({ type: (req) => /json/i.test(String(req.headers['content-type'] ?? '')) }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const family = options.family;
  const directory = new Directory(family);
  const gradebook = new Gradebook(family);
  const state: PlatformState = {
    family,
    issuer: options.issuer ?? (family === 'moodle' ? base : 'https://canvas.instructure.com'),
    name: options.name ?? 'Example University',
    urls: new Urls(family, base),
    keys: await PlatformKeys.create(),
    directory,
    registry: new ToolRegistry(family),
    gradebook,
    tokens: new AccessTokens(options.accessTokenTtl ?? 3600),
    launches: new Map(),
    sessions: new Map(),
    deepLinks: new Map(),
    usedAssertionJtis: new Set(),
    registrationTokens: new Map(),
    records: {
      idTokens: [],
      tokenRequests: [],
      deepLinkResponses: [],
      deepLinkRejections: [],
      httpRequests: [],
    },
  };
  if (options.seed !== false) {
    seedDefaults(directory);
    for (const c of directory.allCourses()) {
      gradebook.seedNative(
        c.handle,
        directory
          .activeMembers(c.handle)
          .filter((m) => m.enrolment.role === 'learner')
          .map((m) => m.user.sub),
      );
    }
  }
  app.use((req, _res, next) => {
    state.records.httpRequests.push({ method: req.method, path: req.path });
    next();
  });
  // Before the LTI token endpoint: API keys' grants share `/login/oauth2/token` with it.
  if (family === 'canvas') app.use(attachCanvasLms(state, { seed: options.seed !== false }).router());
  if (family === 'moodle') attachMoodleSite(state, options.seed !== false);
  app.use(moodleWsRouter(state));
  const jwksPath = new URL(state.urls.endpoints().jwks).pathname;
  app.get(jwksPath, (_req, res) => {
    res.json(state.keys.jwks());
  });
  app.use(
    registrationRouter(state),
    oidcRouter(state),
    tokenRouter(state),
    agsRouter(state),
    nrpsRouter(state),
    deepLinkingRouter(state),
  );
  const extra = express.Router();
  app.use(extra);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  app.use(errorHandler);
  const platform = new Platform(state, server);
  if (options.routes) extra.use(options.routes(platform));
  return platform;
}
