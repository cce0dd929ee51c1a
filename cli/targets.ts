// Which database and Temporal server a CLI command talks to: the environment's when set
// (production), otherwise the running embedded dev stack's.
import type { Client, Connection } from '@temporalio/client';
import { createDb, type Db } from '../db/client.js';
import { readDevState } from './dev/state.js';
import { UsageError } from './output.js';

export interface Targets {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  syncTaskQueue: string;
}

export async function resolveTargets(env = process.env): Promise<Targets> {
  const state = await readDevState();
  const stack = state?.status === 'ready' ? state : null;
  const databaseUrl = env.DATABASE_URL ?? stack?.databaseUrl;
  const temporalAddress = env.TEMPORAL_ADDRESS ?? stack?.temporalAddress ?? 'localhost:7233';
  if (!databaseUrl) {
    throw new UsageError('no database: set DATABASE_URL, or start the embedded stack with `vipsync dev up`');
  }
  return {
    databaseUrl,
    temporalAddress,
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    syncTaskQueue: env.VIPSYNC_SYNC_TASK_QUEUE ?? 'vipsync-sync',
  };
}

export async function withDb<T>(fn: (db: Db, targets: Targets) => Promise<T>): Promise<T> {
  const targets = await resolveTargets();
  const db = createDb(targets.databaseUrl, { maxConnections: 2 });
  try {
    return await fn(db, targets);
  } finally {
    await db.$disconnect();
  }
}

export async function withTemporal<T>(fn: (client: Client, targets: Targets) => Promise<T>): Promise<T> {
  const targets = await resolveTargets();
  // Loaded here, not at start-up: commands that never talk to Temporal start faster.
  const { Client: TemporalClient, Connection: TemporalConnection } = await import('@temporalio/client');
  let connection: Connection;
  try {
    connection = await TemporalConnection.connect({ address: targets.temporalAddress, connectTimeout: '5s' });
  } catch (error) {
    throw new UsageError(
      `cannot reach Temporal at ${targets.temporalAddress} (${(error as Error).message}): ` +
        'set TEMPORAL_ADDRESS, or start the embedded stack with `vipsync dev up`',
    );
  }
  try {
    return await fn(new TemporalClient({ connection, namespace: targets.temporalNamespace }), targets);
  } finally {
    await connection.close();
  }
}
