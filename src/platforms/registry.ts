/**
 * The platforms (LMS instances) that registered Jalon, their deployments and status.
 * A platform is `pending` until an administrator activates it; only then does the LTI
 * engine learn about it (and generate its key pair). Every change is audited.
 */
import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { auditLog, platformDeployments, platforms, type PlatformStatus } from '../db/schema/index.js';

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/** A platform as the rest of Jalon sees it. */
export interface Platform {
  id: string;
  issuer: string;
  clientId: string;
  name: string;
  productFamily: string;
  authEndpoint: string;
  tokenEndpoint: string;
  authorizationServer: string | null;
  jwksUri: string;
  status: PlatformStatus;
  source: 'dynamic' | 'manual';
  deploymentIds: string[];
  origins: string[];
  createdAt: Date;
  activatedAt: Date | null;
}

/** What the LTI engine must do when a platform becomes usable or stops being so. */
export interface PlatformEngineHooks {
  activate(p: Platform): Promise<void>;
  deactivate(p: Platform): Promise<void>;
}

/** A registry failure a person can act on; `code` keys the i18n message. */
export class PlatformError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'EXISTS' | 'INVALID' | 'TOO_MANY_PENDING',
    message: string,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}

const httpUrl = z
  .string()
  .trim()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

/** Input for a new platform (manual registration or dynamic registration result). */
export const NewPlatformSchema = z.object({
  issuer: httpUrl,
  clientId: z.string().trim().min(1).max(255),
  name: z.string().trim().min(1).max(200).optional(),
  productFamily: z.string().trim().min(1).max(50).optional(),
  authEndpoint: httpUrl,
  tokenEndpoint: httpUrl,
  authorizationServer: httpUrl.optional(),
  jwksUri: httpUrl,
  deploymentIds: z.array(z.string().trim().min(1).max(255)).min(1, 'at least one deployment id is required'),
  origins: z.array(httpUrl).optional(),
  registration: z.unknown().optional(),
});
export type NewPlatform = z.input<typeof NewPlatformSchema>;

const FIND_CACHE_MS = 5_000;

function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The registry over the database; `hooks` connect it to the LTI engine. */
export class PlatformRegistry {
  #hooks: PlatformEngineHooks | undefined;
  #listeners: Array<() => void> = [];
  #findCache = new Map<string, { value: Platform | undefined; until: number }>();

  constructor(private readonly db: Db) {}

  /** Connects the LTI engine (done once at start, after the engine exists). */
  setEngineHooks(hooks: PlatformEngineHooks): void {
    this.#hooks = hooks;
  }

  /** Called after any change (e.g. to refresh the CSP frame-ancestors cache). */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  // Bumped on every local change: a lookup that started before a change must not cache
  // what it read (it may be the state the change just replaced).
  #generation = 0;

  #changed(): void {
    this.#generation++;
    this.#findCache.clear();
    for (const l of this.#listeners) l();
  }

