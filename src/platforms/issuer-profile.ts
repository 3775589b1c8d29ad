/**
 * The institution as it appears on badges (OB 3.0 issuer Profile): name in French and/or
 * English, web site, e-mail and logo. Set once per platform by an administrator.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { auditLog, issuerProfiles } from '../db/schema/index.js';

/** The issuer profile of a platform. */
export interface IssuerProfile {
  platformId: string;
  name: { fr?: string; en?: string };
  url: string;
  email: string;
  imageId: string | null;
}

const text = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((v) => (v ? v : undefined));

/** Validation of the profile form; error messages are i18n keys (namespace `admin`). */
export const IssuerProfileSchema = z
  .object({
    nameFr: text,
    nameEn: text,
    url: z
      .string()
      .trim()
      .url('admin:issuer.errors.url')
      .refine((u) => u.startsWith('https://') || u.startsWith('http://'), 'admin:issuer.errors.url'),
    email: z.string().trim().email('admin:issuer.errors.email'),
    imageId: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  })
  .refine((v) => v.nameFr || v.nameEn, { message: 'admin:issuer.errors.name', path: ['nameFr'] });

/** Reads a platform's issuer profile. */
export async function getIssuerProfile(db: Db, platformId: string): Promise<IssuerProfile | undefined> {
  const [row] = await db.select().from(issuerProfiles).where(eq(issuerProfiles.platformId, platformId));
  return row
    ? { platformId, name: row.name, url: row.url, email: row.email, imageId: row.imageId }
    : undefined;
}

/** Saves a validated profile (insert or replace) with an audit line, atomically. */
export async function saveIssuerProfile(
  db: Db,
  platformId: string,
  input: z.output<typeof IssuerProfileSchema>,
  actor: string,
): Promise<IssuerProfile> {
  const name = {
    ...(input.nameFr ? { fr: input.nameFr } : {}),
    ...(input.nameEn ? { en: input.nameEn } : {}),
  };
  const values = {
    platformId,
    name,
    url: input.url,
    email: input.email,
    imageId: input.imageId ?? null,
    updatedBy: actor,
    updatedAt: new Date(),
  };
  await db.transaction(async (tx) => {
    await tx
      .insert(issuerProfiles)
      .values(values)
      .onConflictDoUpdate({ target: issuerProfiles.platformId, set: values });
    await tx
      .insert(auditLog)
      .values({ actor, action: 'issuer.save', subject: platformId, details: { url: input.url } });
  });
  return { platformId, name, url: input.url, email: input.email, imageId: input.imageId ?? null };
}
