/**
 * The badge core over the database: each platform's issuer (a `did:web` DID under Jalon's public
 * URL), its signing keys (sealed at rest, created on first use, rotatable), its status lists, and
 * the offline document loader that answers for all of them from the database.
 */
import { randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditLog, awards, badgeIssuerKeys, badgeStatusLists, issuedBadges } from '../db/schema/index.js';
import type { Sealer } from '../crypto/seal.js';
import { didKeyDocument } from './did-key.js';
import { buildDidDocument, didWeb, type DidDocument } from './did-web.js';
import { createDocumentLoader, type OfflineDocumentLoader } from './document-loader.js';
import { exportIssuerKey, generateIssuerKey, importIssuerKey, type IssuerKey } from './keys.js';
import {
  allocateStatusIndex,
  MIN_STATUS_LIST_LENGTH,
  signStatusListCredential,
  StatusList,
  statusListOf,
  type StatusListCredential,
} from './status-list.js';
import type { Signed } from './types.js';

/** What the badge store needs. */
export interface BadgeStoreDeps {
  db: Db;
  /** `createSealer(secrets.master, 'badge-keys')`. */
  sealer: Sealer;
  /** Jalon's public base URL (`https://jalon.example.edu`). */
  publicUrl: string;
}

const base = (publicUrl: string) => publicUrl.replace(/\/+$/, '');

/** Path (under the public URL) of a platform issuer's DID document. */
export const issuerDidPath = (platformId: string): string => `/issuers/${platformId}/did.json`;

/** The issuer DID of a platform: `did:web:<host>[:<path>]:issuers:<platformId>`. */
export function issuerDid(publicUrl: string, platformId: string): string {
  const url = new URL(publicUrl);
  const prefix = url.pathname.split('/').filter(Boolean);
  return didWeb(url.host, [...prefix, 'issuers', platformId]);
}

/** Whether `did` is an issuer of this Jalon that has keys (so its badges can be checked here). */
export async function isKnownIssuer(db: Db, publicUrl: string, did: string): Promise<boolean> {
  const platformId = platformOfDid(publicUrl, did);
  return platformId !== undefined && (await issuerDidDocument(db, publicUrl, platformId)) !== undefined;
}

/** The platform id an issuer DID of this Jalon names, or undefined. */
export function platformOfDid(publicUrl: string, did: string): string | undefined {
  const m = /:issuers:([A-Za-z0-9._~-]+)$/.exec(did.split('#')[0] ?? '');
  if (!m?.[1]) return undefined;
  return issuerDid(publicUrl, m[1]) === did.split('#')[0] ? m[1] : undefined;
}

/** URL of a status list credential. */
export const statusListUrl = (publicUrl: string, listId: string): string =>
  `${base(publicUrl)}/badges/status/${listId}`;

/** Public verification page of a badge. */
export const verificationUrl = (publicUrl: string, badgeId: string): string =>
  `${base(publicUrl)}/badges/${badgeId}`;

/** The key new badges of a platform are signed with; created (race-safely) on first use. */
export async function currentIssuerKey(
  deps: BadgeStoreDeps,
  platformId: string,
  tx: Db = deps.db,
): Promise<IssuerKey> {
  const did = issuerDid(deps.publicUrl, platformId);
  for (let round = 0; round < 2; round++) {
    const [row] = await tx
      .select()
      .from(badgeIssuerKeys)
      .where(and(eq(badgeIssuerKeys.platformId, platformId), isNull(badgeIssuerKeys.retiredAt)));
    if (row) return importIssuerKey(deps.sealer.open(row.sealedKey));
    const key = generateIssuerKey(did);
    await tx
      .insert(badgeIssuerKeys)
      .values({
        id: key.id,
        platformId,
        did,
        publicKeyMultibase: key.publicKeyMultibase,
        sealedKey: deps.sealer.seal(exportIssuerKey(key)),
        createdAt: new Date(key.created),
      })
      .onConflictDoNothing();
  }
  throw new Error(`no issuer key for platform ${platformId}`);
}

