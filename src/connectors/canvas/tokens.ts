/**
 * The acting instructor's Canvas tokens: read from wherever the caller keeps them (sealed in
 * the database, outside this module), refreshed shortly before expiry or when Canvas
 * refuses the access token, and saved back. Concurrent refreshes share one request.
 */
import { ConnectorError } from '../types.js';
import type { BearerSource } from './client.js';
import { refreshTokens, type CanvasOAuthClient, type CanvasTokens } from './oauth.js';

/** Storage of one user's Canvas tokens (the caller seals them at rest). */
export interface CanvasTokenProvider {
  /** The stored tokens, or null when this user has not authorised Jalon. */
  get(): Promise<CanvasTokens | null>;
  /** Stores refreshed tokens. */
  save(tokens: CanvasTokens): Promise<void>;
}

/** Refreshes this long before the announced expiry, so a request never races it. */
const SKEW_MS = 60_000;

/** A {@link BearerSource} over a {@link CanvasTokenProvider}. */
export class TokenKeeper implements BearerSource {
  private refreshing: Promise<string> | undefined;

  constructor(
    private readonly provider: CanvasTokenProvider,
    private readonly oauth: CanvasOAuthClient,
    private readonly now: () => number = Date.now,
  ) {}

  private async stored(): Promise<CanvasTokens> {
    const t = await this.provider.get();
    if (!t || !t.accessToken)
      throw new ConnectorError('NEEDS_AUTHORIZATION', 'connectors:canvas.error.needsAuthorization');
    return t;
  }

  private fresh(t: CanvasTokens): boolean {
    const at = Date.parse(t.expiresAt);
    return !Number.isNaN(at) && at - SKEW_MS > this.now();
  }

  /** A token believed valid; refreshes first when the stored one is (nearly) expired. */
  async current(): Promise<string> {
    const t = await this.stored();
    return this.fresh(t) ? t.accessToken : this.refresh(t.accessToken);
  }

  /** A new token after `rejected` was refused; one refresh at a time. */
  refresh(rejected: string): Promise<string> {
    this.refreshing ??= this.doRefresh(rejected).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(rejected: string): Promise<string> {
    const t = await this.stored();
    // Another request (or instance) already stored a newer token.
    if (t.accessToken !== rejected && this.fresh(t)) return t.accessToken;
    if (!t.refreshToken) throw new ConnectorError('AUTH', 'connectors:canvas.error.reauthorize');
    const grant = await refreshTokens(this.oauth, t.refreshToken, this.now);
    await this.provider.save({
      accessToken: grant.accessToken,
      ...(grant.refreshToken ? { refreshToken: grant.refreshToken } : {}),
      expiresAt: grant.expiresAt,
    });
    return grant.accessToken;
  }
}
