// Lookup benchmark (issue #5), run by `npm run bench` (bench/run.ts) or alone:
//   npx tsx bench/lookup.ts [--quick]
//
// 1. HTTP: `vipsync serve --processes <cores>` as its own processes over a seeded database; autocannon (in this process)
//    against GET /v1/lookup (bearer token, audit on, a pool of emails and phones: a third phones,
//    some of them shared by two people) and GET /health/live (the trivial endpoint of the same
//    server: it answers without the database) at 1, 16 and 64 connections, with GET /health (which
//    runs SELECT 1) beside them; then the lookup alone at a fixed 2,000 requests/s for its p50/p99.
// 2. Activity: one worker on one task queue with the lookupVip activity (the production service:
//    cache + batched audit) and a no-op activity; a workflow calls each N times in a row and the
//    client-side time per call is compared.
// Cache strategy measured: per-email read-through cache invalidated by Postgres LISTEN/NOTIFY
// (lookup/service.ts); freshness after a sync is proven in test/api.e2e.test.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import autocannon from 'autocannon';
import { createAuditWriter } from '../db/audit-log.js';
import { createToken } from '../admin/tokens.js';
import { listenForChanges } from '../db/change-feed.js';
import type { Db } from '../db/client.js';
import { createLookupActivities } from '../activities/lookup.js';
import { createLookupService, LookupCache } from '../lookup/service.js';
import { freePort } from '../cli/stack/ports.js';
import { stopChild } from '../cli/stack/processes.js';
import type { LookupQuery } from '../lookup/query.js';
import { startBenchStores } from './stores.js';

const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO_DIR, 'bin/vipsync.js');
const log = (msg: string) => process.stderr.write(`[lookup bench] ${msg}\n`);
// The server as it would be deployed on this machine: one process per core (`serve --processes`).
const SERVE_PROCESSES = availableParallelism();

async function seed(db: Db, people: number): Promise<LookupQuery[]> {
  await db.$executeRawUnsafe(`INSERT INTO crm_connections (id, system, display_name, base_url, updated_at) VALUES ('bench', 'salesforce', 'bench', 'http://x', now())`);
  await db.$executeRawUnsafe(`
    INSERT INTO vips (email, name, company, level, level_source, source, validated, validated_by, notes)
    SELECT 'person' || i || '@company' || (i % 500) || '.example', 'Person ' || i, 'Company ' || (i % 500),
           CASE WHEN i % 3 = 0 THEN 1 + i % 5 END, CASE WHEN i % 3 = 0 THEN 'crm'::"VipSource" END, 'crm', true, '{bench}',
           CASE WHEN i % 7 = 0 THEN 'a note' END
    FROM generate_series(1, $1) AS i`, people);
  await db.$executeRawUnsafe(`
    INSERT INTO crm_contacts (connection_id, crm_id, email, email_normalized, owner_id, crm_vip_level, properties, content_hash, last_seen_at)
    SELECT 'bench', 'c' || i, 'person' || i || '@company' || (i % 500) || '.example', 'person' || i || '@company' || (i % 500) || '.example',
           '005' || (i % 7), CASE WHEN i % 3 = 0 THEN 1 + i % 5 END, '{}', 'h', now()
    FROM generate_series(1, $1) AS i`, people);
  // Phones as the derivation writes them: everyone has one on a CRM record (vips.phones), every
  // fourth also a mobile, and people i and i + 1 share one for i divisible by 50 (a switchboard:
  // an ambiguous answer); the shown phone (vips.phone) is the first.
  await db.$executeRawUnsafe(`
    UPDATE vips v SET phones = p.phones, phone = p.phones[1]
    FROM (SELECT 'person' || i || '@company' || (i % 500) || '.example' AS email,
                 ARRAY['+1415' || lpad((CASE WHEN i % 50 = 1 THEN i - 1 ELSE i END)::text, 7, '0')]
                 || CASE WHEN i % 4 = 0 THEN ARRAY['+1650' || lpad(i::text, 7, '0')] ELSE ARRAY[]::text[] END AS phones
          FROM generate_series(1, $1) AS i) p
    WHERE v.email = p.email`, people);
  // A pool the clients draw from: two thirds emails (mostly known people, some strangers), a third
  // phones (mostly known, typed as people type them; some shared, some nobody's).
  const pool: LookupQuery[] = [];
  for (let i = 0; i < 2000; i += 1) {
    const person = 1 + ((i * 7919) % people);
    if (i % 3 !== 2) {
      pool.push({ email: i % 10 === 0 ? `stranger${i}@nowhere.example` : `person${person}@company${person % 500}.example` });
    } else {
      const line = String(i % 30 === 2 ? 9_000_000 + i : i % 50 === 5 ? person - (person % 50) : person).padStart(7, '0');
      pool.push({ phone: i % 2 === 0 ? `+1415${line}` : `(415) ${line.slice(0, 3)}-${line.slice(3)}` });
    }
  }
  return pool;
}

