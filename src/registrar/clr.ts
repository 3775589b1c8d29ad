/**
 * CLR 2.0 export: one signed `ClrCredential` per learner, gathering the achievements the
 * export selected (records grouped by learner; a revoked award is left out, an expired one
 * keeps its `validUntil`). Each achievement is carried as a signed AchievementCredential in
 * `verifiableCredential` (the learner's own badge, byte for byte, once claimed; otherwise one
 * signed here by the same issuer) and listed in `achievement`. The whole is signed with the
 * same eddsa-rdfc-2022 machinery as the badges (`src/badges/signing.ts`), one JSON document
 * per line, under the contexts a CLR 2.0 validator expects: VC 2.0, CLR 2.0.1, OB 3.0.3.
 */
import { CLR_V2_CONTEXT_URL, OB_V3_CONTEXT_URL, VC_V2_CONTEXT_URL } from '../badges/contexts/index.js';
import { newUrnUuid } from '../badges/ids.js';
import type { IssuerKey } from '../badges/keys.js';
import { signCredential, type LoaderLike } from '../badges/signing.js';
import type { UnsignedCredential } from '../badges/types.js';
import type { ExportRecord } from './records.js';
import { essentialsOf, type RecordWriter } from './writers.js';

/** The `@context` of a Jalon ClrCredential, in the order CLR 2.0 requires. */
export const CLR_CONTEXTS: readonly string[] = Object.freeze([
  VC_V2_CONTEXT_URL,
  CLR_V2_CONTEXT_URL,
  OB_V3_CONTEXT_URL,
]);

/** The signed credential each learner holds (the edition they claimed), by award id. */
export type IssuedCredentials = ReadonlyMap<string, Record<string, unknown>>;

/** What signs the CLR credentials: the issuer's key and the offline loader that knows its DID. */
export interface ClrSigner {
  key: IssuerKey;
  loader: LoaderLike;
  /** The claimed badges of these awards, to embed as they were issued; none when absent. */
  issued?: (awardIds: readonly string[]) => Promise<IssuedCredentials>;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const lang = (v: unknown, l: 'fr' | 'en'): string | undefined => {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const s = o[l] ?? o[l === 'fr' ? 'en' : 'fr'];
    return typeof s === 'string' ? s : undefined;
  }
  return undefined;
};

function identifierOf(r: ExportRecord) {
  const ids: Array<Record<string, unknown>> = [];
  if (r.sisPersonId)
    ids.push({
      type: 'IdentityObject',
      identityHash: r.sisPersonId,
      identityType: 'sourcedId',
      hashed: false,
    });
  if (r.learnerEmail)
    ids.push({
      type: 'IdentityObject',
      identityHash: r.learnerEmail,
      identityType: 'emailAddress',
      hashed: false,
    });
  ids.push({
    type: 'IdentityObject',
    identityHash: r.learnerId,
    identityType: 'lisSourcedId',
    hashed: false,
  });
  return ids;
}

function achievementOf(r: ExportRecord, l: 'fr' | 'en') {
  const e = essentialsOf(r);
  const ess = (r.essentials ?? {}) as Record<string, unknown>;
  const description = lang(ess.description, l) ?? lang(r.title, l) ?? r.microcredentialId;
  return {
    id: `urn:jalon:achievement:${encodeURIComponent(r.definitionVersionId)}`,
    type: ['Achievement'],
    achievementType: 'MicroCredential',
    name: lang(r.title, l) ?? r.microcredentialId,
    description,
    criteria: { narrative: lang(ess.criteria, l) ?? description },
    ...(e.code ? { humanCode: e.code } : {}),
    ...(e.credits !== null ? { creditsAvailable: e.credits } : {}),
  };
}

/** The records a learner still holds: awarded and not revoked (in the export's range). */
function heldRecords(records: readonly ExportRecord[]): ExportRecord[] {
  const revoked = new Set(
    records.filter((r) => r.event === 'revoked' || r.status === 'revoked').map((r) => r.awardId),
  );
  return records.filter((r) => r.event === 'awarded' && !revoked.has(r.awardId));
}

function issuerOf(r: ExportRecord, issuerId: string, l: 'fr' | 'en') {
  const inst = (r.institution ?? {}) as Record<string, unknown>;
  return {
    id: issuerId,
    type: ['Profile'],
    name: lang(inst.name, l) ?? 'Jalon',
    ...(typeof inst.url === 'string' ? { url: inst.url } : {}),
  };
}

