/**
 * A minimal in-memory ltijs storage plugin (the contract of reference/ltijs.md §2) for the
 * bare-ltijs baseline: flat equality queries where `undefined`/`null` match a missing
 * field, `false` when nothing matches, `Replace` as an upsert that refreshes `createdAt`.
 * Nothing is encrypted (it never leaves the process). `nonce` and `state` rows, the only
 * collections that grow with every launch, are keyed by their value so that lookups stay
 * O(1) over a long run; the other collections stay small and are scanned.
 */
import type { DatabaseDocument, DatabasePlugin } from 'ltijs';

type Row = DatabaseDocument;

const KEY_FIELD: Record<string, string> = { nonce: 'nonce', state: 'state' };

function matches(row: Row, query: Row | undefined): boolean {
  if (!query) return true;
  for (const [k, v] of Object.entries(query)) {
    const have = row[k];
    if (v === undefined || v === null) {
      if (have !== undefined && have !== null) return false;
    } else if (have !== v) return false;
  }
  return true;
}

/** The ltijs plugin over maps. */
export class MemoryStore implements DatabasePlugin {
  #collections = new Map<string, Map<unknown, Row>>();
  #seq = 0;
  /** Called on every plugin call (the benchmark counts them). */
  onCall: () => void = () => undefined;

  #rows(collection: string): Map<unknown, Row> {
    let rows = this.#collections.get(collection);
    if (!rows) this.#collections.set(collection, (rows = new Map()));
    return rows;
  }

  /** The map key a query addresses directly, if it is exactly the collection's key field. */
  #directKey(collection: string, query: Row | undefined): { key: unknown } | undefined {
    const field = KEY_FIELD[collection];
    if (!field || !query) return undefined;
    const keys = Object.keys(query);
    return keys.length === 1 && keys[0] === field && query[field] != null ? { key: query[field] } : undefined;
  }

  #find(collection: string, query: Row | undefined): Array<[unknown, Row]> {
    const rows = this.#rows(collection);
    const direct = this.#directKey(collection, query);
    if (direct) {
      const row = rows.get(direct.key);
      return row ? [[direct.key, row]] : [];
    }
    return [...rows.entries()].filter(([, r]) => matches(r, query));
  }

  #put(collection: string, item: Row): void {
    const row: Row = { ...item, createdAt: Date.now() };
    const field = KEY_FIELD[collection];
    const key = field && row[field] != null ? row[field] : `#${++this.#seq}`;
    this.#rows(collection).set(key, row);
  }

  async setup(): Promise<boolean> {
    return true;
  }

  async Close(): Promise<boolean> {
    this.#collections.clear();
    return true;
  }

  async Get(_key: string | false, collection: string, query?: Row): Promise<Row[] | false> {
    this.onCall();
    const found = this.#find(collection, query).map(([, r]) => ({ ...r }));
    return found.length ? found : false;
  }

  async Insert(_key: string | false, collection: string, item: Row): Promise<boolean> {
    this.onCall();
    const field = KEY_FIELD[collection];
    if (field && item[field] != null && this.#rows(collection).has(item[field])) {
      throw new Error(`duplicate ${collection}`);
    }
    this.#put(collection, item);
    return true;
  }

  async Replace(_key: string | false, collection: string, query: Row, item: Row): Promise<boolean> {
    this.onCall();
    this.#remove(collection, query);
    this.#put(collection, item);
    return true;
  }

  async Modify(_key: string | false, collection: string, query: Row, modification: Row): Promise<boolean> {
    this.onCall();
    const first = this.#find(collection, query)[0];
    if (first) Object.assign(first[1], modification);
    return true;
  }

  async Delete(collection: string, query: Row): Promise<boolean> {
    this.onCall();
    this.#remove(collection, query);
    return true;
  }

  #remove(collection: string, query: Row): void {
    const rows = this.#rows(collection);
    for (const [key] of this.#find(collection, query)) rows.delete(key);
  }
}
