// A local HubSpot CRM API that @hubspot/api-client talks to unchanged (basePath = emulator.url).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hubSpotSectionSchema, parseWithSchema, type Fixture } from './fixture.js';
import { FaultInjector } from './http/faults.js';
import { createEmulatorServer, listen, registerAdminRoutes, type CrmEmulator } from './http/server.js';
import { AUTHENTICATION_MESSAGE, hubSpotError } from './hubspot/errors.js';
import { HubSpotRateLimiter, tenSecondlyLimitBody, type HubSpotRateLimits } from './hubspot/rate-limits.js';
import { registerObjectRoutes } from './hubspot/routes.js';
import { prepareSearchIndexes } from './hubspot/search-indexes.js';
import { HubSpotStore, OBJECT_TYPES, type ObjectType } from './hubspot/store.js';
import { WebhookDeliverer, type WebhookSettings, type WebhookStats } from './hubspot/webhooks.js';

export type { FaultSpec } from './http/faults.js';
export type { HubSpotRateLimits } from './hubspot/rate-limits.js';
export type { WebhookSettings, WebhookStats } from './hubspot/webhooks.js';

export interface HubSpotEmulatorOptions {
  data: Fixture['hubspot'];
  accessToken: string;
  port?: number;
  host?: string;
  /** Limits of a Professional private app by default; `false` switches rate limiting off. */
  rateLimits?: HubSpotRateLimits | false;
  /** Let non-loopback clients use the unauthenticated /__emulator routes. */
  allowRemoteAdmin?: boolean;
  /** The CRM's clock against the machine's, for the times it stamps records with (default 0). */
  clockOffsetMs?: number;
  /**
   * Ten-secondly, secondly and injected 429s carry Retry-After and policyName, for tests of clients
   * that use them. Off by default: recorded real 429s often have neither. The daily 429 always
   * names its policy.
   */
  rateLimitAnswerDetail?: boolean;
  /**
   * Every Nth list or search answer (counting from 1) is an empty page with a cursor, as real
   * portals sometimes answer (hubspot.md, "Behaviours a sync must survive"); following the cursor
   * gives the page the client would otherwise have had. At least 2, or a walk never ends.
   */
  emptyPageEvery?: number;
  /** Webhooks delivered to an app's target URL when records change (off without a target and secret). */
  webhooks?: WebhookSettings;
}

/**
 * The behaviours `setQuirks` changes while the emulator runs. A key left out keeps its value;
 * `emptyPageEvery: undefined` (or null) switches empty pages off, and setting it counts afresh.
 */
export interface HubSpotQuirks {
  rateLimitAnswerDetail?: boolean;
  emptyPageEvery?: number | null;
}

export interface EmulatorStats {
  requests: number;
  searchRequests: number;
  /** Requests for contacts (list, search, archived, batch): the figure that grows with a portal's contacts. */
  contactRequests: number;
  http429: number;
  /** When the last CRM request arrived (epoch ms), null before the first. */
  lastRequestAt: number | null;
}

export interface HubSpotEmulator extends CrmEmulator<Fixture['hubspot'], EmulatorStats> {
  setQuirks(quirks: HubSpotQuirks): void;
  webhooks: {
    configure(settings: WebhookSettings): void;
    stats(): WebhookStats;
    /** Resolves once every event so far was delivered or given up. */
    drained(): Promise<void>;
  };
}

const JSON_CONTENT_TYPE = 'application/json;charset=utf-8';

