/**
 * The worker thread of the signing pool (`signing-pool.ts`): it loads the signing stack once,
 * keeps its own offline document loader (jsonld's caches are per thread, so each worker warms its
 * own), and answers sign requests from its parent. Nothing here is exported.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createDocumentLoader } from './document-loader.js';
import type { IssuerKey } from './keys.js';
import { signCredential } from './signing.js';
import type { UnsignedCredential } from './types.js';

/** A request from the pool. */
interface SignRequest {
  id: number;
  unsigned: UnsignedCredential;
  key: IssuerKey;
  /** Proof creation time, epoch ms. */
  now?: number;
}

const port = parentPort;
if (!port) throw new Error('signing-worker.ts runs only as a worker thread');
const loader = createDocumentLoader({ publicUrl: (workerData as { publicUrl: string }).publicUrl });

port.on('message', (m: SignRequest) => {
  signCredential(m.unsigned, m.key, loader, m.now === undefined ? {} : { now: new Date(m.now) }).then(
    (signed) => port.postMessage({ id: m.id, ok: true, signed }),
    (e: unknown) =>
      port.postMessage({
        id: m.id,
        ok: false,
        name: e instanceof Error ? e.name : 'Error',
        message: e instanceof Error ? e.message : String(e),
      }),
  );
});
port.postMessage({ ready: true });
