/**
 * The parts of credential verification that need no cryptography: shape, dates against a clock,
 * and whether the signing key belongs to the issuer (resolved through the offline loader). The
 * verifier in `signing.ts` runs these next to the signature and status checks.
 */
import type { DocumentLoader } from './document-loader.js';

/** The checks a verification reports, in this order. */
export const CHECK_IDS = ['structure', 'signature', 'issuerKey', 'status', 'validFrom', 'expiry'] as const;
/** One check's name. */
export type CheckId = (typeof CHECK_IDS)[number];
/** A check passed, failed, or could not run (because an earlier one failed, or there was nothing to check). */
export type CheckOutcome = 'passed' | 'failed' | 'skipped';

/** Every code a check can report (stable: translate with `badges:code.<code>`). */
export const CHECK_CODES = [
  'ok',
  'malformed',
  'not-checked',
  'invalid-signature',
  'unverifiable',
  'key-not-issuer',
  'unknown-key',
  'wrong-controller',
  'not-assertion-method',
  'revoked',
  'suspended',
  'status-unavailable',
  'no-status',
  'not-yet-valid',
  'expired',
  'no-expiry',
] as const;
/** One check code. */
export type CheckCode = (typeof CHECK_CODES)[number];

/** Result of one check. `code` is stable (label: `badges:code.<code>`); `detail` is for logs, not people. */
export interface VerificationCheck {
  id: CheckId;
  outcome: CheckOutcome;
  code: CheckCode;
  detail?: string;
}

/** Seconds of clock difference tolerated before `validFrom` (as `@digitalbazaar/vc` does). */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** A plain JSON object (narrowing helper). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The issuer id of a credential (`issuer` as a string or a Profile), or undefined. */
export function issuerIdOf(credential: Record<string, unknown>): string | undefined {
  const issuer = credential.issuer;
  if (typeof issuer === 'string') return issuer;
  if (isObject(issuer) && typeof issuer.id === 'string') return issuer.id;
  return undefined;
}

/** The proofs of a credential as an array (Jalon writes an array; a single object is accepted). */
export function proofsOf(credential: Record<string, unknown>): Record<string, unknown>[] {
  const proof = credential.proof;
  return (Array.isArray(proof) ? proof : [proof]).filter(isObject);
}

function parseDate(value: unknown): Date | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Checks the shape a verifiable credential must have before any cryptography runs.
 * @returns `passed`, or `failed` with code `malformed` and what is wrong in `detail`
 */
export function checkStructure(credential: unknown): VerificationCheck {
  const fail = (detail: string): VerificationCheck => ({
    id: 'structure',
    outcome: 'failed',
    code: 'malformed',
    detail,
  });
  if (!isObject(credential)) return fail('not a JSON object');
  const context = credential['@context'];
  if (!Array.isArray(context) || context[0] !== 'https://www.w3.org/ns/credentials/v2') {
    return fail('@context must start with the VC 2.0 context');
  }
  const type = credential.type;
  if (!Array.isArray(type) || !type.includes('VerifiableCredential'))
    return fail('type lacks VerifiableCredential');
  if (!issuerIdOf(credential)) return fail('no issuer id');
  if (!isObject(credential.credentialSubject)) return fail('no credentialSubject');
  if (parseDate(credential.validFrom) === null) return fail('validFrom is not a date');
  if (parseDate(credential.validUntil) === null) return fail('validUntil is not a date');
  const proofs = proofsOf(credential);
  if (proofs.length === 0 || proofs.some((p) => typeof p.verificationMethod !== 'string')) {
    return fail('no proof with a verification method');
  }
  return { id: 'structure', outcome: 'passed', code: 'ok' };
}

/** `validFrom` must not be in the future (beyond {@link MAX_CLOCK_SKEW_SECONDS}). */
export function checkValidFrom(credential: Record<string, unknown>, now: Date): VerificationCheck {
  const validFrom = parseDate(credential.validFrom);
  if (!validFrom) return { id: 'validFrom', outcome: 'passed', code: 'ok' };
  if (validFrom.getTime() > now.getTime() + MAX_CLOCK_SKEW_SECONDS * 1000) {
    return {
      id: 'validFrom',
      outcome: 'failed',
      code: 'not-yet-valid',
      detail: `valid from ${validFrom.toISOString()}`,
    };
  }
  return { id: 'validFrom', outcome: 'passed', code: 'ok' };
}

/** `validUntil`, when present, must not have passed (no tolerance: an expiry date is a promise). */
export function checkExpiry(credential: Record<string, unknown>, now: Date): VerificationCheck {
  const validUntil = parseDate(credential.validUntil);
  if (!validUntil) return { id: 'expiry', outcome: 'passed', code: 'no-expiry' };
  if (now.getTime() > validUntil.getTime()) {
    return {
      id: 'expiry',
      outcome: 'failed',
      code: 'expired',
      detail: `expired ${validUntil.toISOString()}`,
    };
  }
  return { id: 'expiry', outcome: 'passed', code: 'ok' };
}

function referencesId(list: unknown, id: string, base: string): boolean {
  if (!Array.isArray(list)) return false;
  return list.some((entry) => {
    const ref = typeof entry === 'string' ? entry : isObject(entry) ? entry.id : undefined;
    return ref === id || (typeof ref === 'string' && ref.startsWith('#') && `${base}${ref}` === id);
  });
}

/**
 * Each proof's verification method must be a Multikey of the issuer's DID, listed under the
 * issuer DID document's `assertionMethod`. Resolution goes through the offline loader only.
 */
export async function checkIssuerKey(
  credential: Record<string, unknown>,
  load: DocumentLoader,
): Promise<VerificationCheck> {
  const fail = (code: CheckCode, detail: string): VerificationCheck => ({
    id: 'issuerKey',
    outcome: 'failed',
    code,
    detail,
  });
  const issuerId = issuerIdOf(credential);
  if (!issuerId) return fail('key-not-issuer', 'no issuer');
  for (const proof of proofsOf(credential)) {
    const vmId = String(proof.verificationMethod);
    if (vmId.split('#')[0] !== issuerId) return fail('key-not-issuer', `${vmId} is not a key of ${issuerId}`);
    let vm: unknown;
    let controllerDoc: unknown;
    try {
      vm = (await load(vmId)).document;
      controllerDoc = (await load(issuerId)).document;
    } catch (e) {
      return fail('unknown-key', e instanceof Error ? e.message : String(e));
    }
    if (!isObject(vm) || vm.controller !== issuerId || vm.type !== 'Multikey') {
      return fail('wrong-controller', `${vmId} is not a Multikey controlled by ${issuerId}`);
    }
    if (!isObject(controllerDoc) || !referencesId(controllerDoc.assertionMethod, vmId, issuerId)) {
      return fail('not-assertion-method', `${vmId} is not an assertion method of ${issuerId}`);
    }
  }
  return { id: 'issuerKey', outcome: 'passed', code: 'ok' };
}
