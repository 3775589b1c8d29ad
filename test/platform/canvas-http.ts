/**
 * Canvas REST conventions the test platform follows: error bodies (401 with
 * `WWW-Authenticate` only for a bad token; "user not authorized" is also a 401, as Canvas
 * answers it), `Link` pagination (`per_page` default 10, at most 100; numbered pages or
 * opaque bookmarks), request costs and the leaky-bucket throttle (`X-Request-Cost`,
 * `X-Rate-Limit-Remaining`, 403 "Rate Limit Exceeded"), plus faults a test can force.
 */
import type { Request, Response } from 'express';

/** Canvas' bodies for the errors a client must tell apart. */
export const CANVAS_ERRORS = {
  invalidToken: { errors: [{ message: 'Invalid access token.' }] },
  authRequired: { status: 'unauthenticated', errors: [{ message: 'user authorization required' }] },
  insufficientScopes: { errors: [{ message: 'Insufficient scopes on access token.' }] },
  unauthorized: {
    status: 'unauthorized',
    errors: [{ message: 'user not authorized to perform that action' }],
  },
  notFound: { errors: [{ message: 'The specified resource does not exist.' }] },
} as const;

/** Sends a Canvas error. A bad or missing token adds `WWW-Authenticate`, as Canvas does. */
export function sendError(res: Response, kind: keyof typeof CANVAS_ERRORS): void {
  const status = kind === 'notFound' ? 404 : 401;
  if (kind === 'invalidToken' || kind === 'authRequired')
    res.setHeader('WWW-Authenticate', 'Bearer realm="canvas-lms"');
  res.status(status).json(CANVAS_ERRORS[kind]);
}

/** Every value of a query parameter, with or without `[]` (`include[]=a&include[]=b`). */
export function queryAll(req: Request, name: string): string[] {
  const params = new URL(req.originalUrl, 'http://x').searchParams;
  return [...params.getAll(`${name}[]`), ...params.getAll(name)];
}

/** One query parameter. */
export function queryOne(req: Request, name: string): string | undefined {
  return new URL(req.originalUrl, 'http://x').searchParams.get(name) ?? undefined;
}

/** Page size as Canvas reads it: default 10, at most 100, nonsense gives the default. */
export function perPage(req: Request): number {
  const raw = Number(queryOne(req, 'per_page'));
  if (!Number.isInteger(raw) || raw < 1) return 10;
  return Math.min(raw, 100);
}

/**
 * Slices `items` to the requested page and sets `Link`. `bookmark` pages (used by Canvas for
 * submissions) carry an opaque `page=bookmark:…` and no `last` link, so a client must
 * follow `rel="next"` rather than count pages.
 */
export function paginate<T>(
  req: Request,
  res: Response,
  base: string,
  items: readonly T[],
  bookmark = false,
): T[] {
  const size = perPage(req);
  const rawPage = queryOne(req, 'page');
  let offset = 0;
  if (bookmark && rawPage?.startsWith('bookmark:')) {
    const n = Number(Buffer.from(rawPage.slice('bookmark:'.length), 'base64url').toString('utf8'));
    offset = Number.isInteger(n) && n >= 0 ? n : 0;
  } else if (!bookmark) {
    const p = Number(rawPage);
    offset = Number.isInteger(p) && p > 1 ? (p - 1) * size : 0;
  }
  const page = items.slice(offset, offset + size);
  const link = (pageValue: string) => {
    const u = new URL(req.originalUrl, base);
    u.searchParams.set('page', pageValue);
    u.searchParams.set('per_page', String(size));
    return u.toString();
  };
  const pageOf = (o: number) =>
    bookmark ? `bookmark:${Buffer.from(String(o)).toString('base64url')}` : String(Math.floor(o / size) + 1);
  const rels: string[] = [`<${link(rawPage ?? (bookmark ? 'first' : '1'))}>; rel="current"`];
  if (offset + size < items.length) rels.push(`<${link(pageOf(offset + size))}>; rel="next"`);
  if (offset > 0) rels.push(`<${link(pageOf(Math.max(0, offset - size)))}>; rel="prev"`);
  rels.push(`<${link(bookmark ? 'first' : '1')}>; rel="first"`);
  if (!bookmark) rels.push(`<${link(String(Math.max(1, Math.ceil(items.length / size))))}>; rel="last"`);
  res.setHeader('Link', rels.join(','));
  return page;
}

/** A throttled or failing answer a test asked for. */
export interface ForcedFault {
  kind: 'throttle' | 'error';
  status: number;
  retryAfter?: number;
}

/**
 * Canvas' request throttle: a leaky bucket per token (capacity 700, leaking 10 units a
 * second). Each request costs a little; over capacity the request is refused with 403.
 * Tests force faults for the next N requests instead of burning the quota.
 */
export class Throttle {
  private readonly buckets = new Map<string, { level: number; at: number }>();
  private readonly forced: ForcedFault[] = [];
  capacity = 700;
  leakPerSecond = 10;
  /** Cost of one request (`X-Request-Cost`). */
  cost = 1.2;

  /** Forces the next `n` API requests to be throttled (403 as Canvas, or 429). */
  throttleNext(n: number, options: { status?: 403 | 429; retryAfter?: number } = {}): void {
    for (let i = 0; i < n; i++)
      this.forced.push({
        kind: 'throttle',
        status: options.status ?? 403,
        ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}),
      });
  }

  /** Forces the next `n` API requests to fail with a server error. */
  failNext(n: number, status = 503): void {
    for (let i = 0; i < n; i++) this.forced.push({ kind: 'error', status });
  }

  /** Drops pending forced faults and resets the buckets. */
  clear(): void {
    this.forced.length = 0;
    this.buckets.clear();
  }

  /** Answers the request if it is throttled or must fail; returns true when it did. */
  intercept(key: string, res: Response): boolean {
    const now = Date.now();
    const b = this.buckets.get(key) ?? { level: 0, at: now };
    b.level = Math.max(0, b.level - ((now - b.at) / 1000) * this.leakPerSecond);
    b.at = now;
    const fault = this.forced.shift();
    const over = b.level + this.cost > this.capacity;
    if (!over) b.level += this.cost;
    this.buckets.set(key, b);
    res.setHeader('X-Request-Cost', this.cost.toFixed(4));
    res.setHeader('X-Rate-Limit-Remaining', Math.max(0, this.capacity - b.level).toFixed(4));
    if (fault?.kind === 'error') {
      res
        .status(fault.status)
        .type('html')
        .send(`<html><body><h1>${fault.status}</h1>Canvas is unavailable.</body></html>`);
      return true;
    }
    if (fault?.kind === 'throttle' || over) {
      res.setHeader('X-Rate-Limit-Remaining', '0.0');
      if (fault?.retryAfter !== undefined) res.setHeader('Retry-After', String(fault.retryAfter));
      const status = fault?.status ?? 403;
      res
        .status(status)
        .type('text/plain')
        .send(
          status === 429
            ? '429 Too Many Requests (Rate Limit Exceeded)\n'
            : '403 Forbidden (Rate Limit Exceeded)\n',
        );
      return true;
    }
    return false;
  }
}
