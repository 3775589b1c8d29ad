import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  BUNDLED_CONTEXTS,
  CLR_V2_CONTEXT_URL,
  DID_V1_CONTEXT_URL,
  JALON_CONTEXT_PATH,
  JALON_CONTEXT_V1,
  JALON_CONTEXT_V1_TEXT,
  JALON_TERMS,
  JALON_VOCAB,
  jalonContextUrl,
  MULTIKEY_V1_CONTEXT_URL,
  OB_EXTENSIONS_CONTEXT_URL,
  OB_V3_CONTEXT_URL,
  VC_V2_CONTEXT_URL,
} from '../../src/badges/contexts/index.js';
import { createDocumentLoader, DocumentNotFoundError } from '../../src/badges/document-loader.js';

// Any edit to the published context changes what issued signatures mean: publish jalon-v2 instead.
const JALON_V1_SHA256 = 'cf455921c6c0d56ff5fb194c9d14d351147bb9f793300481f896d815b0049b30';

function termsOf(context: unknown, into = new Set<string>()): Set<string> {
  if (!context || typeof context !== 'object') return into;
  for (const [k, v] of Object.entries(context as Record<string, unknown>)) {
    if (!k.startsWith('@')) into.add(k);
    if (v && typeof v === 'object' && '@context' in v)
      termsOf((v as { '@context': unknown })['@context'], into);
  }
  return into;
}

describe('Jalon extension context v1', () => {
  test('is immutable: the file still has its published bytes', () => {
    const bytes = readFileSync(new URL('../../src/badges/contexts/jalon-v1.jsonld', import.meta.url));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(JALON_V1_SHA256);
    expect(JALON_CONTEXT_V1_TEXT).toBe(bytes.toString('utf8'));
    expect(Object.isFrozen(JALON_CONTEXT_V1)).toBe(true);
  });

  test('is protected and defines every term OB 3.0 lacks, in a fixed vocabulary', () => {
    const ctx = JALON_CONTEXT_V1['@context'] as Record<string, { '@id': string }>;
    expect(ctx['@protected']).toBe(true);
    expect([...JALON_TERMS].sort()).toEqual(
      [
        'notionalHours',
        'deliveryMode',
        'prerequisites',
        'learningOutcomes',
        'assessmentType',
        'supervision',
        'identityVerification',
        'qualityAssurance',
        'learnerOutcome',
        'stackability',
        'stacksTowards',
        'learningLevel',
        'byPriorLearning',
        'attemptNumber',
      ].sort(),
    );
    for (const term of JALON_TERMS) expect(ctx[term]?.['@id']).toBe(`${JALON_VOCAB}${term}`);
  });

  test('redefines no VC 2.0 or OB 3.0.3 term, even type-scoped ones (protected-term clash)', () => {
    const theirs = new Set<string>();
    for (const url of [VC_V2_CONTEXT_URL, OB_V3_CONTEXT_URL, OB_EXTENSIONS_CONTEXT_URL]) {
      termsOf((BUNDLED_CONTEXTS.get(url) as { '@context': unknown })['@context'], theirs);
    }
    expect(theirs.has('level')).toBe(true); // why Jalon's term is learningLevel
    expect(JALON_TERMS.filter((t) => theirs.has(t))).toEqual([]);
  });

  test('is served under the deployment public URL', () => {
    expect(JALON_CONTEXT_PATH).toBe('/contexts/jalon/v1');
    expect(jalonContextUrl('https://jalon.example.edu')).toBe('https://jalon.example.edu/contexts/jalon/v1');
    expect(jalonContextUrl('https://jalon.example.edu/')).toBe('https://jalon.example.edu/contexts/jalon/v1');
    expect(jalonContextUrl('http://localhost:3000/app/')).toBe('http://localhost:3000/app/contexts/jalon/v1');
  });
});

// 1EdTech's published CLR 2.0.1 context, copied byte for byte (src/badges/contexts/README.md).
const CLR_V2_SHA256 = '880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6';

describe('CLR 2.0.1 context', () => {
  test('is the published document, unchanged, served offline at its URL', async () => {
    const bytes = readFileSync(
      new URL('../../src/badges/contexts/clr-v2p0-context-2.0.1.json', import.meta.url),
    );
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(CLR_V2_SHA256);
    const doc = (await createDocumentLoader().load(CLR_V2_CONTEXT_URL)).document;
    expect(doc).toEqual(JSON.parse(bytes.toString('utf8')));
    expect(Object.isFrozen(doc)).toBe(true);
    const ctx = (doc as { '@context': Record<string, Record<string, unknown>> })['@context'];
    expect(ctx.ClrCredential?.['@id']).toBe(
      'https://purl.imsglobal.org/spec/vc/clr/vocab.html#ClrCredential',
    );
    expect(Object.keys(ctx.ClrSubject?.['@context'] as object)).toEqual(
      expect.arrayContaining(['achievement', 'verifiableCredential', 'identifier', 'association']),
    );
  });
});

