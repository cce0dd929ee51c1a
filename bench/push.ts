// The push path's benchmark (issue 23), run by `npm run bench` (bench/run.ts) or alone:
//   npx tsx bench/push.ts [--edits 200] [--rate 20] [--poll-interval 60]
// From an edit in the HubSpot emulator to `vipsync serve`'s lookup answering the new level: 200
// edits at 20 a second, each followed by lookups every 50 ms until the answer has the new level.
// Twice: through the push path (the emulator's signed webhooks to `vipsync serve`, the push
// workflow in a `vipsync worker` process) and through polling alone (webhooks off, the scheduled
// sync every --poll-interval seconds, 60 the shortest a connection takes). Real PostgreSQL and
// Temporal, everything on loopback; the emulator keeps HubSpot's default rate limits.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createToken } from '../admin/tokens.js';
import { freePort } from '../cli/stack/ports.js';
import { startPostgres } from '../cli/stack/postgres.js';
import { stopChild } from '../cli/stack/processes.js';
import { startTemporalDevServer } from '../cli/stack/temporal.js';
import { connectionConfig } from '../crm/registry.js';
import { createDb } from '../db/client.js';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot.js';
import { applyMigrations } from '../prisma/migrate.js';
import { ensureSyncSchedules, triggerSync, waitForSync } from '../sync/schedules.js';
import { startServeProcess } from './lookup.js';

const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO_DIR, 'bin/vipsync.js');
const log = (msg: string) => process.stderr.write(`[push bench] ${msg}\n`);
const SECRET = 'bench-hubspot-app-client-secret';
const TOKEN = 'bench-hubspot-token';
const POLL_EVERY_MS = 50;

