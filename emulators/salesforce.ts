// A local Salesforce (OAuth2 token endpoint + REST data API) that jsforce talks to unchanged
// (oauth2.loginUrl = emulator.url; the token response points instance_url back here).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseWithSchema, salesforceSectionSchema, type Fixture } from './fixture.js';
import { FaultInjector } from './http/faults.js';
import { createEmulatorServer, listen, registerAdminRoutes, type CrmEmulator } from './http/server.js';
import { SalesforceApiError } from './salesforce/errors.js';
import { ChangeEventBus } from './salesforce/event-bus.js';
import { startPubSubServer, type PubSubServer } from './salesforce/pubsub-server.js';
import { ORG_ID, TokenIssuer } from './salesforce/oauth.js';
import { QueryCursors } from './salesforce/query-cursors.js';
import { prepareKeysetOrderings } from './salesforce/query-engine.js';
import { registerDataRoutes } from './salesforce/routes.js';
import { batchLength, checkedShortBatches, type ShortBatches } from './salesforce/short-batches.js';
import { SalesforceStore } from './salesforce/store.js';

export type { FaultSpec } from './http/faults.js';
export type { ShortBatches } from './salesforce/short-batches.js';

export interface SalesforceEmulatorOptions {
  data: Fixture['salesforce'];
  clientId: string;
  clientSecret: string;
  port?: number;
  host?: string;
  /** Access tokens stop working after this long (default: never). */
  tokenTtlSeconds?: number;
  /** Records per query batch when the client sends no Sforce-Query-Options (default 2000). */
  batchSize?: number;
  /** API calls allowed before REQUEST_LIMIT_EXCEEDED (default 1,000,000 so tests never hit it by accident). */
  dailyApiLimit?: number;
  /** Let non-loopback clients use the unauthenticated /__emulator routes. */
  allowRemoteAdmin?: boolean;
  /** The CRM's clock against the machine's, for the times it stamps records with (default 0). */
  clockOffsetMs?: number;
  /**
   * Query batches answer fewer rows than the batch size, with done:false and a nextRecordsUrl
   * while rows remain, as Salesforce may: at most `rows` each, or a seeded random 1..batch size.
   */
  shortBatches?: ShortBatches;
  /**
   * The Pub/Sub API (gRPC, Change Data Capture of Account and Contact) on a port of its own: on by
   * default; false leaves it out. `retentionMs` (default 72 h) is how long events stay replayable;
   * `keepaliveMs` (default 270 s) how long a subscription waits before an empty FetchResponse.
   */
  pubSub?: false | { port?: number; retentionMs?: number; keepaliveMs?: number };
}

/** The Change Data Capture side of the emulator, for tests and the demo. */
export interface SalesforceChangeEvents {
  /** host:port of the Pub/Sub API (plaintext gRPC). */
  endpoint: string;
  /** Events older than this are purged (and their replay ids answered as invalid). */
  setRetention(ms: number): void;
  /** Publishes a gap event (GAP_UPDATE by default) for a record, as Salesforce does when it cannot make a change event. */
  publishGap(type: 'Account' | 'Contact', recordId: string, changeType?: 'GAP_CREATE' | 'GAP_UPDATE' | 'GAP_DELETE' | 'GAP_UNDELETE' | 'GAP_OVERFLOW'): void;
  /** Ends every open subscription with UNAVAILABLE. */
  dropSubscriptions(): void;
  /** Open Subscribe streams. */
  subscriptions(): number;
  /** The organization id the tenantid header must carry. */
  orgId: string;
}

/** The behaviours `setQuirks` changes while the emulator runs; a key left out keeps its value. */
export interface SalesforceQuirks {
  /** undefined or null switches short batches off. */
  shortBatches?: ShortBatches | null;
}

export interface SalesforceStats {
  /** Data API calls received (everything under /services/data/vNN.N, whatever the outcome). */
  requests: number;
  queries: number;
  queryMores: number;
  tokenRequests: number;
  http401: number;
  http429: number;
  /** Calls counted against the daily API limit. */
  apiUsage: number;
}

export interface SalesforceEmulator extends CrmEmulator<Fixture['salesforce'], SalesforceStats> {
  /** Every access token issued so far answers 401 INVALID_SESSION_ID from now on. */
  expireTokens(): void;
  setQuirks(quirks: SalesforceQuirks): void;
  /** The Pub/Sub API, unless started with `pubSub: false`. */
  changeEvents: SalesforceChangeEvents | null;
  /** Creates, edits and deletes records as the org's users do (each one a change event). */
  records: Pick<SalesforceStore, 'create' | 'update' | 'delete' | 'get'>;
}

const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';
const DEFAULT_DAILY_API_LIMIT = 1_000_000;
const API_VERSION = /^v\d+\.\d+$/;

