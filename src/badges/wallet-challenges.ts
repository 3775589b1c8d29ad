/**
 * The wallet DID-authentication challenges already answered (`wallet_challenges`): each
 * challenge delivers one badge. A challenge is good for at most two hours, so a row older than
 * that guards nothing and the daily job forgets it.
 */
import { lt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { walletChallenges } from '../db/schema/index.js';

/** How long an answered challenge is remembered: longer than a challenge can be valid. */
const REMEMBER_MS = 3 * 3_600_000;

/** Records the challenge as answered for `badgeId`; false when it already was (a replay). */
export async function spendChallenge(db: Db, challenge: string, badgeId: string): Promise<boolean> {
  const rows = await db
    .insert(walletChallenges)
    .values({ challenge, badgeId })
    .onConflictDoNothing()
    .returning({ challenge: walletChallenges.challenge });
  return rows.length === 1;
}

/** Forgets answered challenges too old to be presented again; returns how many. */
export async function forgetAnsweredChallenges(db: Db, now: Date = new Date()): Promise<number> {
  const gone = await db
    .delete(walletChallenges)
    .where(lt(walletChallenges.usedAt, new Date(now.getTime() - REMEMBER_MS)))
    .returning({ challenge: walletChallenges.challenge });
  return gone.length;
}
