// `vipsync serve --processes N`: N server processes sharing one port (node:cluster; the primary
// hands out connections, every request is served by one worker process), so the API uses more
// than one core. Each process has its own lookup cache, audit writer and database pool.
//
// A write made through one process must be seen by the very next lookup, whichever process serves
// it: before answering a write, a process asks the primary to have every other process drop its
// cached answers, and waits for them all to confirm (the database's change notification also
// reaches them, but a few milliseconds later).
import cluster, { type Worker } from 'node:cluster';
import { logger } from '../runtime/logger.js';

// Messages over the cluster's IPC channel. An invalidation is named by its origin worker and a
// number that worker chose.
type ToPrimary = { type: 'ready'; url: string } | { type: 'invalidate'; id: number } | { type: 'ack'; id: number; origin: number };
type ToWorker = { type: 'invalidate'; id: number; origin: number } | { type: 'invalidated'; id: number };

const ACK_TIMEOUT_MS = 2_000;
const MAX_RESTARTS_PER_MINUTE = 5;

export const isServeWorker = (): boolean => cluster.isWorker;

/**
 * The primary: forks `processes` workers (each runs this same command line), reports the URL once
 * all listen, relays cache invalidations, replaces a worker that dies, and on SIGINT/SIGTERM stops
 * them all (each writes its last audit entries) before returning. Rejects if a worker fails to
 * start (its error is on stderr) or workers keep dying.
 */
export async function runServePrimary(processes: number, onReady: (url: string) => void, onStopping: () => void): Promise<void> {
  const workers = new Set<Worker>();
  let stopping = false;
  let started = false;
  const restarts: number[] = [];
  // invalidation id (per origin worker) -> workers still to confirm
  const waiting = new Map<string, { origin: Worker; id: number; remaining: Set<Worker>; timer: NodeJS.Timeout }>();

  const settle = (key: string) => {
    const entry = waiting.get(key);
    if (!entry || entry.remaining.size > 0) return;
    clearTimeout(entry.timer);
    waiting.delete(key);
    if (entry.origin.isConnected()) entry.origin.send({ type: 'invalidated', id: entry.id } satisfies ToWorker);
  };

  return new Promise<void>((resolve, reject) => {
    let ready = 0;
    const fork = () => {
      const worker = cluster.fork();
      workers.add(worker);
      worker.on('message', (message: ToPrimary) => {
        if (message.type === 'ready' && !started) {
          ready += 1;
          if (ready === processes) {
            started = true;
            onReady(message.url);
          }
        } else if (message.type === 'invalidate') {
          const key = `${worker.id}:${message.id}`;
          const others = [...workers].filter((w) => w !== worker && w.isConnected());
          const timer = setTimeout(() => {
            logger.warn({ waitingFor: waiting.get(key)?.remaining.size }, 'serve: a process did not confirm a cache invalidation in time; answering anyway');
            waiting.get(key)?.remaining.clear();
            settle(key);
          }, ACK_TIMEOUT_MS);
          waiting.set(key, { origin: worker, id: message.id, remaining: new Set(others), timer });
          for (const other of others) other.send({ type: 'invalidate', id: message.id, origin: worker.id } satisfies ToWorker);
          settle(key);
        } else if (message.type === 'ack') {
          const key = `${message.origin}:${message.id}`;
          waiting.get(key)?.remaining.delete(worker);
          settle(key);
        }
      });
      worker.on('exit', (code, signal) => {
        workers.delete(worker);
        for (const key of waiting.keys()) {
          waiting.get(key)!.remaining.delete(worker);
          settle(key);
        }
        if (stopping) {
          if (workers.size === 0) resolve();
          return;
        }
        if (!started) {
          stopping = true;
          for (const w of workers) w.process.kill('SIGTERM');
          reject(new Error(`a server process exited while starting (${signal ?? `code ${code}`}); its error is above`));
          return;
        }
        const now = Date.now();
        restarts.push(now);
        while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
        if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
          stopping = true;
          for (const w of workers) w.process.kill('SIGTERM');
          reject(new Error(`server processes keep dying (${restarts.length} in a minute; the last: ${signal ?? `code ${code}`}); stopping`));
          return;
        }
        logger.error({ pid: worker.process.pid, code, signal }, 'serve: a server process died; starting another');
        fork();
      });
    };
    for (let i = 0; i < processes; i += 1) fork();

    const stop = () => {
      if (stopping) return;
      stopping = true;
      onStopping();
      if (workers.size === 0) resolve();
      for (const worker of workers) worker.process.kill('SIGTERM');
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * In a worker, when it is done (stopped, or failed to start): lets go of the IPC channel, which
 * would keep the process alive. (A worker whose primary is gone is ended by node:cluster itself.)
 */
export function leaveServeCluster(): void {
  if (cluster.worker?.isConnected()) cluster.worker.disconnect();
}

/** In a worker: tells the primary it listens, and answers other processes' invalidations. */
export function joinServeCluster(url: string, invalidate: () => void): { afterWrite: () => Promise<void> } {
  let nextId = 0;
  const pending = new Map<number, () => void>();
  process.on('message', (message: ToWorker) => {
    if (message.type === 'invalidate') {
      invalidate();
      process.send!({ type: 'ack', id: message.id, origin: message.origin } satisfies ToPrimary);
    } else if (message.type === 'invalidated') {
      pending.get(message.id)?.();
    }
  });
  process.send!({ type: 'ready', url } satisfies ToPrimary);
  return {
    afterWrite: () =>
      new Promise<void>((resolve) => {
        const id = (nextId += 1);
        const done = () => {
          clearTimeout(timer);
          pending.delete(id);
          resolve();
        };
        // The primary answers within ACK_TIMEOUT_MS; this is for a primary that is gone.
        const timer = setTimeout(done, ACK_TIMEOUT_MS + 1_000);
        pending.set(id, done);
        if (!process.connected) done();
        else process.send!({ type: 'invalidate', id } satisfies ToPrimary);
      }),
  };
}