export interface PushBenchOptions {
  edits?: number;
  ratePerSecond?: number;
  pollIntervalSeconds?: number;
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
 * Edits contacts `ids` one after another at `rate` a second (setting vip_level to `level`) and,
 * after each edit, asks the lookup every 50 ms until it answers that level; the times from each
 * edit (acknowledged by the emulator) to that answer, in ms, sorted.
 */
async function measure(hubspot: HubSpotEmulator, serveUrl: string, token: string, ids: number[], level: number, rate: number, timeoutMs: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const { hostname, port } = new URL(serveUrl);
  const started = performance.now();
  const waits = ids.map(async (id, i) => {
    const due = started + (i * 1000) / rate;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    const response = await fetch(`${hubspot.url}/__emulator/records/contacts/${id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ properties: { vip_level: String(level) } }),
    });
    if (!response.ok) throw new Error(`edit of contact ${id} refused: ${response.status}`);
    const editedAt = performance.now();
    for (;;) {
      const answer = await new Promise<number | null>((resolve) => {
        http.get({ agent, hostname, port, path: `/v1/lookup?email=${encodeURIComponent(`person${id}@example.com`)}`, headers: { authorization: `Bearer ${token}` } }, (res) => {
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
  const dir = await mkdtemp(join(tmpdir(), 'vipsync-push-bench-'));
  await chmod(dir, 0o755); // PostgreSQL may run as another OS user (when we are root)
  const stops: (() => Promise<void>)[] = [];
  try {
    const postgres = await startPostgres({ dataDir: join(dir, 'pg'), log });
    stops.push(() => postgres.stop());
    const temporal = await startTemporalDevServer({ toolsDir: join(REPO_DIR, '.vipsync', 'tools'), log });
    stops.push(() => temporal.stop());
    const databaseUrl = await postgres.createDatabase('push_bench');
    await applyMigrations(databaseUrl);
    const db = createDb(databaseUrl, { maxConnections: 4 });
    stops.push(() => db.$disconnect());
    const { token } = await createToken(db, { name: 'bench', scopes: ['lookup'] }, { name: 'bench', surface: 'cli' });

    // Two sets of contacts, one per phase, each starting at level 1; a few thousand others beside them.
    const contacts = Array.from({ length: 2 * edits + 3_000 }, (_, i) => ({
      id: String(1_000 + i), createdAt: '2026-03-01T00:00:00.000Z', updatedAt: '2026-03-01T00:00:00.000Z', archived: false,
      properties: { email: `person${1_000 + i}@example.com`, firstname: 'Person', lastname: String(i), vip_level: '1', lastmodifieddate: '2026-03-01T00:00:00.000Z' },
    }));
    const hubspot = await startHubSpotEmulator({ data: { companies: [], contacts }, accessToken: TOKEN });
    stops.push(() => hubspot.close());
    const servePort = await freePort();
    const connection = connectionConfig.parse({
      id: 'hubspot', system: 'hubspot', baseUrl: hubspot.url, accessToken: TOKEN, intervalSeconds: 3600, push: { enabled: true }, webhookSecret: SECRET,
    });
    const env = {
      DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, VIPSYNC_CONNECTIONS: JSON.stringify([connection]),
      VIPSYNC_AUTO_MIGRATE: 'false', ...(process.env.BENCH_PUSH_WORKER_LOG ? { VIPSYNC_LOG_LEVEL: process.env.BENCH_PUSH_WORKER_LOG } : {}),
    };
    // At the info level: its "vipsync worker started" line is the readiness signal.
    const worker = await startWorker(env);
    stops.push(() => stopChild(worker, 'SIGTERM', 30_000));
    const serve = await startServeProcess(env, servePort, 1);
    stops.push(() => stopChild(serve, 'SIGTERM', 10_000));
    const serveUrl = `http://127.0.0.1:${servePort}`;
    const temporalConnection = await Connection.connect({ address: temporal.address });
    stops.push(() => temporalConnection.close());
    const client = new Client({ connection: temporalConnection, namespace: temporal.namespace });
    await ensureSyncSchedules(client, [connection], 'vipsync-sync');
    log(`first sync of ${contacts.length} contacts ...`);
    await waitForSync(client, await triggerSync(client, 'hubspot'));

    // The first sync's calls leave HubSpot's ten-second window before the edits begin.
    await new Promise((r) => setTimeout(r, 10_000));
    const ids = (from: number) => Array.from({ length: edits }, (_, i) => 1_000 + from + i);
    hubspot.webhooks.configure({ targetUrl: `${serveUrl}/v1/webhooks/hubspot/hubspot`, clientSecret: SECRET });
    log(`push: ${edits} edits at ${rate}/s, each until the lookup answers the new level`);
    const push = summary(await measure(hubspot, serveUrl, token, ids(0), 5, rate, 30_000));
    log(`push: p50 ${push.p50Ms} ms, p99 ${push.p99Ms} ms, max ${push.maxMs} ms`);

    hubspot.webhooks.configure({ targetUrl: '' });
    await ensureSyncSchedules(client, [{ ...connection, intervalSeconds: pollInterval }], 'vipsync-sync');
    log(`polling: the same through a sync every ${pollInterval} s (webhooks off)`);
    const polling = summary(await measure(hubspot, serveUrl, token, ids(edits), 4, rate, (pollInterval * 2 + 60) * 1000));
    log(`polling: p50 ${polling.p50Ms} ms, p99 ${polling.p99Ms} ms, max ${polling.maxMs} ms`);
    await client.schedule.getHandle('vipsync-sync-schedule-hubspot').delete().catch(() => {});
    return {
      pushEdits: edits, pushEditsPerSecond: rate,
      pushP50Ms: push.p50Ms, pushP99Ms: push.p99Ms, pushMaxMs: push.maxMs,
      pollingIntervalSeconds: pollInterval, pollingP50Ms: polling.p50Ms, pollingP99Ms: polling.p99Ms, pollingMaxMs: polling.maxMs,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => log(`while stopping: ${error.message}`));
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { edits: { type: 'string' }, rate: { type: 'string' }, 'poll-interval': { type: 'string' } } });
  runPushBench({
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
