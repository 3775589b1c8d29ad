/**
 * Canonical JSON: one string per content, whatever the key order. Used to compare definitions
 * (versioning) and to break ties deterministically (attempt deduplication).
 */

/** JSON with sorted keys and no `undefined` members, so equal content compares equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const member = (v as Record<string, unknown>)[k];
        if (member !== undefined) sorted[k] = member;
      }
      return sorted;
    }
    return v;
  });
}
