// A real vipsync worker for one test file: its own database on the test cluster, its own task
// queues and connection ids on the shared Temporal dev server, the real SDKs against emulators.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createDb, type Db } from '../db/client.js';
import { requestFullSync } from '../sync/store.js';
import type { Fixture } from '../emulators/fixture.js';
import { startHubSpotEmulator, type HubSpotEmulator, type HubSpotEmulatorOptions } from '../emulators/hubspot.js';
import { startSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from '../emulators/salesforce.js';
import { applyMigrations } from '../prisma/migrate.js';
import { type WorkerConfig } from '../config/environment.js';
import { connectionConfig, type ConnectionConfig } from '../crm/registry.js';
import { ensureSyncSchedules, triggerSync, waitForSync } from '../sync/schedules.js';
import { createVipsyncWorkers, runWorkers, type VipsyncWorkerOptions } from '../worker/workers.js';
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
  sync(connectionId: string, opts?: { full?: boolean }): Promise<SyncSummary>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export interface HarnessOptions {
  /** The emulators' rate limits: HubSpot Professional defaults unless false. */
  emulatorRateLimits?: false;
  /** What the HubSpot connection believes its limits are. */
  hubspotRateLimit?: { requestsPerTenSeconds: number; searchRequestsPerSecond: number };
  syncTuning?: VipsyncWorkerOptions['syncTuning'];
  /** A database URL of the test's own (e.g. on a cluster it restarts); a fresh one by default. */
  databaseUrl?: string;
  /** Run no worker in this process (the test runs its own, e.g. in a child process). */
  noWorker?: boolean;
  /** More options for the emulators (quirks of the real services). */
  hubspotEmulator?: Partial<HubSpotEmulatorOptions>;
  salesforceEmulator?: Partial<SalesforceEmulatorOptions>;
  /** More settings for both connections (e.g. their vanishGuard). */
  connectionSettings?: Record<string, unknown>;
}

export async function startHarness(name: string, fixture: Fixture, opts: HarnessOptions = {}): Promise<Harness> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const suffix = randomBytes(3).toString('hex');
  const databaseUrl = opts.databaseUrl ?? (await freshDatabase(name));
  await applyMigrations(databaseUrl);
  const db = createDb(databaseUrl);
  const hubspot = await startHubSpotEmulator({
    data: fixture.hubspot, accessToken: 'test-hubspot-token', ...(opts.emulatorRateLimits === false ? { rateLimits: false } : {}),
    ...opts.hubspotEmulator,
  });
  const salesforce = await startSalesforceEmulator({
    data: fixture.salesforce, clientId: 'test-client', clientSecret: 'test-secret', ...opts.salesforceEmulator,
  });
  const hubspotId = `hubspot-${suffix}`;
  const salesforceId = `salesforce-${suffix}`;
  const connections: ConnectionConfig[] = ([
    { id: hubspotId, system: 'hubspot', baseUrl: hubspot.url, accessToken: 'test-hubspot-token', intervalSeconds: 3600, rateLimit: opts.hubspotRateLimit },
    { id: salesforceId, system: 'salesforce', loginUrl: salesforce.url, clientId: 'test-client', clientSecret: 'test-secret', apiVersion: '59.0', intervalSeconds: 3600 },
  ] as const).map((c) => connectionConfig.parse({ ...c, ...opts.connectionSettings }));
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
  const workers: Worker[] = opts.noWorker
    ? []
    : await createVipsyncWorkers({ connection: nativeConnection, config, db, workflowBundle, syncTuning: opts.syncTuning });
  const running = runWorkers(workers);
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  await ensureSyncSchedules(client, connections, config.syncTaskQueue);

  return {
    db, databaseUrl, client, hubspot, salesforce, config, hubspotId, salesforceId,
    async sync(connectionId, opts = {}) {
      if (opts.full) await requestFullSync(db, connectionId);
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