export async function startHubSpotEmulator(opts: HubSpotEmulatorOptions): Promise<HubSpotEmulator> {
  // Nothing below keeps `opts`: its data is a second copy of every record once loaded (500,000
  // contacts: 576 MB of live heap instead of 767 when kept, and each full garbage collection,
  // which holds every answer, 0.9 s instead of 1.1).
  const { accessToken } = opts;
  const store = new HubSpotStore(opts.clockOffsetMs);
  const webhooks = new WebhookDeliverer();
  if (opts.webhooks) webhooks.configure(opts.webhooks);
  store.onChange = (change) => webhooks.emit({
    subscriptionType: `${change.type === 'contacts' ? 'contact' : 'company'}.${change.action}`, objectId: change.objectId, ...change.fields,
  });
  const load = (data: Fixture['hubspot']) => {
    store.load(data);
    prepareSearchIndexes(store);
  };
  load(opts.data);
  const limiter = new HubSpotRateLimiter(opts.rateLimits);
  const faults = new FaultInjector();
  const quirks = { rateLimitAnswerDetail: opts.rateLimitAnswerDetail ?? false, emptyPageEvery: checkedEmptyPageEvery(opts.emptyPageEvery) };
  let listAndSearchAnswers = 0;
  const answerEmptyPage = () => {
    listAndSearchAnswers++;
    // Taken whatever the count says: an answer that is empty for both reasons is one of the N.
    const injected = faults.takeEmptyPage();
    return injected || (quirks.emptyPageEvery !== undefined && listAndSearchAnswers % quirks.emptyPageEvery === 0);
  };
  const stats: EmulatorStats = { requests: 0, searchRequests: 0, contactRequests: 0, http429: 0, lastRequestAt: null };
  let url = '';

  const app = createEmulatorServer();
  // The SDK refuses to parse a response whose content type it does not recognise.
  app.addHook('onRequest', async (_request, reply) => {
    reply.type(JSON_CONTENT_TYPE);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(hubSpotError('OBJECT_NOT_FOUND', `No route for ${request.method} ${request.url}`));
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    const category = status < 500 ? 'VALIDATION_ERROR' : 'INTERNAL_ERROR';
    reply.code(status).send(hubSpotError(category, error.message));
  });

  registerAdminRoutes(
    app,
    {
      load: (body) => load(parseWithSchema(hubSpotSectionSchema, body, 'PUT /__emulator/data', 'hubspot') as Fixture['hubspot']),
      stats: () => ({ ...stats, companies: store.count('companies'), contacts: store.count('contacts'), webhooks: { ...webhooks.stats } }),
      routes: (admin) => registerRecordCommands(admin, store, webhooks),
    },
    { allowRemoteAdmin: opts.allowRemoteAdmin },
  );

  app.register(async (crm) => {
    // Auth, then injected faults, then rate limits: the order a real request meets them in.
    crm.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      stats.requests++;
      stats.lastRequestAt = Date.now();
      const isSearch = (request.routeOptions.config as { search?: boolean }).search === true;
      if (isSearch) stats.searchRequests++;
      if (request.url.includes('/objects/contacts') || request.url.includes('/associations/contacts/')) stats.contactRequests++;
      if (request.headers.authorization !== `Bearer ${accessToken}`) {
        return reply.code(401).send(hubSpotError('INVALID_AUTHENTICATION', AUTHENTICATION_MESSAGE));
      }
      const failure = await faults.apply(request, reply);
      if (failure?.kind === 'handled') return reply;
      const answerDetail = quirks.rateLimitAnswerDetail;
      if (failure?.kind === 'status429') {
        stats.http429++;
        if (answerDetail) reply.header('retry-after', '1');
        return reply.code(429).send(tenSecondlyLimitBody({ answerDetail }));
      }
      if (failure?.kind === 'status5xx') {
        return reply.code(failure.statusCode).send(hubSpotError('INTERNAL_ERROR', 'Internal error (injected by the emulator).'));
      }
      const decision = isSearch ? limiter.admitSearch({ answerDetail }) : limiter.admitData({ answerDetail });
      reply.headers(decision.headers);
      if (!decision.allowed) {
        stats.http429++;
        return reply.code(429).send(decision.body);
      }
    });
    registerObjectRoutes(crm, { store, baseUrl: () => url, searchRouteConfig: { search: true }, answerEmptyPage });
  });

  url = await listen(app, opts.host, opts.port);
  return {
    url,
    load,
    close: async () => {
      webhooks.close();
      await app.close();
    },
    webhooks: { configure: (settings) => webhooks.configure(settings), stats: () => ({ ...webhooks.stats }), drained: () => webhooks.drained() },
    stats: () => ({ ...stats }),
    faults: (spec) => faults.set(spec),
    setQuirks: (changes) => {
      if ('rateLimitAnswerDetail' in changes) quirks.rateLimitAnswerDetail = changes.rateLimitAnswerDetail ?? false;
      if ('emptyPageEvery' in changes) {
        quirks.emptyPageEvery = checkedEmptyPageEvery(changes.emptyPageEvery);
        listAndSearchAnswers = 0;
      }
    },
  };
}