describe('offline document loader', () => {
  test('serves the bundled contexts and the Jalon context for each configured public URL', async () => {
    const loader = createDocumentLoader({
      publicUrl: ['https://jalon.example.edu/', 'https://old.example.edu'],
    });
    for (const url of [
      VC_V2_CONTEXT_URL,
      OB_V3_CONTEXT_URL,
      OB_EXTENSIONS_CONTEXT_URL,
      DID_V1_CONTEXT_URL,
      MULTIKEY_V1_CONTEXT_URL,
      CLR_V2_CONTEXT_URL,
    ]) {
      const doc = await loader.load(url);
      expect(doc.documentUrl).toBe(url);
      expect(doc.document).toHaveProperty('@context');
    }
    expect((await loader.load('https://jalon.example.edu/contexts/jalon/v1')).document).toBe(
      JALON_CONTEXT_V1,
    );
    expect((await loader.load('https://old.example.edu/contexts/jalon/v1')).document).toBe(JALON_CONTEXT_V1);
  });

  test('throws on anything else, naming the URL', async () => {
    const loader = createDocumentLoader({ publicUrl: 'https://jalon.example.edu' });
    for (const url of [
      'https://evil.example.org/contexts/jalon/v1',
      'https://www.w3.org/2018/credentials/v1',
      'https://www.w3.org/ns/credentials/undefined-terms/v2',
      'did:web:unknown.example',
    ]) {
      await expect(loader.load(url)).rejects.toThrow(DocumentNotFoundError);
      await expect(loader.load(url)).rejects.toThrow(url);
    }
    await expect(createDocumentLoader().load('https://jalon.example.edu/contexts/jalon/v1')).rejects.toThrow(
      DocumentNotFoundError,
    );
  });

  test('answers a DID and its verification methods, with the DID document context', async () => {
    const loader = createDocumentLoader();
    const did = 'did:web:jalon.example.edu:issuers:a';
    const vm = { id: `${did}#k1`, type: 'Multikey', controller: did, publicKeyMultibase: 'z6Mkabc' };
    loader.registerDidDocument({
      '@context': [DID_V1_CONTEXT_URL, MULTIKEY_V1_CONTEXT_URL],
      id: did,
      verificationMethod: [vm],
    } as {
      id: string;
    });
    expect((await loader.load(did)).document).toMatchObject({ id: did });
    expect((await loader.load(`${did}#k1`)).document).toEqual({
      '@context': [DID_V1_CONTEXT_URL, MULTIKEY_V1_CONTEXT_URL],
      ...vm,
    });
    await expect(loader.load(`${did}#k2`)).rejects.toThrow(DocumentNotFoundError);
    expect(() => loader.registerDidDocument({ id: 'https://not-a-did' })).toThrow(TypeError);
  });

  test('hands out copies: a caller cannot change what the next verification sees', async () => {
    const loader = createDocumentLoader();
    const original = { id: 'https://jalon.example.edu/status/1', value: 1 };
    loader.register(original.id, original);
    original.value = 2;
    const first = (await loader.load(original.id)).document as { value: number };
    first.value = 3;
    expect(((await loader.load(original.id)).document as { value: number }).value).toBe(1);
    loader.unregister(original.id);
    await expect(loader.load(original.id)).rejects.toThrow(DocumentNotFoundError);
    expect(() => loader.register(VC_V2_CONTEXT_URL, {})).toThrow(/bundled context/);
  });

  test('asks the resolver for unknown URLs (e.g. the database), still without network', async () => {
    const asked: string[] = [];
    const loader = createDocumentLoader({
      resolve: (url) => {
        asked.push(url);
        return url === 'https://jalon.example.edu/status/9' ? { id: url } : undefined;
      },
    });
    expect((await loader.load('https://jalon.example.edu/status/9')).document).toEqual({
      id: 'https://jalon.example.edu/status/9',
    });
    await expect(loader.load('https://jalon.example.edu/status/10')).rejects.toThrow(DocumentNotFoundError);
    expect(asked).toEqual(['https://jalon.example.edu/status/9', 'https://jalon.example.edu/status/10']);
  });
});
