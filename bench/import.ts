// CSV import benchmark, run by `npm run bench` (bench/run.ts) or alone:
//   npx tsx bench/import.ts [--rows 50000] [--big-mb 12] [--skip-latency]
//
// 1. `vipsync vip import FILE` as a process (the real CLI, under /usr/bin/time -v) against a
//    throwaway database that already holds CRM people: a generated file of 50k rows (new people,
//    updates of CRM people, unchanged rows, rejected rows, duplicates). Seconds and peak RSS of the
//    process; then the same file again (every row unchanged: idempotent re-import).
// 2. Lookups during a big import: `vipsync serve` (one process) answers lookups at a steady rate
//    while the same process takes a 12 MB CSV (POST /v1/vips/import, a dry run, then for real);
//    lookup latency before and during each import, and the import's own seconds.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../cli/stack/ports.js';
import { startPostgres, type PostgresCluster } from '../cli/stack/postgres.js';
import { stopChild } from '../cli/stack/processes.js';
import { applyMigrations } from '../prisma/migrate.js';
import { bigFile, importFile, personEmail, seedCrmPeople } from './import-data.js';
import { startServeProcess, timedGet } from './lookup.js';

const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO_DIR, 'bin/vipsync.js');
const log = (msg: string) => process.stderr.write(`[import bench] ${msg}\n`);

export interface ImportBenchOptions {
  rows?: number;
  bigMb?: number;
  skipLatency?: boolean;
}

// ---- the CLI process -------------------------------------------------------------------------------

interface TimedRun {
  seconds: number;
  peakRssMb: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `vipsync ARGS` under /usr/bin/time -v: wall seconds and peak RSS as the kernel counted them. */
async function timedVipsync(args: string[], env: Record<string, string>): Promise<TimedRun> {
  const child = spawn('/usr/bin/time', ['-v', process.execPath, BIN, ...args], {
    cwd: REPO_DIR, env: { ...process.env, VIPSYNC_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  if (!rss || !wall) throw new Error(`/usr/bin/time gave no figures (exit ${code}):\n${stderr.slice(-2000)}`);
  if (!stdout.trim().startsWith('{')) throw new Error(`vipsync ${args.join(' ')} printed no report (exit ${code}):\n${stderr.slice(-3000)}`);
  if (code !== 0 && code !== 1) throw new Error(`vipsync ${args.join(' ')} failed (exit ${code}):\n${stderr.slice(-3000)}`);
  return {
    seconds: Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]),
    peakRssMb: Math.round(Number(rss[1]) / 1024),
    code, stdout, stderr,
  };
}

// ---- lookups while the server imports ----------------------------------------------------------------

function peakRssMb(pid: number): number | null {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : null;
}

interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
  failures: number;
}

/**
 * Lookups at a steady `rate` (request i is due at start + i / rate, whatever became of the ones
 * before it) over keep-alive sockets until `until` settles; latency from the moment a request is
 * handed to the socket pool.
 */
async function lookupsUntil<T>(url: string, token: string, emails: string[], rate: number, until: Promise<T>): Promise<{ latency: Latency; result: T }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const { hostname, port } = new URL(url);
  const latencies: number[] = [];
  let failures = 0;
  let done = false;
  const result = until.finally(() => {
    done = true;
  });
  const one = (address: string) => timedGet(agent, hostname, port, `/v1/lookup?email=${encodeURIComponent(address)}`, token).then((answer) => {
    if (!answer.ok) failures += 1;
    if (answer.ms !== null) latencies.push(answer.ms);
  });
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.floor(((performance.now() - started) / 1000) * rate) + 1;
      while (!done && sent < due) inFlight.push(one(emails[sent++ % emails.length]!));
      if (done) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  agent.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(1));
  return { latency: { count: sorted.length, p50: q(0.5), p99: q(0.99), max: q(1), failures }, result: await result };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function postCsv(url: string, token: string, csv: string, query: string): Promise<{ seconds: number; report: Record<string, unknown> }> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/vips/import?${query}`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: csv,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST /v1/vips/import?${query}: HTTP ${response.status}: ${text.slice(0, 500)}`);
  return { seconds: (performance.now() - started) / 1000, report: JSON.parse(text) as Record<string, unknown> };
}

