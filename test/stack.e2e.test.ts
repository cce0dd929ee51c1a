import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../cli/stack/ports.js';
import { createDatabaseOn, startPostgres, stopPostgresByDataDir } from '../cli/stack/postgres.js';
import { isProcessAlive } from '../cli/stack/processes.js';
import { freshDatabase } from './setup/database.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('freePort', () => {
  it('returns a port nothing is listening on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await acceptsConnections(port)).toBe(false);
  });
});

describe('startPostgres', () => {
  // mkdtemp makes a 0700 directory; as root, Postgres runs as `postgres` and must be able to enter it.
  const scratch = mkdtemp(join(tmpdir(), 'vipsync-stack-test-')).then(async (dir) => (await chmod(dir, 0o711), dir));
  afterAll(async () => rm(await scratch, { recursive: true, force: true }));

  it('initialises a cluster whose databases can be created and queried, and stop() leaves nothing behind', async () => {
    const dataDir = join(await scratch, 'nested', 'pg');
    const cluster = await startPostgres({ dataDir });
    expect(cluster.url).toBe(`postgresql://postgres@127.0.0.1:${cluster.port}/postgres`);

    const url = await cluster.createDatabase('stack_test');
    expect(url).toBe(`postgresql://postgres@127.0.0.1:${cluster.port}/stack_test`);
    await query(url, 'create table contact (email text primary key)');
    await query(url, "insert into contact values ('ada@example.com')");
    expect(await query(url, 'select email, current_database() as db from contact')).toEqual([
      { email: 'ada@example.com', db: 'stack_test' },
    ]);
    const [encoding] = await query<{ server_encoding: string }>(url, 'show server_encoding');
    expect(encoding?.server_encoding).toBe('UTF8');

    await cluster.stop();
    expect(isProcessAlive(cluster.pid)).toBe(false);
    expect(await acceptsConnections(cluster.port)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('with keepData, restarts on the same data and can be stopped by data directory after its owner is gone', async () => {
    const dataDir = join(await scratch, 'kept');
    const first = await startPostgres({ dataDir, keepData: true });
    await first.createDatabase('survives_restart');
    await first.stop();
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);

    // Stands in for a `dev up` process that crashed without stopping its cluster.
    const second = await startPostgres({ dataDir, keepData: true, stopWithParent: false });
    const names = await query<{ datname: string }>(second.url, 'select datname from pg_database');
    expect(names.map((row) => row.datname)).toContain('survives_restart');

    expect(await stopPostgresByDataDir(dataDir)).toBe(true);
    expect(isProcessAlive(second.pid)).toBe(false);
    expect(await stopPostgresByDataDir(dataDir)).toBe(false);
    await second.stop(); // already stopped: must not throw
  });

  // A new cluster the postgres user cannot reach is placed elsewhere (postgres-embedded.e2e.test.ts); an existing one is not moved.
  it.runIf(process.getuid?.() === 0)('as root, explains when the postgres user cannot reach an existing cluster', async () => {
    const locked = join(await scratch, 'locked');
    await mkdir(locked, { mode: 0o711 });
    await (await startPostgres({ dataDir: join(locked, 'pg'), keepData: true })).stop();
    await chmod(locked, 0o700);
    await expect(startPostgres({ dataDir: join(locked, 'pg') })).rejects.toThrow(/cannot enter .*locked.*chmod o\+x/s);
  });
});

describe('the shared test stack', () => {
  it('freshDatabase gives each caller its own empty database on the shared cluster', async () => {
    const [a, b] = await Promise.all([freshDatabase('Stack Test'), freshDatabase('Stack Test')]);
    expect(a).not.toBe(b);
    expect(a!.startsWith(inject('pgUrl').replace(/\/postgres$/, '/stack_test_'))).toBe(true);
    const tables = await query(a!, "select 1 from information_schema.tables where table_schema = 'public'");
    expect(tables).toEqual([]);
  });

  it('has a Temporal dev server answering on the provided address with the default namespace', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const { namespaces } = await connection.workflowService.listNamespaces({});
      expect(namespaces.map((ns) => ns.namespaceInfo?.name)).toContain('default');
      const described = await connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(described.namespaceInfo?.name).toBe('default');
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^\d+\.\d+/);
    } finally {
      await connection.close();
    }
  });

  it('refuses database names that would need quoting', async () => {
    await expect(createDatabaseOn(inject('pgUrl'), 'Robert"; drop')).rejects.toThrow(/invalid database name/);
  });
});
