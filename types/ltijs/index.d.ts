/**
 * Our own typings for ltijs 5.9.9 (CommonJS; `exports.Provider` is a process-wide singleton).
 * Written from `node_modules/ltijs/dist/` (Provider/Provider.js, Utils/Platform.js,
 * Provider/Services/*.js); `@types/ltijs` describes v4 and must not be installed.
 * Service methods take the token structurally: only the fields ltijs actually reads.
 */
declare module 'ltijs' {
  import type { Express, NextFunction, Request, Response } from 'express';

  /** A stored document as the plugin hands it over. */
  export type DatabaseDocument = Record<string, unknown>;

  /**
   * The duck-typed storage plugin ltijs calls (capitalised names). `key` is ltijs' encryption
   * key for the sealed collections (publickey, privatekey, accesstoken) or `false`.
   */
  export interface DatabasePlugin {
    setup(): Promise<boolean>;
    Close(): Promise<boolean>;
    /** Resolves `false` (not `[]`) when nothing matches; `query` undefined means every row. */
    Get(
      key: string | false,
      collection: string,
      query?: DatabaseDocument,
    ): Promise<DatabaseDocument[] | false>;
    Insert(
      key: string | false,
      collection: string,
      item: DatabaseDocument,
      index?: DatabaseDocument,
    ): Promise<boolean>;
    Replace(
      key: string | false,
      collection: string,
      query: DatabaseDocument,
      item: DatabaseDocument,
      index?: DatabaseDocument,
    ): Promise<boolean>;
    Modify(
      key: string | false,
      collection: string,
      query: DatabaseDocument,
      modification: DatabaseDocument,
    ): Promise<boolean>;
    Delete(collection: string, query: DatabaseDocument): Promise<boolean>;
  }

  /** Second argument of `setup`: a plugin (Jalon), or a MongoDB URL (built-in store; never used here). */
  export type DatabaseConfig =
    | { plugin: DatabasePlugin }
    | { plugin?: undefined; url: string; debug?: boolean; connection?: Record<string, unknown> };

  export type CookieSameSite = 'Strict' | 'Lax' | 'None' | 'strict' | 'lax' | 'none';

  /** `options.dynReg`: ltijs' own Dynamic Registration service. */
  export interface DynamicRegistrationOptions {
    /** Tool base URL, e.g. `https://tool.example`. */
    url: string;
    name: string;
    logo?: string;
    description?: string;
    redirectUris?: string[];
    customParameters?: Record<string, string>;
    /** Default false: dynamically registered platforms start inactive. */
    autoActivate?: boolean;
    /** Default true. */
    useDeepLinking?: boolean;
  }

  /** Third argument of `setup`. */
  export interface ProviderOptions {
    /** Default '/'. */
    appRoute?: string;
    /** Default '/login'. */
    loginRoute?: string;
    /** Default '/keys'. */
    keysetRoute?: string;
    /** Default '/register'. */
    dynRegRoute?: string;
    /** @deprecated use appRoute */
    appUrl?: string;
    /** @deprecated use loginRoute */
    loginUrl?: string;
    /** @deprecated use keysetRoute */
    keysetUrl?: string;
    https?: boolean;
    ssl?: { key: string | Buffer; cert: string | Buffer };
    staticPath?: string;
    /** Default true: CORS for any origin with credentials. Pass false. */
    cors?: boolean;
    /** Runs once with ltijs' express 4 app, after its body/cookie/ltik middleware and before its routes. */
    serverAddon?: (app: Express) => void;
    /** Defaults: secure false, no SameSite; httpOnly and signed always. */
    cookies?: { secure?: boolean; sameSite?: CookieSameSite; domain?: string };
    /** Missing state/session cookies are ignored. Never in production. */
    devMode?: boolean;
    /** Max id_token age in seconds (default 10); false disables the check. */
    tokenMaxAge?: number | false;
    dynReg?: DynamicRegistrationOptions;
    /** No session cookie, ltik only, and `onConnect` runs on the id_token POST itself. */
    ltiaas?: boolean;
  }