/** The request path of one lookup. */
function lookupPath(query: LookupQuery): string {
  return 'email' in query ? `/v1/lookup?email=${encodeURIComponent(query.email)}` : `/v1/lookup?phone=${encodeURIComponent(query.phone)}`;
}

/** `vipsync serve` as a process of its own (`processes` of them, one per core by default), once it listens. */
export async function startServeProcess(env: Record<string, string>, port: number, processes = SERVE_PROCESSES): Promise<ChildProcess> {
  // BENCH_PROFILE_DIR=dir writes a V8 CPU profile of the server there (where does a lookup's time go?).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, BIN, 'serve', '--port', String(port), '--processes', String(processes)], { env: { ...process.env, ...env, VIPSYNC_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vipsync serve did not start within 120 s: ${stderr}`)), 120_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`vipsync serve exited (${code}): ${stderr}`)));
  });
  return child;
}

interface CannonResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function cannon(url: string, opts: { connections: number; seconds: number; token?: string; paths?: string[] }): Promise<CannonResult> {
  const result = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    // Each connection cycles through the pool. Plain request objects (no setupRequest callback) are
    // serialised once by autocannon, so the load generator, which shares the 2 cores with the
    // server, spends no more per lookup request than per /health request.
    requests: opts.paths?.map((path) => ({ method: 'GET' as const, path })),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

/**
 * One GET on a keep-alive agent: its latency from the moment it is handed to the socket pool (null
 * when the request failed outright), and whether it was answered 200.
 */
export function timedGet(agent: http.Agent, hostname: string, port: string, path: string, token: string): Promise<{ ms: number | null; ok: boolean }> {
  return new Promise((resolve) => {
    const sentAt = performance.now();
    const req = http.get({ agent, hostname, port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - sentAt, ok: res.statusCode === 200 }));
    });
    req.on('error', () => resolve({ ms: null, ok: false }));
  });
}

/**
 * Open-loop load at a steady rate: request i is due at start + i / rate, whatever happened to the
 * ones before it, over `connections` keep-alive sockets (autocannon's overallRate sends each
 * second's quota in a burst at the start of the second, which measures its own queueing instead).
 * Latency runs from the moment the request is handed to the socket pool (so waiting for a busy
 * socket counts); the lateness of this process's own 1 ms timer is reported apart, as `lateP99`.
 */
async function steadyRate(url: string, opts: { rate: number; seconds: number; connections: number; token: string; paths: string[] }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const { hostname, port } = new URL(url);
  const total = opts.rate * opts.seconds;
  const latencies: number[] = [];
  const lateness: number[] = [];
  let failures = 0;
  let sent = 0;
  const started = performance.now();
  const one = (path: string) => timedGet(agent, hostname, port, path, opts.token).then((answer) => {
    if (!answer.ok) failures += 1;
    if (answer.ms !== null) latencies.push(answer.ms);
  });
  const inFlight: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const dueCount = Math.min(total, Math.floor(((now - started) / 1000) * opts.rate) + 1);
      while (sent < dueCount) {
        lateness.push(now - (started + (sent / opts.rate) * 1000));
        inFlight.push(one(opts.paths[sent % opts.paths.length]!));
        sent += 1;
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  agent.destroy();
  const elapsed = (performance.now() - started) / 1000;
  const quantile = (xs: number[], q: number) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2));
  };
  return { rps: latencies.length / elapsed, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: quantile(latencies, 1), lateP99: quantile(lateness, 0.99), failures };
}

