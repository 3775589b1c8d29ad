/**
 * CLR 2.0 export: one signed `ClrCredential` per learner, gathering the achievements the
 * export selected (records grouped by learner; a revoked award is left out, an expired one
 * keeps its `validUntil`). Each achievement is carried as an embedded AchievementCredential
 * (Open Badges 3.0 terms) and listed in `achievement`; the whole is signed with the same
 * eddsa-rdfc-2022 machinery as the badges (`src/badges/signing.ts`), one JSON document
 * per line.
 *
 * The CLR 2.0 context (`…/clr/v2p0/context-2.0.1.json`) is not bundled with Jalon and
 * signing never fetches a context, so the CLR terms are defined inline, on the CLR
 * vocabulary's own IRIs. Swap it for the published context's URL once a verbatim copy is
 * bundled in `src/badges/contexts/` (see docs/registrar-exports.md).
 */
import { OB_V3_CONTEXT_URL, VC_V2_CONTEXT_URL } from '../badges/contexts/index.js';
import { newUrnUuid } from '../badges/ids.js';
import type { IssuerKey } from '../badges/keys.js';
import { signCredential, type LoaderLike } from '../badges/signing.js';
import type { UnsignedCredential } from '../badges/types.js';
import type { ExportRecord } from './records.js';
import { essentialsOf, type RecordWriter } from './writers.js';

const CLR = 'https://purl.imsglobal.org/spec/vc/clr/vocab.html#';
const OB = 'https://purl.imsglobal.org/spec/vc/ob/vocab.html#';

/** The CLR 2.0 terms Jalon's ClrCredentials use, on the CLR vocabulary's IRIs. */
export const CLR_INLINE_CONTEXT = Object.freeze({
  ClrCredential: { '@id': `${CLR}ClrCredential` },
  ClrSubject: {
    '@id': `${CLR}ClrSubject`,
    '@context': {
      '@protected': true,
      id: '@id',
      type: '@type',
      identifier: { '@id': `${OB}identifier`, '@container': '@set' },
      achievement: { '@id': `${CLR}achievement`, '@container': '@set' },
      verifiableCredential: {
        '@id': 'https://www.w3.org/2018/credentials#verifiableCredential',
        '@type': '@id',
        '@container': '@graph',
        '@context': null,
      },
    },
  },
});

/** What signs the CLR credentials: the issuer's key and the offline loader that knows its DID. */
export interface ClrSigner {
  key: IssuerKey;
  loader: LoaderLike;
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

/** Builds (unsigned) the ClrCredential of one learner's records; undefined when none is held. */
export function buildClrCredential(
  records: readonly ExportRecord[],
  issuerId: string,
  options: { now?: Date; lang?: 'fr' | 'en' } = {},
): UnsignedCredential | undefined {
  const l = options.lang ?? 'en';
  const revoked = new Set(
    records.filter((r) => r.event === 'revoked' || r.status === 'revoked').map((r) => r.awardId),
  );
  const held = records.filter((r) => r.event === 'awarded' && !revoked.has(r.awardId));
  if (held.length === 0) return undefined;
  const first = held[0]!;
  const inst = (first.institution ?? {}) as Record<string, unknown>;
  const issuer = {
    id: issuerId,
    type: ['Profile'],
    name: lang(inst.name, l) ?? 'Jalon',
    ...(typeof inst.url === 'string' ? { url: inst.url } : {}),
  };
  const identifier = identifierOf(first);
  const achievements = held.map((r) => achievementOf(r, l));
  const credentials = held.map((r, i) => ({
    '@context': [VC_V2_CONTEXT_URL, OB_V3_CONTEXT_URL],
    id: `urn:jalon:award:${encodeURIComponent(r.awardId)}`,
    type: ['VerifiableCredential', 'AchievementCredential'],
    issuer,
    name: achievements[i]!.name,
    validFrom: iso(r.occurredAt),
    ...(r.expiresAt ? { validUntil: iso(r.expiresAt) } : {}),
    awardedDate: iso(r.occurredAt),
    credentialSubject: {
      type: ['AchievementSubject'],
      identifier,
      achievement: achievements[i],
      ...(essentialsOf(r).credits !== null ? { creditsEarned: essentialsOf(r).credits } : {}),
    },
  }));
  const credential = {
    '@context': [VC_V2_CONTEXT_URL, OB_V3_CONTEXT_URL, CLR_INLINE_CONTEXT],
    id: newUrnUuid(),
    type: ['VerifiableCredential', 'ClrCredential'],
    issuer,
    name: first.learnerName ? `${first.learnerName} — ${issuer.name}` : issuer.name,
    validFrom: iso(options.now ?? new Date()),
    credentialSubject: {
      type: ['ClrSubject'],
      identifier,
      achievement: achievements,
      verifiableCredential: credentials,
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
    const unsigned = buildClrCredential(group, signer.key.controller, options);
    if (!unsigned) return '';
    const signed = await signCredential(
      unsigned,
      signer.key,
      signer.loader,
      options.now ? { now: options.now } : {},
    );
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
