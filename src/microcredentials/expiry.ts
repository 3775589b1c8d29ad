/**
 * When an awarded credential expires, from the definition's expiry rule (rule 8: skills that
 * go stale, e.g. first aid). Pure calendar arithmetic in UTC.
 */
import type { ExpiryRule } from './definition.js';

/**
 * The instant a credential awarded at `awardedAt` expires, as an ISO string, or `null` when
 * it never does. A fixed date expires at the end of that calendar day (UTC). Adding months
 * or years clamps to the end of a shorter month (31 January + 1 month → 28/29 February),
 * so a credential never outlives its stated duration.
 */
export function expiresAt(rule: ExpiryRule, awardedAt: Date | string): string | null {
  const from = new Date(awardedAt);
  if (Number.isNaN(from.getTime())) throw new RangeError('awardedAt is not a valid date');
  switch (rule.kind) {
    case 'none':
      return null;
    case 'fixed_date':
      return new Date(`${rule.date}T23:59:59.000Z`).toISOString();
    case 'after_award': {
      if (rule.unit === 'days') return new Date(from.getTime() + rule.amount * 86_400_000).toISOString();
      const months = rule.unit === 'months' ? rule.amount : rule.amount * 12;
      const y = from.getUTCFullYear();
      const m = from.getUTCMonth() + months;
      const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
      const out = new Date(from.getTime());
      out.setUTCFullYear(y, m, Math.min(from.getUTCDate(), lastDay));
      return out.toISOString();
    }
  }
}
