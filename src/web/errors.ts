/**
 * Errors a person sees: an HTTP status, an i18n key for the message, and a reason for the
 * log (never shown). Every rejection goes through here so that pages never carry a stack
 * trace or a token, and the log always says why.
 */
export class HttpError extends Error {
  /**
   * @param status HTTP status (4xx for the caller's mistakes).
   * @param messageKey i18n key of the sentence shown to the person.
   * @param reason machine-readable reason for the log (e.g. `LTI_BAD_SIGNATURE`).
   * @param params values interpolated into the message.
   */
  constructor(
    readonly status: number,
    readonly messageKey: string,
    readonly reason: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(reason);
    this.name = 'HttpError';
  }
}
