/**
 * Independent check: DCC's verifier-core (its own jsonld, vc and cryptosuite forks, its own did:web
 * and status-list code) must accept Jalon's badges. It takes no document loader and fetches with the
 * global fetch, so fetch is replaced, before the import, by a shim that serves our documents from
 * memory and refuses everything else: the test never touches the network.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { buildCredential, OB_SCHEMA_URL } from '../../src/badges/credential.js';
import { JALON_CONTEXT_V1_TEXT, jalonContextUrl } from '../../src/badges/contexts/index.js';
import { didWebDocumentUrl } from '../../src/badges/did-web.js';
import { signCredential } from '../../src/badges/signing.js';
import type { OpenBadgeCredential, Signed } from '../../src/badges/types.js';
import { fullInput, makeIssuer, PUBLIC_URL, type TestIssuer } from './helpers.js';

interface LogEntry {
  id: string;
  valid?: boolean;
  error?: unknown;
}
interface DccResult {
  log?: LogEntry[];
  errors?: Array<{ name: string; message: string }>;
  additionalInformation?: Array<{ id: string; results?: unknown }>;
}
type DccVerify = (options: { credential: unknown; knownDIDRegistries: unknown[] }) => Promise<DccResult>;

/** verifier-core compiles the schema with ajv in strict mode, which warns about the schema's tuple `items`. */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('strict mode')) warn(...args);
  };
  try {
    return await run();
  } finally {
    console.warn = warn;
  }
}

const served = new Map<string, string>();
const refused: string[] = [];
const realFetch = globalThis.fetch;
let dccVerify: DccVerify;
let college: TestIssuer;
let badge: Signed<OpenBadgeCredential>;

function step(result: DccResult, id: string): LogEntry | undefined {
  return result.log?.find((e) => e.id === id);
}

async function publish(): Promise<void> {
  served.set(
    didWebDocumentUrl(college.did),
    JSON.stringify((await college.loader.load(college.did)).document),
  );
  served.set(college.listUrl, JSON.stringify((await college.loader.load(college.listUrl)).document));
}

beforeAll(async () => {
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = served.get(url);
    if (body === undefined) {
      refused.push(url);
      return new Response('not found', { status: 404 });
    }
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  dccVerify = (
    (await import('@digitalcredentials/verifier-core')) as unknown as { verifyCredential: DccVerify }
  ).verifyCredential;

  college = await makeIssuer('issuers/dcc');
  served.set(jalonContextUrl(PUBLIC_URL), JALON_CONTEXT_V1_TEXT);
  // The schema copy's $id differs from the published URL; serve it under the URL credentials cite.
  const schema = JSON.parse(
    readFileSync(
      new URL('../../src/badges/schema/ob_v3p0_achievementcredential_schema.json', import.meta.url),
      'utf8',
    ),
  ) as Record<string, unknown>;
  served.set(OB_SCHEMA_URL, JSON.stringify({ ...schema, $id: OB_SCHEMA_URL }));
  await publish();
  badge = await signCredential(
    buildCredential(fullInput(college, 'fr', 21)),
    college.keys[0]!,
    college.loader,
  );
}, 60_000);

afterAll(() => {
  globalThis.fetch = realFetch;
});

describe('DCC verifier-core (offline)', () => {
  test('accepts the signature, expiry, revocation status and the 1EdTech schema', async () => {
    const result = await quietly(() => dccVerify({ credential: badge, knownDIDRegistries: [] }));
    expect(result.errors).toBeUndefined();
    expect(step(result, 'valid_signature')?.valid).toBe(true);
    expect(step(result, 'expiration')?.valid).toBe(true);
    expect(step(result, 'revocation_status')?.valid).toBe(true);
    const schema = result.additionalInformation?.find((e) => e.id === 'schema_check');
    expect(schema?.results).toEqual([
      expect.objectContaining({ schema: OB_SCHEMA_URL, result: { valid: true } }),
    ]);
    // Everything it needed came from the shim (the Jalon context by its URL, the DID document, the list).
    expect(refused).toEqual([]);
  });

  test('accepts an instructor’s decision without a score (Status result, no value)', async () => {
    const input = fullInput(college, 'en', 24);
    input.result = {
      kind: 'decision',
      thresholdPercent: 80,
      decisionName: { fr: 'Décidé par la personne enseignante', en: 'Decided by the instructor' },
      byPriorLearning: false,
    };
    const vc = await signCredential(buildCredential(input), college.keys[0]!, college.loader);
    expect(vc.credentialSubject.result[0]).not.toHaveProperty('value');
    const result = await quietly(() => dccVerify({ credential: vc, knownDIDRegistries: [] }));
    expect(result.errors).toBeUndefined();
    expect(step(result, 'valid_signature')?.valid).toBe(true);
    const schema = result.additionalInformation?.find((e) => e.id === 'schema_check');
    expect(schema?.results).toEqual([expect.objectContaining({ result: { valid: true } })]);
  });

  test('rejects a tampered badge', async () => {
    const forged = structuredClone(badge);
    forged.credentialSubject.achievement.notionalHours = 200;
    const result = await dccVerify({ credential: forged, knownDIDRegistries: [] });
    // verifier-core reports a bad signature as a fatal error, with no step log.
    expect(result.errors?.map((e) => e.name)).toEqual(['invalid_signature']);
    expect(step(result, 'valid_signature')).toBeUndefined();
  });

  test('reports a revoked badge as revoked', async () => {
    const vc = await signCredential(
      buildCredential(fullInput(college, 'en', 22)),
      college.keys[0]!,
      college.loader,
    );
    college.list.set(22, true);
    await college.publishList();
    await publish();
    const result = await dccVerify({ credential: vc, knownDIDRegistries: [] });
    expect(step(result, 'valid_signature')?.valid).toBe(true);
    expect(step(result, 'revocation_status')?.valid).toBe(false);
  });

  test('reports an expired badge as expired', async () => {
    const input = fullInput(college, 'fr', 23);
    input.dates = {
      awarded: new Date(Date.now() - 10 * 86_400_000),
      validUntil: new Date(Date.now() - 86_400_000),
    };
    const vc = await signCredential(buildCredential(input), college.keys[0]!, college.loader, {
      now: new Date(Date.now() - 10 * 86_400_000),
    });
    const result = await dccVerify({ credential: vc, knownDIDRegistries: [] });
    expect(step(result, 'expiration')?.valid).toBe(false);
  });
});
