// Process wiring for `vipsync serve` (and the tests and benchmark that start the same server):
// database, change feed, cached lookup, batched audit, tokens, lazy Temporal client.
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { createAuditWriter, type AuditWriter } from '../db/audit-log.js';
import { TokenVerifier } from '../admin/tokens.js';
import { listenForChanges, type ChangeFeed } from '../db/change-feed.js';
import { createDb, type Db } from '../db/client.js';
import { createLookupService, LookupCache, type LookupService } from '../lookup/service.js';
import { loadLookupConfig, type LookupConfig } from '../lookup/config.js';
import { logger } from '../runtime/logger.js';
import { buildHttpServer } from './http.js';
import type { ConnectionConfig } from '../crm/registry.js';

export interface ApiServerOptions {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  syncTaskQueue: string;
  port: number;
  host?: string;
  lookupConfig?: LookupConfig;
  /** Turn the lookup cache off (for measuring what it buys). */
  cache?: boolean;
  /** Log each request through pino (off by default: it is the hot path). */
  requestLog?: boolean;
  /** Called after each write made through this server, before it is answered (serve --processes). */
  afterWrite?: () => Promise<void>;
  /** The CRM connections, for the push path's webhook receivers. */
  connections?: ConnectionConfig[];
}

export interface ApiServer {
  url: string;
  app: FastifyInstance;
  db: Db;
  audit: AuditWriter;
  lookup: LookupService;
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const db = createDb(opts.databaseUrl, { maxConnections: 10 });
  let feed: ChangeFeed | undefined;
  let connection: Connection | undefined;
  try {
    await db.$queryRaw`SELECT 1`.catch((error: Error) => {
      throw new Error(`cannot reach the database (${error.message}); check DATABASE_URL`);
    });
    feed = await listenForChanges(opts.databaseUrl, { log: (m) => logger.warn(m) });
    const audit = createAuditWriter(db);
    const lookup = createLookupService({
      db, audit, config: opts.lookupConfig ?? loadLookupConfig(), cache: opts.cache === false ? undefined : new LookupCache(feed),
    });
    let temporal: Promise<{ client: Client; syncTaskQueue: string }> | undefined;
    const app = await buildHttpServer({
      db, lookup, tokens: new TokenVerifier(db, feed), logger: opts.requestLog ?? false, afterWrite: opts.afterWrite, connections: opts.connections,
      temporal: () => {
        temporal ??= Connection.connect({ address: opts.temporalAddress, connectTimeout: '5s' }).then(
          (c) => {
            connection = c;
            return { client: new Client({ connection: c, namespace: opts.temporalNamespace }), syncTaskQueue: opts.syncTaskQueue };
          },
          (error: Error) => {
            temporal = undefined; // try again on the next request
            throw new Error(`${opts.temporalAddress}: ${error.message}`);
          },
        );
        return temporal;
      },
    });
    await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : opts.port;
    const openFeed = feed;
    return {
      url: `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${port}`,
      app, db, audit, lookup,
      async close() {
        await app.close();
        await audit.close().catch((error: Error) => logger.error(error.message));
        await openFeed.close();
        await connection?.close();
        await db.$disconnect();
      },
    };
  } catch (error) {
    await feed?.close();
    await db.$disconnect();
    throw error;
  }
}
