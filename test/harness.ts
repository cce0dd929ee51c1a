// A real vipsync worker for one test file: its own database on the test cluster, its own task
// queues and connection ids on the shared Temporal dev server, the real SDKs against emulators.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createDb, type Db } from '../activities/db.js';
import type { Fixture } from '../emulators/fixture.js';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce.js';
import { applyMigrations } from '../prisma/migrate.js';
import type { ConnectionConfig, WorkerConfig } from '../worker/config.js';
import { ensureSyncSchedules, triggerSync, waitForSync } from '../worker/schedules.js';
import { createVipsyncWorkers, runWorkers } from '../worker/workers.js';
import type { SyncSummary } from '../workflows/contract.js';
import { freshDatabase } from './setup/database.js';

export interface Harness {
  db: Db;
  databaseUrl: string;
  client: Client;
  hubspot: HubSpotEmulator;
  salesforce: SalesforceEmulator;
  config: WorkerConfig;
  hubspotId: string;
  salesforceId: string;
  sync(connectionId: string): Promise<SyncSummary>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export async function startHarness(name: string, fixture: Fixture): Promise<Harness> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const suffix = randomBytes(3).toString('hex');
  const databaseUrl = await freshDatabase(name);
  await applyMigrations(databaseUrl);
  const db = createDb(databaseUrl);
  const hubspot = await startHubSpotEmulator({ data: fixture.hubspot, accessToken: 'test-hubspot-token' });
  const salesforce = await startSalesforceEmulator({ data: fixture.salesforce, clientId: 'test-client', clientSecret: 'test-secret' });
  const hubspotId = `hubspot-${suffix}`;
  const salesforceId = `salesforce-${suffix}`;
  const connections: ConnectionConfig[] = [
    { id: hubspotId, system: 'hubspot', baseUrl: hubspot.url, accessToken: 'test-hubspot-token', intervalSeconds: 3600 },
    { id: salesforceId, system: 'salesforce', loginUrl: salesforce.url, clientId: 'test-client', clientSecret: 'test-secret', apiVersion: '59.0', intervalSeconds: 3600 },
  ];
  const address = inject('temporalAddress');
  const config: WorkerConfig = {
    databaseUrl,
    temporalAddress: address,
    temporalNamespace: 'default',
    syncTaskQueue: `sync-${name}-${suffix}`,
    lookupTaskQueue: `lookup-${name}-${suffix}`,
    autoMigrate: false,
    connections,
  };
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./workflows/probe.ts', import.meta.url)),
    logger: new DefaultLogger('WARN'),
  });
  const nativeConnection = await NativeConnection.connect({ address });
  const workers: Worker[] = await createVipsyncWorkers({ connection: nativeConnection, config, db, workflowBundle });
  const running = runWorkers(workers);
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  await ensureSyncSchedules(client, connections, config.syncTaskQueue);

  return {
    db, databaseUrl, client, hubspot, salesforce, config, hubspotId, salesforceId,
    async sync(connectionId) {
      return waitForSync(client, await triggerSync(client, connectionId));
    },
    async close() {
      for (const id of [hubspotId, salesforceId]) await client.schedule.getHandle(`vipsync-sync-schedule-${id}`).delete().catch(() => {});
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await clientConnection.close();
      await nativeConnection.close();
      await Promise.all([hubspot.close(), salesforce.close()]);
      await db.$disconnect();
    },
  };
}
