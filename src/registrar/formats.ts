/**
 * Which writer serves which format: CSV and JSON Lines from `writers.ts`; CLR 2.0 from
 * `clr.ts`, signed with the platform's issuer key. The key comes from an optional
 * `clrSigner` service (the badge module's issuer keys, joined later): without it CLR
 * exports are refused with 503 and a sentence, never produced unsigned.
 */
import type { Services } from '../services.js';
import { clrWriter, type ClrSigner } from './clr.js';
import { basicWriters, type WriterResolver } from './export.js';

/** Finds the signer (issuer key and offline loader) of a platform's credentials. */
export type ClrSignerSource = (platformId: string) => Promise<ClrSigner | undefined>;

/** The services the registrar uses; `clrSigner` is optional until the badge keys are wired. */
export type RegistrarServices = Pick<Services, 'config' | 'database' | 'log'> & {
  clrSigner?: ClrSignerSource;
};

/** The writers of the running service. */
export function registrarWriters(s: RegistrarServices): WriterResolver {
  return async (format, platformId) => {
    if (format !== 'clr') return basicWriters(format);
    const signer = await s.clrSigner?.(platformId);
    return signer ? clrWriter(signer) : undefined;
  };
}
