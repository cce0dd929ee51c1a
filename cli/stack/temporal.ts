// The Temporal dev server: start one on a SQLite file, find and stop the ones running on it.
import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './ports.js';
import { listProcesses, stopChild, stopPid, tailOfFile, waitForExit } from './processes.js';
import { resolveTemporalCli } from './temporal-cli.js';

export interface TemporalDevServer {
  /** host:port of the frontend gRPC service, e.g. 127.0.0.1:7233 */
  address: string;
  namespace: string;
  uiUrl?: string;
  /** Pid of the CLI process (undefined when the SDK runs the server). */
  pid?: number;
  port: number;
  /** The SQLite file it keeps its state in (absolute), if any. */
  dbFile?: string;
  stop(): Promise<void>;
}

export interface StartTemporalDevServerOptions {
  toolsDir: string;
  /** Defaults to a free port on 127.0.0.1. */
  port?: number;
  /** SQLite file to persist state in; in-memory when absent. */
  dbFile?: string;
  /** Serve the Web UI on this port; headless when absent. */
  uiPort?: number;
  log?: (msg: string) => void;
  /** SIGTERM the server when this process exits without calling stop(). Default true. */
  stopWithParent?: boolean;
  startTimeoutMs?: number;
}

const NAMESPACE = 'default';
const LOCALHOST = '127.0.0.1';

export async function startTemporalDevServer(opts: StartTemporalDevServerOptions): Promise<TemporalDevServer> {
  const log = opts.log ?? (() => {});
  const cli = await resolveTemporalCli({ toolsDir: opts.toolsDir, log });
  if (opts.dbFile) {
    // Two servers on one SQLite file corrupt it, or the second fails late with SQLITE_BUSY.
    const [running] = await temporalServersOn(opts.dbFile);
    if (running) {
      throw new Error(
        `a Temporal server is already running on ${running.dbFile} (pid ${running.pid}${running.port ? `, port ${running.port}` : ''}); ` +
          'a second one on the same SQLite file would corrupt it. Stop that one first ' +
          `(\`vipsync dev down\` if the dev stack started it, otherwise \`kill ${running.pid}\`).`,
      );
    }
    await mkdir(dirname(resolve(opts.dbFile)), { recursive: true });
  }
  if (cli.type === 'cached-download') return startWithSdkDownload(opts, log);

  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort(LOCALHOST));
    try {
      return await launchCli(cli.path, port, opts, log);
    } catch (error) {
      // Another process may take the port between freePort() and the server binding it.
      if (attempt < attempts && error instanceof PortInUseError) {
        log(`port ${port} was taken before the Temporal server could bind it; trying another`);
        continue;
      }
      throw error;
    }
  }
}

class PortInUseError extends Error {}

async function launchCli(
  cliPath: string,
  port: number,
  opts: StartTemporalDevServerOptions,
  log: (msg: string) => void,
): Promise<TemporalDevServer> {
  const args = ['server', 'start-dev', '--ip', LOCALHOST, '--port', String(port), '--log-level', 'warn'];
  if (opts.dbFile) args.push('--db-filename', resolve(opts.dbFile));
  if (opts.uiPort !== undefined) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');

  const logDir = await mkdtemp(join(tmpdir(), 'vipsync-temporal-'));
  const logFile = join(logDir, 'server.log');
  // A file rather than a pipe: the server must not die of SIGPIPE if this process goes away first.
  const logFd = openSync(logFile, 'a');
  const startedAt = Date.now();
  const child = spawn(cliPath, args, { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  await new Promise<void>((resolveSpawn, rejectSpawn) => {
    child.once('spawn', resolveSpawn);
    child.once('error', rejectSpawn);
  });

  const address = `${LOCALHOST}:${port}`;
  try {
    await waitUntilServing(address, child, opts.startTimeoutMs ?? 60_000);
  } catch (error) {
    await stopChild(child, 'SIGKILL', 5_000);
    const tail = await tailOfFile(logFile);
    await rm(logDir, { recursive: true, force: true });
    const message = `Temporal dev server (${cliPath} ${args.join(' ')}) did not start: ${(error as Error).message}\nServer output:\n${tail}`;
    throw /address already in use/i.test(tail) ? new PortInUseError(message) : new Error(message);
  }
  const uiUrl = opts.uiPort !== undefined ? `http://${LOCALHOST}:${opts.uiPort}` : undefined;
  log(`Temporal dev server on ${address}${uiUrl ? `, UI ${uiUrl}` : ''} (pid ${child.pid}, ready in ${Date.now() - startedAt} ms)`);

  const onParentExit = () => {
    child.kill('SIGTERM');
    rmSync(logDir, { recursive: true, force: true });
  };
  if (opts.stopWithParent ?? true) process.once('exit', onParentExit);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.off('exit', onParentExit);
      await stopChild(child, 'SIGTERM', 10_000);
      await rm(logDir, { recursive: true, force: true });
      log(`Temporal dev server on ${address} stopped`);
    })());
  return { address, namespace: NAMESPACE, uiUrl, pid: child.pid, port, dbFile: opts.dbFile && resolve(opts.dbFile), stop };
}

