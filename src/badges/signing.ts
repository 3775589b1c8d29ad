/**
 * Signing and verifying credentials with a Data Integrity proof (`eddsa-rdfc-2022`). This is the
 * one module that imports the untyped `@digitalbazaar/*` packages; everything else goes through the
 * typed functions here.
 */
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { checkStatus as bslCheckStatus } from '@digitalbazaar/vc-bitstring-status-list';
import {
  CHECK_IDS,
  checkExpiry,
  checkIssuerKey,
  checkStructure,
  checkValidFrom,
  isObject,
  issuerIdOf,
  proofsOf,
  type VerificationCheck,
} from './checks.js';
import { MULTIKEY_V1_CONTEXT_URL } from './contexts/index.js';
import { DocumentNotFoundError, type DocumentLoader } from './document-loader.js';
import type { IssuerKey } from './keys.js';
import type { Signed, UnsignedCredential } from './types.js';

/** A loader function, or an object carrying one (the offline loader). */
export type LoaderLike = DocumentLoader | { load: DocumentLoader };

/** Every verdict (label: `badges:verdict.<verdict>`). */
export const VERDICTS = [
  'valid',
  'invalid',
  'revoked',
  'expired',
  'not-yet-valid',
  'status-unknown',
  // Never returned by verifyCredential (it does not know whose keys the caller holds): set by a
  // caller such as `/verify` when an unverifiable credential names an issuer it has no keys for.
  'unknown-issuer',
] as const;
/** Overall outcome of a verification. Only `valid` means the badge can be trusted today. */
export type Verdict = (typeof VERDICTS)[number];

/** Structured verification result: every check, and the verdict drawn from them. */
export interface VerificationResult {
  /** True only when the verdict is `valid`. */
  valid: boolean;
  verdict: Verdict;
  /** One entry per check, in the order of `CHECK_IDS`. */
  checks: VerificationCheck[];
  credentialId?: string;
  issuerId?: string;
}

/** Thrown when a credential cannot be signed; `message` names the cause (unknown context, undefined term…). */
export class SigningError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SigningError';
  }
}

function loaderOf(loader: LoaderLike): DocumentLoader {
  return typeof loader === 'function' ? loader : loader.load;
}

/** Walks an error's causes (jsonld nests them in `details.cause`, jsigs in `errors`) for a readable reason. */
export function explainError(error: unknown): string {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  const messages: string[] = [];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    if (e instanceof DocumentNotFoundError) return e.message;
    const err = e as {
      message?: unknown;
      name?: unknown;
      cause?: unknown;
      details?: unknown;
      errors?: unknown;
    };
    if (err.name === 'jsonld.ValidationError' && typeof err.message === 'string') {
      const d = isObject(err.details) ? err.details : {};
      const event = isObject(d.event) ? d.event : {};
      const eventDetails = isObject(event.details) ? event.details : {};
      const what = eventDetails.property ?? eventDetails.type ?? eventDetails.iri ?? '';
      return `${err.message} ${String(event.code ?? '')} ${String(what)}`.trim();
    }
    // jsigs wraps the real reasons in a generic "Verification error(s)."; keep the specific ones.
    if (typeof err.message === 'string' && err.message !== 'Verification error(s).')
      messages.push(err.message);
    queue.push(err.cause);
    if (isObject(err.details)) queue.push(err.details.cause);
    if (Array.isArray(err.errors)) queue.push(...(err.errors as unknown[]));
  }
  return [...new Set(messages)].slice(0, 3).join('; ') || String(error);
}

async function keyPairOf(key: IssuerKey): Promise<Ed25519Multikey.Ed25519MultikeyKeyPair> {
  return Ed25519Multikey.from({
    '@context': MULTIKEY_V1_CONTEXT_URL,
    type: 'Multikey',
    id: key.id,
    controller: key.controller,
    publicKeyMultibase: key.publicKeyMultibase,
    secretKeyMultibase: key.secretKeyMultibase,
  });
}

/**
 * Signs a credential (an OpenBadgeCredential or a status list credential) with the issuer's key.
 * The result's `proof` is an array, as the 1EdTech schema requires; the input is not modified.
 * @param unsigned the credential; its issuer id must be the key's controller
 * @param key the issuer's key (with its secret part)
 * @param loader the offline loader (must know every context the credential names)
 * @param options.now proof creation time (defaults to now)
 * @throws SigningError on an unknown context, an undefined term (JSON-LD safe mode), a key of another issuer
 */
