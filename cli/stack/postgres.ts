import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';
import {
  binariesRunnableBy,
  clusterLocation,
  firstBlockingDirectory,
  relocatedDataDir,
  serverOsUser,
  socketParent,
  type OsUser,
} from './postgres-as-root.js';
import { findPostgresBinaries } from './postgres-binaries.js';
import { isProcessAlive, runCommand, stopChild, tailOfFile, waitForExit } from './processes.js';

export interface PostgresCluster {
  /** Admin URL: postgresql://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /**
   * Where the cluster really is: the requested dataDir, except as root when the server's OS user
   * cannot reach it (see StartPostgresOptions.dataDir).
   */
  dataDir: string;
  /** Pid of the postmaster, for callers that let the cluster outlive them. */
  pid: number;
  stop(): Promise<void>;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
}

export interface StartPostgresOptions {
  /**
   * As root, if the server's OS user cannot enter one of its parents (under /root, in a mkdtemp
   * directory) and no cluster is there yet, the cluster goes in /var/tmp/vipsync-pgdata-<hash of
   * this path>/ instead; the returned dataDir says where, and stopPostgresByDataDir(this path) finds it.
   */
  dataDir: string;
  /** As root, the OS user that runs initdb and postgres (they refuse root). Default: `postgres`, else `nobody`. */
  osUser?: string;
  /** Defaults to a free port on 127.0.0.1. */
  port?: number;
  log?: (msg: string) => void;
  /** Keep dataDir on stop() (the dev stack); by default it is removed (tests). */
  keepData?: boolean;
  /** Send the postmaster SIGINT when this process exits without calling stop(). Default true. */
  stopWithParent?: boolean;
  startTimeoutMs?: number;
}

const SERVER_SETTINGS = [
  'listen_addresses=127.0.0.1',
  // Durability is worthless for throwaway dev and test clusters; speed is not.
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
  'max_connections=200',
  'shared_buffers=64MB',
];

const LOG_FILE = 'vipsync-postgres.log';

export async function startPostgres(opts: StartPostgresOptions): Promise<PostgresCluster> {
  const log = opts.log ?? (() => {});
  const osUser = await serverOsUser(opts.osUser, log);
  const found = findPostgresBinaries();
  const binaries = osUser ? await binariesRunnableBy(osUser, found, log) : found;
  const { bindir } = binaries;
  const requested = resolve(opts.dataDir);
  const { dataDir, relocated } = await clusterLocation(requested, osUser, log);

  await prepareDirectory(dataDir, osUser);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`initialising a PostgreSQL cluster in ${dataDir} (binaries: ${binaries.origin})`);
    await runCommand(
      join(bindir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      { ...asUser(osUser), cwd: dataDir, env: { ...process.env, LC_ALL: 'C' }, timeoutMs: 120_000 },
    );
  }
  const socketDir = await mkdtemp(join(socketParent(osUser), 'vipsync-pgsock-'));
  await prepareDirectory(socketDir, osUser);

  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      const relocatedFrom = relocated ? requested : undefined;
      return await launch({ ...opts, bindir, origin: binaries.origin, dataDir, relocatedFrom, socketDir, port, osUser, log });
    } catch (error) {
      // Another process may grab a port between freePort() and the postmaster binding it.
      if (attempt < attempts && error instanceof PortInUseError) {
        log(`port ${port} was taken before PostgreSQL could bind it; trying another`);
        continue;
      }
      await rm(socketDir, { recursive: true, force: true });
      throw error;
    }
  }
}

class PortInUseError extends Error {}

async function launch(args: Omit<StartPostgresOptions, 'osUser'> & {
  bindir: string;
  origin: string;
  dataDir: string;
  relocatedFrom: string | undefined;
  socketDir: string;
  port: number;
  osUser: OsUser | undefined;
  log: (msg: string) => void;
}): Promise<PostgresCluster> {
  const { bindir, dataDir, relocatedFrom, socketDir, port, osUser, log } = args;
  const logFile = join(dataDir, LOG_FILE);
  const startedAt = Date.now();
  // The server writes to a file rather than a pipe so it keeps running if this process goes away.
  const logFd = openSync(logFile, 'a');
  const settings = SERVER_SETTINGS.flatMap((setting) => ['-c', setting]);
  const child = spawn(join(bindir, 'postgres'), ['-D', dataDir, '-p', String(port), '-k', socketDir, ...settings], {
    ...asUser(osUser),
    cwd: dataDir,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const spawned = new Promise<void>((resolveSpawn, rejectSpawn) => {
    child.once('spawn', resolveSpawn);
    child.once('error', rejectSpawn);
  });
  await spawned;
  const pid = child.pid!;

  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilAcceptingConnections(url, child, args.startTimeoutMs ?? 30_000);
  } catch (error) {
    await stopChild(child, 'SIGQUIT', 5_000);
    const tail = await tailOfFile(logFile);
    const message = `PostgreSQL (${dataDir}, port ${port}) did not start: ${(error as Error).message}\nServer log (${logFile}):\n${tail}`;
    throw /could not bind|Address already in use/.test(tail) ? new PortInUseError(message) : new Error(message);
  }
  log(
    `PostgreSQL listening on 127.0.0.1:${port} (pid ${pid}, ready in ${Date.now() - startedAt} ms; ` +
      `data ${dataDir}${osUser ? `, run as OS user ${osUser.name}` : ''}; binaries: ${args.origin})`,
  );

  const onParentExit = () => {
    child.kill('SIGINT');
    rmSync(socketDir, { recursive: true, force: true });
  };
  if (args.stopWithParent ?? true) process.once('exit', onParentExit);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.off('exit', onParentExit);
      // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, then exit.
      await stopChild(child, 'SIGINT', 30_000);
      await rm(socketDir, { recursive: true, force: true });
      if (!args.keepData) await removeCluster(dataDir, relocatedFrom);
      log(`PostgreSQL on port ${port} stopped${args.keepData ? ` (data kept in ${dataDir})` : ''}`);
    })());

  return { url, port, dataDir, pid, stop, createDatabase: (name) => createDatabaseOn(url, name) };
}