/**
 * Rotation: retires the current key and creates a new one. The old key stays in the DID document,
 * so badges it signed still verify; new badges and status lists are signed with the new key.
 */
export async function rotateIssuerKey(
  deps: BadgeStoreDeps,
  platformId: string,
  actor: string,
): Promise<string> {
  return deps.db.transaction(async (tx) => {
    await tx
      .update(badgeIssuerKeys)
      .set({ retiredAt: new Date() })
      .where(and(eq(badgeIssuerKeys.platformId, platformId), isNull(badgeIssuerKeys.retiredAt)));
    const key = await currentIssuerKey(deps, platformId, tx);
    await tx
      .insert(auditLog)
      .values({ actor, action: 'badge.key.rotate', subject: platformId, details: { keyId: key.id } });
    return key.id;
  });
}

/** The DID document of a platform's issuer (every key ever used), or undefined when it has none. */
export async function issuerDidDocument(
  db: Db,
  publicUrl: string,
  platformId: string,
): Promise<DidDocument | undefined> {
  const rows = await db
    .select()
    .from(badgeIssuerKeys)
    .where(eq(badgeIssuerKeys.platformId, platformId))
    .orderBy(asc(badgeIssuerKeys.createdAt));
  if (rows.length === 0) return undefined;
  const did = issuerDid(publicUrl, platformId);
  return buildDidDocument(
    did,
    rows.map((r) => ({
      type: 'Multikey' as const,
      id: r.id,
      controller: did,
      publicKeyMultibase: r.publicKeyMultibase,
      created: r.createdAt.toISOString(),
    })),
  );
}

/** A status list row. */
export type StatusListRow = typeof badgeStatusLists.$inferSelect;

/** The platform's list with free entries (created, signed and stored when there is none). */
export async function openStatusList(
  deps: BadgeStoreDeps,
  platformId: string,
  tx: Db,
): Promise<StatusListRow> {
  const rows = await tx
    .select()
    .from(badgeStatusLists)
    .where(eq(badgeStatusLists.platformId, platformId))
    .orderBy(asc(badgeStatusLists.seq));
  const open = rows.find((r) => r.allocated < r.length);
  if (open) return open;
  const seq = (rows[rows.length - 1]?.seq ?? 0) + 1;
  const id = `${platformId}-${seq}-${randomBytes(4).toString('hex')}`;
  const key = await currentIssuerKey(deps, platformId, tx);
  const credential = await signStatusListCredential(
    { id: statusListUrl(deps.publicUrl, id), issuer: key.controller, list: StatusList.create() },
    key,
    createDocumentLoader({ publicUrl: deps.publicUrl }),
  );
  await tx
    .insert(badgeStatusLists)
    .values({ id, platformId, seq, length: MIN_STATUS_LIST_LENGTH, credential })
    .onConflictDoNothing();
  const [row] = await tx
    .select()
    .from(badgeStatusLists)
    .where(and(eq(badgeStatusLists.platformId, platformId), eq(badgeStatusLists.seq, seq)));
  if (!row) throw new Error('status list vanished after insert');
  return row;
}

/**
 * Hands out a free index of a list, at random. Locks the list row, so call it inside the
 * transaction that stores the credential (the unique (list, index) index backs this up).
 */
export async function allocateIndex(tx: Db, list: StatusListRow): Promise<number> {
  await tx.execute(sql`select id from badge_status_lists where id = ${list.id} for update`);
  const taken = await tx
    .select({ i: issuedBadges.statusIndex })
    .from(issuedBadges)
    .where(eq(issuedBadges.statusListId, list.id));
  const index = allocateStatusIndex(new Set(taken.map((r) => r.i)), list.length);
  await tx
    .update(badgeStatusLists)
    .set({ allocated: sql`${badgeStatusLists.allocated} + 1` })
    .where(eq(badgeStatusLists.id, list.id));
  return index;
}

