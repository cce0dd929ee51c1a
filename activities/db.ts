// The one way the project talks to Postgres: a Prisma client over the pg driver adapter, and, on
// the same connection pool, plain SQL transactions for the sync's bulk writes (Prisma's query
// layer costs more than the write itself for batches of thousands of rows).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../prisma/generated/client.js';
import { logger } from '../worker/logger.js';

export type Db = PrismaClient;
export { Prisma } from '../prisma/generated/client.js';

/** What bulk writers get: one connection inside an open transaction. */
export interface Sql {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

const pools = new WeakMap<Db, pg.Pool>();

export function createDb(databaseUrl: string, opts: { maxConnections?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.maxConnections ?? 10, allowExitOnIdle: true });
  // An idle connection that dies (Postgres restarting, a network cut) is dropped by the pool and
  // replaced on the next checkout; without a listener its error would crash the process.
  pool.on('error', (error) => logger.warn({ error: error.message }, 'database: an idle connection closed; it will be replaced'));
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(db, pool);
  return db;
}

/**
 * Runs `fn` holding a Postgres session advisory lock (on a connection of its own), so work that
 * spans many transactions is done by one process at a time. A connection that dies releases it.
 */
export async function withSessionLock<T>(db: Db, key: string, fn: () => Promise<T>): Promise<T> {
  const pool = pools.get(db);
  if (!pool) throw new Error('withSessionLock needs a client made by createDb');
  const client = await pool.connect();
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {
        broken = true;
      });
    }
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** One plain SQL statement on `db`'s pool, for hot paths where Prisma's query layer costs more than the query. */
export async function plainQuery<R extends pg.QueryResultRow>(db: Db, text: string, values?: unknown[]): Promise<R[]> {
  const pool = pools.get(db);
  if (!pool) throw new Error('plainQuery needs a client made by createDb');
  return (await pool.query<R>(text, values)).rows;
}

/** Runs `fn` in one transaction on a connection of `db`'s pool: all of it commits, or none. */
export async function bulkTransaction<T>(db: Db, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const pool = pools.get(db);
  if (!pool) throw new Error('bulkTransaction needs a client made by createDb');
  const client = await pool.connect();
  let broken = false;
  // The connection may die between two statements; the statement in flight fails with it, and
  // the connection must not go back to the pool.
  const onConnectionError = () => {
    broken = true;
  };
  client.on('error', onConnectionError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.off('error', onConnectionError);
    // A connection that could not even roll back is not handed out again.
    client.release(broken);
  }
}