  /** `platform.authConfig`: how ltijs verifies the platform's id tokens. */
  export interface AuthConfig {
    method: 'RSA_KEY' | 'JWK_KEY' | 'JWK_SET';
    /** PEM, a JWK as JSON text, or the JWKS URL. */
    key: string;
  }

  /** Argument of `registerPlatform`; name, endpoints and authConfig are required for a new platform. */
  export interface PlatformRegistration {
    url: string;
    clientId: string;
    name?: string;
    authenticationEndpoint?: string;
    accesstokenEndpoint?: string;
    /** `aud` of the client assertion; defaults to the token endpoint. */
    authorizationServer?: string;
    authConfig?: AuthConfig;
  }

  /** Argument of `updatePlatformById`; only the given fields change. */
  export type PlatformUpdate = Partial<PlatformRegistration> & { authConfig?: Partial<AuthConfig> };

  /** An OAuth2 client-credentials token as the platform returned it (`token_type` capitalised). */
  export interface AccessToken {
    access_token: string;
    token_type: string;
    expires_in: number;
    scope?: string;
    [extra: string]: unknown;
  }

  /** `Platform.platformJSON()`. */
  export interface PlatformJSON {
    id: string;
    url: string;
    clientId: string;
    name: string;
    authenticationEndpoint: string;
    accesstokenEndpoint: string;
    authorizationServer: string;
    authConfig: AuthConfig;
    publicKey: string;
    active: boolean;
  }

  /** A registered platform. Setters write through the plugin (`Modify`/`Replace`). */
  export interface Platform {
    platformUrl(): Promise<string>;
    platformClientId(): Promise<string>;
    platformName(name?: string): Promise<string>;
    /** ltijs' platform id (= the kid of the tool key pair for this platform). */
    platformId(): Promise<string>;
    platformKid(): Promise<string>;
    /** Reads (no status row = active) or sets the status. */
    platformActive(active?: boolean): Promise<boolean>;
    /** PEM (SPKI) of the tool key for this platform. */
    platformPublicKey(): Promise<string>;
    /** PEM (PKCS#1) of the tool signing key for this platform. */
    platformPrivateKey(): Promise<string>;
    platformAuthConfig(method?: AuthConfig['method'], key?: string): Promise<AuthConfig>;
    platformAuthenticationEndpoint(authenticationEndpoint?: string): Promise<string>;
    /** @deprecated use platformAuthenticationEndpoint */
    platformAuthEndpoint(authenticationEndpoint?: string): Promise<string>;
    platformAccessTokenEndpoint(accesstokenEndpoint?: string): Promise<string>;
    /** Falls back to the access token endpoint when unset. */
    platformAuthorizationServer(authorizationServer?: string): Promise<string>;
    /** Cached token for this exact scope string, or a fresh one (no safety margin, no retry on 401). */
    platformAccessToken(scopes: string): Promise<AccessToken>;
    platformJSON(): Promise<PlatformJSON>;
    /** Deletes the platform, its status and its key pair. */
    delete(): Promise<true>;
    /** @deprecated use delete */
    remove(): Promise<true>;
  }

  /** The LTI context claim. */
  export interface ContextClaim {
    id: string;
    label?: string;
    title?: string;
    type?: string[];
    [extra: string]: unknown;
  }

  /** The LTI resource_link claim. */
  export interface ResourceLinkClaim {
    id: string;
    title?: string;
    description?: string;
    [extra: string]: unknown;
  }

  export interface LaunchPresentationClaim {
    document_target?: 'iframe' | 'window' | 'frame' | string;
    return_url?: string;
    locale?: string;
    height?: number;
    width?: number;
    [extra: string]: unknown;
  }

  /** The AGS endpoint claim (`platformContext.endpoint`). */
  export interface AgsEndpointClaim {
    scope?: string[];
    lineitems?: string;
    lineitem?: string;
    [extra: string]: unknown;
  }

