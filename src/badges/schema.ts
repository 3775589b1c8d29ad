/**
 * Validation against the 1EdTech Open Badges 3.0 AchievementCredential JSON Schema (draft 2019-09),
 * a byte-for-byte copy kept in `schema/` (source and hash in /work/shared/standards/ob3/README.md).
 */
import { readFileSync } from 'node:fs';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject } from 'ajv';

// ajv-formats is CommonJS: under Node's ESM loader its function is the default export's default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2019) => Ajv2019;

/** The schema document (parsed once). */
export const OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA: Readonly<Record<string, unknown>> = JSON.parse(
  readFileSync(new URL('./schema/ob_v3p0_achievementcredential_schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

/** Result of a schema validation: `errors` lists each violation as `<json pointer> <message>`. */
export interface SchemaValidationResult {
  valid: boolean;
  errors: string[];
}

// strict: false because the schema's tuple-form `items` on @context trips ajv's strict mode.
const ajv = new Ajv2019({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA);

function describe(e: ErrorObject): string {
  return `${e.instancePath || '/'} ${e.message ?? e.keyword}`;
}

/** Validates a (signed or unsigned) credential against the OB 3.0 AchievementCredential schema. */
export function validateOpenBadgeCredential(credential: unknown): SchemaValidationResult {
  const valid = validate(credential);
  return { valid, errors: valid ? [] : (validate.errors ?? []).map(describe) };
}
