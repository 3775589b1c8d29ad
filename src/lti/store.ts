/**
 * The ltijs storage plugin over our PostgreSQL layer, so that ltijs never reaches MongoDB.
 *
 * ltijs 5.9.9 duck-types its database (`setup, Close, Get, Insert, Replace, Modify, Delete`,
 * capitalised) and expects the semantics of its built-in mongoose implementation
 * (`node_modules/ltijs/dist/Utils/Database.js`); `reference/ltijs.md` §2 lists them. Where
 * Mongo would be lenient in a dangerous way, this store fails loud instead:
 * - queries are flat equality filters; `undefined`/`null` match NULL, an empty query or an
 *   operator-looking value is refused, so no call can ever hit "every row" by accident
 *   (ltijs runs `Delete('publickey', { kid })` with `kid` possibly undefined);
 * - a field the table does not have throws `UNKNOWN_FIELD` instead of being dropped, so a
 *   secret can never be stored in clear by a call that forgot the encryption key.
 * Secrets (tool key pairs, LMS access tokens) are sealed with our AES-256-GCM `Sealer`;
 * ltijs' own key string is ignored. Expiring collections are filtered in `Get` and swept.
 */
import { and, asc, eq, getTableColumns, isNull, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Sealer } from '../crypto/seal.js';
import type { Db } from '../db/client.js';
import {
  ltiAccessToken,
  ltiContextToken,
  ltiIdToken,
  ltiNonce,
  ltiPlatform,
  ltiPlatformStatus,
  ltiPrivateKey,
  ltiPublicKey,
  ltiState,
} from '../db/schema/lti.js';
import { createLogger, type Logger } from '../log.js';

/** A document as ltijs reads and writes it. */
export type LtiRow = Record<string, unknown>;

/** The collection names ltijs 5.9.9 uses. */
export const LTI_COLLECTIONS = [
  'platform',
  'platformStatus',
  'publickey',
  'privatekey',
  'accesstoken',
  'idtoken',
  'contexttoken',
  'nonce',
  'state',
] as const;

/** One of ltijs' collections. */
export type LtiCollection = (typeof LTI_COLLECTIONS)[number];

/** Why the store refused a call; `code` is stable, the message adds field names (never values). */
export type LtiStoreErrorCode =
  | 'MISSING_COLLECTION'
  | 'UNKNOWN_COLLECTION'
  | 'MISSING_PARAMS'
  | 'EMPTY_QUERY'
  | 'INVALID_QUERY'
  | 'UNKNOWN_FIELD'
  | 'INVALID_VALUE'
  | 'NOT_SEALED_COLLECTION'
  | 'DUPLICATE_KEY'
  | 'SEALED_ROW_MISMATCH';

/** An error raised by the store for a call it will not carry out. */
export class LtiStoreError extends Error {
  /** @param code what went wrong; @param detail which collection/field (never a value). */
  constructor(
    readonly code: LtiStoreErrorCode,
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'LtiStoreError';
  }
}

/** Lifetimes in seconds. Nonce is 3600, not Mongo's 10: replay protection lasts as long as the row. */
export const LTI_TTL_SECONDS: Readonly<Partial<Record<LtiCollection, number>>> = Object.freeze({
  nonce: 3600,
  state: 600,
  idtoken: 86_400,
  contexttoken: 86_400,
  accesstoken: 3600,
});

/** Options of {@link LtiPgStore}. */
export interface LtiPgStoreOptions {
  /** How often the background sweep deletes expired rows; default 60 000 ms. */
  sweepIntervalMs?: number;
  /** Where swallowed errors (sweeps, fire-and-forget deletes) are reported; default a `warn` logger. */
  logger?: Logger;
}

