import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createDatabaseOn } from '../../cli/stack/postgres.js';

/**
 * Creates an empty database with a unique name on the test run's cluster and returns its URL,
 * so test files never share state. Applying migrations is the caller's job.
 */
export async function freshDatabase(prefix: string): Promise<string> {
  const slug = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z_]/, '_').slice(0, 40);
  const name = `${slug}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return createDatabaseOn(inject('pgUrl'), name);
}
