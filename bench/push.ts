// The push path's benchmark (issue 23), run by `npm run bench` (bench/run.ts) or alone:
//   npx tsx bench/push.ts [--edits 200] [--rate 20] [--poll-interval 60] [--crm both|hubspot|salesforce]
// From an edit in a CRM emulator to `vipsync serve`'s lookup answering the new level: 200 edits at
// 20 a second, each followed by lookups every 50 ms until the answer has the new level. For each
// CRM twice: through the push path and through polling alone (the scheduled sync every
// --poll-interval seconds, 60 the shortest a connection takes). HubSpot's push path: the emulator's
// signed webhooks to `vipsync serve`; Salesforce's: edits through the emulator's REST API
// (PATCH /sobjects/Contact/{id}), their Change Data Capture events through the Pub/Sub API to the
// worker's subscriber. Both end in the push workflow in a `vipsync worker` process, which re-reads
// the records by id. Real PostgreSQL and Temporal, everything on loopback; the HubSpot emulator keeps
// HubSpot's default rate limits.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createToken } from '../admin/tokens.js';
import { freePort } from '../cli/stack/ports.js';
import { stopChild } from '../cli/stack/processes.js';
import { connectionConfig } from '../crm/registry.js';
import { startHubSpotEmulator } from '../emulators/hubspot.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce.js';
import { ensureSyncSchedules, triggerSync, waitForSync } from '../sync/schedules.js';
import { startServeProcess } from './lookup.js';
import { startBenchStores } from './stores.js';

const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO_DIR, 'bin/vipsync.js');
const log = (msg: string) => process.stderr.write(`[push bench] ${msg}\n`);
const SECRET = 'bench-hubspot-app-client-secret';
const TOKEN = 'bench-hubspot-token';
const POLL_EVERY_MS = 50;
const SF_CLIENT_ID = 'bench-salesforce-client';
const SF_CLIENT_SECRET = 'bench-salesforce-secret';
const SF_STAMP = '2026-03-01T00:00:00.000+0000';

export type PushBenchCrm = 'both' | 'hubspot' | 'salesforce';

export interface PushBenchOptions {
  edits?: number;
  ratePerSecond?: number;
  pollIntervalSeconds?: number;
  /** Which CRMs' push paths to measure (default both). */
  crm?: PushBenchCrm;
}

/** One CRM's contacts as the benchmark edits them: the edit, and the email the lookup asks for. */
interface EditTarget {
  edit(index: number, level: number): Promise<void>;
  emailOf(index: number): string;
}

const salesforceContactId = (index: number) => `003${String(index).padStart(12, '0')}AAA`;

/** Edits made as a Salesforce user makes them: PATCH /sobjects/Contact/{id} with an access token. */
async function salesforceEdits(salesforce: SalesforceEmulator): Promise<EditTarget> {
  const tokenResponse = await fetch(`${salesforce.url}/services/oauth2/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SF_CLIENT_ID, client_secret: SF_CLIENT_SECRET }),
  });
  if (!tokenResponse.ok) throw new Error(`Salesforce emulator token refused: ${tokenResponse.status}`);
  const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };
  return {
    async edit(index, level) {
      const response = await fetch(`${salesforce.url}/services/data/v59.0/sobjects/Contact/${salesforceContactId(index)}`, {
        method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` }, body: JSON.stringify({ VIP_Level__c: level }),
      });
      if (!response.ok) throw new Error(`edit of Salesforce contact ${index} refused: ${response.status} ${await response.text()}`);
    },
    emailOf: (index) => `sfperson${index}@example.com`,
  };
}

function hubspotEdits(hubspotUrl: string): EditTarget {
  return {
    async edit(index, level) {
      const response = await fetch(`${hubspotUrl}/__emulator/records/contacts/${index}`, {
        method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ properties: { vip_level: String(level) } }),
      });
      if (!response.ok) throw new Error(`edit of contact ${index} refused: ${response.status}`);
    },
    emailOf: (index) => `person${index}@example.com`,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vipsync worker did not start within 120 s: ${stderr.slice(-2000)}`)), 120_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('vipsync worker started')) {
        clearTimeout(timer);
        child.stderr!.removeAllListeners('data');
        // BENCH_PUSH_WORKER_LOG=debug shows the worker's log, each batch's read, write and derive times included.
        if (process.env.BENCH_PUSH_WORKER_LOG) child.stderr!.pipe(process.stderr);
        else child.stderr!.resume();
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`vipsync worker exited (${code}): ${stderr.slice(-2000)}`)));
  });
  return child;
}

/**
 * Edits contacts `ids` one after another at `rate` a second (setting the VIP level to `level`) and,
 * after each edit, asks the lookup every 50 ms until it answers that level; the times from each
 * edit (acknowledged by the emulator) to that answer, in ms, sorted.
 */
async function measure(target: EditTarget, serveUrl: string, token: string, ids: number[], level: number, rate: number, timeoutMs: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const { hostname, port } = new URL(serveUrl);
  const started = performance.now();
  const waits = ids.map(async (id, i) => {
    const due = started + (i * 1000) / rate;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    await target.edit(id, level);
    const editedAt = performance.now();
    for (;;) {
      const answer = await new Promise<number | null>((resolve) => {
        http.get({ agent, hostname, port, path: `/v1/lookup?email=${encodeURIComponent(target.emailOf(id))}`, headers: { authorization: `Bearer ${token}` } }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve(res.statusCode === 200 ? (JSON.parse(body) as { level: number | null }).level : null));
        }).on('error', () => resolve(null));
      });
      if (answer === level) return performance.now() - editedAt;
      if (performance.now() - editedAt > timeoutMs) throw new Error(`contact ${id}: the lookup did not answer level ${level} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, POLL_EVERY_MS));
    }
  });
  const latencies = await Promise.all(waits);
  agent.destroy();
  return latencies.sort((a, b) => a - b);
}

