/**
 * A browser's cookie jar for the test client: parses `Set-Cookie` (via
 * `headers.getSetCookie()`), honours Domain/Path/Max-Age/Expires/Secure/SameSite, and
 * matches cookies by host and path as browsers do (ports are ignored, as in RFC 6265).
 */

/** A stored cookie. */
export interface Cookie {
  name: string;
  value: string;
  domain: string;
  /** True when no Domain attribute was given (host-only cookie). */
  hostOnly: boolean;
  path: string;
  /** Epoch ms, or undefined for a session cookie. */
  expires?: number;
  secure: boolean;
  httpOnly: boolean;
  sameSite: 'strict' | 'lax' | 'none' | undefined;
  partitioned: boolean;
}

/** Options of the jar. */
export interface CookieJarOptions {
  /** Drop cookies with `SameSite=None` (Safari / Chrome with third-party cookies blocked). */
  blockThirdPartyCookies?: boolean;
}

function defaultPath(url: URL): string {
  const p = url.pathname;
  if (!p.startsWith('/') || p.lastIndexOf('/') === 0) return '/';
  return p.slice(0, p.lastIndexOf('/'));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function potentiallyTrustworthy(url: URL): boolean {
  return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Cookies of one browser. */
export class CookieJar {
  private cookies: Cookie[] = [];

  constructor(private readonly options: CookieJarOptions = {}) {}

  /** Stores the cookies a response sets. Returns the names it refused. */
  store(url: string, setCookies: readonly string[]): string[] {
    const u = new URL(url);
    const refused: string[] = [];
    for (const header of setCookies) {
      const cookie = this.parse(header, u);
      if (!cookie) continue;
      if (
        (cookie.secure && !potentiallyTrustworthy(u)) ||
        // Browsers refuse SameSite=None without Secure.
        (cookie.sameSite === 'none' && !cookie.secure) ||
        (cookie.sameSite === 'none' && this.options.blockThirdPartyCookies)
      ) {
        refused.push(cookie.name);
        continue;
      }
      this.cookies = this.cookies.filter(
        (c) => !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path),
      );
      if (cookie.expires === undefined || cookie.expires > Date.now()) this.cookies.push(cookie);
    }
    return refused;
  }

  private parse(header: string, url: URL): Cookie | undefined {
    const [pair, ...attrs] = header.split(';');
    const eq = pair!.indexOf('=');
    if (eq <= 0) return undefined;
    const cookie: Cookie = {
      name: pair!.slice(0, eq).trim(),
      value: pair!.slice(eq + 1).trim(),
      domain: url.hostname,
      hostOnly: true,
      path: defaultPath(url),
      secure: false,
      httpOnly: false,
      sameSite: undefined,
      partitioned: false,
    };
    let maxAge: number | undefined;
    let expires: number | undefined;
    for (const attr of attrs) {
      const [k, ...rest] = attr.split('=');
      const key = k!.trim().toLowerCase();
      const value = rest.join('=').trim();
      if (key === 'path' && value.startsWith('/')) cookie.path = value;
      else if (key === 'domain' && value) {
        const d = value.replace(/^\./, '').toLowerCase();
        if (url.hostname !== d && !url.hostname.endsWith(`.${d}`)) return undefined;
        cookie.domain = d;
        cookie.hostOnly = false;
      } else if (key === 'max-age' && /^-?\d+$/.test(value)) maxAge = Number(value);
      else if (key === 'expires' && !Number.isNaN(Date.parse(value))) expires = Date.parse(value);
      else if (key === 'secure') cookie.secure = true;
      else if (key === 'httponly') cookie.httpOnly = true;
      else if (key === 'partitioned') cookie.partitioned = true;
      else if (key === 'samesite') {
        const v = value.toLowerCase();
        cookie.sameSite = v === 'strict' || v === 'lax' || v === 'none' ? v : undefined;
      }
    }
    // Max-Age wins over Expires.
    if (maxAge !== undefined) cookie.expires = Date.now() + maxAge * 1000;
    else if (expires !== undefined) cookie.expires = expires;
    return cookie;
  }

  /** Live cookies for a URL. */
  matching(url: string): Cookie[] {
    const u = new URL(url);
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expires === undefined || c.expires > now);
    return this.cookies.filter(
      (c) =>
        (c.hostOnly
          ? u.hostname === c.domain
          : u.hostname === c.domain || u.hostname.endsWith(`.${c.domain}`)) &&
        pathMatches(u.pathname, c.path) &&
        (!c.secure || potentiallyTrustworthy(u)),
    );
  }

  /** The `Cookie` request header for a URL ('' when none). */
  header(url: string): string {
    return this.matching(url)
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** Every stored cookie. */
  all(): Cookie[] {
    return [...this.cookies];
  }

  /** Removes cookies (all, or those the predicate selects). Returns how many went. */
  drop(predicate: (c: Cookie) => boolean = () => true): number {
    const before = this.cookies.length;
    this.cookies = this.cookies.filter((c) => !predicate(c));
    return before - this.cookies.length;
  }
}
