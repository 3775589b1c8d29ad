/**
 * Remembers, for a few minutes, how to restart a login from its OIDC state, so that a
 * launch whose state cookie the browser refused can offer "open in a new window" instead
 * of a dead end. In-process only: on another instance the page simply has no button.
 */
export class LoginMemory {
  #entries = new Map<string, { url: string; at: number }>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly max = 10_000,
  ) {}

  /** Keeps the restart URL for this state. */
  remember(state: string, url: string): void {
    if (this.#entries.size >= this.max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(state, { url, at: Date.now() });
  }

  /** The restart URL for this state, if still fresh. */
  recall(state: string): string | undefined {
    const e = this.#entries.get(state);
    if (!e) return undefined;
    if (Date.now() - e.at > this.ttlMs) {
      this.#entries.delete(state);
      return undefined;
    }
    return e.url;
  }
}