function objectTypeOf(text: string): ObjectType | undefined {
  return (OBJECT_TYPES as readonly string[]).includes(text) ? (text as ObjectType) : undefined;
}

/**
 * What `vipsync emulator` edits records with (as a person would in HubSpot's UI), and where its
 * webhooks go. Changes made here are delivered as webhooks like those made through the API.
 */
function registerRecordCommands(admin: import('fastify').FastifyInstance, store: HubSpotStore, webhooks: WebhookDeliverer): void {
  admin.put<{ Body: WebhookSettings }>('/__emulator/webhooks', async (request) => {
    webhooks.configure(request.body ?? {});
    return { status: 'configured', enabled: webhooks.enabled };
  });
  admin.post<{ Params: { type: string }; Body: { properties?: Record<string, string | null>; companyIds?: string[] } }>('/__emulator/records/:type', async (request, reply) => {
    const type = objectTypeOf(request.params.type);
    if (!type) return reply.code(400).send({ error: `unknown object type "${request.params.type}": use contacts or companies` });
    return store.create(type, request.body?.properties ?? {}, request.body?.companyIds ?? []);
  });
  // Many edits in one request (a bulk import in HubSpot; the webhook storm of the tests and benchmark).
  admin.patch<{ Params: { type: string }; Body: { edits?: { id: string; properties: Record<string, string | null> }[] } }>('/__emulator/records/:type', async (request, reply) => {
    const type = objectTypeOf(request.params.type);
    if (!type) return reply.code(400).send({ error: `unknown object type "${request.params.type}": use contacts or companies` });
    let edited = 0;
    for (const edit of request.body?.edits ?? []) if (store.update(type, String(edit.id), edit.properties ?? {})) edited++;
    return { edited };
  });
  admin.patch<{ Params: { type: string; id: string }; Body: { properties?: Record<string, string | null> } }>('/__emulator/records/:type/:id', async (request, reply) => {
    const type = objectTypeOf(request.params.type);
    if (!type) return reply.code(400).send({ error: `unknown object type "${request.params.type}": use contacts or companies` });
    const object = store.update(type, request.params.id, request.body?.properties ?? {});
    return object ?? reply.code(404).send({ error: `no live ${type} record ${request.params.id}` });
  });
  admin.delete<{ Params: { type: string; id: string } }>('/__emulator/records/:type/:id', async (request, reply) => {
    const type = objectTypeOf(request.params.type);
    if (!type || !store.archive(type, request.params.id)) return reply.code(404).send({ error: `no live ${request.params.type} record ${request.params.id}` });
    return { status: 'archived' };
  });
  admin.post<{ Params: { type: string; id: string } }>('/__emulator/records/:type/:id/restore', async (request, reply) => {
    const type = objectTypeOf(request.params.type);
    const object = type && store.restore(type, request.params.id);
    return object || reply.code(404).send({ error: `no archived ${request.params.type} record ${request.params.id}` });
  });
  admin.post<{ Params: { type: string; id: string; into: string } }>('/__emulator/records/:type/:id/merge-into/:into', async (request, reply) => {
    const type = objectTypeOf(request.params.type);
    const survivor = type && store.merge(type, request.params.into, request.params.id);
    return survivor || reply.code(400).send({ error: `cannot merge ${request.params.type} ${request.params.id} into ${request.params.into}: both must exist, differ and be live` });
  });
  admin.put<{ Params: { id: string; companyId: string } }>('/__emulator/records/contacts/:id/company/:companyId', async (request, reply) => {
    const contact = store.associate(request.params.id, request.params.companyId);
    return contact ?? reply.code(404).send({ error: `no live contact ${request.params.id} or company ${request.params.companyId}` });
  });
}

function checkedEmptyPageEvery(every: number | null | undefined): number | undefined {
  if (every === undefined || every === null) return undefined;
  if (!Number.isInteger(every) || every < 2) {
    throw new Error(`emptyPageEvery must be a whole number of at least 2 (1 would make every page empty), got ${every}`);
  }
  return every;
}
