/**
 * A platform registered straight through the registry, for tests that need a platform id
 * (foreign keys) but no LMS.
 */
import type { Db } from '../../src/db/client.js';
import { PlatformRegistry } from '../../src/platforms/registry.js';

/** Adds a pending Moodle-like platform and returns its id. */
export async function addPlatformRow(db: Db, clientId = 'c1'): Promise<string> {
  const { platform } = await new PlatformRegistry(db).add(
    {
      issuer: 'https://moodle.example.edu',
      clientId,
      authEndpoint: 'https://moodle.example.edu/auth',
      tokenEndpoint: 'https://moodle.example.edu/token',
      jwksUri: 'https://moodle.example.edu/jwks',
      deploymentIds: ['1'],
    },
    'test',
    'manual',
  );
  return platform.id;
}
