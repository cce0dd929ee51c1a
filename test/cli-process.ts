// Runs the `vipsync` command as a process of its own, as a person or a script would.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import type { Harness } from './harness.js';

const run = promisify(execFile);
const BIN = new URL('../bin/vipsync.js', import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runVipsync(args: string[], env: Record<string, string | undefined>, timeoutMs = 240_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `vipsync worker` in a process of its own, polling this harness's queues (so a test can kill it). */
export async function startWorkerProcess(h: Pick<Harness, 'databaseUrl' | 'config'>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: h.databaseUrl,
      TEMPORAL_ADDRESS: h.config.temporalAddress,
      VIPSYNC_SYNC_TASK_QUEUE: h.config.syncTaskQueue,
      VIPSYNC_LOOKUP_TASK_QUEUE: h.config.lookupTaskQueue,
      VIPSYNC_CONNECTIONS: JSON.stringify(h.config.connections),
      VIPSYNC_AUTO_MIGRATE: 'false',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('vipsync worker started')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before starting:\n${log.slice(-2000)}`)));
  });
  child.stderr!.removeAllListeners('data');
  child.stderr!.resume();
  return child;
}
