/**
 * The CSP `frame-ancestors` list, read from the registry and kept in memory so that no
 * request waits on the database for it. Refreshed on every registry change and on a
 * timer (another instance or the CLI may have changed the platforms).
 */
import type { PlatformRegistry } from '../platforms/registry.js';

export class FrameOrigins {
  #origins: string[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly registry: PlatformRegistry) {
    registry.onChange(() => void this.refresh());
  }

  /** Loads the list now; call once at start. */
  async refresh(): Promise<void> {
    try {
      this.#origins = (await this.registry.frameOrigins()).map(cspSource).filter((o): o is string => !!o);
    } catch {
      /* keep the previous list: the database may be briefly unavailable */
    }
  }

  /** Starts periodic refreshes (unref'd). */
  start(intervalMs = 30_000): void {
    this.#timer ??= setInterval(() => void this.refresh(), intervalMs).unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The current origins. */
  get(): readonly string[] {
    return this.#origins;
  }
}

/** An origin made safe for a CSP source list (no spaces, quotes or semicolons). */
function cspSource(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}