  /** The NRPS claim (`platformContext.namesRoles`). */
  export interface NamesRolesClaim {
    context_memberships_url: string;
    service_versions?: string[];
    [extra: string]: unknown;
  }

  /** The deep linking settings claim. */
  export interface DeepLinkingSettings {
    deep_link_return_url: string;
    accept_types: string[];
    accept_presentation_document_targets?: string[];
    accept_media_types?: string;
    /** ltijs treats the string 'false' as false. */
    accept_multiple?: boolean | 'true' | 'false';
    accept_lineitem?: boolean;
    auto_create?: boolean;
    title?: string;
    text?: string;
    data?: string;
    [extra: string]: unknown;
  }

  /** The tool_platform claim (`token.platformInfo`). */
  export interface ToolPlatformClaim {
    guid?: string;
    name?: string;
    version?: string;
    product_family_code?: string;
    contact_email?: string;
    description?: string;
    url?: string;
    [extra: string]: unknown;
  }

  /** The stored context token: the launch's course, resource, roles and services. */
  export interface PlatformContext {
    /** Encoded iss+clientId+deploymentId+course+resource+hash; one per launch variant. */
    contextId: string;
    user: string;
    roles: string[];
    /** The app path the launch arrived at (changed by `redirect(…, { newResource: true })`). */
    path: string;
    targetLinkUri?: string;
    context?: ContextClaim;
    resource?: ResourceLinkClaim;
    custom?: Record<string, unknown>;
    launchPresentation?: LaunchPresentationClaim;
    messageType: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
    version: string;
    deepLinkingSettings?: DeepLinkingSettings;
    lis?: Record<string, unknown>;
    endpoint?: AgsEndpointClaim;
    namesRoles?: NamesRolesClaim;
    /** ISO date (JSON round-trip of the stored row); absent in ltiaas mode. */
    createdAt?: string;
  }

  /**
   * What `onConnect`/`onDeepLinking` receive (and `res.locals.token`): a fixed subset of the
   * id_token claims. Anything else (picture, locale, lti1p1, vendor claims) is dropped.
   */
  export interface IdToken {
    iss: string;
    /** The id_token `sub`. */
    user: string;
    userInfo: { given_name?: string; family_name?: string; name?: string; email?: string };
    platformInfo?: ToolPlatformClaim;
    clientId: string;
    /** ltijs' platform id (kid). */
    platformId: string;
    /** Not checked by ltijs against anything. */
    deploymentId: string;
    /** ISO date (JSON round-trip of the stored row); absent in ltiaas mode. */
    createdAt?: string;
    platformContext: PlatformContext;
  }

  /** What the Grade service reads from a token. */
  export interface GradeToken {
    iss: string;
    clientId: string;
    user: string;
    platformContext: { endpoint?: AgsEndpointClaim; resource?: ResourceLinkClaim };
  }

  /** What the Names and Roles service reads from a token. */
  export interface NamesRolesToken {
    iss: string;
    clientId: string;
    platformContext: { namesRoles?: NamesRolesClaim; resource?: ResourceLinkClaim };
  }

  /** What the Deep Linking service reads from a token. */
  export interface DeepLinkingToken {
    iss: string;
    clientId: string;
    deploymentId: string;
    platformContext: { deepLinkingSettings?: DeepLinkingSettings };
  }

  /** AGS line item (application/vnd.ims.lis.v2.lineitem+json). */
  export interface LineItem {
    id?: string;
    scoreMaximum: number;
    label: string;
    resourceId?: string;
    resourceLinkId?: string;
    tag?: string;
    startDateTime?: string;
    endDateTime?: string;
    gradesReleased?: boolean;
    [extra: string]: unknown;
  }

  /** AGS score (application/vnd.ims.lis.v1.score+json). ltijs fills userId, timestamp and, if needed, scoreMaximum. */
  export interface Score {
    userId?: string;
    scoreGiven?: number;
    scoreMaximum?: number;
    comment?: string;
    activityProgress: 'Initialized' | 'Started' | 'InProgress' | 'Submitted' | 'Completed';
    gradingProgress: 'FullyGraded' | 'Pending' | 'PendingManual' | 'Failed' | 'NotReady';
    timestamp?: string;
    [extra: string]: unknown;
  }

