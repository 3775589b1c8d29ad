/**
 * Opaque OAuth bearer tokens issued by the token endpoint, and the guard every service
 * route uses: unknown, expired or under-scoped tokens get 401 with the LMS's error body.
 */
import type { Request } from 'express';
import { opaque } from './ids.js';
import type { Family } from './types.js';

/** A bearer token as the platform remembers it. */
export interface AccessToken {
  token: string;
  clientId: string;
  scopes: string[];
  /** Epoch ms. */
  expiresAt: number;
}

/** A failed bearer check, ready to send. */
export interface BearerFailure {
  status: 401;
  body: unknown;
}

/** Store of issued bearer tokens. */
export class AccessTokens {
  private readonly tokens = new Map<string, AccessToken>();

  /** @param ttlSeconds lifetime announced as `expires_in` and enforced. */
  constructor(public ttlSeconds: number) {}

  /** Issues a token for a client and its granted scopes. */
  issue(clientId: string, scopes: string[]): AccessToken {
    const record = { token: opaque(32), clientId, scopes, expiresAt: Date.now() + this.ttlSeconds * 1000 };
    this.tokens.set(record.token, record);
    return record;
  }

  /** Makes every issued token expired (the next service call gets 401). */
  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  /** Revokes one token. */
  revoke(token: string): void {
    this.tokens.delete(token);
  }

  /**
   * Checks `Authorization: Bearer …` for a live token holding at least one of `anyOf`.
   * Returns the token or a 401 failure shaped as the family answers.
   */
  check(req: Request, family: Family, anyOf: readonly string[]): AccessToken | BearerFailure {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const record = m ? this.tokens.get(m[1]!) : undefined;
    let reason = '';
    if (!m) reason = 'missing bearer token';
    else if (!record) reason = 'unknown access token';
    else if (record.expiresAt <= Date.now()) reason = 'access token expired';
    else if (!record.scopes.some((s) => anyOf.includes(s))) reason = 'insufficient scope';
    if (!reason && record) return record;
    return {
      status: 401,
      body:
        family === 'moodle'
          ? {
              status: 401,
              reason: 'Unauthorized',
              request: { method: req.method, url: req.originalUrl },
              detail: reason,
            }
          : { errors: [{ message: reason }] },
    };
  }
}

/** Narrows a bearer check result. */
export function isFailure(x: AccessToken | BearerFailure): x is BearerFailure {
  return 'status' in x;
}
