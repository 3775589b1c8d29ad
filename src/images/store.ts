/**
 * Stored images, addressed by the SHA-256 of their bytes (the same upload twice is one row).
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { images } from '../db/schema/index.js';
import type { CheckedImage } from './validate.js';

/** Saves a checked image (idempotent) and returns its id. */
export async function saveImage(db: Db, img: CheckedImage): Promise<string> {
  await db
    .insert(images)
    .values({ id: img.id, mime: img.mime, bytes: img.bytes, width: img.width, height: img.height })
    .onConflictDoNothing();
  return img.id;
}

/** Loads an image by id. */
export async function loadImage(db: Db, id: string): Promise<CheckedImage | undefined> {
  if (!/^[0-9a-f]{64}$/.test(id)) return undefined;
  const [row] = await db.select().from(images).where(eq(images.id, id));
  if (!row) return undefined;
  return {
    id: row.id,
    mime: row.mime as CheckedImage['mime'],
    bytes: row.bytes,
    width: row.width,
    height: row.height,
  };
}
