// One phase of a benchmark: a fresh database, its own emulator processes and worker, the two
// connections configured as a user would; and a round of syncs triggered together and timed.
import type { Client } from '@temporalio/client';
import pg from 'pg';
import type { PostgresCluster } from '../cli/stack/postgres.js';
import type { TemporalDevServer } from '../cli/stack/temporal.js';
import { DEFAULT_EMULATOR_CREDENTIALS } from '../emulators/main.js';
import type { ConnectionInput } from '../crm/registry.js';
import { triggerSync, waitForSync } from '../sync/schedules.js';
import { syncScheduleId, type SyncSummary } from '../workflows/contract.js';
import { startEmulatorProcess, startWorkerProcess, type EmulatorProcess, type HubSpotStats, type WorkerProcess } from './processes.js';
import { UNLIMITED_HUBSPOT_RATE } from './read-all.js';
import { formatSize, type Log } from './reporting.js';

/** No scheduled run may start during a measurement; syncs are started by triggerSync only. */
const NEVER_SECONDS = 7 * 24 * 3600;

export interface BenchStack {
  postgres: PostgresCluster;
  temporal: TemporalDevServer;
  client: Client;
}

export interface Phase {
  label: string;
  db: pg.Client;
  databaseUrl: string;
  emulators: EmulatorProcess;
  worker: WorkerProcess;
  hubspotId: string;
  salesforceId: string;
}

export async function withPhase<T>(
  stack: BenchStack,
  contacts: number,
  rateLimits: boolean,
  log: Log,
  body: (phase: Phase) => Promise<T>,
): Promise<T> {
  const tag = `${contacts}-${rateLimits ? 'limits' : 'nolimits'}`;
  const label = `${formatSize(contacts)} limits ${rateLimits ? 'on' : 'off'}`;
  const dbName = `bench_${tag.replace('-', '_')}`;
  const hubspotId = `bench-hubspot-${tag}`;
  const salesforceId = `bench-salesforce-${tag}`;
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    await dropDatabase(stack.postgres.url, dbName);
    const databaseUrl = await stack.postgres.createDatabase(dbName);
    cleanups.push(() => dropDatabase(stack.postgres.url, dbName));

    const emulators = await startEmulatorProcess(contacts, rateLimits, log);
    cleanups.push(() => emulators.stop());

    // As a user writes VIPSYNC_CONNECTIONS: the worker's own loader fills in the defaults.
    const connections: ConnectionInput[] = [
      {
        id: hubspotId, system: 'hubspot', baseUrl: emulators.hubspotUrl, accessToken: DEFAULT_EMULATOR_CREDENTIALS.hubspotAccessToken, intervalSeconds: NEVER_SECONDS,
        // Limits off means off on both sides: the emulator refuses nothing, and the worker's pacer
        // is given the highest limits its configuration accepts instead of a Professional app's.
        ...(rateLimits ? {} : { rateLimit: UNLIMITED_HUBSPOT_RATE }),
      },
      {
        id: salesforceId, system: 'salesforce', loginUrl: emulators.salesforceUrl, apiVersion: '59.0', intervalSeconds: NEVER_SECONDS,
        clientId: DEFAULT_EMULATOR_CREDENTIALS.salesforceClientId, clientSecret: DEFAULT_EMULATOR_CREDENTIALS.salesforceClientSecret,
      },
    ];
    cleanups.push(async () => {
      for (const c of connections) await stack.client.schedule.getHandle(syncScheduleId(c.id)).delete().catch(() => {});
    });
    const worker = await startWorkerProcess(
      {
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: stack.temporal.address,
        TEMPORAL_NAMESPACE: stack.temporal.namespace,
        VIPSYNC_CONNECTIONS: JSON.stringify(connections),
        VIPSYNC_SYNC_TASK_QUEUE: `bench-sync-${tag}`,
        VIPSYNC_LOOKUP_TASK_QUEUE: `bench-lookup-${tag}`,
        VIPSYNC_AUTO_MIGRATE: 'true',
      },
      log,
    );
    cleanups.push(() => worker.stop());

    const db = new pg.Client({ connectionString: databaseUrl });
    // A server shut down under it (Ctrl-C reaches PostgreSQL too) must fail the next query, not the process.
    db.on('error', (error) => log(`${label}: database connection lost (${error.message})`));
    await db.connect();
    cleanups.push(() => db.end());
    return await body({ label, db, databaseUrl, emulators, worker, hubspotId, salesforceId });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: Error) => log(`while cleaning up ${label}: ${error.message}`));
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on('error', () => {}); // the query below fails instead
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export interface SyncRound {
  summaries: Map<string, SyncSummary>;
  /** Wall time per connection, trigger to result. */
  secondsById: Map<string, number>;
  seconds: number;
  /** Seconds from the trigger to the last HubSpot call, as the emulator timed it. */
  hubspotApiSeconds: number;
  /** The HubSpot emulator's counts once the round is over. */
  hubspotAfter: HubSpotStats;
}