  /** AGS result. */
  export interface ResultItem {
    id: string;
    scoreOf: string;
    userId: string;
    resultScore?: number;
    resultMaximum?: number;
    comment?: string;
    [extra: string]: unknown;
  }

  /** Paging links ltijs parses from the `Link` header. */
  export interface PageLinks {
    next?: string;
    prev?: string;
    first?: string;
    last?: string;
  }

  export interface GradeService {
    /** Never pass `limit` to Moodle 5.1.3 for scores; paging stops silently on Moodle's malformed Link header. */
    getLineItems(
      idtoken: GradeToken,
      options?: {
        resourceLinkId?: boolean;
        resourceId?: string;
        tag?: string;
        limit?: number;
        id?: string;
        label?: string;
        url?: string;
      },
      accessToken?: AccessToken,
    ): Promise<PageLinks & { lineItems: LineItem[] }>;
    createLineItem(
      idtoken: GradeToken,
      lineItem: LineItem,
      options?: { resourceLinkId?: boolean },
      accessToken?: AccessToken,
    ): Promise<LineItem>;
    getLineItemById(idtoken: GradeToken, lineItemId: string, accessToken?: AccessToken): Promise<LineItem>;
    updateLineItemById(
      idtoken: GradeToken,
      lineItemId: string,
      lineItem: Partial<LineItem>,
    ): Promise<LineItem>;
    deleteLineItemById(idtoken: GradeToken, lineItemId: string): Promise<true>;
    /** POSTs to `<lineItemId>/scores`; returns the score as sent. */
    submitScore(idtoken: GradeToken, lineItemId: string, score: Score): Promise<Score>;
    getScores(
      idtoken: GradeToken,
      lineItemId: string,
      options?: { userId?: string; limit?: number; url?: string },
    ): Promise<PageLinks & { scores: ResultItem[] }>;
  }

  /** An NRPS member. */
  export interface Member {
    user_id: string;
    roles: string[];
    status?: 'Active' | 'Inactive' | 'Deleted';
    name?: string;
    given_name?: string;
    family_name?: string;
    email?: string;
    lis_person_sourcedid?: string;
    [extra: string]: unknown;
  }

  export interface MembershipContainer {
    id: string;
    context: { id: string; label?: string; title?: string };
    members: Member[];
    next?: string;
    differences?: string;
    [extra: string]: unknown;
  }

  export interface NamesAndRolesService {
    /** One page unless `pages: false`. */
    getMembers(
      idtoken: NamesRolesToken,
      options?: {
        role?: string;
        limit?: number;
        pages?: number | false;
        url?: string;
        resourceLinkId?: boolean;
      },
    ): Promise<MembershipContainer>;
  }

  /** A deep linking content item. */
  export interface ContentItem {
    type: 'ltiResourceLink' | 'link' | 'file' | 'html' | 'image' | (string & {});
    title?: string;
    text?: string;
    url?: string;
    custom?: Record<string, string>;
    lineItem?: Partial<LineItem>;
    [extra: string]: unknown;
  }

  /** `errMessage` lands in a claim name with a trailing space (ltijs bug): prefer message/log. */
  export interface DeepLinkingOptions {
    message?: string;
    errMessage?: string;
    log?: string;
    errLog?: string;
  }

  export interface DeepLinkingService {
    /** An auto-submitting HTML form posting the signed JWT to `deep_link_return_url`. */
    createDeepLinkingForm(
      idtoken: DeepLinkingToken,
      contentItems: ContentItem | ContentItem[],
      options?: DeepLinkingOptions,
    ): Promise<string>;
    /** The signed LtiDeepLinkingResponse JWT (RS256, the platform's tool key). */
    createDeepLinkingMessage(
      idtoken: DeepLinkingToken,
      contentItems: ContentItem | ContentItem[],
      options?: DeepLinkingOptions,
    ): Promise<string>;
  }