interface Spec {
  name: LtiCollection;
  table: PgTable;
  /** ltijs field → column, for the fields ltijs may read, write and query. */
  fields: Record<string, PgColumn>;
  createdAt: PgColumn;
  data?: PgColumn;
  /** The unique key `Replace` upserts on (fields, in constraint order). */
  key: readonly string[];
  ttl?: number;
  /** Whether ltijs' schema has `createdAt`, so rows come back with it. */
  showsCreatedAt: boolean;
}

function spec(name: LtiCollection, table: PgTable, key: readonly string[]): Spec {
  const { createdAt, data, ...fields } = getTableColumns(table);
  if (!createdAt) throw new Error(`lti table for ${name} lacks created_at`);
  const ttl = LTI_TTL_SECONDS[name];
  return { name, table, fields, createdAt, data, key, ttl, showsCreatedAt: ttl !== undefined };
}

const SPECS: ReadonlyMap<string, Spec> = new Map(
  [
    spec('platform', ltiPlatform, ['platformUrl', 'clientId']),
    spec('platformStatus', ltiPlatformStatus, ['id']),
    spec('publickey', ltiPublicKey, ['platformUrl', 'clientId']),
    spec('privatekey', ltiPrivateKey, ['platformUrl', 'clientId']),
    spec('accesstoken', ltiAccessToken, ['platformUrl', 'clientId', 'scopes']),
    spec('idtoken', ltiIdToken, ['iss', 'clientId', 'deploymentId', 'user']),
    spec('contexttoken', ltiContextToken, ['contextId', 'user']),
    spec('nonce', ltiNonce, ['nonce']),
    spec('state', ltiState, ['state']),
  ].map((s) => [s.name, s]),
);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sealing(key: unknown): boolean {
  return typeof key === 'string' && key.length > 0;
}

/** `created_at` older than the collection's lifetime. `ttl` is our own constant, never input. */
function expired(s: Spec): SQL | undefined {
  if (s.ttl === undefined) return undefined;
  return sql`${s.createdAt} <= now() - ${sql.raw(`interval '${Math.trunc(s.ttl)} seconds'`)}`;
}

function live(s: Spec): SQL | undefined {
  if (s.ttl === undefined) return undefined;
  return sql`${s.createdAt} > now() - ${sql.raw(`interval '${Math.trunc(s.ttl)} seconds'`)}`;
}

/** The value a column stores for what ltijs gave; absent becomes NULL (or `false` for `active`). */
function toColumnValue(s: Spec, field: string, column: PgColumn, value: unknown): unknown {
  if (column.dataType === 'boolean') {
    if (value === undefined || value === null) return false; // DR inserts `{ active: undefined }`
    if (typeof value !== 'boolean') throw new LtiStoreError('INVALID_VALUE', `${s.name}.${field}`);
    return value;
  }
  if (value === undefined || value === null) return null;
  if (column.dataType === 'json') return value;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  throw new LtiStoreError('INVALID_VALUE', `${s.name}.${field}`);
}

function columnOf(s: Spec, field: string): PgColumn {
  const column = Object.hasOwn(s.fields, field) ? s.fields[field] : undefined;
  if (!column) throw new LtiStoreError('UNKNOWN_FIELD', `${s.name}.${field}`);
  return column;
}

/** Clear columns for a document; every field must exist in the table. */
function toRecord(s: Spec, doc: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(doc)) {
    record[field] = toColumnValue(s, field, columnOf(s, field), value);
  }
  // Absent fields are written as NULL (or their default) so `Replace` really replaces.
  for (const [field, column] of Object.entries(s.fields)) {
    if (!(field in record)) record[field] = toColumnValue(s, field, column, undefined);
  }
  return record;
}

