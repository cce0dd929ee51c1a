// HubSpot's calls under its limits: each list, search and association read goes through the API
// budget, its limit's pacer and callWithRetry; the answers' rate-limit headers tune pacer and budget.
import type { Client } from '@hubspot/api-client';
import type { ApiBudget } from '../budget.js';
import type { Pacer } from '../pacer.js';
import { callWithRetry, type FailureVerdict } from '../retry.js';
import type { CrmCallStats, CrmObjectType } from '../types.js';
import { PROPERTIES, searchRequest, type HubSpotObject, type SearchFilter } from './mappers.js';

export const LIST_PAGE_SIZE = 100;
/** HubSpot's "Primary" contact-to-company association type. */
const PRIMARY_COMPANY_TYPE_ID = 1;

export interface HubSpotPage {
  results: HubSpotObject[];
  paging?: { next?: { after?: string } };
}

function isDailyLimitAnswer(error: unknown): boolean {
  const e = error as { code?: unknown; body?: { policyName?: string } };
  return e.code === 429 && e.body?.policyName === 'DAILY';
}

/** The SDK's ApiException carries the HTTP status as `code`, the parsed body and the headers. */
export function classifyHubSpotFailure(error: unknown): FailureVerdict {
  const e = error as { code?: unknown; body?: { message?: string; category?: string }; headers?: Record<string, string> };
  const status = typeof e.code === 'number' ? e.code : undefined;
  const detail = e.body?.message ?? (error instanceof Error ? error.message.slice(0, 300) : String(error));
  if (status === 401) {
    return { kind: 'configuration', message: `HubSpot rejected the access token (401: ${detail}); create a new private app token and set it for this connection` };
  }
  if (status === 403) {
    return { kind: 'configuration', message: `HubSpot denied access (403: ${detail}); give the private app the crm.objects.contacts.read and crm.objects.companies.read scopes` };
  }
  if (isDailyLimitAnswer(error)) {
    // Retrying today cannot help; the budget counts the day as used up and holds further calls back.
    return { kind: 'fatal', rateLimited: true, message: `HubSpot's daily API limit is used up (429: ${detail})` };
  }
  if (status === 429) {
    const retryAfter = Number(e.headers?.['retry-after']);
    return {
      kind: 'retry',
      rateLimited: true,
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000,
      message: `rate limited (429: ${detail})`,
    };
  }
  if (status === undefined || status >= 500) return { kind: 'retry', message: `HubSpot unavailable (${status ?? 'network'}: ${detail})` };
  return { kind: 'fatal', message: `HubSpot refused the request (${status}: ${detail})` };
}

/**
 * The SDK's per-call options (each API module has its own copy of the middleware types, all of
 * this shape). Its middleware sees the answer once status and headers are in, before the body is
 * read; "append" keeps the SDK's own middleware.
 */
type SdkCallOptions = {
  middleware: { pre: <C>(context: C) => Promise<C>; post: <C>(context: C) => Promise<C> }[];
  middlewareMergeStrategy: 'append';
};

function answeredAtHeaders(answered: () => void): SdkCallOptions {
  return {
    middleware: [{
      pre: (context) => Promise.resolve(context),
      post: (context) => {
        answered();
        return Promise.resolve(context);
      },
    }],
    middlewareMergeStrategy: 'append',
  };
}

/** What the transport calls through: made from the connection's configuration by createHubSpotClient. */
export interface HubSpotTransportParts {
  connectionId: string;
  /** The SDK client, its own retries switched off. */
  sdk: Client;
  /** HubSpot's ten-second limit (every call but search). */
  dataPacer: Pacer;
  /** Search's own limit, per second. */
  searchPacer: Pacer;
  budget: ApiBudget;
}

export interface HubSpotTransport {
  /** Calls made since the transport was made; read, not changed, outside it. */
  readonly stats: CrmCallStats;
  /** The ten-second limit's pacer: a split page's list side keeps to its steady rate. */
  readonly dataPacer: Pacer;
  list(type: CrmObjectType, after: string | null, archived: boolean, signal?: AbortSignal): Promise<HubSpotPage>;
  search(
    type: CrmObjectType, groups: SearchFilter[][], sortProperty: string, after: number,
    direction?: 'ASCENDING' | 'DESCENDING', signal?: AbortSignal,
  ): Promise<HubSpotPage>;
  companiesOf(contactIds: string[]): Promise<Map<string, { id: string; primary: boolean }>>;
  /** Up to BATCH_READ_SIZE records by id (live, or archived ones); ids not found are left out. */
  batchRead(type: CrmObjectType, ids: string[], archived: boolean): Promise<HubSpotObject[]>;
}

/** The batch read API takes up to 100 ids a call. */
export const BATCH_READ_SIZE = 100;

