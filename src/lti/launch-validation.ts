/**
 * Strict checks on an id_token before the LTI engine sees it, so that a forged or
 * malformed launch is refused with a reason and nothing is stored. ltijs 5.9.9 accepts
 * an `iat` in the future, a missing nonce and any deployment id (reference/ltijs.md §10);
 * these checks close those gaps and check the signature against the platform's JWKS.
 */
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import type { Platform } from '../platforms/registry.js';
import { HttpError } from '../web/errors.js';

const C = 'https://purl.imsglobal.org/spec/lti/claim/';
const MESSAGE_TYPES = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'];

/** Looks a platform up by (issuer, client id). */
export type PlatformLookup = (issuer: string, clientId: string) => Promise<Platform | undefined>;

/** Inputs of one launch check. */
export interface LaunchCheckInput {
  idToken: unknown;
  state: unknown;
  /** The value of the signed `state<state>` cookie, if the browser sent it. */
  stateCookie: string | undefined;
  now?: Date;
}

/** Options of the checker. */
export interface LaunchCheckOptions {
  lookup: PlatformLookup;
  maxAgeSeconds: number;
  clockSkewSeconds: number;
}

/** Unverified peek at a token, for choosing the error page's language only. */
export function peekLocale(idToken: unknown): string | undefined {
  if (typeof idToken !== 'string') return undefined;
  try {
    const p = decodeJwt(idToken);
    const lp = p[`${C}launch_presentation`] as { locale?: unknown } | undefined;
    return typeof lp?.locale === 'string' ? lp.locale : typeof p.locale === 'string' ? p.locale : undefined;
  } catch {
    return undefined;
  }
}

const reject = (status: number, key: string, reason: string, params: Record<string, string> = {}) =>
  new HttpError(status, `lti:error.${key}`, reason, params);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Builds the checker; JWKS are fetched once per platform and cached by jose. */
