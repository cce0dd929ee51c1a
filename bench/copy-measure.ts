// The raw COPY rate of the rows a full sync stored, table by table: what storing costs PostgreSQL
// by itself, in seconds and in the server process's CPU time.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PostgresCluster } from '../cli/stack/postgres.js';
import type { Phase } from './phase.js';
import { processCpuSeconds } from './processes.js';
import type { Log } from './reporting.js';

/** The tables a full sync and its VIP derivation fill, a row per contact or company or person. */
interface CopyMeasure {
  rows: number;
  seconds: number;
  /** CPU seconds of the server process that ran the COPY. */
  cpuSeconds: number;
}

const STORED_TABLES = ['crm_companies', 'crm_contacts', 'vips', 'vip_crm_refs', 'vip_level_changes'] as const;

/**
 * The raw COPY rate of the rows the sync just wrote: each table exported to a file, then loaded
 * by the server into an empty table with the same columns, defaults and indexes. Server-side
 * (superuser, file in the data directory) so no client sits in the measured path. Returns each
 * table's rows, seconds and the server process's CPU seconds; crm_contacts' is the copyRowsPerSec figure.
 */
export async function measureCopy(postgres: PostgresCluster, phase: Phase, log: Log): Promise<Map<string, CopyMeasure>> {
  const { db } = phase;
  const results = new Map<string, CopyMeasure>();
  // The server process serving this connection (PostgreSQL runs on this machine), for its CPU time.
  const { rows: [backend] } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  for (const table of STORED_TABLES) {
    const { rows: columnRows } = await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = $1 AND column_name <> 'id' ORDER BY ordinal_position`,
      [table],
    );
    const columns = columnRows.map((r) => `"${r.column_name}"`).join(', ');
    const file = join(postgres.dataDir, `bench-copy-${table}-${Date.now()}.tsv`);
    try {
      await db.query('DROP TABLE IF EXISTS bench_copy');
      await db.query(`CREATE TABLE bench_copy (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`);
      await db.query(`COPY (SELECT ${columns} FROM ${table}) TO '${file}'`);
      const cpuBefore = processCpuSeconds(backend!.pid);
      const startedAt = process.hrtime.bigint();
      const result = await db.query(`COPY bench_copy (${columns}) FROM '${file}'`);
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const cpuSeconds = processCpuSeconds(backend!.pid) - cpuBefore;
      const rows = result.rowCount ?? 0;
      log(`${phase.label}: COPY of ${rows.toLocaleString('en-US')} ${table} rows in ${seconds.toFixed(2)} s (${Math.round(rows / seconds).toLocaleString('en-US')} rows/s), ${cpuSeconds.toFixed(2)} CPU s`);
      results.set(table, { rows, seconds, cpuSeconds });
    } finally {
      await db.query('DROP TABLE IF EXISTS bench_copy').catch(() => {});
      await rm(file, { force: true });
    }
  }
  return results;
}