  async #audit(actor: string, action: string, subject: string, details?: unknown): Promise<void> {
    await this.db.insert(auditLog).values({ actor, action, subject, details: details ?? null });
  }

  async #withDeployments(rows: Array<typeof platforms.$inferSelect>): Promise<Platform[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const deps = await this.db
      .select()
      .from(platformDeployments)
      .where(inArray(platformDeployments.platformId, ids))
      .orderBy(asc(platformDeployments.createdAt));
    return rows.map((r) => ({
      id: r.id,
      issuer: r.issuer,
      clientId: r.clientId,
      name: r.name,
      productFamily: r.productFamily,
      authEndpoint: r.authEndpoint,
      tokenEndpoint: r.tokenEndpoint,
      authorizationServer: r.authorizationServer,
      jwksUri: r.jwksUri,
      status: r.status,
      source: r.source === 'dynamic' ? 'dynamic' : 'manual',
      deploymentIds: deps.filter((d) => d.platformId === r.id).map((d) => d.deploymentId),
      origins: r.origins,
      createdAt: r.createdAt,
      activatedAt: r.activatedAt,
    }));
  }

  /** Every platform, oldest first. */
  async list(): Promise<Platform[]> {
    return this.#withDeployments(await this.db.select().from(platforms).orderBy(asc(platforms.createdAt)));
  }

  /** One platform by id, or undefined. */
  async get(id: string): Promise<Platform | undefined> {
    const rows = await this.db.select().from(platforms).where(eq(platforms.id, id));
    return (await this.#withDeployments(rows))[0];
  }

  /**
   * The platform an id_token or login comes from: (issuer, client id). Every launch asks
   * several times, so answers are kept for a few seconds: long enough to spare the
   * database, short enough that a change made by another instance or the CLI is seen
   * promptly (local changes clear the cache at once).
   */
  async find(issuer: string, clientId: string): Promise<Platform | undefined> {
    const key = `${issuer}\u0000${clientId}`;
    const hit = this.#findCache.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const generation = this.#generation;
    const value = await this.#findFresh(issuer, clientId);
    if (generation === this.#generation) {
      this.#findCache.set(key, { value, until: Date.now() + FIND_CACHE_MS });
    }
    return value;
  }

  async #findFresh(issuer: string, clientId: string): Promise<Platform | undefined> {
    const rows = await this.db
      .select()
      .from(platforms)
      .where(and(eq(platforms.issuer, issuer), eq(platforms.clientId, clientId)));
    return (await this.#withDeployments(rows))[0];
  }

  /** Whether (issuer, client id) may launch with this deployment: active and registered. */
  async acceptsDeployment(issuer: string, clientId: string, deploymentId: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: platforms.id })
      .from(platforms)
      .innerJoin(platformDeployments, eq(platformDeployments.platformId, platforms.id))
      .where(
        and(
          eq(platforms.issuer, issuer),
          eq(platforms.clientId, clientId),
          eq(platforms.status, 'active'),
          eq(platformDeployments.deploymentId, deploymentId),
        ),
      );
    return rows.length > 0;
  }

  /** How many platforms wait for activation (caps what anonymous registrations can create). */
  async countPending(): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(platforms)
      .where(eq(platforms.status, 'pending'));
    return Number(row?.n ?? 0);
  }

  /**
   * Adds a platform, always `pending`. An existing (issuer, client id) is an update of
   * its endpoints and deployments when `allowUpdate` (re-registration from the LMS), an
   * error otherwise.
   */
  async add(
    input: NewPlatform,
    actor: string,
    source: 'dynamic' | 'manual',
    allowUpdate = false,
  ): Promise<{ platform: Platform; created: boolean }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#add(input, actor, source, allowUpdate);
      } catch (err) {
        // The same registration arriving several times at once: the losers of the insert
        // race become updates of the winner's row (the unique index keeps one record).
        if (!allowUpdate || attempt >= 3 || !isUniqueViolation(err)) throw err;
      }
    }
  }

  async #add(
    input: NewPlatform,
    actor: string,
    source: 'dynamic' | 'manual',
    allowUpdate: boolean,
  ): Promise<{ platform: Platform; created: boolean }> {
    const parsed = NewPlatformSchema.safeParse(input);
    if (!parsed.success) {
      throw new PlatformError(
        'INVALID',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    }
    const p = parsed.data;
    const origins = [
      ...new Set(
        [p.issuer, p.authEndpoint, ...(p.origins ?? [])].map(originOf).filter((o): o is string => !!o),
      ),
    ];
    // Never the cached answer: a registration racing this one may have just stored it.
    const existing = await this.#findFresh(p.issuer, p.clientId);
    if (existing && !allowUpdate) {
      throw new PlatformError(
        'EXISTS',
        `platform ${p.issuer} / ${p.clientId} is already registered as ${existing.id}`,
      );
    }
    const id = existing?.id ?? `p-${randomBytes(5).toString('hex')}`;
    // A re-registration that changes where keys and tokens come from must be approved
    // again: otherwise anyone able to run a registration could swap an active platform's
    // JWKS for their own.
    const endpointsChanged =
      !!existing &&
      (existing.jwksUri !== p.jwksUri ||
        existing.authEndpoint !== p.authEndpoint ||
        existing.tokenEndpoint !== p.tokenEndpoint);
    if (existing && endpointsChanged && existing.status === 'active') await this.#hooks?.deactivate(existing);
    await this.db.transaction(async (tx) => {
      if (existing) {
        await tx
          .update(platforms)
          .set({
            status: endpointsChanged ? 'pending' : existing.status,
            authEndpoint: p.authEndpoint,
            tokenEndpoint: p.tokenEndpoint,
            authorizationServer: p.authorizationServer ?? null,
            jwksUri: p.jwksUri,
            origins: [...new Set([...existing.origins, ...origins])],
            registration: p.registration ?? null,
            updatedAt: new Date(),
          })
          .where(eq(platforms.id, id));
      } else {
        await tx.insert(platforms).values({
          id,
          issuer: p.issuer,
          clientId: p.clientId,
          name: p.name ?? new URL(p.issuer).host,
          productFamily: p.productFamily ?? 'unknown',
          authEndpoint: p.authEndpoint,
          tokenEndpoint: p.tokenEndpoint,
          authorizationServer: p.authorizationServer ?? null,
          jwksUri: p.jwksUri,
          status: 'pending',
          source,
          origins,
          registration: p.registration ?? null,
        });
      }
      for (const d of p.deploymentIds) {
        await tx
          .insert(platformDeployments)
          .values({ platformId: id, deploymentId: d })
          .onConflictDoNothing();
      }
      await tx.insert(auditLog).values({
        actor,
        action: existing ? 'platform.update' : 'platform.add',
        subject: id,
        details: { issuer: p.issuer, clientId: p.clientId, source, deploymentIds: p.deploymentIds },
      });
    });
    this.#changed();
    const platform = (await this.get(id))!;
    return { platform, created: !existing };
  }

  async #require(id: string): Promise<Platform> {
    const p = await this.get(id);
    if (!p) throw new PlatformError('NOT_FOUND', `no platform with id ${id}`);
    return p;
  }

  /** Activates a platform: the LTI engine registers it, then launches are accepted. */
  async activate(id: string, actor: string): Promise<Platform> {
    const p = await this.#require(id);
    if (p.status !== 'active') {
      await this.#hooks?.activate(p);
      await this.db
        .update(platforms)
        .set({ status: 'active', activatedAt: new Date(), updatedAt: new Date() })
        .where(eq(platforms.id, id));
      await this.#audit(actor, 'platform.activate', id);
      this.#changed();
    }
    return this.#require(id);
  }

  /** Stops launches from a platform without forgetting it. */
  async disable(id: string, actor: string): Promise<Platform> {
    const p = await this.#require(id);
    if (p.status === 'active') await this.#hooks?.deactivate(p);
    await this.db
      .update(platforms)
      .set({ status: 'disabled', updatedAt: new Date() })
      .where(eq(platforms.id, id));
    await this.#audit(actor, 'platform.disable', id);
    this.#changed();
    return this.#require(id);
  }

  /** Forgets a platform, its deployments and (through the engine) its keys. */
  async remove(id: string, actor: string): Promise<void> {
    const p = await this.#require(id);
    if (p.status === 'active') await this.#hooks?.deactivate(p);
    await this.db.transaction(async (tx) => {
      await tx.delete(platforms).where(eq(platforms.id, id));
      await tx
        .insert(auditLog)
        .values({ actor, action: 'platform.remove', subject: id, details: { issuer: p.issuer } });
    });
    this.#changed();
  }

  /** Adds a deployment id (e.g. Canvas sub-account installs produce new ones). */
  async addDeployment(id: string, deploymentId: string, actor: string): Promise<Platform> {
    await this.#require(id);
    const dep = z.string().trim().min(1).max(255).safeParse(deploymentId);
    if (!dep.success) throw new PlatformError('INVALID', 'deployment id must be 1–255 characters');
    await this.db
      .insert(platformDeployments)
      .values({ platformId: id, deploymentId: dep.data })
      .onConflictDoNothing();
    await this.#audit(actor, 'platform.deployment.add', id, { deploymentId: dep.data });
    this.#changed();
    return this.#require(id);
  }

  /** Removes a deployment id; launches from it are refused from then on. */
  async removeDeployment(id: string, deploymentId: string, actor: string): Promise<Platform> {
    await this.#require(id);
    await this.db
      .delete(platformDeployments)
      .where(and(eq(platformDeployments.platformId, id), eq(platformDeployments.deploymentId, deploymentId)));
    await this.#audit(actor, 'platform.deployment.remove', id, { deploymentId });
    this.#changed();
    return this.#require(id);
  }

  /** Remembers an origin the platform frames Jalon from (learned from launches). */
  async addOrigin(id: string, origin: string): Promise<void> {
    const p = await this.get(id);
    const o = originOf(origin);
    if (!p || !o || p.origins.includes(o)) return;
    await this.db
      .update(platforms)
      .set({ origins: [...p.origins, o] })
      .where(eq(platforms.id, id));
    this.#changed();
  }

  /** Origins allowed to frame Jalon: those of platforms that are not disabled. */
  async frameOrigins(): Promise<string[]> {
    const rows = await this.db
      .select({ origins: platforms.origins, status: platforms.status })
      .from(platforms);
    return [...new Set(rows.filter((r) => r.status !== 'disabled').flatMap((r) => r.origins))];
  }
}