/** Triggers the given connections' syncs together and waits for all, reporting progress on stderr. */
export async function runSyncRound(stack: BenchStack, phase: Phase, what: string, ids: string[], timeoutMs: number, log: Log): Promise<SyncRound> {
  const startedAt = Date.now();
  const startedSql = new Date(startedAt - 1000).toISOString();

  const progressEveryMs = timeoutMs > 15 * 60_000 ? 10_000 : 5_000;
  const progress = setInterval(() => {
    void reportProgress(phase, what, startedAt, startedSql, log);
  }, progressEveryMs);

  const secondsById = new Map<string, number>();
  const summaries = new Map<string, SyncSummary>();
  let timer: NodeJS.Timeout | undefined;
  try {
    const workflowIds = new Map<string, string>();
    for (const id of ids) workflowIds.set(id, await triggerSync(stack.client, id));
    const all = Promise.all(
      ids.map(async (id) => {
        const summary = await waitForSync(stack.client, workflowIds.get(id)!);
        secondsById.set(id, (Date.now() - startedAt) / 1000);
        summaries.set(id, summary);
      }),
    );
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${phase.label}: ${what} did not finish within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    try {
      await Promise.race([all, timeout]);
    } catch (error) {
      for (const workflowId of workflowIds.values()) {
        await stack.client.workflow.getHandle(workflowId).terminate('benchmark timed out').catch(() => {});
      }
      throw error;
    }
  } finally {
    clearTimeout(timer);
    clearInterval(progress);
  }
  const elapsed = (Date.now() - startedAt) / 1000;
  const fetched = [...summaries.values()].reduce((sum, s) => sum + s.fetched, 0);
  log(`${phase.label}: ${what} done in ${elapsed.toFixed(1)} s, ${fetched.toLocaleString('en-US')} records fetched (${Math.round(fetched / elapsed).toLocaleString('en-US')}/s)`);
  // The emulator's own time of the last call, not a poll's: at 10k the walk lasts ~2 s.
  const hubspotAfter = await phase.emulators.hubspotStats();
  const lastHubspotCallAt = hubspotAfter.lastRequestAt ?? startedAt;
  return { summaries, secondsById, seconds: elapsed, hubspotApiSeconds: Math.max(0, lastHubspotCallAt - startedAt) / 1000, hubspotAfter };
}

async function reportProgress(phase: Phase, what: string, startedAt: number, startedSql: string, log: Log): Promise<void> {
  const elapsed = (Date.now() - startedAt) / 1000;
  const parts: string[] = [];
  try {
    // sync_runs counts are committed with every page, so they show progress while a run is going.
    const { rows } = await phase.db.query<{ fetched: string | null }>(
      'SELECT sum(fetched)::text AS fetched FROM sync_runs WHERE started_at >= $1',
      [startedSql],
    );
    const fetched = Number(rows[0]?.fetched ?? 0);
    parts.push(`${fetched.toLocaleString('en-US')} records fetched (${Math.round(fetched / elapsed).toLocaleString('en-US')}/s)`);
  } catch {
    // the schema may have moved on; the call counts below still show progress
  }
  try {
    const [hubspot, salesforce] = await Promise.all([phase.emulators.hubspotStats(), phase.emulators.salesforceStats()]);
    parts.push(`HubSpot ${hubspot.requests} calls (${hubspot.http429}×429)`, `Salesforce ${salesforce.requests} calls`);
  } catch {
    // emulators busy; next time
  }
  const rss = phase.worker.rssMb();
  if (rss !== null) parts.push(`worker RSS ${Math.round(rss)} MB`);
  log(`${phase.label}: ${what} running ${elapsed.toFixed(0)} s: ${parts.join(', ')}`);
}
