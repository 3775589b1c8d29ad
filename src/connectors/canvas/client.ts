/**
 * HTTP to the Canvas REST API with an instructor's bearer token: follows `Link rel="next"`
 * pages (never off the Canvas origin, so the token is not sent elsewhere), backs off and
 * retries a bounded number of times on throttling (403 "Rate Limit Exceeded", 429) and
 * server errors (honouring `Retry-After`), refreshes the token once on a 401 for a bad
 * token, and turns every other failure into a {@link ConnectorError} a person can act on.
 * Canvas answers 401 for three different things; the body and `WWW-Authenticate` tell them apart.
 */
import { ConnectorError } from '../types.js';
import { scopeOf, templateOf } from './scopes.js';

/** How many times to try a request and how long to wait between tries. */
export interface RetryPolicy {
  /** Total tries per request, the first included (≥ 1). */
  maxAttempts: number;
  /** First back-off delay; doubles each retry (with jitter). */
  baseDelayMs: number;
  /** Upper bound of any single wait, `Retry-After` included. */
  maxDelayMs: number;
}

/** Defaults: 4 tries, 0.5 s doubling, at most 30 s per wait. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Where the client gets its bearer token. */
export interface BearerSource {
  /** A token believed valid (refreshed ahead of its expiry when needed). */
  current(): Promise<string>;
  /** A new token after Canvas refused `rejected`; throws a ConnectorError when it cannot. */
  refresh(rejected: string): Promise<string>;
}

/** Options of {@link CanvasClient}. */
export interface CanvasClientOptions {
  /** Canvas base URL, e.g. `https://canvas.example.edu`. */
  baseUrl: string;
  bearer: BearerSource;
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  /** Waits between retries (tests pass one that records the delay and returns at once). */
  sleep?: (ms: number) => Promise<void>;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Safety bound on pages followed for one list (default 1000). */
  maxPages?: number;
  /**
   * When Canvas reports less than this much quota left (`X-Rate-Limit-Remaining`), the next
   * request waits one back-off step first, so the bucket refills before Canvas refuses
   * (default 100; Canvas' bucket holds 700).
   */
  lowQuota?: number;
}

/** Query parameters; arrays repeat the key (pass `include[]` with its brackets). */
export type Query = Record<string, string | number | readonly (string | number)[] | undefined>;

type Failure =
  | { kind: 'token' }
  | { kind: 'scope' }
  | { kind: 'forbidden' }
  | { kind: 'notFound' }
  | { kind: 'rate'; retryAfterMs?: number }
  | { kind: 'server' }
  | { kind: 'other' };

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Parses a `Link` header into `rel → URL`. */
export function parseLinkHeader(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const m of header.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
    const rel = /rel\s*=\s*"?([^";,]+)"?/i.exec(m[2] ?? '');
    if (rel?.[1]) for (const r of rel[1].trim().split(/\s+/)) out[r] = m[1]!;
  }
  return out;
}

/** `Retry-After` in ms (seconds or HTTP date), if present and sane. */
function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const s = Number(value);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function classify(status: number, headers: Headers, body: string): Failure {
  if (status === 401) {
    if (/insufficient scopes/i.test(body)) return { kind: 'scope' };
    if (headers.has('www-authenticate') || /invalid access token|authorization required/i.test(body))
      return { kind: 'token' };
    return { kind: 'forbidden' };
  }
  if (status === 429 || (status === 403 && /rate limit exceeded/i.test(body))) {
    const after = retryAfterMs(headers.get('retry-after'));
    return after === undefined ? { kind: 'rate' } : { kind: 'rate', retryAfterMs: after };
  }
  if (status === 403) return { kind: 'forbidden' };
  if (status === 404) return { kind: 'notFound' };
  if (status >= 500 || status === 408) return { kind: 'server' };
  return { kind: 'other' };
}

/** A page of a list and the next page's URL. */
interface Page {
  body: unknown;
  next?: string;
}

/** A Canvas REST client bound to one base URL and one user's token. */
export class CanvasClient {
  private readonly base: URL;
  private readonly retry: RetryPolicy;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;
  private readonly maxPages: number;
  private readonly lowQuota: number;
  /** Last `X-Rate-Limit-Remaining` Canvas reported to this client. */
  private remaining = Number.POSITIVE_INFINITY;

  constructor(private readonly options: CanvasClientOptions) {
    this.base = new URL(options.baseUrl.replace(/\/+$/, '') + '/');
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.retry.maxAttempts = Math.max(1, Math.floor(this.retry.maxAttempts));
    this.fetchFn = options.fetch ?? fetch;
    this.sleep = options.sleep ?? delay;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxPages = options.maxPages ?? 1000;
    this.lowQuota = options.lowQuota ?? 100;
  }

