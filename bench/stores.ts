// What a benchmark that runs in one process needs first: its own PostgreSQL (with one migrated
// database) and Temporal dev server, in a temporary directory that goes with them.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../cli/stack/postgres.js';
import { startTemporalDevServer, type TemporalDevServer } from '../cli/stack/temporal.js';
import { createDb, type Db } from '../db/client.js';
import { applyMigrations } from '../prisma/migrate.js';
import type { Log } from './reporting.js';

const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface BenchStores {
  databaseUrl: string;
  db: Db;
  temporal: TemporalDevServer;
  /** Undone by `stop`, the last pushed first, before the stores themselves. */
  stops: (() => Promise<void>)[];
  stop(): Promise<void>;
}

/** Starts both and migrates database `name`; on a failure half-way, stops what it started. */
export async function startBenchStores(name: string, maxConnections: number, log: Log): Promise<BenchStores> {
  const dir = await mkdtemp(join(tmpdir(), `vipsync-${name.replaceAll('_', '-')}-`));
  await chmod(dir, 0o755); // PostgreSQL may run as another OS user (when we are root)
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const undo of stops.splice(0).reverse()) await undo().catch((error: Error) => log(`while stopping: ${error.message}`));
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  };
  try {
    const postgres = await startPostgres({ dataDir: join(dir, 'pg'), log });
    stops.push(() => postgres.stop());
    const temporal = await startTemporalDevServer({ toolsDir: join(REPO_DIR, '.vipsync', 'tools'), log });
    stops.push(() => temporal.stop());
    const databaseUrl = await postgres.createDatabase(name);
    await applyMigrations(databaseUrl);
    const db = createDb(databaseUrl, { maxConnections });
    stops.push(() => db.$disconnect());
    return { databaseUrl, db, temporal, stops, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