export function createLaunchChecker(opts: LaunchCheckOptions) {
  const jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const keySet = (uri: string) => {
    let set = jwks.get(uri);
    if (!set) {
      set = createRemoteJWKSet(new URL(uri), {
        cacheMaxAge: 10 * 60_000,
        cooldownDuration: 5_000,
        timeoutDuration: 5_000,
      });
      jwks.set(uri, set);
    }
    return set;
  };

  /** Throws an HttpError with the reason, or returns the verified claims and platform. */
  return async function checkLaunch(
    input: LaunchCheckInput,
  ): Promise<{ claims: JWTPayload; platform: Platform }> {
    const { idToken, state } = input;
    if (typeof idToken !== 'string' || idToken.split('.').length !== 3) {
      throw reject(400, 'malformedToken', 'LTI_GARBAGE_TOKEN');
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(idToken);
      unverified = decodeJwt(idToken);
    } catch {
      throw reject(400, 'malformedToken', 'LTI_GARBAGE_TOKEN');
    }
    if (typeof state !== 'string' || state.length === 0 || state.length > 200) {
      throw reject(400, 'malformedLaunch', 'LTI_STATE_MISSING');
    }
    if (input.stateCookie === undefined) throw reject(401, 'cookiesBlocked', 'LTI_STATE_COOKIE_MISSING');
    if (header.alg !== 'RS256') throw reject(401, 'badSignature', 'LTI_BAD_ALGORITHM');
    const iss = unverified.iss;
    const aud = unverified.aud;
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (typeof iss !== 'string' || audiences.length === 0)
      throw reject(400, 'malformedLaunch', 'LTI_MISSING_ISS_AUD');
    if (input.stateCookie !== iss) throw reject(401, 'stateMismatch', 'LTI_STATE_MISMATCH');
    const azp = unverified.azp;
    const clientId = audiences.length === 1 ? audiences[0] : typeof azp === 'string' ? azp : undefined;
    if (!clientId || (typeof azp === 'string' && !audiences.includes(azp))) {
      throw reject(401, 'unknownPlatform', 'LTI_BAD_AUDIENCE');
    }
    const platform = await opts.lookup(iss, clientId);
    if (!platform) throw reject(401, 'unknownPlatform', 'LTI_UNKNOWN_PLATFORM');
    if (platform.status !== 'active') {
      throw reject(
        403,
        platform.status === 'pending' ? 'platformPending' : 'platformDisabled',
        'LTI_PLATFORM_INACTIVE',
      );
    }

    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(idToken, keySet(platform.jwksUri), {
        issuer: iss,
        audience: clientId,
        algorithms: ['RS256'],
        clockTolerance: opts.clockSkewSeconds,
        currentDate: input.now,
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) throw reject(401, 'badSignature', 'LTI_UNKNOWN_KID');
      if (err instanceof errors.JWSSignatureVerificationFailed)
        throw reject(401, 'badSignature', 'LTI_BAD_SIGNATURE');
      if (err instanceof errors.JWTExpired) throw reject(401, 'tokenTime', 'LTI_TOKEN_EXPIRED');
      if (err instanceof errors.JWTClaimValidationFailed) {
        // A required claim that is absent is a malformed launch, not a clock problem.
        if (err.claim === 'sub' || err.reason === 'missing')
          throw reject(400, 'malformedLaunch', `LTI_MISSING_${err.claim.toUpperCase()}`);
        if (err.claim === 'iat' || err.claim === 'nbf') throw reject(401, 'tokenTime', 'LTI_TOKEN_TIME');
        throw reject(401, 'malformedLaunch', `LTI_CLAIM_${err.claim.toUpperCase()}`);
      }
      if (err instanceof errors.JWKSTimeout || err instanceof errors.JOSEError === false) {
        throw reject(502, 'platformKeys', 'LTI_JWKS_UNREACHABLE');
      }
      throw reject(401, 'badSignature', `LTI_VERIFY_${(err as Error).name}`);
    }
    // Fractional seconds, as ltijs measures the age after us: a token we pass must not
    // fail there once ltijs has already stored its nonce.
    const nowS = (input.now ?? new Date()).getTime() / 1000;
    const iat = claims.iat!;
    if (iat > nowS + opts.clockSkewSeconds) throw reject(401, 'tokenTime', 'LTI_TOKEN_FROM_FUTURE');
    if (nowS - iat > opts.maxAgeSeconds + opts.clockSkewSeconds)
      throw reject(401, 'tokenTime', 'LTI_TOKEN_TOO_OLD');
    if (typeof claims.nonce !== 'string' || claims.nonce.length === 0) {
      throw reject(401, 'malformedLaunch', 'LTI_MISSING_NONCE');
    }
    if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 255) {
      throw reject(400, 'malformedLaunch', 'LTI_MISSING_SUB');
    }
    if (claims[`${C}version`] !== '1.3.0') throw reject(400, 'wrongVersion', 'LTI_WRONG_VERSION');
    const messageType = claims[`${C}message_type`];
    if (typeof messageType !== 'string' || !MESSAGE_TYPES.includes(messageType)) {
      throw reject(400, 'unsupportedMessage', 'LTI_UNSUPPORTED_MESSAGE');
    }
    const deploymentId = claims[`${C}deployment_id`];
    if (typeof deploymentId !== 'string' || deploymentId.length === 0 || deploymentId.length > 255) {
      throw reject(400, 'malformedLaunch', 'LTI_MISSING_DEPLOYMENT');
    }
    if (!platform.deploymentIds.includes(deploymentId)) {
      throw reject(403, 'unknownDeployment', 'LTI_UNKNOWN_DEPLOYMENT', {
        deploymentId,
        platformId: platform.id,
      });
    }
    const roles = claims[`${C}roles`];
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) {
      throw reject(400, 'malformedLaunch', 'LTI_MALFORMED_ROLES');
    }
    const context = claims[`${C}context`];
    if (context !== undefined && (!isObject(context) || typeof context.id !== 'string')) {
      throw reject(400, 'malformedLaunch', 'LTI_MALFORMED_CONTEXT');
    }
    if (messageType === 'LtiResourceLinkRequest') {
      // ltijs refuses these too, but only after storing the nonce: refuse first.
      const target = claims[`${C}target_link_uri`];
      if (typeof target !== 'string' || target.length === 0) {
        throw reject(400, 'malformedLaunch', 'LTI_MISSING_TARGET_LINK_URI');
      }
      const link = claims[`${C}resource_link`];
      if (!isObject(link) || typeof link.id !== 'string' || link.id.length === 0) {
        throw reject(400, 'malformedLaunch', 'LTI_MALFORMED_RESOURCE_LINK');
      }
    } else {
      const dl = claims['https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings'];
      if (!isObject(dl) || typeof dl.deep_link_return_url !== 'string') {
        throw reject(400, 'malformedLaunch', 'LTI_MALFORMED_DEEP_LINKING');
      }
    }
    for (const claim of ['custom', 'launch_presentation', 'lis', 'tool_platform']) {
      const v = claims[`${C}${claim}`];
      if (v !== undefined && !isObject(v))
        throw reject(400, 'malformedLaunch', `LTI_MALFORMED_${claim.toUpperCase()}`);
    }
    return { claims, platform };
  };
}
