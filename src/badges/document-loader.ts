/**
 * The offline JSON-LD document loader used for every signature and verification. It answers from
 * the bundled contexts, Jalon's own context at the deployment's URL, and documents registered at run
 * time (issuer DID documents, status list credentials), and throws on anything else: the service
 * never fetches a context, a key or a status list from the network.
 */
import { BUNDLED_CONTEXTS, JALON_CONTEXT_V1, jalonContextUrl } from './contexts/index.js';

/** What a JSON-LD document loader returns. */
export interface RemoteDocument {
  contextUrl: string | null;
  document: unknown;
  documentUrl: string;
}

/** A JSON-LD document loader (the function jsonld, vc and the cryptosuites call). */
export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

/**
 * Looks a document up outside the loader's memory, e.g. in the database (a status list credential
 * or an issuer's DID document). Must not reach the network. Return `undefined` when unknown.
 */
export type DocumentResolver = (url: string) => Promise<object | undefined> | object | undefined;

/** Options of {@link createDocumentLoader}. */
export interface DocumentLoaderOptions {
  /**
   * The service's public base URL(s). Jalon's context is accepted at `<publicUrl>/contexts/jalon/v1`
   * for each; list former URLs too so badges issued before a move still verify.
   */
  publicUrl?: string | readonly string[];
  /** Fallback lookup for URLs that are neither bundled nor registered. */
  resolve?: DocumentResolver;
}

/** The loader plus its run-time registry. */
export interface OfflineDocumentLoader {
  /** The loader function to pass to signing and verification. */
  readonly load: DocumentLoader;
  /**
   * Registers (or replaces) a document under a URL, e.g. a signed status list credential under its
   * `id`. A registered DID document also answers for its verification methods (`did:…#key`).
   */
  register(url: string, document: object): void;
  /** Registers a DID document under its `id`. */
  registerDidDocument(document: { id: string }): void;
  /** Removes a registered document. */
  unregister(url: string): void;
}

/** Thrown for any URL the loader does not know. Never followed by a network request. */
export class DocumentNotFoundError extends Error {
  /** The URL that was asked for. */
  readonly url: string;
  /** Stable code for callers. */
  readonly code = 'document-not-found';
  constructor(url: string) {
    super(`Document not available offline: ${url} (Jalon's document loader never fetches from the network)`);
    this.name = 'DocumentNotFoundError';
    this.url = url;
  }
}

function findVerificationMethod(doc: object, url: string): object | undefined {
  const d = doc as { id?: unknown; '@context'?: unknown; verificationMethod?: unknown };
  if (!Array.isArray(d.verificationMethod)) return undefined;
  for (const vm of d.verificationMethod as unknown[]) {
    if (!vm || typeof vm !== 'object') continue;
    const id = (vm as { id?: unknown }).id;
    const absolute = typeof id === 'string' && id.startsWith('#') ? `${String(d.id)}${id}` : id;
    // The verification method is returned on its own, so it needs the DID document's context.
    if (absolute === url) return { '@context': d['@context'], ...vm, id: url };
  }
  return undefined;
}

/**
 * Creates an offline loader. Contexts are shared (jsonld caches them); registered documents are
 * handed out as copies, so a caller cannot alter what the next verification sees.
 */
export function createDocumentLoader(options: DocumentLoaderOptions = {}): OfflineDocumentLoader {
  const contexts = new Map<string, unknown>(BUNDLED_CONTEXTS);
  const publicUrls = options.publicUrl === undefined ? [] : [options.publicUrl].flat();
  for (const base of publicUrls) contexts.set(jalonContextUrl(base), JALON_CONTEXT_V1);
  const registered = new Map<string, object>();

  async function lookup(url: string): Promise<object | undefined> {
    const known = registered.get(url);
    if (known) return structuredClone(known);
    const resolved = options.resolve ? await options.resolve(url) : undefined;
    return resolved ? structuredClone(resolved) : undefined;
  }

  const load: DocumentLoader = async (url) => {
    const context = contexts.get(url);
    if (context) return { contextUrl: null, document: context, documentUrl: url };
    const direct = await lookup(url);
    if (direct) return { contextUrl: null, document: direct, documentUrl: url };
    const hash = url.indexOf('#');
    if (hash > 0) {
      const parent = await lookup(url.slice(0, hash));
      const vm = parent && findVerificationMethod(parent, url);
      if (vm) return { contextUrl: null, document: vm, documentUrl: url };
    }
    throw new DocumentNotFoundError(url);
  };

  return {
    load,
    register(url, document) {
      if (contexts.has(url)) throw new Error(`cannot replace a bundled context: ${url}`);
      registered.set(url, structuredClone(document));
    },
    registerDidDocument(document) {
      if (typeof document.id !== 'string' || !document.id.startsWith('did:')) {
        throw new TypeError('a DID document needs a DID as its id');
      }
      registered.set(document.id, structuredClone(document));
    },
    unregister(url) {
      registered.delete(url);
    },
  };
}