export async function signCredential<T extends UnsignedCredential>(
  unsigned: T,
  key: IssuerKey,
  loader: LoaderLike,
  options: { now?: Date } = {},
): Promise<Signed<T>> {
  const issuerId = issuerIdOf(unsigned as unknown as Record<string, unknown>);
  if (issuerId !== key.controller) {
    throw new SigningError(`the key ${key.id} does not belong to the issuer ${String(issuerId)}`);
  }
  if ('proof' in unsigned) throw new SigningError('the credential is already signed');
  const keyPair = await keyPairOf(key);
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: eddsaRdfc2022,
    ...(options.now ? { date: options.now } : {}),
  });
  let signed: Record<string, unknown>;
  try {
    signed = await vc.issue({
      credential: structuredClone(unsigned) as unknown as Record<string, unknown>,
      suite,
      documentLoader: loaderOf(loader),
      ...(options.now ? { now: options.now } : {}),
    });
  } catch (e) {
    throw new SigningError(`cannot sign ${unsigned.id}: ${explainError(e)}`, { cause: e });
  }
  const proof = signed.proof;
  // The signature covers the proof's own fields, not whether `proof` is an object or an array.
  signed.proof = Array.isArray(proof) ? proof : [proof];
  return signed as unknown as Signed<T>;
}

function verificationSuite(): unknown {
  return new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
}

/**
 * Checks the credential's Bitstring Status List entries strictly: the list credential must load,
 * verify, come from the same issuer, and every bit must be clear. `bsl.checkStatus` alone reports a
 * revoked credential as `verified: true, status: true`; here a set bit is a failure.
 */
export async function checkRevocation(
  credential: Record<string, unknown>,
  loader: LoaderLike,
): Promise<VerificationCheck> {
  if (credential.credentialStatus === undefined)
    return { id: 'status', outcome: 'skipped', code: 'no-status' };
  const result = await bslCheckStatus({
    credential,
    documentLoader: loaderOf(loader),
    suite: verificationSuite(),
    verifyBitstringStatusListCredential: true,
    verifyMatchingIssuers: true,
  });
  if (!result.verified) {
    return {
      id: 'status',
      outcome: 'failed',
      code: 'status-unavailable',
      detail: explainError(result.error),
    };
  }
  const entries = result.results ?? [];
  if (entries.length === 0)
    return { id: 'status', outcome: 'failed', code: 'status-unavailable', detail: 'no entry' };
  const set = entries.find((r) => r.status !== false);
  if (set) {
    const purpose = isObject(set.credentialStatus)
      ? String(set.credentialStatus.statusPurpose)
      : 'revocation';
    return { id: 'status', outcome: 'failed', code: purpose === 'suspension' ? 'suspended' : 'revoked' };
  }
  return { id: 'status', outcome: 'passed', code: 'ok' };
}

function skipped(
  id: VerificationCheck['id'],
  code: VerificationCheck['code'] = 'not-checked',
): VerificationCheck {
  return { id, outcome: 'skipped', code };
}

function verdictOf(checks: Record<VerificationCheck['id'], VerificationCheck>): Verdict {
  if (
    ['structure', 'signature', 'issuerKey'].some(
      (id) => checks[id as VerificationCheck['id']].outcome !== 'passed',
    )
  ) {
    return 'invalid';
  }
  const status = checks.status;
  if (status.code === 'revoked' || status.code === 'suspended') return 'revoked';
  if (status.outcome === 'failed') return 'status-unknown';
  if (checks.expiry.outcome === 'failed') return 'expired';
  if (checks.validFrom.outcome === 'failed') return 'not-yet-valid';
  return 'valid';
}

/** A time inside the credential's validity window, so vc's own date test cannot hide the signature result. */
function signatureCheckTime(credential: Record<string, unknown>, now: Date): Date {
  let t = now.getTime();
  if (typeof credential.validUntil === 'string') t = Math.min(t, Date.parse(credential.validUntil));
  if (typeof credential.validFrom === 'string') t = Math.max(t, Date.parse(credential.validFrom));
  return new Date(t);
}

/**
 * Verifies a credential: shape, signature, issuer key, revocation, `validFrom` and expiry, each
 * reported separately. Never `valid` when revoked, expired, not yet valid, or the status cannot be read.
 * @param credential untrusted JSON (e.g. from an upload or an unbaked image)
 * @param loader the offline loader (it must know the issuer's DID document and status list)
 * @param now the time to judge dates against (defaults to now)
 */
