// The one way the project talks to Postgres: a Prisma client over the pg driver adapter, and, on
// the same connection pool, plain SQL transactions for the sync's bulk writes (Prisma's query
// layer costs more than the write itself for batches of thousands of rows).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../prisma/generated/client.js';
import { logger } from '../runtime/logger.js';

export type Db = PrismaClient;
export { Prisma } from '../prisma/generated/client.js';

/** One connection: inside an open transaction for bulk writers, in autocommit under a session lock. */
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

function poolOf(db: Db, what: string): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error(`${what} needs a client made by createDb`);
  return pool;
}

/**
 * Runs `fn` on a connection of its own from `db`'s pool. The connection may die between two
 * statements (the statement in flight fails with it); such a connection, or one `fn` marks broken,
 * is not handed out again.
 */
async function withConnection<T>(db: Db, what: string, fn: (client: pg.PoolClient, markBroken: () => void) => Promise<T>): Promise<T> {
  const client = await poolOf(db, what).connect();
  let broken = false;
  const markBroken = () => {
    broken = true;
  };
  client.on('error', markBroken);
  try {
    return await fn(client, markBroken);
  } finally {
    client.off('error', markBroken);
    client.release(broken);
  }
}

/**
 * Runs `fn` holding a Postgres session advisory lock (on a connection of its own), so work that
 * spans many transactions is done by one process at a time. A connection that dies releases it.
 * `fn` may use the lock's connection (outside any transaction) for statements of its own.
 */
export async function withSessionLock<T>(db: Db, key: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return withConnection(db, 'withSessionLock', async (client, markBroken) => {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    try {
      return await fn(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(markBroken);
    }
  });
}

/** One plain SQL statement on `db`'s pool, for hot paths where Prisma's query layer costs more than the query. */
export async function plainQuery<R extends pg.QueryResultRow>(db: Db, text: string, values?: unknown[]): Promise<R[]> {
  return (await poolOf(db, 'plainQuery').query<R>(text, values)).rows;
}

/**
 * Runs `fn` in one transaction on a connection of `db`'s pool: all of it commits, or none.
 * Without JIT compilation: a batch's statements take their rows from arrays of thousands of keys,
 * which the planner can only guess at (worst on tables a sync has just filled, before their
 * statistics exist), and a guess above jit_above_cost made Postgres compile the statement each
 * time: ~400 ms of a derivation batch whose work took ~50 ms.
 */
export async function bulkTransaction<T>(db: Db, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return withConnection(db, 'bulkTransaction', async (client, markBroken) => {
    try {
      await client.query('BEGIN; SET LOCAL jit = off');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that could not even roll back is not handed out again.
      await client.query('ROLLBACK').catch(markBroken);
      throw error;
    }
  });
}