const summary = (latencies: number[]) => ({
  p50Ms: Math.round(percentile(latencies, 50)), p99Ms: Math.round(percentile(latencies, 99)), maxMs: Math.round(latencies.at(-1)!),
});

export async function runPushBench(opts: PushBenchOptions = {}): Promise<Record<string, number>> {
  const edits = opts.edits ?? 200;
  const rate = opts.ratePerSecond ?? 20;
  const pollInterval = opts.pollIntervalSeconds ?? 60;
  const crm = opts.crm ?? 'both';
  const withHubSpot = crm !== 'salesforce';
  const withSalesforce = crm !== 'hubspot';
  const { databaseUrl, db, temporal, stops, stop } = await startBenchStores('push_bench', 4, log);
  let worker: ChildProcess | null = null;
  try {
    const { token } = await createToken(db, { name: 'bench', scopes: ['lookup'] }, { name: 'bench', surface: 'cli' });

    // In each CRM two sets of contacts, one per phase, each starting at level 1; a few thousand others beside them.
    const count = 2 * edits + 3_000;
    const hubspotContacts = Array.from({ length: withHubSpot ? count : 0 }, (_, i) => ({
      id: String(1_000 + i), createdAt: '2026-03-01T00:00:00.000Z', updatedAt: '2026-03-01T00:00:00.000Z', archived: false,
      properties: { email: `person${1_000 + i}@example.com`, firstname: 'Person', lastname: String(i), vip_level: '1', lastmodifieddate: '2026-03-01T00:00:00.000Z' },
    }));
    const hubspot = await startHubSpotEmulator({ data: { companies: [], contacts: hubspotContacts }, accessToken: TOKEN });
    stops.push(() => hubspot.close());
    const salesforceContacts = Array.from({ length: withSalesforce ? count : 0 }, (_, i) => ({
      Id: salesforceContactId(1_000 + i), Email: `sfperson${1_000 + i}@example.com`, FirstName: 'Person', LastName: String(i), VIP_Level__c: 1,
      LastModifiedDate: SF_STAMP, SystemModstamp: SF_STAMP,
    }));
    const salesforce = await startSalesforceEmulator({ data: { Account: [], Contact: salesforceContacts }, clientId: SF_CLIENT_ID, clientSecret: SF_CLIENT_SECRET, pubSub: {} });
    stops.push(() => salesforce.close());
    const servePort = await freePort();
    const hubspotConnection = connectionConfig.parse({
      id: 'hubspot', system: 'hubspot', baseUrl: hubspot.url, accessToken: TOKEN, intervalSeconds: 3600, push: { enabled: true }, webhookSecret: SECRET,
    });
    const salesforceConnection = (pushOn: boolean, intervalSeconds: number) => connectionConfig.parse({
      id: 'salesforce', system: 'salesforce', loginUrl: salesforce.url, clientId: SF_CLIENT_ID, clientSecret: SF_CLIENT_SECRET, apiVersion: '59.0', intervalSeconds,
      changeEvents: { enabled: pushOn, pubSubEndpoint: `http://${salesforce.changeEvents!.endpoint}` },
    });
    const connections = (salesforcePush: boolean, intervalSeconds = 3600) => [
      ...(withHubSpot ? [{ ...hubspotConnection, intervalSeconds }] : []), ...(withSalesforce ? [salesforceConnection(salesforcePush, intervalSeconds)] : []),
    ];
    const envFor = (list: unknown[]) => ({
      DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, VIPSYNC_CONNECTIONS: JSON.stringify(list),
      VIPSYNC_AUTO_MIGRATE: 'false', ...(process.env.BENCH_PUSH_WORKER_LOG ? { VIPSYNC_LOG_LEVEL: process.env.BENCH_PUSH_WORKER_LOG } : {}),
    });
    const env = envFor(connections(true));
    // At the info level: its "vipsync worker started" line is the readiness signal.
    worker = await startWorker(env);
    stops.push(() => (worker ? stopChild(worker, 'SIGTERM', 30_000) : Promise.resolve()));
    const serve = await startServeProcess(env, servePort, 1);
    stops.push(() => stopChild(serve, 'SIGTERM', 10_000));
    const serveUrl = `http://127.0.0.1:${servePort}`;
    const temporalConnection = await Connection.connect({ address: temporal.address });
    stops.push(() => temporalConnection.close());
    const client = new Client({ connection: temporalConnection, namespace: temporal.namespace });
    await ensureSyncSchedules(client, connections(true), 'vipsync-sync');
    for (const c of connections(true)) {
      log(`first sync of ${count} ${c.system} contacts ...`);
      await waitForSync(client, await triggerSync(client, c.id));
    }

    // The first sync's calls leave HubSpot's ten-second window before the edits begin.
    await new Promise((r) => setTimeout(r, 10_000));
    const ids = (from: number) => Array.from({ length: edits }, (_, i) => 1_000 + from + i);
    const figures: Record<string, number> = { pushEdits: edits, pushEditsPerSecond: rate, pollingIntervalSeconds: pollInterval };
    const phase = async (what: string, target: EditTarget, from: number, level: number, timeoutMs: number) => {
      log(`${what}: ${edits} edits at ${rate}/s, each until the lookup answers the new level`);
      const result = summary(await measure(target, serveUrl, token, ids(from), level, rate, timeoutMs));
      log(`${what}: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`);
      return result;
    };
    const sfTarget = withSalesforce ? await salesforceEdits(salesforce) : null;
    if (withHubSpot) {
      hubspot.webhooks.configure({ targetUrl: `${serveUrl}/v1/webhooks/hubspot/hubspot`, clientSecret: SECRET });
      const push = await phase('HubSpot push', hubspotEdits(hubspot.url), 0, 5, 30_000);
      Object.assign(figures, { pushP50Ms: push.p50Ms, pushP99Ms: push.p99Ms, pushMaxMs: push.maxMs });
    }
    if (sfTarget) {
      const push = await phase('Salesforce push', sfTarget, 0, 5, 30_000);
      Object.assign(figures, { salesforcePushP50Ms: push.p50Ms, salesforcePushP99Ms: push.p99Ms, salesforcePushMaxMs: push.maxMs });
    }

    // Polling alone: HubSpot's webhooks off; a worker without the Salesforce subscriber.
    hubspot.webhooks.configure({ targetUrl: '' });
    if (withSalesforce) {
      await stopChild(worker, 'SIGTERM', 30_000);
      worker = null;
      worker = await startWorker(envFor(connections(false)));
    }
    await ensureSyncSchedules(client, connections(false, pollInterval), 'vipsync-sync');
    const pollingTimeoutMs = (pollInterval * 2 + 60) * 1000;
    if (withHubSpot) {
      const polling = await phase(`HubSpot polling (a sync every ${pollInterval} s)`, hubspotEdits(hubspot.url), edits, 4, pollingTimeoutMs);
      Object.assign(figures, { pollingP50Ms: polling.p50Ms, pollingP99Ms: polling.p99Ms, pollingMaxMs: polling.maxMs });
    }
    if (sfTarget) {
      const polling = await phase(`Salesforce polling (a sync every ${pollInterval} s)`, sfTarget, edits, 4, pollingTimeoutMs);
      Object.assign(figures, { salesforcePollingP50Ms: polling.p50Ms, salesforcePollingP99Ms: polling.p99Ms, salesforcePollingMaxMs: polling.maxMs });
    }
    for (const c of connections(false)) await client.schedule.getHandle(`vipsync-sync-schedule-${c.id}`).delete().catch(() => {});
    return figures;
  } finally {
    await stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { edits: { type: 'string' }, rate: { type: 'string' }, 'poll-interval': { type: 'string' }, crm: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(
      'npx tsx bench/push.ts [options]: edit-to-lookup latency through the push path and through polling\n' +
        '  --edits N          edits per phase (default 200)\n' +
        '  --rate N           edits a second (default 20)\n' +
        '  --poll-interval S  the scheduled sync\'s interval in the polling phases (default 60, the shortest allowed)\n' +
        '  --crm WHICH        both (default), hubspot or salesforce\n',
    );
    process.exit(0);
  }
  if (values.crm !== undefined && !['both', 'hubspot', 'salesforce'].includes(values.crm)) {
    process.stderr.write(`--crm: "${values.crm}" is not both, hubspot or salesforce\n`);
    process.exit(2);
  }
  runPushBench({
    crm: values.crm as PushBenchCrm | undefined,
    edits: values.edits ? Number(values.edits) : undefined,
    ratePerSecond: values.rate ? Number(values.rate) : undefined,
    pollIntervalSeconds: values['poll-interval'] ? Number(values['poll-interval']) : undefined,
  }).then(
    (figures) => process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`),
    (error: unknown) => {
      log(`failed: ${(error as Error).stack ?? String(error)}`);
      process.exitCode = 1;
    },
  );
}
