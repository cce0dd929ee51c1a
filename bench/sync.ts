// Sync benchmarks for one dataset size, against the public surface only (a real worker process,
// Temporal schedules through triggerSync/waitForSync, the emulators' own request counters), so
// they keep measuring the same thing while the sync engine changes underneath.
//
// Two phases, each with a fresh database, its own emulator processes (one per CRM) and its own worker process:
// - limits on (the emulators' defaults): full sync of both connections, then a no-change run;
// - limits off: a full sync end to end, then the raw COPY rate of the rows it stored and the CRMs
//   read once more by the clients alone (nothing written): what reading and storing cost by themselves.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { stopChild } from '../cli/stack/processes.js';
import type { PostgresCluster } from '../cli/stack/postgres.js';
import type { TemporalDevServer } from '../cli/stack/temporal.js';
import { DEFAULT_EMULATOR_CREDENTIALS } from '../emulators/main.js';
import type { ConnectionInput } from '../crm/registry.js';
import { imageNodeOptions } from '../worker/image.js';
import { triggerSync, waitForSync } from '../sync/schedules.js';
import { syncScheduleId, type SyncSummary } from '../workflows/contract.js';
import { processCpuSeconds, readAll, UNLIMITED_HUBSPOT_RATE } from './read-all.js';
import type { WorkerReadyMessage, WorkerStatsMessage } from './worker-process.js';

const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The HubSpot emulator's default limits (a Professional private app). */
const HUBSPOT_DATA_CALLS_PER_SECOND = 190 / 10;
const HUBSPOT_SEARCH_CALLS_PER_SECOND = 5;
/** No scheduled run may start during a measurement; syncs are started by triggerSync only. */
const NEVER_SECONDS = 7 * 24 * 3600;

export interface BenchStack {
  postgres: PostgresCluster;
  temporal: TemporalDevServer;
  client: Client;
}

export type Log = (msg: string) => void;

export interface SyncBenchResult {
  contacts: number;
  rateLimitUtilization: number;
  http429Received: number;
  apiCallsPer1000Full: number;
  apiCallsNoChangeIncremental: number;
  unthrottledContactsPerSec: number;
  copyRowsPerSec: number;
  peakRssMb: number;
  details: Record<string, number | string | null>;
}

// ---- child processes ---------------------------------------------------------------------------

const profileArgs = () => (process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []);

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops every emulator and worker process the benchmark started (SIGINT, failures). */
export async function stopBenchChildren(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child, 'SIGTERM', 10_000)));
}

process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function exitDescription(child: ChildProcess): string {
  return `exited (${child.exitCode ?? child.signalCode})`;
}

export interface EmulatorProcess {
  hubspotUrl: string;
  salesforceUrl: string;
  hubspotStats(): Promise<HubSpotStats>;
  salesforceStats(): Promise<SalesforceStats>;
  /** The emulator processes' ids, to read their CPU time. */
  pids: { hubspot: number; salesforce: number };
  stop(): Promise<void>;
}

interface HubSpotStats {
  requests: number;
  searchRequests: number;
  /** When the emulator's last request arrived (epoch ms; the same clock as the benchmark's). */
  lastRequestAt: number | null;
  contactRequests: number;
  http429: number;
  companies: number;
  contacts: number;
}

