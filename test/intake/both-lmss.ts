/**
 * The set-up of the intake test files that need a Jalon with both LMSs. Kept apart from
 * `setup.ts`, which the benchmarks import outside jest (where `@jest/globals` cannot load).
 */
import { afterAll, beforeAll } from '@jest/globals';
import { startJalon, type TestJalon } from '../helpers/jalon.js';
import { connectCanvas, connectMoodle, type ConnectedPlatform } from './setup.js';

/** A Jalon with a connected Moodle and Canvas. */
export interface BothLmss {
  jalon: TestJalon;
  moodle: ConnectedPlatform;
  canvas: ConnectedPlatform;
}

/**
 * Starts a Jalon with a connected Moodle and Canvas before the file's tests (handing them to
 * `take`) and closes everything after, including what started before a failure.
 */
export function useBothLmss(take: (env: BothLmss) => void): void {
  const started: Partial<BothLmss> = {};
  beforeAll(async () => {
    started.jalon = await startJalon();
    started.moodle = await connectMoodle(started.jalon);
    started.canvas = await connectCanvas(started.jalon);
    take(started as BothLmss);
  });
  afterAll(async () => {
    await started.moodle?.platform.close();
    await started.canvas?.platform.close();
    await started.jalon?.stop();
  });
}
