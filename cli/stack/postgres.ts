import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';
import { isProcessAlive, runCommand, stopChild, tailOfFile, waitForExit } from './processes.js';

export interface PostgresCluster {
  /** Admin URL: postgresql://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  dataDir: string;
  /** Pid of the postmaster, for callers that let the cluster outlive them. */
  pid: number;
  stop(): Promise<void>;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
}

export interface StartPostgresOptions {
  dataDir: string;
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
  const bindir = findPostgresBinaries();
  const dataDir = resolve(opts.dataDir);
  const osUser = await postgresOsUser();

  await prepareDirectory(dataDir, osUser);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`initialising a PostgreSQL cluster in ${dataDir} (${join(bindir, 'initdb')})`);
    await runCommand(
      join(bindir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      { ...asUser(osUser), cwd: dataDir, env: { ...process.env, LC_ALL: 'C' }, timeoutMs: 120_000 },
    );
  }
  const socketDir = await mkdtemp(join(tmpdir(), 'vipsync-pgsock-'));
  await prepareDirectory(socketDir, osUser);

  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await launch({ ...opts, bindir, dataDir, socketDir, port, osUser, log });
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

async function launch(args: StartPostgresOptions & {
  bindir: string;
  dataDir: string;
  socketDir: string;
  port: number;
  osUser: OsUser | undefined;
  log: (msg: string) => void;
}): Promise<PostgresCluster> {
  const { bindir, dataDir, socketDir, port, osUser, log } = args;
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
  log(`PostgreSQL listening on 127.0.0.1:${port} (pid ${pid}, ready in ${Date.now() - startedAt} ms)`);

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
      if (!args.keepData) await rm(dataDir, { recursive: true, force: true });
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
  const osUser = await postgresOsUser();
  await runCommand(join(findPostgresBinaries(), 'pg_ctl'), ['stop', '-D', resolve(dataDir), '-m', 'fast', '-w', '-t', '60'], {
    ...asUser(osUser),
    cwd: '/',
  });
  return true;
}

/** The postmaster serving `dataDir`, if one is running (from its postmaster.pid: pid, data dir, start time, port). */
export async function postgresRunningIn(dataDir: string): Promise<{ pid: number; port?: number } | undefined> {
  const lines = (await readFile(join(resolve(dataDir), 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return undefined;
  const port = Number(lines[3]);
  return { pid, port: Number.isInteger(port) && port > 0 ? port : undefined };
}

/** The directory holding initdb and postgres. */
export function findPostgresBinaries(): string {
  const fromEnv = process.env.VIPSYNC_PG_BINDIR;
  if (fromEnv) {
    if (hasServerBinaries(fromEnv)) return fromEnv;
    throw new Error(`VIPSYNC_PG_BINDIR=${fromEnv} does not contain initdb and postgres; point it at PostgreSQL's bin directory`);
  }
  const candidates = [pgConfigBindir(), ...newestFirst('/usr/lib/postgresql', /^\d+$/, 'bin'), '/usr/local/pgsql/bin'];
  for (const brew of ['/opt/homebrew/opt', '/usr/local/opt']) {
    candidates.push(...newestFirst(brew, /^postgresql@\d+$/, 'bin'), join(brew, 'postgresql', 'bin'));
  }
  const found = candidates.find((dir): dir is string => dir !== undefined && hasServerBinaries(dir));
  if (found) return found;
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) were not found in VIPSYNC_PG_BINDIR, `pg_config --bindir`, ' +
      '/usr/lib/postgresql/*/bin, /usr/local/pgsql/bin or Homebrew. Install PostgreSQL ' +
      '(Debian/Ubuntu: `sudo apt-get install postgresql`; macOS: `brew install postgresql@16`; ' +
      'Fedora: `sudo dnf install postgresql-server`) or set VIPSYNC_PG_BINDIR to the directory containing initdb and postgres.',
  );
}

function hasServerBinaries(dir: string): boolean {
  return existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
}

function pgConfigBindir(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const pgConfig = join(dir, 'pg_config');
    if (!dir || !existsSync(pgConfig)) continue;
    // Debian's pg_config wrapper answers for the newest installed major version.
    const result = spawnSync(pgConfig, ['--bindir'], { encoding: 'utf8', timeout: 5_000 });
    return result.status === 0 ? result.stdout.trim() || undefined : undefined;
  }
  return undefined;
}

function newestFirst(parent: string, pattern: RegExp, sub: string): string[] {
  let names: string[];
  try {
    names = readdirSync(parent).filter((name) => pattern.test(name));
  } catch {
    return [];
  }
  const version = (name: string) => Number(name.replace(/\D/g, ''));
  return names.sort((a, b) => version(b) - version(a)).map((name) => join(parent, name, sub));
}

interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** initdb and postgres refuse to run as root, so as root we run them as the `postgres` user. */
async function postgresOsUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number((await runCommand('id', ['-u', 'postgres'])).trim());
    const gid = Number((await runCommand('id', ['-g', 'postgres'])).trim());
    return { name: 'postgres', uid, gid };
  } catch {
    throw new Error(
      'Running as root: PostgreSQL refuses to run as root, so vipsync runs it as the `postgres` OS user, ' +
        'but that user does not exist. Create it (`useradd --system --home-dir /var/lib/postgresql postgres`; ' +
        'installing the `postgresql` package does this) or run vipsync as a non-root user.',
    );
  }
}

function asUser(user: OsUser | undefined): { uid?: number; gid?: number } {
  return user ? { uid: user.uid, gid: user.gid } : {};
}

/**
 * Creates `dir` (mode 0700) owned by the server's OS user, and makes sure that user can reach it:
 * directories we create on the way get o+x; existing ones that block it are reported, not changed.
 */
async function prepareDirectory(dir: string, user: OsUser | undefined): Promise<void> {
  const firstCreated = await mkdir(dirname(dir), { recursive: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!user) return;
  await chown(dir, user.uid, user.gid);
  await chmod(dir, 0o700);
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    const stats = statSync(parent);
    const bit = stats.uid === user.uid ? 0o100 : stats.gid === user.gid ? 0o010 : 0o001;
    if (!(stats.mode & bit)) {
      if (firstCreated && (parent === firstCreated || parent.startsWith(`${firstCreated}/`))) {
        chmodSync(parent, stats.mode | 0o001);
      } else {
        throw new Error(
          `PostgreSQL runs as the OS user "${user.name}" (we are root), which cannot enter ${parent} ` +
            `(mode ${(stats.mode & 0o777).toString(8)}), so it cannot use ${dir}. ` +
            `Run \`chmod o+x ${parent}\`, or put the data directory somewhere it can reach (e.g. under ${tmpdir()}).`,
        );
      }
    }
    if (parent === dirname(parent)) break;
  }
}