  /** The absolute URL of an API path with its query. */
  url(path: string, query: Query = {}): URL {
    const u = new URL(path.replace(/^\/+/, ''), this.base);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(item));
    }
    return u;
  }

  /** GET one resource; the parsed JSON body. */
  async get(path: string, query?: Query): Promise<unknown> {
    return (await this.fetchPage(this.url(path, query))).body;
  }

  /**
   * GET every page of a list, following `rel="next"`. `pick` extracts the items of a page
   * (default: the body must be an array), e.g. `(b) => b.quiz_submissions`.
   */
  async getAll(path: string, query?: Query, pick: (body: unknown) => unknown = (b) => b): Promise<unknown[]> {
    const items: unknown[] = [];
    const seen = new Set<string>();
    let next: string | undefined = this.url(path, query).toString();
    while (next) {
      if (seen.has(next) || seen.size >= this.maxPages)
        throw new ConnectorError('BAD_RESPONSE', 'connectors:canvas.error.pagination', { path });
      seen.add(next);
      const target = new URL(next);
      if (target.origin !== this.base.origin)
        throw new ConnectorError('BAD_RESPONSE', 'connectors:canvas.error.pagination', { path });
      const page: Page = await this.fetchPage(target);
      const list = pick(page.body);
      if (!Array.isArray(list))
        throw new ConnectorError('BAD_RESPONSE', 'connectors:canvas.error.badResponse', { path });
      items.push(...(list as unknown[]));
      next = page.next;
    }
    return items;
  }

  private backoff(retryNumber: number): number {
    const exp = this.retry.baseDelayMs * 2 ** (retryNumber - 1);
    return Math.min(this.retry.maxDelayMs, Math.round(exp * (0.5 + Math.random() / 2)));
  }

  /** The API path of a URL, without a base path Canvas may be mounted under. */
  private apiPath(url: URL): string {
    const prefix = this.base.pathname.replace(/\/$/, '');
    return url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
  }

  private failure(f: Failure, url: URL, status: number): ConnectorError {
    const path = this.apiPath(url);
    const template = templateOf(path);
    switch (f.kind) {
      case 'token':
        return new ConnectorError('AUTH', 'connectors:canvas.error.auth');
      case 'scope':
        return new ConnectorError('PERMISSION', 'connectors:canvas.error.scope', {
          scope: template ? scopeOf(template) : `url:GET|${path}`,
        });
      case 'forbidden':
        return new ConnectorError('PERMISSION', 'connectors:canvas.error.permission', {
          path: template ?? path,
        });
      case 'notFound':
        return new ConnectorError('NOT_FOUND', 'connectors:canvas.error.notFound', {
          path: template ?? path,
        });
      case 'rate':
        return new ConnectorError('RATE_LIMITED', 'connectors:canvas.error.rateLimited');
      case 'server':
        return new ConnectorError('UNAVAILABLE', 'connectors:canvas.error.unavailable', { status });
      default:
        return new ConnectorError('BAD_RESPONSE', 'connectors:canvas.error.badResponse', {
          status,
          path: template ?? path,
        });
    }
  }

  private async fetchPage(url: URL): Promise<Page> {
    let token = await this.options.bearer.current();
    let refreshed = false;
    let tries = 0;
    for (;;) {
      tries++;
      if (this.remaining < this.lowQuota) {
        this.remaining = Number.POSITIVE_INFINITY;
        await this.sleep(this.backoff(1));
      }
      let res: Response;
      try {
        res = await this.fetchFn(url, {
          headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
          redirect: 'error',
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (cause) {
        if (tries < this.retry.maxAttempts) {
          await this.sleep(this.backoff(tries));
          continue;
        }
        throw new ConnectorError(
          'UNAVAILABLE',
          'connectors:canvas.error.unavailable',
          { status: 0 },
          { cause },
        );
      }
      if (res.ok) {
        // Refusals are paced by the retry delays; successes tell how much quota is left.
        const remaining = Number(res.headers.get('x-rate-limit-remaining') ?? Number.NaN);
        if (Number.isFinite(remaining)) this.remaining = remaining;
        const text = await res.text();
        try {
          const next = parseLinkHeader(res.headers.get('link')).next;
          return { body: JSON.parse(text) as unknown, ...(next ? { next } : {}) };
        } catch (cause) {
          throw new ConnectorError(
            'BAD_RESPONSE',
            'connectors:canvas.error.badResponse',
            { status: res.status, path: templateOf(this.apiPath(url)) ?? this.apiPath(url) },
            { cause },
          );
        }
      }
      const failure = classify(res.status, res.headers, await res.text());
      if (failure.kind === 'token' && !refreshed) {
        // One refresh per request: a second refusal means the authorisation itself is gone.
        refreshed = true;
        tries--;
        token = await this.options.bearer.refresh(token);
        continue;
      }
      if ((failure.kind === 'rate' || failure.kind === 'server') && tries < this.retry.maxAttempts) {
        const wait =
          failure.kind === 'rate' && failure.retryAfterMs !== undefined
            ? Math.min(this.retry.maxDelayMs, failure.retryAfterMs)
            : this.backoff(tries);
        await this.sleep(wait);
        continue;
      }
      throw this.failure(failure, url, res.status);
    }
  }
}
