// The production worker: configured by environment variables, validated at start.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createAuditWriter } from '../db/audit-log.js';
import { listenForChanges } from '../db/change-feed.js';
import { registerConnections } from '../sync/connections.js';
import { createDb } from '../db/client.js';
import { createLookupService, LookupCache } from '../lookup/service.js';
import { applyMigrations } from '../prisma/migrate.js';
import { loadConfig, type WorkerConfig } from '../config/environment.js';
import { loadLookupConfig } from '../lookup/config.js';
import { logger, temporalLogger } from '../runtime/logger.js';
import { ensureSyncSchedules } from '../sync/schedules.js';
import { startPushPaths, type PushPathOptions } from './change-events.js';
import { createVipsyncWorkers, runWorkers } from './workers.js';

async function connectTemporal(config: WorkerConfig): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address: config.temporalAddress });
  } catch (error) {
    throw new Error(
      `cannot reach Temporal at ${config.temporalAddress} (${(error as Error).message}); ` +
        'start it or set TEMPORAL_ADDRESS to the frontend host:port',
    );
  }
}

export interface BootedWorker {
  /** Runs until the workers are shut down, then closes every connection. */
  run(): Promise<void>;
  shutdown(): void;
}

/** Everything before polling: schema, connections, schedules, workers. Errors here are start-up errors. */
export async function bootWorker(
  config: WorkerConfig, pushPaths: Pick<PushPathOptions, 'handler' | 'requestReconciliation'> = {},
): Promise<BootedWorker> {
  if (config.autoMigrate) {
    const applied = await applyMigrations(config.databaseUrl, (m) => logger.info(m));
    logger.info({ applied: applied.length }, 'database schema is up to date');
  }
  const db = createDb(config.databaseUrl);
  try {
    await db.$queryRaw`SELECT 1`;
  } catch (error) {
    throw new Error(`cannot reach the database at DATABASE_URL (${(error as Error).message})`);
  }
  await registerConnections(db, config.connections);

  const nativeConnection = await connectTemporal(config);
  const clientConnection = await Connection.connect({ address: config.temporalAddress });
  const client = new Client({ connection: clientConnection, namespace: config.temporalNamespace });
  await ensureSyncSchedules(client, config.connections, config.syncTaskQueue);

  const lookupConfig = loadLookupConfig();
  const changes = await listenForChanges(config.databaseUrl, { log: (m) => logger.warn(m) });
  const audit = createAuditWriter(db);
  const lookupService = createLookupService({ db, audit, config: lookupConfig, cache: new LookupCache(changes) });
  const workers = await createVipsyncWorkers({ connection: nativeConnection, config, db, lookupService });
  // Salesforce connections with changeEvents.enabled: Change Data Capture into the push workflow,
  // beside the scheduled sync.
  const push = startPushPaths({ db, client, connections: config.connections, taskQueue: config.syncTaskQueue, ...pushPaths });
  logger.info(
    {
      temporal: config.temporalAddress,
      namespace: config.temporalNamespace,
      taskQueues: [config.syncTaskQueue, config.lookupTaskQueue],
      connections: config.connections.map((c) => `${c.id} (${c.system}, every ${c.intervalSeconds}s${push.connectionIds.includes(c.id) ? ', change events' : ''})`),
    },
    'vipsync worker started',
  );
  return {
    async run() {
      try {
        await runWorkers(workers);
      } finally {
        await push.stop().catch((error: Error) => logger.error(error.message));
        await audit.close().catch((error: Error) => logger.error(error.message));
        await changes.close();
        await clientConnection.close();
        await nativeConnection.close();
        await db.$disconnect();
      }
    },
    shutdown() {
      for (const worker of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
    },
  };
}

export async function main(): Promise<void> {
  Runtime.install({ logger: temporalLogger('INFO') });
  const config = loadConfig(process.env, { requireConnections: true });
  const worker = await bootWorker(config);
  await worker.run();
}