export interface TemporalServerProcess {
  pid: number;
  dbFile: string;
  port?: number;
  uiPort?: number;
}

/** The Temporal dev servers (CLI processes, whoever started them) keeping their state in `dbFile`. */
export async function temporalServersOn(dbFile: string): Promise<TemporalServerProcess[]> {
  const file = resolve(dbFile);
  return (await listProcesses()).flatMap(({ pid, argv }) => {
    const at = argv.indexOf('--db-filename');
    if (pid === process.pid || !argv.includes('start-dev') || at === -1 || argv[at + 1] !== file) return [];
    const option = (name: string) => {
      const i = argv.indexOf(name);
      return i === -1 ? undefined : Number(argv[i + 1]);
    };
    return [{ pid, dbFile: file, port: option('--port'), uiPort: option('--ui-port') }];
  });
}

/** Stops every Temporal dev server on `dbFile` (SIGTERM, SIGKILL after 10 s); returns their pids. */
export async function stopTemporalServersOn(dbFile: string, log: (msg: string) => void = () => {}): Promise<number[]> {
  const servers = await temporalServersOn(dbFile);
  await Promise.all(servers.map(async (server) => {
    log(`stopping the Temporal dev server on ${server.dbFile} (pid ${server.pid})`);
    await stopPid(server.pid, 'SIGTERM', 10_000);
  }));
  return servers.map((server) => server.pid);
}

async function waitUntilServing(address: string, child: ReturnType<typeof spawn>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) during start-up`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        // The namespace is registered after the frontend starts listening; wait for both.
        await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
    }
    await waitForExit(child, 100);
  }
  throw new Error(`not serving after ${timeoutMs} ms (last error: ${(lastError as Error | undefined)?.message})`);
}

async function startWithSdkDownload(opts: StartTemporalDevServerOptions, log: (msg: string) => void): Promise<TemporalDevServer> {
  // Loaded only here: it brings in the native core bridge, which the CLI path does not need.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const port = opts.port ?? (await freePort(LOCALHOST));
  log('starting the Temporal dev server through the SDK (downloads the CLI from temporal.download on first use)');
  const startedAt = Date.now();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download', downloadDir: join(resolve(opts.toolsDir), 'downloads') },
      ip: LOCALHOST,
      port,
      namespace: NAMESPACE,
      dbFilename: opts.dbFile ? resolve(opts.dbFile) : undefined,
      ui: opts.uiPort !== undefined,
      uiPort: opts.uiPort,
    },
  });
  const address = `${LOCALHOST}:${port}`;
  const uiUrl = opts.uiPort !== undefined ? `http://${LOCALHOST}:${opts.uiPort}` : undefined;
  log(`Temporal dev server on ${address} (ready in ${Date.now() - startedAt} ms)`);
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= env.teardown());
  return { address, namespace: NAMESPACE, uiUrl, port, dbFile: opts.dbFile && resolve(opts.dbFile), stop };
}