/** The SQL condition of a flat equality query; never "everything". */
function where(s: Spec, query: unknown): SQL {
  if (!isRecord(query)) throw new LtiStoreError('MISSING_PARAMS', `${s.name} query`);
  const entries = Object.entries(query);
  if (entries.length === 0) throw new LtiStoreError('EMPTY_QUERY', s.name);
  const conditions: SQL[] = [];
  for (const [field, value] of entries) {
    const column = columnOf(s, field);
    if (value === undefined || value === null) {
      conditions.push(isNull(column));
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      const v = column.dataType === 'string' ? String(value) : value;
      conditions.push(eq(column, v));
    } else {
      // Objects would be Mongo operators ({ $ne: null }); flat equality only.
      throw new LtiStoreError('INVALID_QUERY', `${s.name}.${field}`);
    }
  }
  const all = and(...conditions);
  if (!all) throw new LtiStoreError('EMPTY_QUERY', s.name);
  return all;
}

function withLive(s: Spec, condition: SQL | undefined): SQL | undefined {
  const l = live(s);
  if (!condition) return l;
  return l ? and(condition, l) : condition;
}

/** Sealed form of an item, bound to its collection so one collection's secret cannot pass as another's. */
interface Envelope {
  c: string;
  v: Record<string, unknown>;
}

/** The store ltijs uses through `Provider.setup(key, { plugin: store }, …)`. */
export class LtiPgStore {
  readonly #db: Db;
  readonly #sealer: Sealer;
  readonly #log: Logger;
  readonly #sweepIntervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param db the application's database (PGlite or node-postgres); the store never closes it.
   * @param sealer seals key pairs and access tokens (e.g. `createSealer(master, 'lti-store')`).
   */
  constructor(db: Db, sealer: Sealer, options: LtiPgStoreOptions = {}) {
    const interval = options.sweepIntervalMs ?? 60_000;
    if (!Number.isFinite(interval) || interval <= 0) throw new RangeError('sweepIntervalMs must be > 0');
    this.#db = db;
    this.#sealer = sealer;
    this.#sweepIntervalMs = interval;
    this.#log = options.logger ?? createLogger('warn');
  }

  /** Sweeps expired rows once, then starts the background sweeper (it does not keep the process alive). */
  async setup(): Promise<boolean> {
    await this.sweep();
    if (!this.#timer) {
      this.#timer = setInterval(() => {
        this.sweep().catch((err: unknown) => this.#warn('sweep failed', err));
      }, this.#sweepIntervalMs);
      this.#timer.unref();
    }
    return true;
  }