export async function verifyCredential(
  credential: unknown,
  loader: LoaderLike,
  now: Date = new Date(),
): Promise<VerificationResult> {
  const load = loaderOf(loader);
  const structure = checkStructure(credential);
  const checks: Record<VerificationCheck['id'], VerificationCheck> = {
    structure,
    signature: skipped('signature'),
    issuerKey: skipped('issuerKey'),
    status: skipped('status'),
    validFrom: skipped('validFrom'),
    expiry: skipped('expiry'),
  };
  if (structure.outcome === 'passed' && isObject(credential)) {
    let status: Promise<VerificationCheck> | undefined;
    const strictStatus = (): Promise<VerificationCheck> => (status ??= checkRevocation(credential, load));
    const result = await vc.verifyCredential({
      credential,
      suite: verificationSuite(),
      documentLoader: load,
      now: signatureCheckTime(credential, now),
      checkStatus: async () => ({ verified: (await strictStatus()).outcome !== 'failed' }),
    });
    const proofResults = result.results ?? [];
    const signed = proofResults.length > 0 && proofResults.every((r) => r.verified);
    checks.signature = signed
      ? { id: 'signature', outcome: 'passed', code: 'ok' }
      : {
          id: 'signature',
          outcome: 'failed',
          code: /not available offline|jsonld\./i.test(explainError(result.error))
            ? 'unverifiable'
            : 'invalid-signature',
          detail: explainError(result.error ?? proofResults.find((r) => r.error)?.error),
        };
    checks.issuerKey = await checkIssuerKey(credential, load);
    checks.status = await strictStatus();
    checks.validFrom = checkValidFrom(credential, now);
    checks.expiry = checkExpiry(credential, now);
  }
  const verdict = verdictOf(checks);
  const out: VerificationResult = {
    valid: verdict === 'valid',
    verdict,
    checks: CHECK_IDS.map((id) => checks[id]),
  };
  if (isObject(credential)) {
    if (typeof credential.id === 'string') out.credentialId = credential.id;
    const issuerId = issuerIdOf(credential);
    if (issuerId) out.issuerId = issuerId;
  }
  return out;
}

/**
 * Signs a DID-authentication presentation (a wallet's answer to a VC-API `DIDAuthentication`
 * query): an empty VerifiablePresentation whose `holder` is the key's controller, with an
 * `authentication` proof bound to the challenge and domain. Used by tests and tools acting as a wallet.
 */
export async function signDidAuthPresentation(
  key: IssuerKey,
  loader: LoaderLike,
  options: { challenge: string; domain?: string },
): Promise<Record<string, unknown>> {
  const keyPair = await keyPairOf(key);
  const suite = new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite: eddsaRdfc2022 });
  return vc.signPresentation({
    presentation: {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      holder: key.controller,
    },
    suite,
    documentLoader: loaderOf(loader),
    challenge: options.challenge,
    ...(options.domain !== undefined && { domain: options.domain }),
  });
}

/** Outcome of {@link verifyDidAuth}. */
export type DidAuthResult = { ok: true; holder: string } | { ok: false; reason: string };

/**
 * Checks a DID-authentication presentation: signed (`authentication` purpose) for this challenge
 * and domain by a key its `holder` controls. The loader must resolve the holder's DID.
 */
export async function verifyDidAuth(
  presentation: unknown,
  loader: LoaderLike,
  options: { challenge: string; domain?: string },
): Promise<DidAuthResult> {
  if (!isObject(presentation)) return { ok: false, reason: 'not a presentation' };
  const holder = typeof presentation.holder === 'string' ? presentation.holder : undefined;
  if (!holder) return { ok: false, reason: 'no holder' };
  const proofs = proofsOf(presentation);
  if (proofs.length !== 1) return { ok: false, reason: 'one proof expected' };
  if (String(proofs[0]?.verificationMethod).split('#')[0] !== holder)
    return { ok: false, reason: 'the proof is not by the holder' };
  if ('verifiableCredential' in presentation) return { ok: false, reason: 'unexpected credentials' };
  const result = await vc.verify({
    presentation,
    suite: verificationSuite(),
    documentLoader: loaderOf(loader),
    challenge: options.challenge,
    ...(options.domain !== undefined && { domain: options.domain }),
  });
  return result.verified ? { ok: true, holder } : { ok: false, reason: explainError(result.error) };
}