interface SalesforceStats {
  requests: number;
  tokenRequests: number;
  http429: number;
  accounts: number;
  contacts: number;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

/**
 * One child process per CRM emulator (`emulators/main.ts --demo N --only CRM`), each holding the
 * generated dataset (same seed, same data) and a CPU of its own, like the real services: one
 * emulator's work never delays the other's answers.
 */
export async function startEmulatorProcess(contacts: number, rateLimits: boolean, log: Log): Promise<EmulatorProcess> {
  const startedAt = Date.now();
  const timeoutMs = 120_000 + contacts / 10; // generating 1M contacts takes ~30 s
  const start = (only: 'hubspot' | 'salesforce') => {
    const args = ['--max-old-space-size=8192', '--import', 'tsx', join(REPO_DIR, 'emulators/main.ts'), '--demo', String(contacts), '--only', only];
    if (!rateLimits) args.push('--no-rate-limits');
    const child = track(spawn(process.execPath, [...profileArgs(), ...args], { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'inherit'] }));
    const url = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the ${only} emulator did not start within ${timeoutMs / 1000} s`)), timeoutMs);
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        try {
          const parsed = JSON.parse(line) as Record<string, string | undefined>;
          if (parsed[only]) {
            clearTimeout(timer);
            resolve(parsed[only]);
          }
        } catch {
          // not the readiness line
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the ${only} emulator process ${exitDescription(child)} before it was ready`));
      });
    });
    return { child, url };
  };
  const hubspot = start('hubspot');
  const salesforce = start('salesforce');
  const stopBoth = async (signal: NodeJS.Signals, graceMs: number) => {
    await Promise.all([stopChild(hubspot.child, signal, graceMs), stopChild(salesforce.child, signal, graceMs)]);
  };
  try {
    const [hubspotUrl, salesforceUrl] = await Promise.all([hubspot.url, salesforce.url]);
    log(`emulators with ${contacts.toLocaleString('en-US')} contacts ready in ${seconds(Date.now() - startedAt)} s (rate limits ${rateLimits ? 'on' : 'off'}, pids ${hubspot.child.pid} and ${salesforce.child.pid})`);
    return {
      hubspotUrl,
      salesforceUrl,
      hubspotStats: () => getJson<HubSpotStats>(`${hubspotUrl}/__emulator/stats`),
      salesforceStats: () => getJson<SalesforceStats>(`${salesforceUrl}/__emulator/stats`),
      pids: { hubspot: hubspot.child.pid!, salesforce: salesforce.child.pid! },
      stop: () => stopBoth('SIGTERM', 10_000),
    };
  } catch (error) {
    await stopBoth('SIGKILL', 5_000);
    throw error;
  }
}

interface WorkerProcess {
  pid: number;
  bootPeakRssMb: number | null;
  idleRssMb: number;
  /** Peak RSS since the worker was ready (VmHWM, reset after boot). */
  peakRssMb(): number | null;
  rssMb(): number | null;
  /** CPU time used and time in GC pauses since the process started, in ms. */
  stats(): Promise<{ cpuMs: number; gcMs: number }>;
  stop(): Promise<void>;
}

function askStats(child: ChildProcess): Promise<{ cpuMs: number; gcMs: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error('the worker did not answer a stats request within 10 s'));
    }, 10_000);
    const onMessage = (message: WorkerStatsMessage) => {
      if (message?.type !== 'stats') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve({ cpuMs: message.cpuMs, gcMs: message.gcMs });
    };
    child.on('message', onMessage);
    child.send({ type: 'stats' });
  });
}

function procStatusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

// The worker runs as the image runs it: compiled (dist/, npm run build), with the image's Node options.
const BUILT_WORKER = join(REPO_DIR, 'dist/bench/worker-process.js');

/** Compiles the project to dist/ (npm run build), so the benchmark's worker runs what the image runs. */
export function buildForBench(log: Log): void {
  const startedAt = Date.now();
  const { status, stderr } = spawnSync(process.execPath, [join(REPO_DIR, 'bin/build.mjs')], { cwd: REPO_DIR, encoding: 'utf8' });
  if (status !== 0) throw new Error(`npm run build failed (exit ${status}):\n${stderr.slice(-4000)}`);
  log(`compiled the worker (npm run build) in ${seconds(Date.now() - startedAt)} s`);
}

async function startWorkerProcess(env: Record<string, string>, log: Log): Promise<WorkerProcess> {
  const child = track(
    // BENCH_PROFILE_DIR=dir writes a V8 CPU profile of each worker process there; BENCH_WORKER_FLAGS
    // adds Node options after the image's (a V8 flag given twice: the later wins).
    spawn(process.execPath, [...profileArgs(), ...(process.env.BENCH_WORKER_FLAGS ?? '').split(' ').filter(Boolean), '--expose-gc', BUILT_WORKER], {
      cwd: REPO_DIR,
      env: { ...process.env, VIPSYNC_LOG_LEVEL: 'warn', NODE_OPTIONS: imageNodeOptions(), ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const startedAt = Date.now();
  const timeoutMs = 180_000;
  try {
    const ready = await new Promise<WorkerReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the worker did not start within ${timeoutMs / 1000} s`)), timeoutMs);
      child.on('message', (message: WorkerReadyMessage) => {
        if (message?.type !== 'ready') return;
        clearTimeout(timer);
        resolve(message);
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the worker process ${exitDescription(child)} before it was ready (its log is above)`));
      });
    });
    const pid = child.pid!;
    log(`worker ready in ${seconds(Date.now() - startedAt)} s (pid ${pid}, RSS ${Math.round(ready.idleRssKb / 1024)} MB idle)`);
    return {
      pid,
      bootPeakRssMb: ready.bootPeakRssKb === null ? null : ready.bootPeakRssKb / 1024,
      idleRssMb: ready.idleRssKb / 1024,
      peakRssMb: () => procStatusMb(pid, 'VmHWM'),
      rssMb: () => procStatusMb(pid, 'VmRSS'),
      stats: () => askStats(child),
      stop: () => stopChild(child, 'SIGTERM', 30_000),
    };
  } catch (error) {
    await stopChild(child, 'SIGKILL', 5_000);
    throw error;
  }
}