export async function startSalesforceEmulator(opts: SalesforceEmulatorOptions): Promise<SalesforceEmulator> {
  const store = new SalesforceStore(opts.clockOffsetMs);
  const cursors = new QueryCursors();
  const load = (data: Fixture['salesforce']) => {
    store.load(data);
    prepareKeysetOrderings(store);
    cursors.clear();
  };
  load(opts.data);
  const bus = new ChangeEventBus(opts.pubSub ? opts.pubSub.retentionMs : undefined);
  store.onChange((change) => bus.publish(change));
  // Nothing below keeps `opts` (its data is a second copy of every row once loaded).
  const tokens = new TokenIssuer({ clientId: opts.clientId, clientSecret: opts.clientSecret }, opts.tokenTtlSeconds);
  const batchSize = opts.batchSize ?? 2000;
  let shortBatches = checkedShortBatches(opts.shortBatches);
  const faults = new FaultInjector();
  const dailyApiLimit = opts.dailyApiLimit ?? DEFAULT_DAILY_API_LIMIT;
  const stats: SalesforceStats = { requests: 0, queries: 0, queryMores: 0, tokenRequests: 0, http401: 0, http429: 0, apiUsage: 0 };
  let url = '';

  const app = createEmulatorServer();
  app.addHook('onRequest', async (_request, reply) => {
    reply.type(JSON_CONTENT_TYPE);
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send(new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist').toBody());
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    if (error instanceof SalesforceApiError) return reply.code(error.statusCode).send(error.toBody());
    if (error.statusCode && error.statusCode < 500) {
      return reply.code(error.statusCode).send([{ message: error.message, errorCode: 'JSON_PARSER_ERROR' }]);
    }
    return reply.code(500).send([{ message: error.message, errorCode: 'UNKNOWN_EXCEPTION' }]);
  });

  registerAdminRoutes(
    app,
    {
      load: (body) => load(parseWithSchema(salesforceSectionSchema, body, 'PUT /__emulator/data', 'salesforce') as Fixture['salesforce']),
      stats: () => ({ ...stats, accounts: store.count('Account'), contacts: store.count('Contact') }),
    },
    { allowRemoteAdmin: opts.allowRemoteAdmin },
  );

  app.post<{ Body: Record<string, string | undefined> }>('/services/oauth2/token', async (request, reply) => {
    stats.tokenRequests++;
    const { status, body } = tokens.grant(request.body ?? {}, url);
    return reply.code(status).send(body);
  });

  app.get('/services/data', async () =>
    ['58.0', '59.0', '60.0', '61.0', '62.0', '63.0', '64.0'].map((version) => ({ version, url: `/services/data/v${version}` })),
  );

  app.register(async (data) => {
    // Version, auth, injected faults, then the org's API budget: the order a real request meets them in.
    data.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      stats.requests++;
      const version = (request.params as { version?: string }).version ?? '';
      if (!API_VERSION.test(version)) {
        return reply.code(404).send(new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist').toBody());
      }
      if (!tokens.isValid(request.headers.authorization)) {
        stats.http401++;
        return reply.code(401).send(new SalesforceApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid').toBody());
      }
      const failure = await faults.apply(request, reply);
      if (failure?.kind === 'handled') return reply;
      if (failure?.kind === 'status429') {
        stats.http429++;
        return reply.code(429).send([{ message: 'Too many requests (injected by the emulator).', errorCode: 'TOO_MANY_REQUESTS' }]);
      }
      if (failure?.kind === 'status5xx') {
        return reply.code(failure.statusCode).send([{ message: 'Server unavailable (injected by the emulator).', errorCode: 'SERVER_UNAVAILABLE' }]);
      }
      if (stats.apiUsage >= dailyApiLimit) {
        return reply.code(403).send(new SalesforceApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.').toBody());
      }
      stats.apiUsage++;
      reply.header('sforce-limit-info', `api-usage=${stats.apiUsage}/${dailyApiLimit}`);
    });
    registerDataRoutes(data, {
      store,
      cursors,
      defaultBatchSize: batchSize,
      batchLength: (size, offset) => batchLength(shortBatches, size, offset),
      limits: () => ({ max: dailyApiLimit, remaining: Math.max(0, dailyApiLimit - stats.apiUsage) }),
      onQuery: (kind) => (kind === 'query' ? stats.queries++ : stats.queryMores++),
    });
  });

  url = await listen(app, opts.host, opts.port);
  let pubSub: PubSubServer | null = null;
  if (opts.pubSub !== false) {
    try {
      pubSub = await startPubSubServer({
        store, bus, tokens, instanceUrl: () => url, host: opts.host, port: opts.pubSub?.port, keepaliveMs: opts.pubSub?.keepaliveMs,
      });
    } catch (error) {
      await app.close();
      throw error;
    }
  }
  const records = {
    create: store.create.bind(store),
    update: store.update.bind(store),
    delete: store.delete.bind(store),
    get: store.get.bind(store),
  };
  return {
    url,
    load,
    records,
    changeEvents: pubSub && {
      endpoint: pubSub.endpoint,
      orgId: ORG_ID,
      setRetention: (ms) => bus.setRetention(ms),
      publishGap: (type, recordId, changeType = 'GAP_UPDATE') => {
        const record = store.get(type, recordId);
        bus.publish({ type, changeType: 'UPDATE', recordId: String(record?.fields.Id ?? recordId), changedFields: [], fields: {}, at: Date.now() }, changeType);
      },
      dropSubscriptions: () => pubSub!.dropSubscriptions(),
      subscriptions: () => pubSub!.subscriptions(),
    },
    close: async () => {
      await pubSub?.close();
      await app.close();
    },
    stats: () => ({ ...stats }),
    faults: (spec) => faults.set(spec),
    expireTokens: () => tokens.expireAll(),
    setQuirks: (changes) => {
      if ('shortBatches' in changes) shortBatches = checkedShortBatches(changes.shortBatches);
    },
  };
}
