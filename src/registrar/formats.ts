/**
 * Which writer serves which format: CSV and JSON Lines from `writers.ts`; CLR 2.0 from
 * `clr.ts`, signed with the platform's issuer key: the badge module's (the same did:web
 * issuer as the platform's badges, whose claimed badges the CLR embeds as issued), unless a
 * `clrSigner` service says otherwise. When no
 * signer is available CLR exports are refused with 503 and a sentence, never produced
 * unsigned.
 */
import { issuedCredentialsOfAwards } from '../badges/issuance.js';
import { badgeLoader, currentIssuerKey } from '../badges/store.js';
import { createSealer } from '../crypto/seal.js';
import type { Services } from '../services.js';
import { clrWriter, type ClrSigner } from './clr.js';
import { basicWriters, type WriterResolver } from './export.js';

/** Finds the signer (issuer key and offline loader) of a platform's credentials. */
export type ClrSignerSource = (platformId: string) => Promise<ClrSigner | undefined>;

/** The services the registrar uses; `clrSigner` replaces the platform's badge issuer key. */
export type RegistrarServices = Pick<Services, 'config' | 'database' | 'log' | 'secrets'> & {
  clrSigner?: ClrSignerSource;
};

/** Signs with the platform's badge issuer key (created on first use, like a first badge). */
function issuerSigner(s: RegistrarServices): ClrSignerSource {
  const deps = {
    db: s.database.db,
    sealer: createSealer(s.secrets.master, 'badge-keys'),
    publicUrl: s.config.publicUrl,
  };
  return async (platformId) => ({
    key: await currentIssuerKey(deps, platformId),
    loader: badgeLoader(deps.db, deps.publicUrl),
    issued: (awardIds) => issuedCredentialsOfAwards(deps.db, awardIds),
  });
}

/** The writers of the running service. */
export function registrarWriters(s: RegistrarServices): WriterResolver {
  const fallback = issuerSigner(s);
  return async (format, platformId) => {
    if (format !== 'clr') return basicWriters(format, s.config.publicUrl);
    const signer = await (s.clrSigner ?? fallback)(platformId);
    return signer ? clrWriter(signer) : undefined;
  };
}
