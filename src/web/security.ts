/**
 * Response headers for pages shown inside an LMS iframe: a CSP whose `frame-ancestors`
 * lists the registered platforms' origins (never `*`), a per-response nonce for inline
 * scripts, no CORS (nothing sets Access-Control-Allow-Origin), and the usual hardening.
 */
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** Supplies the origins allowed to frame Jalon; cached by the caller. */
export type FrameAncestors = () => readonly string[];

function setPolicy(res: Response, nonce: string, ancestors: readonly string[]): void {
  res.setHeader(
    'Content-Security-Policy',
    [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}'`,
      "style-src 'self'",
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self' https: http:", // launches and deep-linking post back to the LMS
      `frame-ancestors ${["'self'", ...ancestors].join(' ')}`,
    ].join('; '),
  );
}

/**
 * Lets this one response be framed by more origins (http(s) origins only): the
 * dynamic-registration page, which the LMS frames before the platform is known.
 */
export function allowFramingBy(res: Response, origins: readonly string[]): void {
  const nonce = res.locals.cspNonce as string | undefined;
  if (!nonce || res.headersSent) return;
  const base = (res.locals.frameAncestors as readonly string[] | undefined) ?? [];
  const extra = origins.flatMap((o) => {
    try {
      const u = new URL(o);
      return u.protocol === 'https:' || u.protocol === 'http:' ? [u.origin] : [];
    } catch {
      return [];
    }
  });
  const all = [...new Set([...base, ...extra])];
  res.locals.frameAncestors = all;
  setPolicy(res, nonce, all);
}

/** Middleware setting the security headers on every response. */
export function securityHeaders(frameAncestors: FrameAncestors) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const nonce = randomBytes(16).toString('base64');
    res.locals.cspNonce = nonce;
    const ancestors = frameAncestors();
    res.locals.frameAncestors = ancestors;
    setPolicy(res, nonce, ancestors);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    // No Cross-Origin-Opener-Policy: the registration page must keep `window.opener` to
    // tell the LMS it is done.
    res.removeHeader('X-Powered-By');
    next();
  };
}
