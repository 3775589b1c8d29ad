/**
 * A whole Jalon instance's worker in its own process, for the durability tests: the real
 * job catalog (results sync, standings, e-mail, gradebook, badges) over DATABASE_URL, with
 * the parent's DATA_DIR (same master secret, so the sealed connector token opens) and a
 * short lease, until nothing is left or it is killed. No HTTP server: only the worker.
 */
import { loadConfig } from '../../src/config/index.js';
import { jobCatalog } from '../../src/job-catalog.js';
import { Worker } from '../../src/jobs/index.js';
import { createLogger } from '../../src/log.js';
import { createServices } from '../../src/services.js';

const { DATABASE_URL, DATA_DIR, PUBLIC_URL } = process.env;
if (!DATABASE_URL || !DATA_DIR || !PUBLIC_URL)
  throw new Error('DATABASE_URL, DATA_DIR and PUBLIC_URL are required');
const config = loadConfig(process.env, {
  dataDir: DATA_DIR,
  databaseUrl: DATABASE_URL,
  publicUrl: PUBLIC_URL,
  cookieSecure: false,
  jobs: { workers: 0, pollMs: 50, timezone: 'America/Toronto' },
});
const log = createLogger('warn', process.stderr);
const services = await createServices(config, {
  log,
  renderError: (_req, res) => void res.status(500).end(),
});
const worker = new Worker(services.database.db, {
  workerId: `child:${process.pid}`,
  handlers: jobCatalog(services).handlers,
  batchSize: Number(process.env.WORKER_BATCH ?? 2),
  leaseMs: Number(process.env.WORKER_LEASE_MS ?? 1000),
  backoff: { baseMs: 0, maxMs: 0 },
});
await worker.runUntilIdle(100_000);
await services.close();
