// The embedded stack of `vipsync dev up` and `vipsync demo`: PostgreSQL, a Temporal dev server,
// the two CRM emulators and the worker, all on 127.0.0.1, with one HubSpot and one Salesforce
// connection pointing at the emulators.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Runtime } from '@temporalio/worker';
import type { Fixture } from '../../emulators/fixture.js';
import { startHubSpotEmulator, type HubSpotEmulator } from '../../emulators/hubspot.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulators/salesforce.js';
import { applyMigrations } from '../../prisma/migrate.js';
import { type WorkerConfig } from '../../config/environment.js';
import { connectionConfig, type ConnectionConfig } from '../../crm/registry.js';
import { temporalLogger } from '../../runtime/logger.js';
import { bootWorker, type BootedWorker } from '../../worker/main.js';
import { startPostgres, type PostgresCluster } from '../stack/postgres.js';
import { startTemporalDevServer, type TemporalDevServer } from '../stack/temporal.js';
import { freePort } from '../stack/ports.js';
import { DEV_CREDENTIALS, type DevStackState, type StackProcess } from './state.js';

export { DEV_CREDENTIALS };


export interface DevStack {
  state: Required<Pick<DevStackState, 'databaseUrl' | 'temporalAddress' | 'hubspotUrl' | 'salesforceUrl' | 'connections'>> &
    Pick<DevStackState, 'temporalUiUrl'>;
  hubspot: HubSpotEmulator;
  salesforce: SalesforceEmulator;
  worker: BootedWorker;
  /** Resolves when the worker stops. */
  running: Promise<void>;
  stop(): Promise<void>;
}

export interface StartDevStackOptions {
  dir: string;
  toolsDir: string;
  fixture: Fixture;
  log: (msg: string) => void;
  /** Serve the Temporal Web UI (dev up does; the demo does not need it). */
  temporalUi?: boolean;
  syncIntervalSeconds?: number;
  /** Keep PostgreSQL's data when the stack stops (dev up does; the demo throws it away). */
  keepData?: boolean;
  /** Told of each server started as a process of its own, as soon as it runs (dev up records them). */
  onProcess?: (started: StackProcess) => Promise<void> | void;
}

async function createDatabaseIfMissing(cluster: PostgresCluster, name: string): Promise<string> {
  try {
    return await cluster.createDatabase(name);
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // duplicate_database: kept from an earlier run
    const url = new URL(cluster.url);
    url.pathname = `/${name}`;
    return url.toString();
  }
}

export async function startDevStack(opts: StartDevStackOptions): Promise<DevStack> {
  const { log } = opts;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => log(`while stopping: ${error.message}`));
  };
  try {
    await mkdir(opts.dir, { recursive: true });
    // The stack owns SIGINT/SIGTERM: it stops the worker first, then everything else in order.
    Runtime.install({ shutdownSignals: [], logger: temporalLogger('WARN') });

    log('starting PostgreSQL ...');
    const postgres = await startPostgres({ dataDir: join(opts.dir, 'postgres'), keepData: opts.keepData ?? true, log });
    stops.push(() => postgres.stop());
    await opts.onProcess?.({ what: 'postgres', pid: postgres.pid, port: postgres.port, dataDir: postgres.dataDir });
    const databaseUrl = await createDatabaseIfMissing(postgres, 'vipsync');
    await applyMigrations(databaseUrl, log);
    log(`PostgreSQL ready at ${databaseUrl}`);

    log('starting the Temporal dev server ...');
    const temporal: TemporalDevServer = await startTemporalDevServer({
      toolsDir: opts.toolsDir,
      dbFile: join(opts.dir, 'temporal.db'), // the same file as state.ts's temporalDbFile() for dev up
      uiPort: opts.temporalUi ? await freePort() : undefined,
      log,
    });
    stops.push(() => temporal.stop());
    if (temporal.pid) await opts.onProcess?.({ what: 'temporal', pid: temporal.pid, port: temporal.port, dbFile: temporal.dbFile });
    log(`Temporal ready at ${temporal.address}${temporal.uiUrl ? ` (Web UI ${temporal.uiUrl})` : ''}`);

    const hubspot = await startHubSpotEmulator({ data: opts.fixture.hubspot, accessToken: DEV_CREDENTIALS.hubspotAccessToken });
    stops.push(() => hubspot.close());
    const salesforce = await startSalesforceEmulator({
      data: opts.fixture.salesforce,
      clientId: DEV_CREDENTIALS.salesforceClientId,
      clientSecret: DEV_CREDENTIALS.salesforceClientSecret,
    });
    stops.push(() => salesforce.close());
    log(`CRM emulators ready: HubSpot ${hubspot.url}, Salesforce ${salesforce.url}`);

    const intervalSeconds = opts.syncIntervalSeconds ?? 900;
    const connections: ConnectionConfig[] = ([
      { id: 'hubspot', system: 'hubspot', displayName: 'HubSpot (emulator)', baseUrl: hubspot.url, accessToken: DEV_CREDENTIALS.hubspotAccessToken, intervalSeconds },
      {
        id: 'salesforce', system: 'salesforce', displayName: 'Salesforce (emulator)', loginUrl: salesforce.url,
        clientId: DEV_CREDENTIALS.salesforceClientId, clientSecret: DEV_CREDENTIALS.salesforceClientSecret,
        apiVersion: '59.0', intervalSeconds,
      },
    ] as const).map((c) => connectionConfig.parse(c));
    const config: WorkerConfig = {
      databaseUrl,
      temporalAddress: temporal.address,
      temporalNamespace: temporal.namespace,
      syncTaskQueue: 'vipsync-sync',
      lookupTaskQueue: 'vipsync-lookup',
      autoMigrate: false,
      connections,
    };
    log('starting the worker (bundling workflows) ...');
    const worker = await bootWorker(config);
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running.catch(() => {});
    });
    log('worker running');

    return {
      state: {
        databaseUrl,
        temporalAddress: temporal.address,
        temporalUiUrl: temporal.uiUrl,
        hubspotUrl: hubspot.url,
        salesforceUrl: salesforce.url,
        connections: connections.map((c) => c.id),
      },
      hubspot,
      salesforce,
      worker,
      running,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
