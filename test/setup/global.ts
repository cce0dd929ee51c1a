import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresCluster } from '../../cli/stack/postgres.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../cli/stack/temporal.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test run's PostgreSQL cluster; use freshDatabase() for a database of your own. */
    pgUrl: string;
    /** host:port of the test run's Temporal dev server (namespace "default"). */
    temporalAddress: string;
  }
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const log = (msg: string) => console.error(`[test stack] ${msg}`);

/** One PostgreSQL cluster and one Temporal dev server for the whole test run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [postgres, temporal] = await Promise.allSettled([
    mkdtemp(join(tmpdir(), 'vipsync-test-pg-')).then((dataDir) => startPostgres({ dataDir, log })),
    startTemporalDevServer({ toolsDir: join(repoRoot, '.vipsync', 'tools'), log }),
  ]);
  const started = [postgres, temporal].flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const teardown = async () => {
    await Promise.all(started.map((service: PostgresCluster | TemporalDevServer) => service.stop()));
  };
  if (postgres.status === 'rejected' || temporal.status === 'rejected') {
    await teardown();
    throw postgres.status === 'rejected' ? postgres.reason : (temporal as PromiseRejectedResult).reason;
  }
  project.provide('pgUrl', postgres.value.url);
  project.provide('temporalAddress', temporal.value.address);
  return teardown;
}
