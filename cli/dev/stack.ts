// The embedded stack of `vipsync dev up` and `vipsync demo`: PostgreSQL, a Temporal dev server,
// every CRM's emulator and the worker, all on 127.0.0.1, with one connection to each emulator.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Runtime } from '@temporalio/worker';
import type { Fixture } from '../../emulators/fixture.js';
import { applyMigrations } from '../../prisma/migrate.js';
import { type WorkerConfig } from '../../config/environment.js';
import { connectionConfig, crmProviders, type ConnectionConfig } from '../../crm/registry.js';
import { temporalLogger } from '../../runtime/logger.js';
import { bootWorker, type BootedWorker } from '../../worker/main.js';
import { createToken, revokeToken } from '../../admin/tokens.js';
import { createDb } from '../../db/client.js';
import { startApiServer } from '../../server/main.js';
import { startPostgres, type PostgresCluster } from '../stack/postgres.js';
import { startTemporalDevServer, type TemporalDevServer } from '../stack/temporal.js';
import { freePort } from '../stack/ports.js';
import type { DevStackState, StackProcess } from './state.js';


export interface DevStack {
  state: Required<Pick<DevStackState, 'databaseUrl' | 'temporalAddress' | 'emulators' | 'connections'>> &
    Pick<DevStackState, 'temporalUiUrl' | 'apiUrl' | 'consoleUrl' | 'pushConnections'>;
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
  /** The emulators' push paths (Salesforce Change Data Capture): on unless false. */
  pushPaths?: boolean;
  /** Keep PostgreSQL's data when the stack stops (dev up does; the demo throws it away). */
  keepData?: boolean;
  /** Told of each server started as a process of its own, as soon as it runs (dev up records them). */
  onProcess?: (started: StackProcess) => Promise<void> | void;
  /** Also run `vipsync serve` (the HTTP API and the console) on this port (0: any free one). */
  servePort?: number;
}

/** The dev stack's own console token (admin), made anew at each start: its secret is shown once, in the log. */
const DEV_CONSOLE_TOKEN = 'dev-console';

async function devConsoleToken(databaseUrl: string): Promise<string> {
  const db = createDb(databaseUrl, { maxConnections: 1 });
  const actor = { name: 'dev-stack', surface: 'cli' as const };
  try {
    await revokeToken(db, DEV_CONSOLE_TOKEN, actor).catch(() => {}); // none yet on a first start
    return (await createToken(db, { name: DEV_CONSOLE_TOKEN, scopes: ['admin'] }, actor)).token;
  } finally {
    await db.$disconnect();
  }
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

    const intervalSeconds = opts.syncIntervalSeconds ?? 900;
    const emulators: Record<string, string> = {};
    const connections: ConnectionConfig[] = [];
    for (const provider of crmProviders()) {
      if (!provider.emulator) continue;
      const section = (opts.fixture as unknown as Record<string, unknown>)[provider.system];
      const emulator = await provider.emulator.start(section ?? {});
      stops.push(() => emulator.close());
      emulators[provider.system] = emulator.url;
      connections.push(connectionConfig.parse({ ...provider.emulator.devConnection(emulator.url), ...(opts.pushPaths === false ? {} : emulator.connectionSettings), intervalSeconds }));
    }
    log(`CRM emulators ready: ${Object.entries(emulators).map(([system, url]) => `${system} ${url}`).join(', ')}`);

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

    let apiUrl: string | undefined;
    if (opts.servePort !== undefined) {
      const api = await startApiServer({ ...config, port: opts.servePort });
      stops.push(() => api.close());
      apiUrl = api.url;
      log(`HTTP API at ${api.url}; VIP console at ${api.url}/console (sign in with token ${await devConsoleToken(databaseUrl)})`);
    }

    return {
      state: {
        databaseUrl,
        temporalAddress: temporal.address,
        temporalUiUrl: temporal.uiUrl,
        emulators,
        connections: connections.map((c) => c.id),
        apiUrl,
        consoleUrl: apiUrl && `${apiUrl}/console`,
        pushConnections: connections.filter((c) => c.push.enabled).map((c) => c.id),
      },
      worker,
      running,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
