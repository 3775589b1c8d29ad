/**
 * A worker in its own process, for the kill test: it processes `test.effect` jobs on
 * DATABASE_URL with a short lease until it is killed (or nothing is left).
 */
import { openDatabase } from '../../src/db/client.js';
import { Worker } from '../../src/jobs/index.js';
import { EFFECT_KIND, effectHandler } from './effects.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const database = await openDatabase({ url });
const worker = new Worker(database.db, {
  workerId: `child:${process.pid}`,
  handlers: { [EFFECT_KIND]: effectHandler(20) },
  batchSize: 5,
  leaseMs: 1000,
});
await worker.runUntilIdle(100_000);
await database.close();
