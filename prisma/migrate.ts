// Applies prisma/migrations offline, keeping Prisma Migrate's own bookkeeping table so that a later
// `prisma migrate deploy` (on a machine that has Prisma's schema engine) sees every migration
// applied here as already applied: same table, same columns, same sha256 checksum of migration.sql.
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// The advisory lock key Prisma Migrate itself takes, so the two never run at once.
const PRISMA_MIGRATE_LOCK = 72707369;

const BOOKKEEPING_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

async function localMigrations(dir = MIGRATIONS_DIR): Promise<LocalMigration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

async function appliedMigrations(client: pg.Client): Promise<Map<string, { checksum: string; finished: boolean }>> {
  const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
    `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
  );
  return new Map(rows.map((r) => [r.migration_name, { checksum: r.checksum, finished: r.finished_at !== null }]));
}

/** Applies every pending migration in order; returns the names it applied. Safe to run concurrently. */
export async function applyMigrations(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
    await client.query(BOOKKEEPING_TABLE);
    const applied = await appliedMigrations(client);
    const done: string[] = [];
    for (const migration of await localMigrations()) {
      const existing = applied.get(migration.name);
      if (existing && !existing.finished) {
        throw new Error(
          `migration ${migration.name} is recorded as started but never finished in this database; ` +
            'inspect the database, then resolve it with `prisma migrate resolve` before migrating again',
        );
      }
      if (existing) {
        if (existing.checksum !== migration.checksum) {
          log(`warning: migration ${migration.name} was edited after it was applied (checksum differs)`);
        }
        continue;
      }
      const id = randomUUID();
      await client.query('BEGIN');
      try {
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), 0)`,
          [id, migration.checksum, migration.name],
        );
        await client.query(migration.sql);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${migration.name} failed and was rolled back: ${(error as Error).message}`);
      }
      log(`applied migration ${migration.name}`);
      done.push(migration.name);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]).catch(() => {});
    await client.end();
  }
}

/** Which migrations this database has and lacks (for `vipsync doctor` and `db status`). */
export async function migrationStatus(databaseUrl: string): Promise<MigrationStatus> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ exists: boolean }>(
      `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS exists`,
    );
    const applied = rows[0]?.exists ? await appliedMigrations(client) : new Map();
    const local = await localMigrations();
    return {
      applied: local.filter((m) => applied.get(m.name)?.finished).map((m) => m.name),
      pending: local.filter((m) => !applied.get(m.name)?.finished).map((m) => m.name),
    };
  } finally {
    await client.end();
  }
}