/** Looks up every email and phone of the pool once, 16 at a time; returns lookups per second. */
async function warmPool(url: string, token: string, pool: LookupQuery[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < pool.length) {
      const path = lookupPath(pool[next++]!);
      const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) throw new Error(`warm-up lookup ${path}: HTTP ${response.status}`);
      await response.arrayBuffer();
    }
  }));
  return pool.length / ((performance.now() - started) / 1000);
}

async function activityBench(db: Db, databaseUrl: string, temporalAddress: string, pool: LookupQuery[], calls: number) {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const feed = await listenForChanges(databaseUrl);
  const audit = createAuditWriter(db);
  const lookup = createLookupService({ db, audit, cache: new LookupCache(feed) });
  const taskQueue = `lookup-bench-${Date.now().toString(36)}`;
  const native = await NativeConnection.connect({ address: temporalAddress });
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./lookup-workflows.ts', import.meta.url)), logger: new DefaultLogger('WARN') }),
    activities: { ...createLookupActivities({ lookup }), async noop() { return null; } },
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });
  const perCall = async (kind: 'lookup' | 'noop') => {
    const queries = pool.slice(0, calls);
    const started = performance.now();
    await client.workflow.execute('activityLoopWorkflow', { taskQueue, workflowId: `${taskQueue}-${kind}-${Math.random()}`, args: [kind, queries] });
    return (performance.now() - started) / calls;
  };
  try {
    await perCall('noop'); // warm-up: workflow cache, connections
    await perCall('lookup');
    const samples = { lookup: [] as number[], noop: [] as number[] };
    for (let round = 0; round < 3; round += 1) {
      samples.noop.push(await perCall('noop'));
      samples.lookup.push(await perCall('lookup'));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return { lookupMs: median(samples.lookup), noopMs: median(samples.noop) };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await native.close();
    await audit.close();
    await feed.close();
  }
}

