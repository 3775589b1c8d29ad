/**
 * The definition form's list of course activities, read live through the platform's
 * connector. Without one, or when it fails, the form still works on Jalon's own column and
 * the listing says why (and, on Canvas, links to the authorisation the instructor owes).
 */
import type { Logger } from '../log.js';
import type { LaunchContext } from '../lti/launch-context.js';
import type { ActivityListing, ActivitySource } from '../web/definition-pages.js';
import { problemOf, type ConnectorFactory, type ConnectorProblem } from './factory.js';
import { ConnectorError } from './types.js';

/** A listing whose problem may carry the Canvas authorisation link. */
export type ConnectorActivityListing = ActivityListing & { problem?: ConnectorProblem };

/** Lists a launch's course activities through {@link ConnectorFactory}. */
export class ConnectorActivitySource implements ActivitySource {
  constructor(
    private readonly factory: ConnectorFactory,
    private readonly log?: Logger,
  ) {}

  /** The course's quizzes and assignments, or why they cannot be listed. */
  async list(launch: LaunchContext): Promise<ConnectorActivityListing> {
    const resolved = await this.factory.forLaunch(launch);
    if ('problem' in resolved) return { connected: false, activities: [], problem: resolved.problem };
    try {
      const activities = await resolved.connector.listActivities(resolved.course);
      return { connected: true, activities };
    } catch (err) {
      this.log?.warn(
        {
          platformId: launch.platformId,
          kind: resolved.connector.kind,
          code: err instanceof ConnectorError ? err.code : 'UNEXPECTED',
          reason: err instanceof ConnectorError ? err.messageKey : String(err),
        },
        'listing course activities through the connector failed',
      );
      // Canvas refused this instructor's tokens for good: they must authorise again.
      const reauthorize =
        err instanceof ConnectorError &&
        resolved.connector.kind === 'canvas' &&
        (err.code === 'NEEDS_AUTHORIZATION' || err.messageKey === 'connectors:canvas.error.reauthorize');
      if (reauthorize) {
        await this.factory.settings.forgetUserTokens(launch.platformId, launch.userId);
        const problem = await this.factory.authorizationProblem(launch, 'connectors:missing.reauthorize');
        return { connected: false, activities: [], problem };
      }
      return { connected: false, activities: [], problem: problemOf(err) };
    }
  }
}

/** The activity source over a connector factory. */
export function connectorActivitySource(factory: ConnectorFactory, log?: Logger): ActivitySource {
  return new ConnectorActivitySource(factory, log);
}