async function latencyDuringImport(postgres: PostgresCluster, dir: string, bigMb: number, figures: Record<string, number>): Promise<void> {
  const databaseUrl = await postgres.createDatabase('import_bench_serve');
  await applyMigrations(databaseUrl);
  await seedCrmPeople(databaseUrl, 10_000);
  const { createDb } = await import('../db/client.js');
  const { createToken } = await import('../admin/tokens.js');
  const db = createDb(databaseUrl, { maxConnections: 2 });
  const { token } = await createToken(db, { name: 'bench', scopes: ['lookup', 'vips:write'] }, { name: 'bench', surface: 'cli' });
  await db.$disconnect();

  const port = await freePort();
  // Temporal is not needed for lookups and imports; the server connects to it on first use only.
  const server = await startServeProcess({ DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: '127.0.0.1:1', VIPSYNC_HOME: dir }, port, 1);
  try {
    const url = `http://127.0.0.1:${port}`;
    const emails = Array.from({ length: 2000 }, (_, i) => personEmail((i * 7919) % 10_000));
    const rate = 200;
    await lookupsUntil(url, token, emails, rate, sleep(3000)); // warm-up: every email cached
    const idle = await lookupsUntil(url, token, emails, rate, sleep(5000));
    log(`lookups at ${rate}/s, idle: p50 ${idle.latency.p50} ms, p99 ${idle.latency.p99} ms, max ${idle.latency.max} ms`);
    figures.lookupP50MsIdle = idle.latency.p50;
    figures.lookupP99MsIdle = idle.latency.p99;
    figures.lookupMaxMsIdle = idle.latency.max;

    const csv = bigFile(bigMb);
    const rows = csv.split('\n').length - 2;
    figures.bigImportMb = Number((Buffer.byteLength(csv) / 1024 / 1024).toFixed(1));
    figures.bigImportRows = rows;
    for (const [label, query] of [['DryRun', 'dryRun=true&file=big.csv'], ['Write', 'file=big.csv']] as const) {
      const during = await lookupsUntil(url, token, emails, rate, postCsv(url, token, csv, query));
      if (during.result.report.valid !== rows) throw new Error(`the big import took ${String(during.result.report.valid)} of ${rows} rows`);
      log(`lookups during a ${figures.bigImportMb} MB import (${label}, ${rows} rows, ${during.result.seconds.toFixed(1)} s): ` +
        `p50 ${during.latency.p50} ms, p99 ${during.latency.p99} ms, max ${during.latency.max} ms (${during.latency.count} lookups, ${during.latency.failures} failed)`);
      figures[`bigImport${label}Seconds`] = Number(during.result.seconds.toFixed(2));
      figures[`lookupP50MsDuringImport${label}`] = during.latency.p50;
      figures[`lookupP99MsDuringImport${label}`] = during.latency.p99;
      figures[`lookupMaxMsDuringImport${label}`] = during.latency.max;
      figures[`lookupFailuresDuringImport${label}`] = during.latency.failures;
    }
    figures.serverPeakRssMb = peakRssMb(server.pid!) ?? -1;
    log(`server peak RSS ${figures.serverPeakRssMb} MB`);
  } finally {
    await stopChild(server, 'SIGTERM', 10_000);
  }
}

// ---- the benchmark -------------------------------------------------------------------------------------

export async function runImportBench(opts: ImportBenchOptions = {}): Promise<Record<string, number>> {
  const rows = opts.rows ?? 50_000;
  const crmPeople = Math.round(rows * 0.3);
  const dir = await mkdtemp(join(tmpdir(), 'vipsync-import-bench-'));
  await chmod(dir, 0o755); // PostgreSQL may run as another OS user (when we are root)
  let postgres: PostgresCluster | undefined;
  try {
    postgres = await startPostgres({ dataDir: join(dir, 'pg'), log });
    const databaseUrl = await postgres.createDatabase('import_bench');
    await applyMigrations(databaseUrl);
    await seedCrmPeople(databaseUrl, crmPeople);
    const file = join(dir, 'vips.csv');
    await writeFile(file, importFile(rows, crmPeople));
    log(`${rows} rows in ${file}; ${crmPeople} people from a CRM already stored`);

    const env = { DATABASE_URL: databaseUrl, VIPSYNC_HOME: dir };
    const first = await timedVipsync(['vip', 'import', file, '--json'], env);
    const report = JSON.parse(first.stdout) as { created: number; updated: number; unchanged: number; invalid: number };
    log(`vipsync vip import: ${first.seconds.toFixed(1)} s, peak RSS ${first.peakRssMb} MB (exit ${first.code}): ` +
      `${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.invalid} rejected`);
    const again = await timedVipsync(['vip', 'import', file, '--json'], env);
    const second = JSON.parse(again.stdout) as { created: number; updated: number; unchanged: number };
    if (second.created !== 0 || second.updated !== 0) throw new Error(`re-import changed rows: ${again.stdout.slice(0, 300)}`);
    log(`the same file again: ${again.seconds.toFixed(1)} s, peak RSS ${again.peakRssMb} MB, ${second.unchanged} unchanged`);

    const figures: Record<string, number> = {
      importRows: rows,
      importSeconds: Number(first.seconds.toFixed(2)),
      importPeakRssMb: first.peakRssMb,
      importCreated: report.created,
      importUpdated: report.updated,
      importUnchanged: report.unchanged,
      importRejected: report.invalid,
      reimportSeconds: Number(again.seconds.toFixed(2)),
      reimportPeakRssMb: again.peakRssMb,
    };
    if (!opts.skipLatency) await latencyDuringImport(postgres, dir, opts.bigMb ?? 12, figures);
    return figures;
  } finally {
    await postgres?.stop().catch((error: Error) => log(`while stopping PostgreSQL: ${error.message}`));
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { rows: { type: 'string' }, 'big-mb': { type: 'string' }, 'skip-latency': { type: 'boolean', default: false } },
  });
  const figures = await runImportBench({
    rows: values.rows ? Number(values.rows) : undefined, bigMb: values['big-mb'] ? Number(values['big-mb']) : undefined, skipLatency: values['skip-latency'],
  });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
