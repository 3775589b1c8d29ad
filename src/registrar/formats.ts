/**
 * Which writer serves which format: CSV and JSON Lines from `writers.ts`; CLR 2.0 from
 * `clr.ts` once signing is wired.
 */
import type { Services } from '../services.js';
import { basicWriters, type WriterFactory } from './export.js';

/** The writers of the running service. */
export function registrarWriters(_s: Pick<Services, 'config' | 'database' | 'log'>): WriterFactory {
  return basicWriters;
}