/** Sets (or clears) one bit and re-signs the list credential, inside the caller's transaction. */
export async function setStatusBit(
  deps: BadgeStoreDeps,
  tx: Db,
  listId: string,
  index: number,
  revoked: boolean,
): Promise<void> {
  await setStatusBits(deps, tx, listId, [index], revoked);
}

/** Sets (or clears) several bits of one list and re-signs it once, inside the caller's transaction. */
export async function setStatusBits(
  deps: BadgeStoreDeps,
  tx: Db,
  listId: string,
  indexes: readonly number[],
  revoked: boolean,
): Promise<void> {
  await tx.execute(sql`select id from badge_status_lists where id = ${listId} for update`);
  const [row] = await tx.select().from(badgeStatusLists).where(eq(badgeStatusLists.id, listId));
  if (!row) throw new Error(`no status list ${listId}`);
  const list = statusListOf(row.credential as Signed<StatusListCredential>);
  for (const index of indexes) list.set(index, revoked);
  const key = await currentIssuerKey(deps, row.platformId, tx);
  const credential = await signStatusListCredential(
    { id: statusListUrl(deps.publicUrl, listId), issuer: key.controller, list },
    key,
    createDocumentLoader({ publicUrl: deps.publicUrl }),
  );
  await tx
    .update(badgeStatusLists)
    .set({ credential, updatedAt: new Date() })
    .where(eq(badgeStatusLists.id, listId));
}

/**
 * Safety net: every badge whose award is revoked gets its bit set, even when the award was
 * revoked some other way than `revokeBadge`. Returns how many bits were set.
 */
export async function reconcileRevocations(deps: BadgeStoreDeps): Promise<number> {
  const rows = await deps.db
    .select({
      listId: issuedBadges.statusListId,
      index: issuedBadges.statusIndex,
      credential: badgeStatusLists.credential,
    })
    .from(issuedBadges)
    .innerJoin(awards, eq(awards.id, issuedBadges.awardId))
    .innerJoin(badgeStatusLists, eq(badgeStatusLists.id, issuedBadges.statusListId))
    .where(eq(awards.status, 'revoked'));
  const missing = new Map<string, number[]>();
  for (const r of rows) {
    if (statusListOf(r.credential as Signed<StatusListCredential>).get(r.index)) continue;
    missing.set(r.listId, [...(missing.get(r.listId) ?? []), r.index]);
  }
  let n = 0;
  for (const [listId, indexes] of missing) {
    await deps.db.transaction((tx) => setStatusBits(deps, tx, listId, indexes, true));
    n += indexes.length;
  }
  return n;
}

/** The signed status list credential served at its URL. */
export async function statusListCredential(db: Db, listId: string): Promise<object | undefined> {
  const [row] = await db.select().from(badgeStatusLists).where(eq(badgeStatusLists.id, listId));
  return row ? (row.credential as object) : undefined;
}

/**
 * An offline loader that answers for this Jalon's issuers and status lists from the database
 * (read at each call, so a revocation shows at once). Everything else is refused.
 */
export function badgeLoader(db: Db, publicUrl: string): OfflineDocumentLoader {
  const listPrefix = `${base(publicUrl)}/badges/status/`;
  return createDocumentLoader({
    publicUrl,
    resolve: async (url) => {
      // `did#key` falls through to the loader's own look-up of the DID document's method.
      if (url.startsWith('did:web:') && !url.includes('#')) {
        const platformId = platformOfDid(publicUrl, url);
        return platformId ? issuerDidDocument(db, publicUrl, platformId) : undefined;
      }
      if (url.startsWith('did:key:') && !url.includes('#')) return didKeyDocument(url);
      if (url.startsWith(listPrefix)) {
        const id = url.slice(listPrefix.length);
        return /^[A-Za-z0-9._-]+$/.test(id) ? statusListCredential(db, id) : undefined;
      }
      return undefined;
    },
  });
}
