/**
 * The registrar module's entry points for the application: the API router and the area's
 * routes, each built from the services (one line each in `src/web/app.ts`), and the job
 * catalog (one line in `src/job-catalog.ts`).
 */
import type { Router } from 'express';
import type { Services } from '../services.js';
import { registrarApiRouter } from './api.js';
import { registrarWriters } from './formats.js';
import { registrarPagesRouter } from './pages.js';

export { registrarJobs, RUN_KIND } from './jobs.js';
export { parseFilters, type ExportFilters } from './filters.js';
export { streamExport, type ExportRequest, type ExportResult } from './export.js';

/** `app.use('/api/registrar', registrarApi(s))`. */
export function registrarApi(s: Services): Router {
  return registrarApiRouter({
    db: s.database.db,
    registry: s.registry,
    log: s.log,
    timeZone: s.config.jobs.timezone,
    writers: registrarWriters(s),
  });
}

/** `s.engine.useLaunchRoutes(registrarPages(s, base))`. */
export function registrarPages(s: Services, base: string): Router {
  return registrarPagesRouter({
    engine: s.engine,
    db: s.database.db,
    jobs: s.jobs,
    log: s.log,
    base,
    timeZone: s.config.jobs.timezone,
  });
}