/**
 * The (unsigned) AchievementCredential of one award, for an award the learner has not
 * claimed as a badge yet: the same issuer, achievement and dates the CLR lists.
 */
function achievementCredentialOf(
  r: ExportRecord,
  issuerId: string,
  l: 'fr' | 'en' = 'en',
): UnsignedCredential {
  const achievement = achievementOf(r, l);
  const credits = essentialsOf(r).credits;
  return {
    '@context': [VC_V2_CONTEXT_URL, OB_V3_CONTEXT_URL],
    id: `urn:jalon:award:${encodeURIComponent(r.awardId)}`,
    type: ['VerifiableCredential', 'AchievementCredential'],
    issuer: issuerOf(r, issuerId, l),
    name: achievement.name,
    validFrom: iso(r.occurredAt),
    ...(r.expiresAt ? { validUntil: iso(r.expiresAt) } : {}),
    awardedDate: iso(r.occurredAt),
    credentialSubject: {
      type: ['AchievementSubject'],
      identifier: identifierOf(r),
      achievement,
      ...(credits !== null ? { creditsEarned: credits } : {}),
    },
  } as unknown as UnsignedCredential;
}

/**
 * Builds (unsigned) the ClrCredential of what one learner holds: `held` (non-empty) and, in
 * the same order, the signed AchievementCredential embedded for each (their claimed badge,
 * or one signed for the CLR).
 */
export function buildClrCredential(
  held: readonly ExportRecord[],
  embedded: readonly Record<string, unknown>[],
  issuerId: string,
  options: { now?: Date; lang?: 'fr' | 'en' } = {},
): UnsignedCredential {
  const first = held[0]!;
  const issuer = issuerOf(first, issuerId, options.lang ?? 'en');
  // The listed achievements are the embedded credentials' own, with their own terms (a
  // badge's achievement uses Jalon's extension terms): their contexts follow CLR's three.
  const contexts = [...CLR_CONTEXTS];
  for (const c of embedded) {
    const own = c['@context'];
    for (const ctx of Array.isArray(own) ? own : [own])
      if (typeof ctx === 'string' && !contexts.includes(ctx)) contexts.push(ctx);
  }
  const credential = {
    '@context': contexts,
    id: newUrnUuid(),
    type: ['VerifiableCredential', 'ClrCredential'],
    issuer,
    name: first.learnerName ? `${first.learnerName} — ${issuer.name}` : issuer.name,
    validFrom: iso(options.now ?? new Date()),
    credentialSubject: {
      type: ['ClrSubject'],
      identifier: identifierOf(first),
      achievement: embedded.map((c) => (c.credentialSubject as { achievement: unknown }).achievement),
      verifiableCredential: embedded,
    },
  };
  return credential as unknown as UnsignedCredential;
}

/**
 * The CLR writer: records arrive grouped by learner (possibly across pages); each
 * learner's credential is signed and written when the next learner starts, the last at
 * the end. Memory holds one learner's records.
 */
export function clrWriter(signer: ClrSigner, options: { now?: Date; lang?: 'fr' | 'en' } = {}): RecordWriter {
  let current: ExportRecord[] = [];
  let count = 0;
  const flush = async (): Promise<string> => {
    const group = current;
    current = [];
    const held = heldRecords(group);
    if (held.length === 0) return '';
    const l = options.lang ?? 'en';
    const at = options.now ? { now: options.now } : {};
    const issued = (await signer.issued?.(held.map((r) => r.awardId))) ?? new Map();
    const embedded: Record<string, unknown>[] = [];
    for (const r of held) {
      const badge = issued.get(r.awardId);
      embedded.push(
        badge ??
          ((await signCredential(
            achievementCredentialOf(r, signer.key.controller, l),
            signer.key,
            signer.loader,
            at,
          )) as unknown as Record<string, unknown>),
      );
    }
    const unsigned = buildClrCredential(held, embedded, signer.key.controller, options);
    const signed = await signCredential(unsigned, signer.key, signer.loader, at);
    count++;
    return `${JSON.stringify(signed)}\n`;
  };
  return {
    contentType: 'application/x-ndjson; charset=utf-8; profile="ClrCredential"',
    extension: 'clr.jsonl',
    order: 'learner',
    header: () => '',
    async page(records) {
      let out = '';
      for (const r of records) {
        if (current.length > 0 && current[0]!.learnerId !== r.learnerId) out += await flush();
        current.push(r);
      }
      return out;
    },
    end: () => (current.length > 0 ? flush() : ''),
    units: () => count,
  };
}