export function createHubSpotTransport({ connectionId, sdk, dataPacer, searchPacer, budget }: HubSpotTransportParts): HubSpotTransport {
  const stats: CrmCallStats = { apiCalls: 0, tokenRequests: 0, http429: 0, retries: 0 };
  /** `fn` gets the SDK's per-call options, whose middleware tells the pacer when the answer's headers are in. */
  const call = async <T>(what: string, pacer: Pacer, fn: (options: SdkCallOptions) => Promise<T>, signal?: AbortSignal) => {
    budget.check();
    try {
      return await callWithRetry((answered) => fn(answeredAtHeaders(answered)), { connectionId, what, stats, classify: classifyHubSpotFailure, pacer, signal });
    } catch (error) {
      if (isDailyLimitAnswer(error)) budget.usedUp();
      throw error;
    }
  };

  const api = (type: CrmObjectType) => (type === 'contacts' ? sdk.crm.contacts : sdk.crm.companies);

  /**
   * The ten-second window and the day as HubSpot counts them (every app of the account shares
   * them), after each answer that says (search answers do not).
   */
  const observeLimits = (headers: Record<string, string> | undefined) => {
    const count = (name: string) => {
      const raw = headers?.[name];
      return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
    };
    if (count('x-hubspot-ratelimit-interval-milliseconds') === 10_000) {
      dataPacer.observe({ limit: count('x-hubspot-ratelimit-max'), remaining: count('x-hubspot-ratelimit-remaining') });
    }
    const daily = count('x-hubspot-ratelimit-daily');
    const dailyRemaining = count('x-hubspot-ratelimit-daily-remaining');
    if (daily !== undefined && dailyRemaining !== undefined) budget.observe(Math.max(0, daily - dailyRemaining), daily);
  };

  /** A call under the ten-second limit; its answer (or error) says how the window and the day stand. */
  function dataCall<T>(
    what: string, request: (options: SdkCallOptions) => Promise<{ headers: Record<string, string>; data: T }>, signal?: AbortSignal,
  ): Promise<T> {
    return call(what, dataPacer, async (options) => {
      try {
        const answer = await request(options);
        observeLimits(answer.headers);
        return answer.data;
      } catch (error) {
        observeLimits((error as { headers?: Record<string, string> }).headers);
        throw error;
      }
    }, signal);
  }

  async function list(type: CrmObjectType, after: string | null, archived: boolean, signal?: AbortSignal): Promise<HubSpotPage> {
    return dataCall(`list ${archived ? 'archived ' : ''}${type}`, (options) => api(type).basicApi.getPageWithHttpInfo(
      LIST_PAGE_SIZE, after ?? undefined, archived ? ['hs_object_id'] : PROPERTIES[type], undefined,
      type === 'contacts' && !archived ? ['companies'] : undefined, archived, options,
    ), signal) as Promise<HubSpotPage>;
  }

  async function search(
    type: CrmObjectType, groups: SearchFilter[][], sortProperty: string, after: number,
    direction: 'ASCENDING' | 'DESCENDING' = 'ASCENDING', signal?: AbortSignal,
  ): Promise<HubSpotPage> {
    const request = searchRequest(type, groups, sortProperty, after, direction);
    return call(`search ${type}`, searchPacer, (options) =>
      api(type).searchApi.doSearch(request as Parameters<ReturnType<typeof api>['searchApi']['doSearch']>[0], options),
    signal) as Promise<HubSpotPage>;
  }

  /**
   * Each contact's primary company (else its first), up to 1,000 contacts a call. Contacts without
   * one come back as errors (NO_ASSOCIATIONS_FOUND) in a 207 answer: they have none.
   */
  async function companiesOf(contactIds: string[]): Promise<Map<string, { id: string; primary: boolean }>> {
    const companies = new Map<string, { id: string; primary: boolean }>();
    if (contactIds.length === 0) return companies;
    const answer = await dataCall('read contacts\' companies', (options) => sdk.crm.associations.v4.batchApi.getPageWithHttpInfo(
      'contacts', 'companies', { inputs: contactIds.map((id) => ({ id })) }, options,
    ));
    for (const result of answer.results) {
      const primary = result.to.find((to) => to.associationTypes.some((t) => t.typeId === PRIMARY_COMPANY_TYPE_ID));
      const company = primary ?? result.to[0];
      if (company) companies.set(result._from.id, { id: String(company.toObjectId), primary: primary !== undefined });
    }
    return companies;
  }

  async function batchRead(type: CrmObjectType, ids: string[], archived: boolean): Promise<HubSpotObject[]> {
    if (ids.length === 0) return [];
    // A 207 answer (some ids not found) is an answer, not a failure: its results are the ids found.
    const answer = await dataCall(`read ${archived ? 'archived ' : ''}${type} by id`, (options) => api(type).batchApi.readWithHttpInfo(
      { inputs: ids.map((id) => ({ id })), properties: archived ? ['hs_object_id'] : PROPERTIES[type], propertiesWithHistory: [] },
      archived, options,
    ));
    return answer.results as unknown as HubSpotObject[];
  }

  return { stats, dataPacer, list, search, companiesOf, batchRead };
}