// ---- one phase: database, emulators, worker ----------------------------------------------------

interface Phase {
  label: string;
  db: pg.Client;
  databaseUrl: string;
  emulators: EmulatorProcess;
  worker: WorkerProcess;
  hubspotId: string;
  salesforceId: string;
}

async function withPhase<T>(
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

// ---- running syncs -----------------------------------------------------------------------------

interface SyncRound {
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
async function runSyncRound(stack: BenchStack, phase: Phase, what: string, ids: string[], timeoutMs: number, log: Log): Promise<SyncRound> {
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

// ---- the benchmark of one size -----------------------------------------------------------------

export async function runSyncBench(stack: BenchStack, contacts: number, log: Log): Promise<SyncBenchResult> {
  const limited = await withPhase(stack, contacts, true, log, (phase) => limitedPhase(stack, phase, contacts, log));
  const unthrottled = await withPhase(stack, contacts, false, log, (phase) => unthrottledPhase(stack, phase, contacts, log));
  const peaks = [limited.peakRssMb, unthrottled.peakRssMb].filter((mb): mb is number => mb !== null);
  return {
    contacts,
    rateLimitUtilization: limited.rateLimitUtilization,
    http429Received: limited.http429Received,
    apiCallsPer1000Full: limited.apiCallsPer1000Full,
    apiCallsNoChangeIncremental: limited.apiCallsNoChangeIncremental,
    unthrottledContactsPerSec: unthrottled.contactsPerSec,
    copyRowsPerSec: unthrottled.copyRowsPerSec,
    peakRssMb: round(peaks.length ? Math.max(...peaks) : Number.NaN, 0),
    details: { ...limited.details, ...unthrottled.details },
  };
}

async function limitedPhase(stack: BenchStack, phase: Phase, contacts: number, log: Log) {
  const hs0 = await phase.emulators.hubspotStats();
  const sf0 = await phase.emulators.salesforceStats();
  // Bounds against a hung run, not targets: the HubSpot walk at the limit plus slow writes and VIP derivation.
  const atTheLimitSeconds = (hs0.contacts + hs0.companies) / 100 / HUBSPOT_DATA_CALLS_PER_SECOND;
  const timeoutMs = Math.max(1800, 4 * atTheLimitSeconds + contacts / 100) * 1000;

  log(`${phase.label}: full sync of both connections (HubSpot ${hs0.contacts.toLocaleString('en-US')} contacts + ${hs0.companies.toLocaleString('en-US')} companies, Salesforce ${sf0.contacts.toLocaleString('en-US')} + ${sf0.accounts.toLocaleString('en-US')})`);
  const full = await runSyncRound(stack, phase, 'full sync', [phase.hubspotId, phase.salesforceId], timeoutMs, log);
  const hs1 = full.hubspotAfter;
  const sf1 = await phase.emulators.salesforceStats();

  log(`${phase.label}: incremental sync with no changes`);
  const incremental = await runSyncRound(stack, phase, 'no-change sync', [phase.hubspotId, phase.salesforceId], timeoutMs, log);
  const hs2 = incremental.hubspotAfter;
  const sf2 = await phase.emulators.salesforceStats();

  // The rate-limit bound: the fewest seconds the calls actually made could take at the limits,
  // so it follows the records per call the engine gets (page size, inline associations, search).
  const hubspotFetched = full.summaries.get(phase.hubspotId)!.fetched;
  const hsCalls = hs1.requests - hs0.requests;
  const hsSearchCalls = hs1.searchRequests - hs0.searchRequests;
  const hs429 = hs1.http429 - hs0.http429;
  const admitted = hsCalls > 0 ? (hsCalls - hs429) / hsCalls : 0;
  const minimumSeconds = Math.max(
    ((hsCalls - hsSearchCalls) * admitted) / HUBSPOT_DATA_CALLS_PER_SECOND,
    (hsSearchCalls * admitted) / HUBSPOT_SEARCH_CALLS_PER_SECOND,
  );
  const apiSeconds = full.hubspotApiSeconds;
  const sfFetched = full.summaries.get(phase.salesforceId)!.fetched;
  const sfCalls = sf1.requests - sf0.requests;
  return {
    rateLimitUtilization: round(apiSeconds > 0 ? minimumSeconds / apiSeconds : Number.NaN, 3),
    http429Received: hs2.http429 - hs0.http429 + (sf2.http429 - sf0.http429),
    apiCallsPer1000Full: round(hsCalls / (hs0.contacts / 1000), 2),
    apiCallsNoChangeIncremental: hs2.requests - hs1.requests + (sf2.requests - sf1.requests),
    peakRssMb: phase.worker.peakRssMb(),
    details: {
      hubspotContacts: hs0.contacts,
      hubspotCompanies: hs0.companies,
      salesforceContacts: sf0.contacts,
      salesforceAccounts: sf0.accounts,
      hubspotFullRecordsFetched: hubspotFetched,
      hubspotFullDataCalls: hsCalls,
      hubspotFullSearchCalls: hsSearchCalls,
      // The contacts' own share of apiCallsPer1000Full (companies and archived listings are the rest).
      hubspotContactCallsPer1000: round((hs1.contactRequests - hs0.contactRequests) / (hs0.contacts / 1000), 2),
      hubspotRecordsPerCall: round(hsCalls ? hubspotFetched / (hsCalls - hs429) : Number.NaN, 1),
      hubspotFullApiSeconds: round(apiSeconds, 1),
      hubspotFullMinimumSeconds: round(minimumSeconds, 1),
      hubspotFullRecordsPerSec: round(hubspotFetched / apiSeconds, 0),
      hubspotFullSyncSeconds: round(full.secondsById.get(phase.hubspotId)!, 1),
      salesforceFullDataCalls: sfCalls,
      salesforceFullTokenCalls: sf1.tokenRequests - sf0.tokenRequests,
      salesforceRecordsPerCall: round(sfCalls ? sfFetched / sfCalls : Number.NaN, 1),
      salesforceFullSyncSeconds: round(full.secondsById.get(phase.salesforceId)!, 1),
      limitedFullSyncSeconds: round(full.seconds, 1),
      incrementalHubSpotCalls: hs2.requests - hs1.requests,
      incrementalSalesforceCalls: sf2.requests - sf1.requests,
      incrementalRecordsFetched: [...incremental.summaries.values()].reduce((sum, s) => sum + s.fetched, 0),
      incrementalSeconds: round(incremental.seconds, 1),
      workerBootPeakRssMb: round(phase.worker.bootPeakRssMb ?? Number.NaN, 0),
      workerIdleRssMb: round(phase.worker.idleRssMb, 0),
      limitedWorkerPeakRssMb: round(phase.worker.peakRssMb() ?? Number.NaN, 0),
    },
  };
}

async function unthrottledPhase(stack: BenchStack, phase: Phase, contacts: number, log: Log) {
  const hs0 = await phase.emulators.hubspotStats();
  const sf0 = await phase.emulators.salesforceStats();
  const crmContacts = hs0.contacts + sf0.contacts;
  log(`${phase.label}: full sync of both connections into a fresh database`);
  // Bounds against a hung run, not targets: today's engine needs minutes per 100k contacts.
  const timeoutMs = Math.max(1800, contacts / 100) * 1000;
  const before = await phase.worker.stats();
  const full = await runSyncRound(stack, phase, 'full sync', [phase.hubspotId, phase.salesforceId], timeoutMs, log);
  const after = await phase.worker.stats();
  const peakRssMb = phase.worker.peakRssMb();
  const fetched = [...full.summaries.values()].reduce((sum, s) => sum + s.fetched, 0);
  const copies = await measureCopy(stack.postgres, phase, log);
  const copy = copies.get('crm_contacts')!;
  const copySeconds = [...copies.values()].reduce((sum, c) => sum + c.seconds, 0);
  const copyCpuSeconds = [...copies.values()].reduce((sum, c) => sum + c.cpuSeconds, 0);
  // What reading alone costs: the same emulators walked again from this process, nothing written.
  log(`${phase.label}: both CRMs read again by the clients alone, nothing written`);
  const read = await readAll(phase.emulators, { limitsOff: true, salesforce: true });
  const readCpuSeconds = read.cpuSeconds.reader + read.cpuSeconds.hubspotEmulator + read.cpuSeconds.salesforceEmulator;
  const readContacts = read.hubspotContacts + read.salesforceContacts;
  log(`${phase.label}: read ${readContacts.toLocaleString('en-US')} contacts in ${read.seconds.toFixed(1)} s (${Math.round(readContacts / read.seconds).toLocaleString('en-US')}/s), ${readCpuSeconds.toFixed(1)} CPU s`);
  return {
    contactsPerSec: round(crmContacts / full.seconds, 0),
    copyRowsPerSec: round(copy.rows / copy.seconds, 0),
    peakRssMb,
    details: {
      unthrottledSeconds: round(full.seconds, 1),
      unthrottledRecordsPerSec: round(fetched / full.seconds, 0),
      copyRows: copy.rows,
      copySeconds: round(copy.seconds, 2),
      copyAllTablesRows: [...copies.values()].reduce((sum, c) => sum + c.rows, 0),
      copyAllTablesSeconds: round(copySeconds, 2),
      copyAllTablesCpuSeconds: round(copyCpuSeconds, 2),
      readOnlySeconds: round(read.seconds, 1),
      readOnlyContactsPerSec: round(readContacts / read.seconds, 0),
      readOnlyCpuUsPerContact: round((readCpuSeconds * 1e6) / readContacts, 0),
      // The most contacts a second these cores could sync if they did nothing but read the CRMs
      // (client and emulators) and COPY the rows a sync stores, with no time lost between them:
      // CPU time only (the COPYing server process's; its WAL writer's and any wait left out).
      cpuBoundContactsPerSec: round((crmContacts * cpus().length) / (readCpuSeconds * (crmContacts / readContacts) + copyCpuSeconds), 0),
      unthrottledWorkerPeakRssMb: round(peakRssMb ?? Number.NaN, 0),
      // The worker's own CPU per contact, and the share of its CPU time spent in GC pauses.
      unthrottledWorkerCpuUsPerContact: round(((after.cpuMs - before.cpuMs) * 1000) / crmContacts, 0),
      unthrottledWorkerGcShare: round((after.gcMs - before.gcMs) / (after.cpuMs - before.cpuMs), 3),
    },
  };
}

/** The tables a full sync and its VIP derivation fill, a row per contact or company or person. */
interface CopyMeasure {
  rows: number;
  seconds: number;
  /** CPU seconds of the server process that ran the COPY. */
  cpuSeconds: number;
}

const STORED_TABLES = ['crm_companies', 'crm_contacts', 'vips', 'vip_crm_refs', 'vip_level_changes'] as const;

/**
 * The raw COPY rate of the rows the sync just wrote: each table exported to a file, then loaded
 * by the server into an empty table with the same columns, defaults and indexes. Server-side
 * (superuser, file in the data directory) so no client sits in the measured path. Returns each
 * table's rows, seconds and the server process's CPU seconds; crm_contacts' is the copyRowsPerSec figure.
 */
async function measureCopy(postgres: PostgresCluster, phase: Phase, log: Log): Promise<Map<string, CopyMeasure>> {
  const { db } = phase;
  const results = new Map<string, CopyMeasure>();
  // The server process serving this connection (PostgreSQL runs on this machine), for its CPU time.
  const { rows: [backend] } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  for (const table of STORED_TABLES) {
    const { rows: columnRows } = await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = $1 AND column_name <> 'id' ORDER BY ordinal_position`,
      [table],
    );
    const columns = columnRows.map((r) => `"${r.column_name}"`).join(', ');
    const file = join(postgres.dataDir, `bench-copy-${table}-${Date.now()}.tsv`);
    try {
      await db.query('DROP TABLE IF EXISTS bench_copy');
      await db.query(`CREATE TABLE bench_copy (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`);
      await db.query(`COPY (SELECT ${columns} FROM ${table}) TO '${file}'`);
      const cpuBefore = processCpuSeconds(backend!.pid);
      const startedAt = process.hrtime.bigint();
      const result = await db.query(`COPY bench_copy (${columns}) FROM '${file}'`);
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const cpuSeconds = processCpuSeconds(backend!.pid) - cpuBefore;
      const rows = result.rowCount ?? 0;
      log(`${phase.label}: COPY of ${rows.toLocaleString('en-US')} ${table} rows in ${seconds.toFixed(2)} s (${Math.round(rows / seconds).toLocaleString('en-US')} rows/s), ${cpuSeconds.toFixed(2)} CPU s`);
      results.set(table, { rows, seconds, cpuSeconds });
    } finally {
      await db.query('DROP TABLE IF EXISTS bench_copy').catch(() => {});
      await rm(file, { force: true });
    }
  }
  return results;
}

// ---- helpers -----------------------------------------------------------------------------------

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function formatSize(contacts: number): string {
  if (contacts >= 1_000_000 && contacts % 1_000_000 === 0) return `${contacts / 1_000_000}M`;
  if (contacts >= 1_000 && contacts % 1_000 === 0) return `${contacts / 1_000}k`;
  return String(contacts);
}