export async function runLookupBench(opts: { quick: boolean }): Promise<Record<string, number>> {
  const seconds = opts.quick ? 3 : 10;
  const people = opts.quick ? 10_000 : 100_000;
  const { databaseUrl, db, temporal, stops, stop } = await startBenchStores('lookup_bench', 10, log);
  try {
    const pool = await seed(db, people);
    const { token } = await createToken(db, { name: 'bench', scopes: ['lookup'] }, { name: 'bench', surface: 'cli' });
    log(`seeded ${people} people; starting \`vipsync serve --processes ${SERVE_PROCESSES}\``);

    const port = await freePort();
    const server = await startServeProcess({ DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address }, port);
    stops.push(() => stopChild(server, 'SIGTERM', 10_000));
    const url = `http://127.0.0.1:${port}`;
    await cannon(`${url}/health`, { connections: 16, seconds: 1 }); // warm-up
    // Cold: every email of the pool once (each a database read); then the cache holds them all.
    const cold = await warmPool(url, token, pool);
    log(`cold pass over ${pool.length} emails and phones: ${Math.round(cold)} lookups/s (16 at a time, each read from the database)`);

    const lookupPaths = pool.map(lookupPath);
    // Each server process has a cache of its own, and the cold pass reached each email through one
    // of them: every connection now goes through the whole pool (about 1.25 times), so each process
    // has read every email before anything is measured.
    await autocannon({
      url, connections: 16, amount: Math.ceil(16 * pool.length * 1.25), headers: { authorization: `Bearer ${token}` },
      requests: lookupPaths.map((path) => ({ method: 'GET' as const, path })),
    });
    const figures: Record<string, number> = { serveProcesses: SERVE_PROCESSES };
    // The steady rate first: after the saturating runs below, Postgres spends a while vacuuming the
    // audit rows they wrote, which would be charged to this measurement.
    const trivialFixed = await steadyRate(url, { connections: 16, seconds: seconds * 2, token, paths: ['/health/live'], rate: 2000 });
    figures.trivialP99MsAtFixedRate = trivialFixed.p99;
    log(`2,000 req/s, steady, /health/live: p50 ${trivialFixed.p50} ms, p99 ${trivialFixed.p99} ms, max ${trivialFixed.max} ms (sender timer lateness p99 ${trivialFixed.lateP99} ms)`);
    const fixed = await steadyRate(url, { connections: 16, seconds: seconds * 2, token, paths: lookupPaths, rate: 2000 });
    if (fixed.failures > 0) throw new Error(`lookup at 2,000 req/s: ${fixed.failures} failed requests`);
    figures.lookupP50Ms = fixed.p50;
    figures.lookupP99Ms = fixed.p99;
    figures.lookupMaxMsAtFixedRate = fixed.max;
    figures.lookupRpsAtFixedRate = Math.round(fixed.rps);
    figures.senderLateP99MsAtFixedRate = fixed.lateP99;
    log(`2,000 req/s, steady, lookup: p50 ${fixed.p50} ms, p99 ${fixed.p99} ms, max ${fixed.max} ms (${Math.round(fixed.rps)} req/s achieved; sender timer lateness p99 ${fixed.lateP99} ms)`);

    // The ratio's baseline is /health/live, which answers without the database; /health (SELECT 1
    // per request, the baseline until issue 21) is measured beside it, with its own ratio.
    const ratios: number[] = [];
    const healthRatios: number[] = [];
    for (const connections of [1, 16, 64]) {
      const trivial = await cannon(`${url}/health/live`, { connections, seconds });
      const health = await cannon(`${url}/health`, { connections, seconds });
      const lookup = await cannon(url, { connections, seconds, token, paths: lookupPaths });
      if (lookup.non2xx > 0 || lookup.errors > 0) throw new Error(`lookup at ${connections} connections: ${lookup.non2xx} non-2xx, ${lookup.errors} errors`);
      figures[`trivialRps_c${connections}`] = Math.round(trivial.rps);
      figures[`healthDbRps_c${connections}`] = Math.round(health.rps);
      figures[`lookupRps_c${connections}`] = Math.round(lookup.rps);
      figures[`lookupP99Ms_c${connections}`] = lookup.p99;
      ratios.push(lookup.rps / trivial.rps);
      healthRatios.push(lookup.rps / health.rps);
      log(`${connections} connections: /health/live ${Math.round(trivial.rps)} req/s, /health ${Math.round(health.rps)} req/s, lookup ${Math.round(lookup.rps)} req/s (p50 ${lookup.p50} ms, p99 ${lookup.p99} ms)`);
    }
    figures.lookupRpsRatio = Number(Math.min(...ratios).toFixed(3));
    figures.lookupRpsRatioVsHealthDb = Number(Math.min(...healthRatios).toFixed(3));
    figures.phoneShareOfLookups = Number((pool.filter((q) => 'phone' in q).length / pool.length).toFixed(3));

    const activity = await activityBench(db, databaseUrl, temporal.address, pool, opts.quick ? 100 : 300);
    figures.activityLookupMs = Number(activity.lookupMs.toFixed(2));
    figures.activityNoopMs = Number(activity.noopMs.toFixed(2));
    figures.activityLookupRatio = Number((activity.lookupMs / activity.noopMs).toFixed(3));
    log(`activity: lookup ${activity.lookupMs.toFixed(2)} ms/call, no-op ${activity.noopMs.toFixed(2)} ms/call`);
    figures.lookupColdRps_c16 = Math.round(cold);
    figures.auditRowsWritten = await db.auditLog.count({ where: { action: 'lookup' } });
    return figures;
  } finally {
    await stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`npx tsx bench/lookup.ts [--quick]

The lookup benchmark (also part of npm run bench): starts its own PostgreSQL and Temporal dev server,
seeds 100,000 people (--quick: 10,000, and 3 s runs instead of 10), runs vipsync serve --processes
<cores>, and measures GET /v1/lookup (a pool of 2,000: two thirds emails, a third phones, some shared)
against GET /health/live (no database) and GET /health (SELECT 1) at 1, 16 and 64 connections, the
lookup alone at a steady 2,000 requests/s (p50, p99), and the lookup activities next to a no-op
activity. Prints the figures as JSON (progress on stderr).
`);
    process.exit(0);
  }
  const figures = await runLookupBench({ quick: process.argv.includes('--quick') });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
