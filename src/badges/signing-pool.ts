/**
 * A small pool of worker threads that sign credentials off the main thread. Signing is CPU-bound
 * (about 97 % of it is JSON-LD → RDF and canonicalisation, see the credentials reference §5), so
 * one thread signs on one core; `size` workers use `size` cores and keep the event loop free for
 * requests meanwhile. Each worker loads `signing-worker.ts` once with its own offline loader.
 *
 * Loading TypeScript in a worker: when this module runs as `.ts` (tsx for `npm start` and the
 * bench, or jest's transform), the worker is started from a tiny script that registers tsx's ESM
 * hooks in that thread and then imports the worker module — jest's transform does not reach
 * worker threads, and tsx's `--import` flag is not passed down once `execArgv` is replaced. Built
 * to JavaScript (`npm run build`), the worker is the compiled `signing-worker.js`.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IssuerKey } from './keys.js';
import { SigningError } from './signing.js';
import type { Signed, UnsignedCredential } from './types.js';

/** Options of {@link createSigningPool}. */
export interface SigningPoolOptions {
  /** Number of worker threads (at least 1). */
  size: number;
  /** The service's public URL (Jalon's context URL is derived from it). */
  publicUrl: string;
}

/** A running pool. Close it when done: busy workers keep the process alive. */
export interface SigningPool {
  readonly size: number;
  /** Resolves once every worker has loaded the signing stack. */
  ready(): Promise<void>;
  /** Signs like `signCredential`, on the least busy worker. @throws SigningError */
  sign<T extends UnsignedCredential>(
    unsigned: T,
    key: IssuerKey,
    options?: { now?: Date },
  ): Promise<Signed<T>>;
  /** Stops every worker; pending signs are rejected. */
  close(): Promise<void>;
}

type Reply =
  | { ready: true }
  | { id: number; ok: true; signed: unknown }
  | { id: number; ok: false; name: string; message: string };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, Pending>;
}

function startWorker(publicUrl: string): Worker {
  const here = import.meta.url;
  const workerData = { publicUrl };
  if (!here.endsWith('.ts')) return new Worker(new URL('./signing-worker.js', here), { workerData });
  // The `import` flavour of tsx's API: its CommonJS one resolves its own files wrongly from an
  // eval'd worker. (`require.resolve` gives the .cjs file; the .mjs one sits beside it.)
  const tsxApi = pathToFileURL(
    createRequire(here)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL('./signing-worker.ts', here).href;
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })` +
    `.catch((e) => { setImmediate(() => { throw e; }); });`;
  // execArgv: [] so the parent's flags (jest's --experimental-vm-modules, tsx's own --import)
  // do not apply twice or in a context they were not meant for.
  return new Worker(bootstrap, { eval: true, workerData, execArgv: [] });
}

/** Starts a pool of `size` signing workers. */
export function createSigningPool(options: SigningPoolOptions): SigningPool {
  if (!Number.isSafeInteger(options.size) || options.size < 1)
    throw new RangeError('a signing pool needs at least one worker');
  let nextId = 1;
  let closed = false;
  const slots: Slot[] = [];

  const spawn = (): Slot => {
    const worker = startWorker(options.publicUrl);
    const pending = new Map<number, Pending>();
    let started = false;
    let markReady!: () => void;
    let failReady!: (e: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => undefined); // observed through ready() or sign()
    const slot: Slot = { worker, ready, pending };
    const failAll = (error: Error) => {
      failReady(error);
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        started = true;
        if (pending.size === 0) worker.unref();
        markReady();
        return;
      }
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (pending.size === 0) worker.unref();
      if (reply.ok) p.resolve(reply.signed);
      else
        p.reject(reply.name === 'SigningError' ? new SigningError(reply.message) : new Error(reply.message));
    });
    worker.on('error', (e) => failAll(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => {
      failAll(new Error(`signing worker stopped (exit code ${code})`));
      // A worker that crashed after loading is replaced so the pool keeps its size; one that
      // could not even load would fail again, so it is not (its error reached ready() and sign()).
      const i = slots.indexOf(slot);
      if (i >= 0 && !closed && started) slots.splice(i, 1, spawn());
    });
    // A loading worker and one with work in flight keep the process alive; an idle one does not.
    return slot;
  };

  for (let i = 0; i < options.size; i++) slots.push(spawn());

  return {
    size: options.size,
    async ready() {
      await Promise.all(slots.map((s) => s.ready));
    },
    async sign<T extends UnsignedCredential>(
      unsigned: T,
      key: IssuerKey,
      signOptions: { now?: Date } = {},
    ): Promise<Signed<T>> {
      if (closed) throw new Error('the signing pool is closed');
      const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      const result = new Promise<unknown>((resolve, reject) => slot.pending.set(id, { resolve, reject }));
      slot.worker.ref();
      slot.worker.postMessage({
        id,
        unsigned,
        key,
        ...(signOptions.now && { now: signOptions.now.getTime() }),
      });
      return (await result) as Signed<T>;
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
