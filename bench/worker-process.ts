// A production vipsync worker in a process of its own, so the benchmark can read the worker's
// peak memory apart from the emulators' and its own. Configured exactly like `vipsync worker`
// (environment variables through loadConfig) and run like the image runs it: compiled, with the
// image's NODE_OPTIONS. Tells its parent over IPC when it polls.
//   node --expose-gc dist/bench/worker-process.js   (after npm run build; spawned by bench/sync.ts with an IPC channel)
import { readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { Runtime } from '@temporalio/worker';
import { loadConfig } from '../config/environment.js';
import { temporalLogger } from '../runtime/logger.js';
import { bootWorker } from '../worker/main.js';

export interface WorkerReadyMessage {
  type: 'ready';
  /** Peak RSS while booting (bundling the workflows dominates it), before it was reset. */
  bootPeakRssKb: number | null;
  /** RSS once ready and idle: what every size starts from. */
  idleRssKb: number;
}

/** The worker's answer to {type: 'stats'}: CPU time used and time spent in GC pauses so far. */
export interface WorkerStatsMessage {
  type: 'stats';
  cpuMs: number;
  gcMs: number;
}

function peakRssKb(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Linux: writing 5 to clear_refs resets VmHWM to the current RSS, so the peak measured later is the syncs' own. */
function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not Linux or not permitted: the peak then includes start-up.
  }
}

Runtime.install({ logger: temporalLogger('WARN') });
const worker = await bootWorker(loadConfig(process.env, { requireConnections: true }));
const bootPeakRssKb = peakRssKb();
// Bundling the workflows leaves garbage behind; collect it so the peak measured next is the syncs'.
(globalThis as { gc?: () => void }).gc?.();
resetPeakRss();
const ready: WorkerReadyMessage = { type: 'ready', bootPeakRssKb, idleRssKb: Math.round(process.memoryUsage().rss / 1024) };
process.send?.(ready);
// Answers the benchmark's {type: 'stats'}: GC pause time summed from V8's gc performance entries.
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });
process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'stats') return;
  const cpu = process.cpuUsage();
  const stats: WorkerStatsMessage = { type: 'stats', cpuMs: (cpu.user + cpu.system) / 1000, gcMs };
  process.send?.(stats);
});
// The IPC channel must not keep the process alive once the workers stop; and the parent going
// away (killed, crashed) must not leave a worker polling forever.
process.channel?.unref();
process.on('disconnect', () => worker.shutdown());
await worker.run();
if (process.connected) process.disconnect();
