// `vipsync doctor`: the first place to look when "the VIP is not recognised". One line per check,
// each with a verdict (ok / warn / FAIL) and, when it is not ok, what to do.
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { createDb } from '../../db/client.js';
import { migrationStatus } from '../../prisma/migrate.js';
import { connectionBaseUrl, connectionConfig, createCrmClient, providerFor, type ConnectionConfig } from '../../crm/registry.js';
import { loadConfig, TASK_QUEUE_DEFAULTS } from '../../config/environment.js';
import { readDevState } from '../dev/state.js';
import { printJson } from '../output.js';
import { resolveTargets } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';
import { pushCheck } from '../doctor/push-check.js';
import { pushStates } from '../../sync/push-store.js';

export type Verdict = 'ok' | 'warn' | 'fail';

export interface Check {
  check: string;
  verdict: Verdict;
  detail: string;
}

const CRM_CHECK_TIMEOUT_MS = 20_000;
/** A poller seen this recently counts as a live worker. */
const POLLER_FRESH_MS = 2 * 60_000;
// temporal.api.enums.v1.TaskQueueType
const TASK_QUEUE_TYPE = { workflow: 1, activity: 2 } as const;

function ago(at: Date): string {
  const s = Math.round((Date.now() - at.getTime()) / 1000);
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** The credentials this environment holds: the worker's variables, or the running dev stack's. */
async function credentialsHere(databaseUrl: string): Promise<ConnectionConfig[] | null> {
  try {
    const fromEnv = loadConfig({ ...process.env, DATABASE_URL: databaseUrl }).connections;
    if (fromEnv.length > 0) return fromEnv;
  } catch {
    return null;
  }
  const state = await readDevState();
  if (state?.status !== 'ready' || !state.emulators || process.env.DATABASE_URL) return null;
  return Object.entries(state.emulators).flatMap(([system, url]) => {
    const emulator = providerFor(system).emulator;
    if (!emulator) return [];
    const connection = emulator.devConnection(url);
    // The stack knows which push paths it turned on (a Salesforce emulator's subscriber needs its
    // Pub/Sub address, which the dev connection alone does not carry).
    const push = state.pushConnections ? { push: { enabled: state.pushConnections.includes(String(connection.id)) } } : {};
    return [connectionConfig.parse({ ...connection, ...push })];
  });
}

/** A cheap live call: the first page of an incremental walk from now (normally empty). */
async function checkCredentials(config: ConnectionConfig): Promise<Check> {
  const started = Date.now();
  try {
    // The CRM SDKs load only when a credential check runs (a provider loads its client lazily).
    const client = await createCrmClient(config);
    await withTimeout(client.fetchPage('contacts', client.startWalk('contacts', new Date())), CRM_CHECK_TIMEOUT_MS, `${config.system} at ${connectionBaseUrl(config)}`);
    return { check: `connection ${config.id}: credentials`, verdict: 'ok', detail: `${config.system} accepted them (${Date.now() - started} ms)` };
  } catch (error) {
    return { check: `connection ${config.id}: credentials`, verdict: 'fail', detail: `${(error as Error).message}; fix the connection's variables (README, "Configuration")` };
  }
}

export async function runDoctor(): Promise<Check[]> {
  const checks: Check[] = [];
  const targets = await resolveTargets();
  const lookupQueue = process.env.VIPSYNC_LOOKUP_TASK_QUEUE ?? TASK_QUEUE_DEFAULTS.lookup;

  // Database and schema.
  const db = createDb(targets.databaseUrl, { maxConnections: 2 });
  let dbOk = false;
  try {
    await withTimeout(db.$queryRaw`SELECT 1`, 10_000, 'the database');
    dbOk = true;
    checks.push({ check: 'database', verdict: 'ok', detail: `reachable at ${new URL(targets.databaseUrl).host}${new URL(targets.databaseUrl).pathname}` });
  } catch (error) {
    checks.push({ check: 'database', verdict: 'fail', detail: `${(error as Error).message}; check DATABASE_URL and that PostgreSQL runs` });
  }
  if (dbOk) {
    const status = await migrationStatus(targets.databaseUrl);
    checks.push(status.pending.length === 0
      ? { check: 'database: migrations', verdict: 'ok', detail: `all ${status.applied.length} applied` }
      : { check: 'database: migrations', verdict: 'fail', detail: `${status.pending.length} pending (${status.pending.join(', ')}); run \`vipsync db migrate\` or restart the worker` });
  }

  // Temporal and the workers polling it.
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address: targets.temporalAddress, connectTimeout: '5s' });
    const client = new Client({ connection, namespace: targets.temporalNamespace });
    await client.workflowService.getSystemInfo({});
    checks.push({ check: 'temporal', verdict: 'ok', detail: `reachable at ${targets.temporalAddress} (namespace ${targets.temporalNamespace})` });
    const queues: [string, string, keyof typeof TASK_QUEUE_TYPE][] = [
      ['worker: sync workflows', targets.syncTaskQueue, 'workflow'],
      ['worker: sync activities', targets.syncTaskQueue, 'activity'],
      ['worker: lookup activity', lookupQueue, 'activity'],
    ];
    for (const [name, queue, type] of queues) {
      const described = await client.workflowService.describeTaskQueue({
        namespace: targets.temporalNamespace, taskQueue: { name: queue }, taskQueueType: TASK_QUEUE_TYPE[type],
      });
      const fresh = (described.pollers ?? []).filter((p) => {
        const seconds = Number(p.lastAccessTime?.seconds ?? 0);
        return Date.now() - seconds * 1000 < POLLER_FRESH_MS;
      });
      checks.push(fresh.length > 0
        ? { check: name, verdict: 'ok', detail: `${fresh.length} poller(s) on ${queue}: ${fresh.map((p) => p.identity).join(', ')}` }
        : { check: name, verdict: 'fail', detail: `no worker polls ${type} tasks on ${queue}; start \`vipsync worker\` (or check VIPSYNC_*_TASK_QUEUE)` });
    }
  } catch (error) {
    checks.push({ check: 'temporal', verdict: 'fail', detail: `cannot reach ${targets.temporalAddress}: ${(error as Error).message}; set TEMPORAL_ADDRESS or start Temporal` });
  } finally {
    await connection?.close();
  }

  // Each CRM connection: credentials (a live call) and its last sync.
  if (dbOk) {
    const connections = await db.crmConnection.findMany({ orderBy: { id: 'asc' } });
    if (connections.length === 0) {
      checks.push({ check: 'connections', verdict: 'fail', detail: 'no CRM connection is registered; configure one and start the worker' });
    }
    const credentials = await credentialsHere(targets.databaseUrl);
    const pushes = await pushStates(db);
    for (const c of connections) {
      const config = credentials?.find((k) => k.id === c.id);
      const push = c.enabled ? pushCheck(c.id, config?.push.enabled, pushes.find((p) => p.connectionId === c.id), new Date(), c.system) : null;
      if (push) checks.push(push);
      if (!c.enabled) {
        checks.push({ check: `connection ${c.id}`, verdict: 'warn', detail: 'disabled: not synced any more' });
        continue;
      }
      checks.push(config
        ? await checkCredentials(config)
        : { check: `connection ${c.id}: credentials`, verdict: 'warn', detail: 'not in this environment, so not checked (run doctor with the worker\'s variables)' });
      const [last, lastOk] = await Promise.all([
        db.syncRun.findFirst({ where: { connectionId: c.id }, orderBy: { startedAt: 'desc' } }),
        db.syncRun.findFirst({ where: { connectionId: c.id, status: { in: ['succeeded', 'needs_review'] } }, orderBy: { startedAt: 'desc' } }),
      ]);
      const name = `connection ${c.id}: last sync`;
      if (last?.status === 'needs_review') {
        const { vanishReviewMessage } = await import('../../admin/sync.js');
        checks.push({ check: name, verdict: 'warn', detail: `needs review, ${ago(last.finishedAt ?? last.startedAt)}: ${vanishReviewMessage(c.id, last.vanishedHeld)}` });
        continue;
      }
      if (!last) checks.push({ check: name, verdict: 'fail', detail: 'never synced; is the worker running? `vipsync sync now --wait`' });
      else if (last.status === 'failed') checks.push({ check: name, verdict: 'fail', detail: `failed ${ago(last.startedAt)}: ${last.error ?? 'no error recorded'}` });
      else if (last.status === 'running') checks.push({ check: name, verdict: 'ok', detail: `running since ${ago(last.startedAt)}${lastOk?.finishedAt ? `; last success ${ago(lastOk.finishedAt)}` : ''}` });
      else {
        const age = Date.now() - (last.finishedAt ?? last.startedAt).getTime();
        const late = age > 3 * c.intervalSeconds * 1000;
        checks.push({
          check: name, verdict: late ? 'warn' : 'ok',
          detail: `succeeded ${ago(last.finishedAt ?? last.startedAt)} (${last.fetched} fetched, ${last.quarantined} quarantined)` +
            (late ? `; older than 3 intervals (${c.intervalSeconds} s): is the schedule running?` : ''),
        });
      }
    }
    const { changeEventChecks } = await import('./doctor-change-events.js');
    checks.push(...(await changeEventChecks(db, connections.filter((c) => c.enabled).map((c) => c.id), credentials, ago)));
    const [people, vips] = await Promise.all([db.vip.count(), db.vip.count({ where: { level: { not: null } } })]);
    checks.push({ check: 'vip list', verdict: vips > 0 ? 'ok' : 'warn', detail: `${vips} VIPs among ${people} people${vips === 0 ? '; no CRM holds a level yet and none was added' : ''}` });
  }
  await db.$disconnect();
  return checks;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(COMMAND_DESCRIPTIONS.doctor)
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const checks = await runDoctor();
      if (opts.json) printJson(checks);
      else {
        const width = Math.max(...checks.map((c) => c.check.length));
        for (const c of checks) process.stdout.write(`${c.verdict === 'fail' ? 'FAIL' : c.verdict.padEnd(4)}  ${c.check.padEnd(width)}  ${c.detail}\n`);
      }
      if (checks.some((c) => c.verdict === 'fail')) process.exitCode = 1;
    });
}
