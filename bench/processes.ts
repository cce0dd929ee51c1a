// The processes a benchmark starts (one emulator per CRM, the compiled worker) and what it reads
// of them: readiness, request counters, RSS and CPU time. Stopped together on SIGINT and failure.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../cli/stack/processes.js';
import { imageNodeOptions } from '../worker/image.js';
import { seconds, type Log } from './reporting.js';
import type { WorkerReadyMessage, WorkerStatsMessage } from './worker-process.js';

const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));

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

export interface HubSpotStats {
  requests: number;
  searchRequests: number;
  /** When the emulator's last request arrived (epoch ms; the same clock as the benchmark's). */
  lastRequestAt: number | null;
  contactRequests: number;
  http429: number;
  companies: number;
  contacts: number;
}

export interface SalesforceStats {
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

export interface WorkerProcess {
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

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 10 ms). */
export function processCpuSeconds(pid: number): number {
  // After "pid (comm) " the fields run from state (3rd); utime and stime are the 14th and 15th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
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

export async function startWorkerProcess(env: Record<string, string>, log: Log): Promise<WorkerProcess> {
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
