/**
 * Builds the connector a launch (or an administrator) needs from the sealed settings: Moodle
 * from the platform's site URL and token; Canvas from the developer key and the acting
 * instructor's own OAuth tokens. When it cannot, it says why in words an instructor can act
 * on: nothing set up (and what the administrator must do), or "authorise Jalon on Canvas"
 * with the link that starts the authorisation in a new window.
 */
import type { Logger } from '../log.js';
import type { LaunchContext } from '../lti/launch-context.js';
import { createCanvasConnector, refreshTokens, type CanvasTokenProvider } from './canvas/index.js';
import { createMoodleConnector } from './moodle/index.js';
import type { ConnectorSettings, ConnectorSettingsStore } from './settings.js';
import {
  ConnectorError,
  type ConnectionCheck,
  type ConnectionReport,
  type CourseKey,
  type LmsConnector,
} from './types.js';

/** Why no connector could be built, as an i18n key with parameters. */
export interface ConnectorProblem {
  messageKey: string;
  params?: Record<string, string | number>;
  /** Canvas: where the instructor authorises Jalon (open in a new window, out of the iframe). */
  authorizeUrl?: string;
}

/** A connector for the launch's course, or the reason there is none. */
export type ConnectorResolution =
  { connector: LmsConnector; course: CourseKey } | { problem: ConnectorProblem };

/** What the factory needs. */
export interface ConnectorFactoryDeps {
  settings: ConnectorSettingsStore;
  /** Jalon's public URL (no trailing slash): OAuth addresses are built on it. */
  publicUrl: string;
  log?: Logger;
  /** For tests of unusual networks only; production uses the global fetch. */
  fetch?: typeof fetch;
}

/** Connector i18n keys come with or without the `connectors:` namespace; pages need it. */
export function connectorKey(key: string): string {
  return key.includes(':') ? key : `connectors:${key}`;
}

/** A connector failure as a problem a page can show. */
export function problemOf(err: unknown): ConnectorProblem {
  if (err instanceof ConnectorError) return { messageKey: connectorKey(err.messageKey), params: err.params };
  return { messageKey: 'connectors:missing.failed' };
}