  /** Stops the sweeper. The database belongs to the application and stays open. */
  async Close(): Promise<boolean> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    return true;
  }

  /** Deletes every expired row of the expiring collections. */
  async sweep(): Promise<void> {
    for (const s of SPECS.values()) {
      const old = expired(s);
      if (old) await this.#db.delete(s.table).where(old);
    }
  }

  /**
   * Rows matching `query` (all rows when `query` is undefined), or `false` when none. With an
   * encryption key, sealed collections return the opened items (access tokens with a numeric
   * `createdAt` in epoch ms, which ltijs needs to decide when to refresh them).
   */
  async Get(key: string | false, collection: string, query?: LtiRow): Promise<LtiRow[] | false> {
    const s = this.#spec(collection);
    const open = this.#sealedMode(s, key);
    const condition = withLive(s, query === undefined ? undefined : where(s, query));
    const base = this.#db.select().from(s.table);
    const rows = await (condition ? base.where(condition) : base).orderBy(asc(s.createdAt));
    if (rows.length === 0) return false;
    return rows.map((row) => (open ? this.#opened(s, row) : this.#clear(s, row)));
  }

  /**
   * Adds a document. With a key, `index` holds the clear lookup fields and the whole item is
   * sealed. A live row with the same unique key makes it throw `DUPLICATE_KEY` (a replayed
   * nonce); an expired one is overwritten.
   */
  async Insert(key: string | false, collection: string, item: LtiRow, index?: LtiRow): Promise<boolean> {
    const s = this.#spec(collection);
    const record = this.#recordFor(s, key, item, index);
    const inserted = await this.#insert(this.#db, s, record);
    if (!inserted) throw new LtiStoreError('DUPLICATE_KEY', s.name);
    return true;
  }

  /**
   * Upserts: the row matching `query` becomes `item` (sealed with `index` when a key is given),
   * with a fresh `createdAt`. One `INSERT … ON CONFLICT … DO UPDATE` when `query` is the
   * collection's unique key (every call ltijs 5.9.9 makes); otherwise delete + insert in one
   * transaction.
   */
  async Replace(
    key: string | false,
    collection: string,
    query: LtiRow,
    item: LtiRow,
    index?: LtiRow,
  ): Promise<boolean> {
    const s = this.#spec(collection);
    const condition = where(s, query);
    const record = this.#recordFor(s, key, item, index);
    if (this.#queryIsKeyOf(s, query, record)) {
      await this.#upsert(this.#db, s, record);
    } else {
      await this.#db.transaction(async (tx) => {
        await tx.delete(s.table).where(condition);
        await this.#upsert(tx, s, record);
      });
    }
    return true;
  }

  /**
   * Sets the given fields on the matching live rows (Mongo `$set`; undefined values are left
   * out, as mongoose strips them). With a key on a sealed collection, the fields are merged
   * into the sealed item (ltijs 5.9.9 never does this, but its built-in store supports it).
   */
  async Modify(
    key: string | false,
    collection: string,
    query: LtiRow,
    modification: LtiRow,
  ): Promise<boolean> {
    const s = this.#spec(collection);
    const condition = where(s, query);
    if (!isRecord(modification)) throw new LtiStoreError('MISSING_PARAMS', `${s.name} modification`);
    const defined = Object.entries(modification).filter(([, v]) => v !== undefined);
    if (this.#sealedMode(s, key)) {
      await this.#modifySealed(s, condition, Object.fromEntries(defined));
      return true;
    }
    if (defined.length === 0) throw new LtiStoreError('MISSING_PARAMS', `${s.name} modification`);
    const set: Record<string, unknown> = {};
    for (const [field, value] of defined) set[field] = toColumnValue(s, field, columnOf(s, field), value);
    await this.#db
      .update(s.table)
      .set(set as never)
      .where(withLive(s, condition));
    return true;
  }

  /**
   * Deletes the matching rows. `state` deletes are fired and forgotten by ltijs, so for that
   * collection a failure is logged and reported as `false` instead of rejecting.
   */
  async Delete(collection: string, query: LtiRow): Promise<boolean> {
    try {
      const s = this.#spec(collection);
      await this.#db.delete(s.table).where(where(s, query));
      return true;
    } catch (err) {
      if (collection !== 'state') throw err;
      this.#warn('state delete failed', err);
      return false;
    }
  }

  #spec(collection: string): Spec {
    if (!collection) throw new LtiStoreError('MISSING_COLLECTION');
    const s = SPECS.get(collection);
    if (!s) throw new LtiStoreError('UNKNOWN_COLLECTION', collection);
    return s;
  }

  /** True when the call works on the sealed item; encryption is refused where there is nothing to seal into. */
  #sealedMode(s: Spec, key: unknown): boolean {
    if (!sealing(key)) return false;
    if (!s.data) throw new LtiStoreError('NOT_SEALED_COLLECTION', s.name);
    return true;
  }

  #recordFor(s: Spec, key: unknown, item: unknown, index: unknown): Record<string, unknown> {
    if (!isRecord(item)) throw new LtiStoreError('MISSING_PARAMS', `${s.name} item`);
    if (!this.#sealedMode(s, key)) return toRecord(s, item);
    if (!isRecord(index)) throw new LtiStoreError('MISSING_PARAMS', `${s.name} index`);
    return { ...toRecord(s, index), data: this.#seal(s, item) };
  }

  #seal(s: Spec, item: Record<string, unknown>): string {
    const envelope: Envelope = { c: s.name, v: item };
    return this.#sealer.seal(JSON.stringify(envelope));
  }

  #unseal(s: Spec, data: unknown): Record<string, unknown> {
    if (typeof data !== 'string') throw new LtiStoreError('SEALED_ROW_MISMATCH', s.name);
    const parsed: unknown = JSON.parse(this.#sealer.open(data));
    if (!isRecord(parsed) || parsed.c !== s.name || !isRecord(parsed.v)) {
      throw new LtiStoreError('SEALED_ROW_MISMATCH', s.name);
    }
    return parsed.v;
  }

  /** A clear row as ltijs would see it: its fields, absent when NULL, no internal columns. */
  #clear(s: Spec, row: Record<string, unknown>): LtiRow {
    const out: LtiRow = {};
    for (const field of Object.keys(s.fields)) {
      const value = row[field];
      if (value !== null && value !== undefined) out[field] = value;
    }
    if (s.showsCreatedAt) out.createdAt = row.createdAt;
    return out;
  }

  #opened(s: Spec, row: Record<string, unknown>): LtiRow {
    const out: LtiRow = { ...this.#unseal(s, row.data) };
    // Built-in parity: only collections with a Mongo `createdAt` get it, as epoch ms.
    if (s.showsCreatedAt && row.createdAt instanceof Date) out.createdAt = row.createdAt.getTime();
    return out;
  }

  /** Whether `query` names exactly the unique key, with the values the new row carries. */
  #queryIsKeyOf(s: Spec, query: LtiRow, record: Record<string, unknown>): boolean {
    const fields = Object.keys(query);
    if (fields.length !== s.key.length || !s.key.every((f) => fields.includes(f))) return false;
    return s.key.every((f) => {
      const column = columnOf(s, f);
      return toColumnValue(s, f, column, query[f]) === record[f];
    });
  }

  #keyTarget(s: Spec): PgColumn[] {
    return s.key.map((f) => columnOf(s, f));
  }

  /** Every column from the proposed row, and a fresh `created_at`. */
  #replaceAll(s: Spec, record: Record<string, unknown>): Record<string, SQL> {
    const set: Record<string, SQL> = { createdAt: sql`now()` };
    for (const field of Object.keys(record)) {
      const column = field === 'data' ? s.data : s.fields[field];
      if (column) set[field] = sql.raw(`excluded."${column.name}"`);
    }
    return set;
  }

  async #upsert(db: Db, s: Spec, record: Record<string, unknown>): Promise<void> {
    await db
      .insert(s.table)
      .values(record as never)
      .onConflictDoUpdate({ target: this.#keyTarget(s), set: this.#replaceAll(s, record) as never });
  }

  /** Inserts unless a live row holds the key; an expired holder is overwritten. */
  async #insert(db: Db, s: Spec, record: Record<string, unknown>): Promise<boolean> {
    const insert = db.insert(s.table).values(record as never);
    const old = expired(s);
    const rows = await (
      old
        ? insert.onConflictDoUpdate({
            target: this.#keyTarget(s),
            set: this.#replaceAll(s, record) as never,
            setWhere: old,
          })
        : insert.onConflictDoNothing({ target: this.#keyTarget(s) })
    ).returning({ one: sql<number>`1` });
    return rows.length > 0;
  }

  async #modifySealed(s: Spec, condition: SQL, modification: Record<string, unknown>): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(s.table)
        .where(withLive(s, condition))
        .orderBy(asc(s.createdAt))
        .limit(1)
        .for('update');
      if (!row) return;
      const item = { ...this.#unseal(s, row.data), ...modification };
      const set: Record<string, unknown> = { data: this.#seal(s, item) };
      for (const [field, value] of Object.entries(modification)) {
        const column = Object.hasOwn(s.fields, field) ? s.fields[field] : undefined;
        if (column) set[field] = toColumnValue(s, field, column, value);
      }
      const keyValues = Object.fromEntries(s.key.map((f) => [f, row[f]]));
      await tx
        .update(s.table)
        .set(set as never)
        .where(where(s, keyValues));
    });
  }

  #warn(what: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.#log.warn({ err: message }, `lti store: ${what}`);
  }
}