async function waitUntilAcceptingConnections(
  url: string,
  child: ReturnType<typeof spawn>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) during start-up`);
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.end().catch(() => {});
    }
    await waitForExit(child, 100);
  }
  throw new Error(`no connection after ${timeoutMs} ms (last error: ${(lastError as Error | undefined)?.message})`);
}

/** Creates `name` on the cluster at `adminUrl` and returns the new database's URL. */
export async function createDatabaseOn(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`invalid database name "${name}": use 1-63 lowercase letters, digits and underscores`);
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Stops a cluster left running by an earlier process (e.g. `dev down` after a crash).
 * Returns false when no server was running in `dataDir`.
 */
export async function stopPostgresByDataDir(dataDir: string, log: (msg: string) => void = () => {}): Promise<boolean> {
  const running = await postgresRunningIn(dataDir);
  if (!running) return false;
  log(`stopping PostgreSQL in ${dataDir} (pid ${running.pid})`);
  // pg_ctl refuses root too: run it as the cluster's owner.
  const owner = process.getuid?.() === 0 ? statSync(running.dataDir) : undefined;
  const osUser = owner && { name: `uid ${owner.uid}`, uid: owner.uid, gid: owner.gid };
  const found = findPostgresBinaries();
  const { bindir } = osUser ? await binariesRunnableBy(osUser, found, log) : found;
  await runCommand(join(bindir, 'pg_ctl'), ['stop', '-D', running.dataDir, '-m', 'fast', '-w', '-t', '60'], {
    ...asUser(osUser),
    cwd: '/',
  });
  return true;
}

/**
 * The postmaster serving the cluster asked for at `dataDir` (there, or where startPostgres relocated
 * it as root), if one is running: from its postmaster.pid (pid, data dir, start time, port).
 */
export async function postgresRunningIn(
  dataDir: string,
): Promise<{ pid: number; port?: number; dataDir: string } | undefined> {
  for (const candidate of [resolve(dataDir), relocatedDataDir(resolve(dataDir))]) {
    const lines = (await readFile(join(candidate, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
    const pid = Number(lines[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) continue;
    const port = Number(lines[3]);
    return { pid, port: Number.isInteger(port) && port > 0 ? port : undefined, dataDir: candidate };
  }
  return undefined;
}

/**
 * Deletes the data of the cluster asked for at `dataDir`, wherever startPostgres put it (stop it first).
 * For a purge: a relocated cluster would otherwise be found and reused by the next start.
 */
export async function deletePostgresData(dataDir: string): Promise<void> {
  const relocated = relocatedDataDir(resolve(dataDir));
  if (existsSync(dirname(relocated))) await removeCluster(relocated, resolve(dataDir));
  await rm(resolve(dataDir), { recursive: true, force: true });
}

/** Removes a cluster's data; a relocated one's container too, and the requested directory if it is empty. */
async function removeCluster(dataDir: string, relocatedFrom: string | undefined): Promise<void> {
  if (!relocatedFrom) return rm(dataDir, { recursive: true, force: true });
  await rm(dirname(dataDir), { recursive: true, force: true });
  await rmdir(relocatedFrom).catch(() => {});
}

function asUser(user: OsUser | undefined): { uid?: number; gid?: number } {
  return user ? { uid: user.uid, gid: user.gid } : {};
}

/**
 * Creates `dir` (mode 0700) owned by the server's OS user, and makes sure that user can reach it:
 * directories we create on the way get o+x; an existing one that blocks it (only for a cluster
 * that already exists there: clusterLocation places new ones within reach) is reported, not changed.
 */
async function prepareDirectory(dir: string, user: OsUser | undefined): Promise<void> {
  const firstCreated = await mkdir(dirname(dir), { recursive: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!user) return;
  await chown(dir, user.uid, user.gid);
  await chmod(dir, 0o700);
  if (firstCreated) {
    for (let parent = dirname(dir); parent === firstCreated || parent.startsWith(`${firstCreated}/`); parent = dirname(parent)) {
      chmodSync(parent, statSync(parent).mode | 0o001);
    }
  }
  const blocked = firstBlockingDirectory(dirname(dir), user);
  if (blocked) {
    throw new Error(
      `PostgreSQL runs as the OS user "${user.name}" (we are root), which cannot enter ${blocked.dir} ` +
        `(mode ${blocked.mode.toString(8)}), so it cannot use the cluster in ${dir}. ` +
        `Run \`chmod o+x ${blocked.dir}\`, or move the cluster somewhere it can reach.`,
    );
  }
}
