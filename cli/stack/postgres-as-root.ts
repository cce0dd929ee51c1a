// initdb and postgres refuse to run as root. As root, vipsync runs them as an unprivileged OS user,
// which must be able to reach both the binaries and the data directory: a project under /root (0700)
// or in a mkdtemp directory is out of its reach, so the binaries are copied and the cluster is placed
// where it can reach them, at a path derived from the requested one so later runs find it again.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, statSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { restoreLibrarySymlinks, type PostgresBinaries } from './postgres-binaries.js';
import { runCommand } from './processes.js';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * The OS user that runs initdb and postgres: undefined when we are not root (they run as us), else
 * `requested`, or `postgres` (Debian's package creates it), or else `nobody`.
 */
export async function serverOsUser(requested: string | undefined, log: (msg: string) => void): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  if (requested) {
    const user = await lookUpUser(requested);
    if (user) return user;
    throw new Error(`PostgreSQL was asked to run as the OS user "${requested}", which does not exist.`);
  }
  const postgres = await lookUpUser('postgres');
  if (postgres) return postgres;
  const nobody = await lookUpUser('nobody');
  if (nobody) {
    log(`running as root and there is no "postgres" OS user: PostgreSQL runs as "nobody" (uid ${nobody.uid})`);
    return nobody;
  }
  throw new Error(
    'Running as root: PostgreSQL refuses to run as root, and neither a `postgres` nor a `nobody` OS user exists to run it. ' +
      'Create one (`useradd --system --home-dir /var/lib/postgresql postgres`) or run vipsync as a non-root user.',
  );
}

async function lookUpUser(name: string): Promise<OsUser | undefined> {
  try {
    const uid = Number((await runCommand('id', ['-u', name])).trim());
    const gid = Number((await runCommand('id', ['-g', name])).trim());
    return { name, uid, gid };
  } catch {
    return undefined;
  }
}

/** The first of `dir` and its ancestors that `user` may not enter, with its mode; missing ones are skipped. */
export function firstBlockingDirectory(dir: string, user: OsUser): { dir: string; mode: number } | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    let stats;
    try {
      stats = statSync(current);
    } catch {
      stats = undefined;
    }
    if (stats && !(stats.mode & searchBit(stats, user))) return { dir: current, mode: stats.mode & 0o777 };
    if (current === dirname(current)) return undefined;
  }
}

function searchBit(stats: { uid: number; gid: number }, user: OsUser): number {
  return stats.uid === user.uid ? 0o100 : stats.gid === user.gid ? 0o010 : 0o001;
}

/** Survives reboots (the dev stack keeps its cluster) and every user can enter it. */
function reachableScratchBase(): string {
  return existsSync('/var/tmp') ? '/var/tmp' : tmpdir();
}

/** A directory for the server's Unix socket that `user` can reach. */
export function socketParent(user: OsUser | undefined): string {
  return user && firstBlockingDirectory(tmpdir(), user) ? reachableScratchBase() : tmpdir();
}

/**
 * Binaries `user` can run: `binaries` if it can reach them, else (the npm package's under /root,
 * say) a copy in a root-owned cache directory, made once per version and reused.
 */
export async function binariesRunnableBy(
  user: OsUser,
  binaries: PostgresBinaries,
  log: (msg: string) => void,
): Promise<PostgresBinaries> {
  const blocked = firstBlockingDirectory(binaries.bindir, user);
  if (!blocked) return binaries;
  if (!binaries.embedded) {
    throw new Error(
      `PostgreSQL runs as the OS user "${user.name}" (we are root), which cannot enter ${blocked.dir} ` +
        `(mode ${blocked.mode.toString(8)}), so it cannot run the binaries from ${binaries.origin}. ` +
        `Run \`chmod o+x ${blocked.dir}\` or point VIPSYNC_PG_BINDIR at binaries it can reach.`,
    );
  }
  const { root, packageName, version } = binaries.embedded;
  const cache = join(reachableScratchBase(), `vipsync-postgres-${version}-${basename(packageName)}`);
  if (!existsSync(cache)) {
    log(`"${user.name}" cannot enter ${blocked.dir}: copying ${packageName}'s binaries to ${cache} (once per version)`);
    const partial = await mkdtemp(`${cache}.partial-`);
    try {
      await cp(root, partial, { recursive: true, verbatimSymlinks: true });
      restoreLibrarySymlinks(partial);
      await makeReadableByAll(partial);
      await rename(partial, cache);
    } catch (error) {
      // A concurrent start may have put its copy in place first: use that one.
      if (!existsSync(cache)) throw error;
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  }
  assertOwnedByRootOnly(cache);
  const bindir = join(cache, 'bin');
  return { bindir, origin: `${binaries.origin.replace(/ \(.*\)$/, '')}, copied to ${bindir}`, embedded: { ...binaries.embedded, root: cache } };
}

async function makeReadableByAll(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await makeReadableByAll(path);
    else if (entry.isFile()) await chmod(path, statSync(path).mode & 0o111 ? 0o755 : 0o644);
  }
}

/** The cluster for `requested` when root's server user cannot reach it (the same path every time). */
export function relocatedDataDir(requested: string): string {
  const hash = createHash('sha256').update(resolve(requested)).digest('hex').slice(0, 16);
  return join(reachableScratchBase(), `vipsync-pgdata-${hash}`, basename(requested));
}

/**
 * Where the cluster asked for at `requested` really lives: there, unless we are root and its server
 * user cannot reach it and no cluster is there yet, then at relocatedDataDir(requested). A cluster
 * already at either place stays where it is.
 */
export async function clusterLocation(
  requested: string,
  user: OsUser | undefined,
  log: (msg: string) => void,
): Promise<{ dataDir: string; relocated: boolean }> {
  const stay = { dataDir: requested, relocated: false };
  if (!user || existsSync(join(requested, 'PG_VERSION'))) return stay;
  const relocated = relocatedDataDir(requested);
  if (existsSync(join(relocated, 'PG_VERSION'))) {
    log(`the cluster for ${requested} is in ${relocated} ("${user.name}" could not reach the requested path when it was made)`);
    return { dataDir: relocated, relocated: true };
  }
  const blocked = firstBlockingDirectory(dirname(requested), user);
  if (!blocked) return stay;
  const container = dirname(relocated);
  await mkdir(container, { mode: 0o711 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  assertOwnedByRootOnly(container);
  await chmod(container, 0o711);
  await writeFile(join(container, 'requested-path'), `${requested}\n`);
  log(
    `PostgreSQL runs as the OS user "${user.name}" (we are root), which cannot enter ${blocked.dir} ` +
      `(mode ${blocked.mode.toString(8)}): the cluster for ${requested} goes in ${relocated} instead`,
  );
  return { dataDir: relocated, relocated: true };
}

/** In a world-writable /var/tmp, refuse a directory someone else made: we would run what it holds. */
function assertOwnedByRootOnly(dir: string): void {
  const stats = lstatSync(dir);
  if (!stats.isDirectory() || stats.uid !== 0 || stats.mode & 0o022) {
    throw new Error(
      `${dir} is not a directory owned and writable only by root (someone else may have made it), ` +
        'so vipsync will not use it for PostgreSQL. Remove it and try again.',
    );
  }
}
