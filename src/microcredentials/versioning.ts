/**
 * Versioning of a definition. An award states what the learner was assessed against, so once
 * one exists under a version that version is frozen: an edit then creates the next version
 * (learners already awarded keep theirs). Without awards the version is edited in place.
 */
import { canonicalJson } from './canonical.js';
import type { MicroCredentialDefinition } from './definition.js';

/** The first version number of every definition. */
export const FIRST_VERSION = 1;

/** What is known of the latest stored version when an edit is submitted. */
export interface LatestVersionState {
  version: number;
  definition: MicroCredentialDefinition;
  /** Awards issued under this version (revoked ones included: they still referred to it). */
  awardCount: number;
}

/** What to do with a submitted edit. */
export type EditDecision =
  | { action: 'unchanged'; version: number }
  | { action: 'edit_in_place'; version: number }
  | { action: 'new_version'; version: number; previousVersion: number };

/**
 * Decides between leaving the definition alone, editing the latest version in place, or
 * creating the next version, and gives the resulting version number.
 * @throws RangeError when the stored state is impossible (version < 1, negative award count).
 */
export function decideEdit(latest: LatestVersionState, proposed: MicroCredentialDefinition): EditDecision {
  if (!Number.isInteger(latest.version) || latest.version < FIRST_VERSION)
    throw new RangeError(`version must be an integer ≥ ${FIRST_VERSION}`);
  if (!Number.isInteger(latest.awardCount) || latest.awardCount < 0)
    throw new RangeError('awardCount must be a non-negative integer');
  if (canonicalJson(latest.definition) === canonicalJson(proposed))
    return { action: 'unchanged', version: latest.version };
  if (latest.awardCount === 0) return { action: 'edit_in_place', version: latest.version };
  return { action: 'new_version', version: latest.version + 1, previousVersion: latest.version };
}