/** The OAuth redirect URI to register on the Canvas developer key. */
export function canvasRedirectUri(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/oauth/canvas/callback`;
}

/** Jalon's own address that starts a Canvas authorisation for a state (opened in a new window). */
export function canvasStartUrl(publicUrl: string, state: string, lang?: string): string {
  const u = new URL(`${publicUrl.replace(/\/+$/, '')}/oauth/canvas/start`);
  u.searchParams.set('state', state);
  if (lang) u.searchParams.set('lang', lang);
  return u.toString();
}

/** The course a launch addresses, in connector terms. */
export function courseKeyOf(launch: LaunchContext): CourseKey | undefined {
  if (!launch.course?.id) return undefined;
  const lmsCourseId = launch.custom.canvas_course_id;
  return {
    contextId: launch.course.id,
    ...(lmsCourseId && /^\d+$/.test(lmsCourseId) ? { lmsCourseId } : {}),
  };
}

/** The "no connector" text fitting the platform's family. */
function missingKey(family: string): string {
  return family === 'moodle' || family === 'canvas'
    ? `connectors:missing.${family}`
    : 'connectors:missing.other';
}

/** Builds connectors from the settings store. */
export class ConnectorFactory {
  constructor(private readonly deps: ConnectorFactoryDeps) {}

  /** The sealed settings this factory reads (admin pages and CLI share them). */
  get settings(): ConnectorSettingsStore {
    return this.deps.settings;
  }

  /** The Canvas OAuth redirect URI of this Jalon. */
  get redirectUri(): string {
    return canvasRedirectUri(this.deps.publicUrl);
  }

  /** Canvas token storage for one user, sealed in the database. */
  tokenProvider(platformId: string, userId: string): CanvasTokenProvider {
    const store = this.deps.settings;
    return {
      async get() {
        const t = await store.userTokens(platformId, userId);
        return t
          ? { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresAt: t.expiresAt }
          : null;
      },
      async save(tokens) {
        // Refreshing keeps the Canvas user id recorded at authorisation.
        await store.saveUserTokens(platformId, userId, tokens);
      },
    };
  }

  /** A connector from settings, acting as `userId` on Canvas. */
  build(settings: ConnectorSettings, userId: string): LmsConnector {
    if (settings.kind === 'moodle')
      return createMoodleConnector({ siteUrl: settings.baseUrl, token: settings.token });
    return createCanvasConnector({
      baseUrl: settings.baseUrl,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      tokens: this.tokenProvider(settings.platformId, userId),
      ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}),
    });
  }

  /**
   * The "authorise Jalon on Canvas" problem, with a fresh single-use state bound to this
   * platform, this LTI user and the Canvas user id the LMS vouched for in the launch.
   */
  async authorizationProblem(launch: LaunchContext, messageKey?: string): Promise<ConnectorProblem> {
    const canvasUserId = launch.custom.canvas_user_id;
    if (!canvasUserId || !/^\d+$/.test(canvasUserId))
      return { messageKey: 'connectors:missing.canvasUserId' };
    const state = await this.deps.settings.createOAuthState(launch.platformId, launch.userId, canvasUserId);
    return {
      messageKey: messageKey ?? 'connectors:missing.authorize',
      authorizeUrl: canvasStartUrl(this.deps.publicUrl, state, launch.lang),
    };
  }

  /** The connector for a launch's course, or why there is none. */
  async forLaunch(launch: LaunchContext): Promise<ConnectorResolution> {
    const course = courseKeyOf(launch);
    if (!course) return { problem: { messageKey: 'connectors:missing.noCourse' } };
    let settings: ConnectorSettings | undefined;
    try {
      settings = await this.deps.settings.get(launch.platformId);
    } catch (err) {
      // A secret that no longer opens (master key changed) must not break the page.
      this.deps.log?.error({ err, platformId: launch.platformId }, 'connector settings unreadable');
      return { problem: { messageKey: 'connectors:missing.unreadable' } };
    }
    if (!settings) return { problem: { messageKey: missingKey(launch.productFamily) } };
    if (settings.kind === 'canvas') {
      const tokens = await this.deps.settings.userTokens(launch.platformId, launch.userId);
      if (!tokens) return { problem: await this.authorizationProblem(launch) };
    }
    return { connector: this.build(settings, launch.userId), course };
  }

  /**
   * "Test connection" for a platform, run by an administrator (`actingUserId` is the LTI
   * user whose Canvas tokens are used, if any; Moodle checks capabilities in `course` by
   * reading `probeUserId`'s data). Canvas also gets a check of the developer
   * key itself, which needs nobody's authorisation. The report is recorded.
   */
  async testPlatform(
    platformId: string,
    options: { actingUserId?: string; course?: CourseKey; probeUserId?: string } = {},
  ): Promise<ConnectionReport | undefined> {
    const settings = await this.deps.settings.get(platformId);
    if (!settings) return undefined;
    let report: ConnectionReport;
    if (settings.kind === 'moodle') {
      const moodle = createMoodleConnector({ siteUrl: settings.baseUrl, token: settings.token });
      report = await moodle.testConnection(
        options.course,
        options.probeUserId ? { probeUserId: options.probeUserId } : {},
      );
    } else {
      const checks: ConnectionCheck[] = [await this.checkDeveloperKey(settings)];
      const tokens = options.actingUserId
        ? await this.deps.settings.userTokens(platformId, options.actingUserId)
        : undefined;
      if (checks[0]!.ok && tokens && options.actingUserId) {
        const r = await this.build(settings, options.actingUserId).testConnection(options.course);
        checks.push(...r.checks);
      } else if (checks[0]!.ok) {
        checks.push({ name: 'oauth', ok: true, messageKey: 'connectors:admin.check.perInstructor' });
      }
      report = { ok: checks.every((c) => c.ok), checkedAt: new Date().toISOString(), checks };
    }
    report = {
      ...report,
      checks: report.checks.map((c) => ({ ...c, messageKey: connectorKey(c.messageKey) })),
    };
    await this.deps.settings.recordCheck(platformId, report);
    return report;
  }

  /**
   * Checks the developer key with a refresh request for a token that cannot exist: Canvas
   * answers `invalid_client` when the id or secret is wrong, another refusal when they are right.
   */
  private async checkDeveloperKey(
    settings: Extract<ConnectorSettings, { kind: 'canvas' }>,
  ): Promise<ConnectionCheck> {
    const name = 'developer-key';
    try {
      await refreshTokens(
        {
          baseUrl: settings.baseUrl,
          clientId: settings.clientId,
          clientSecret: settings.clientSecret,
          ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}),
        },
        'jalon-developer-key-check',
      );
      return { name, ok: true, messageKey: 'connectors:admin.check.keyOk' };
    } catch (e) {
      if (e instanceof ConnectorError && e.messageKey === 'connectors:canvas.error.reauthorize')
        return { name, ok: true, messageKey: 'connectors:admin.check.keyOk' };
      if (e instanceof ConnectorError && e.messageKey === 'connectors:canvas.oauth.invalidClient')
        return { name, ok: false, messageKey: 'connectors:canvas.oauth.invalidClient' };
      return {
        name,
        ok: false,
        ...(e instanceof ConnectorError
          ? { messageKey: connectorKey(e.messageKey), params: e.params }
          : { messageKey: 'connectors:missing.failed' }),
      };
    }
  }
}