  export interface DynamicRegistrationService {
    /**
     * Fetches the platform configuration, POSTs the registration (deep-merged with `options`;
     * arrays are replaced), registers the platform and inserts its status. Returns the
     * close-window script. Throws `PLATFORM_ALREADY_REGISTERED`.
     */
    register(
      openidConfiguration: string,
      registrationToken?: string,
      options?: Record<string, unknown>,
    ): Promise<string>;
  }

  export type WhitelistRoute = string | RegExp | { route: string | RegExp; method: string };

  /** ltijs' launch handler signature; `token` is also in `res.locals.token`. */
  export type LaunchCallback = (token: IdToken, req: Request, res: Response, next: NextFunction) => unknown;
  export type RequestCallback = (req: Request, res: Response, next: NextFunction) => unknown;

  export interface Provider {
    /** ltijs' own express 4 app; available after `setup`. */
    app: Express;
    /** The plugin given to `setup`. */
    Database: DatabasePlugin;
    Grade: GradeService;
    DeepLinking: DeepLinkingService;
    NamesAndRoles: NamesAndRolesService;
    /** Only when `options.dynReg` was given. */
    DynamicRegistration?: DynamicRegistrationService;

    /** Once per process; throws PROVIDER_ALREADY_SETUP. */
    setup(encryptionKey: string, database: DatabaseConfig, options?: ProviderOptions): Provider;
    /**
     * Calls the plugin's `setup()` and (unless serverless) listens; installs a SIGINT handler
     * that exits, and exits the process if setup fails. Jalon does not call it.
     */
    deploy(options?: { port?: number; silent?: boolean; serverless?: boolean }): Promise<true | undefined>;
    /** Closes the listening server (if any) and calls the plugin's `Close()`. */
    close(options?: { silent?: boolean }): Promise<true>;

    onConnect(callback: LaunchCallback, options?: Record<string, unknown>): true;
    onDeepLinking(callback: LaunchCallback): true;
    onDynamicRegistration(callback: RequestCallback): true;
    /** Called with `res.locals.err` set; default answers 401 JSON. */
    onSessionTimeout(callback: RequestCallback): true;
    /** Called with `res.locals.err` set; default answers 401 JSON echoing the body. */
    onInvalidToken(callback: RequestCallback): true;
    onUnregisteredPlatform(callback: (req: Request, res: Response) => unknown): true;
    onInactivePlatform(callback: (req: Request, res: Response) => unknown): true;

    appRoute(): string;
    loginRoute(): string;
    keysetRoute(): string;
    dynRegRoute(): string;
    /** Routes that skip ltijs' session check; returns the whole list. */
    whitelist(...routes: WhitelistRoute[]): Array<{ route: string | RegExp; method: string }>;

    /** Registers (4096-bit RSA keygen, blocking ~1 s) or updates an existing (url, clientId). */
    registerPlatform(platform: PlatformRegistration): Promise<Platform>;
    getPlatform(url: string): Promise<Platform[] | false>;
    getPlatform(url: string, clientId: string): Promise<Platform | false>;
    getPlatformById(platformId: string): Promise<Platform | false>;
    /** Throws URL_CLIENT_ID_COMBINATION_ALREADY_EXISTS. */
    updatePlatformById(platformId: string, platformInfo: PlatformUpdate): Promise<Platform | false>;
    deletePlatform(url: string, clientId: string): Promise<true>;
    deletePlatformById(platformId: string): Promise<true>;
    getAllPlatforms(): Promise<Platform[]>;

    /** Redirects keeping the ltik; `newResource` rewrites the context token's path. */
    redirect(
      res: Response,
      path: string,
      options?: { newResource?: boolean; isNewResource?: boolean; query?: Record<string, string> },
    ): Promise<void>;
  }

  /** The singleton. */
  export const Provider: Provider;

  const ltijs: { Provider: Provider };
  export default ltijs;
}
