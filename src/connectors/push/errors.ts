/**
 * Why a push was refused. A refused push is answered with a 4xx and a reason code and is
 * never stored (issue 10 §10); the code goes in the response body and the log, so a platform
 * administrator can tell "wrong key" from "not a Live Event at all".
 */
import { HttpError } from '../../web/errors.js';

/** Refusal reasons, each with its HTTP status. */
export const PUSH_ERROR_STATUS = {
  /** Not a JWT, not JSON, not anything Jalon can read. */
  PUSH_GARBAGE: 400,
  /** Signed and verified, but not an event shape Jalon knows (or a batch that is not one). */
  PUSH_MALFORMED: 400,
  /** `alg: none`, an empty signature, or a plain JSON event where a signed one is required. */
  PUSH_UNSIGNED: 401,
  /** The signature does not verify, or the algorithm is not one Canvas uses. */
  PUSH_BAD_SIGNATURE: 401,
  /** No `kid`, or a `kid` that is not in the platform's key set. */
  PUSH_UNKNOWN_KID: 401,
  /** Outside its validity window (`exp`, `nbf`, or `iat` too old or in the future). */
  PUSH_EXPIRED: 401,
  /** Wrong or missing Basic credentials on the xAPI statements endpoint. */
  PUSH_BAD_CREDENTIALS: 401,
} as const;

/** A refusal reason code. */
export type PushErrorCode = keyof typeof PUSH_ERROR_STATUS;

/**
 * A refused push. It is an {@link HttpError} so the web layer's error handler answers it
 * without special cases; `detail` is a short, secret-free sentence for the log and the
 * response body (a platform's sender is a machine, not a person, so it is not translated).
 */
export class PushError extends HttpError {
  /**
   * @param code the refusal reason.
   * @param detail what exactly was wrong (never a token or a password).
   */
  constructor(
    readonly code: PushErrorCode,
    readonly detail: string,
  ) {
    const status = PUSH_ERROR_STATUS[code];
    super(status, status === 401 ? 'error.forbidden' : 'error.badRequest', code);
    this.name = 'PushError';
  }
}
