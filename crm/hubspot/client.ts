// HubSpot through the official SDK (@hubspot/api-client), CRM v3 objects API.
//
// A full walk of contacts reads the id range from both ends at once, under both of HubSpot's
// limits: the list API from the lowest id up (associations inline, 100 a call, under the
// ten-second limit) and search from the highest id down (200 a call, under search's own limit,
// their companies read 1,000 contacts a call while the list goes on), until the two meet; then
// the archived ones. Every other walk (companies' full walks, all incremental walks) searches by last-modified
// time, 200 a call, from the start of time or from a watermark, then lists archived records
// (archiving does not move the last-modified time, so search cannot see it).
//
// Search pages by key, never by offset: each query starts at the last instant read, leaving out the
// ids already read at it, so a record modified while a walk runs (it moves to the end of the order)
// cannot shift an unread one behind an offset already passed, and no query comes near search's cap
// of 10,000 results.
import { Client } from '@hubspot/api-client';
import type { HubSpotConnectionConfig } from './config.js';
import { ApiBudget } from '../budget.js';
import { Pacer } from '../pacer.js';
import { callWithRetry, type FailureVerdict } from '../retry.js';
import type {
  CrmCallStats, CrmClient, CrmCompanyRecord, CrmContactRecord, CrmDeletion, CrmObjectType, CrmRecord, CrmWalkPage,
} from '../types.js';

export const LIST_PAGE_SIZE = 100;
export const SEARCH_PAGE_SIZE = 200;
/**
 * The most ids a search leaves out with NOT_IN: those already read at the instant the next query
 * starts from. More than this many read at one instant, and the walk goes through it by id.
 */
export const MAX_EXCLUDED_IDS = 100;
/**
 * Searches of a full contacts walk per page: their 1,000 contacts' companies are one association
 * call. The list side of the page goes on while they run, up to LIST_CALLS_PER_PAGE calls: 45 so
 * it is not left idle while the companies' walk takes half of search's calls and a page's
 * searches take twice as long (the 1M benchmark's rate-limited phase with a call trace: with 30,
 * 125-155 of the 190 calls per ten seconds while the companies were walked; with 45, 181-188).
 */
export const SPLIT_SEARCHES_PER_PAGE = 5;
export const LIST_CALLS_PER_PAGE = 45;
/**
 * The list side keeps within this many calls per search answered (the one in flight counted), or
 * within the ten-second limit's steady rate since the page began, whichever allows more. So it
 * cannot spend a burst of the window's room while search waits (the start of a walk): ahead of the
 * steady rate it makes at most 6 list calls per search, which with the search and a fifth of an
 * association call is 9.0 calls per 1,000 contacts (a 10k walk without the rule: 10.3-10.7). And
 * it keeps up with the limit when search is slow (while the companies' walk takes half of
 * search's calls). Held to the data limit, the list side makes ~4 calls per search.
 */
export const LIST_CALLS_PER_SEARCH = 6;
/** HubSpot's "Primary" contact-to-company association type. */
const PRIMARY_COMPANY_TYPE_ID = 1;
/**
 * How a v3 answer's inline associations label a contact's primary company. The answer lists a
 * company once per label: the primary as `contact_to_company` and again as
 * `contact_to_company_unlabeled`, other companies only unlabeled, in no documented order
 * (recorded real answers, NangoHQ/integration-templates).
 */
const PRIMARY_COMPANY_LABEL = 'contact_to_company';

/**
 * The contact's primary company: the inline association labelled primary, else the
 * `associatedcompanyid` property (HubSpot keeps the primary company's id there), else the only
 * or first company linked.
 */
export function primaryCompanyId(o: HubSpotObject): string | null {
  const links = o.associations?.companies?.results ?? [];
  return links.find((link) => link.type === PRIMARY_COMPANY_LABEL)?.id ?? text(o.properties.associatedcompanyid) ?? links[0]?.id ?? null;
}

export const COMPANY_PROPERTIES = [
  'name', 'domain', 'industry', 'numberofemployees', 'annualrevenue', 'type', 'hubspot_owner_id',
  'hs_lastmodifieddate', 'hs_merged_object_ids',
];

export const CONTACT_PROPERTIES = [
  'email', 'firstname', 'lastname', 'jobtitle', 'phone', 'mobilephone', 'hubspot_owner_id', 'vip_level',
  'lastmodifieddate', 'associatedcompanyid', 'hs_email_hard_bounce_reason_enum', 'hs_email_bad_address',
  'hs_merged_object_ids',
];

const PROPERTIES: Record<CrmObjectType, string[]> = { companies: COMPANY_PROPERTIES, contacts: CONTACT_PROPERTIES };
export const LAST_MODIFIED: Record<CrmObjectType, string> = { companies: 'hs_lastmodifieddate', contacts: 'lastmodifieddate' };

/** Where a walk stands; serialised into the opaque position string. */
export type HubSpotPosition =
  | { phase: 'list'; after: string | null }
  /**
   * Both ends of the id range: the list has read every id up to `low` (and goes on at `after`),
   * search every id from `high` up (null: nothing read yet from that end).
   */
  | { phase: 'split'; after: string | null; low: string | null; high: string | null }
  /**
   * Records modified at or after `from`. With `seen`: after `from`, or at `from` but not one of
   * `seen` (the ids already read at that instant). `after` is an offset, 0 in the positions this
   * client makes (older versions paged by offset; their stored positions still resume).
   */
  | { phase: 'search'; from: number; after: number; seen?: string[] }
  | { phase: 'tie'; at: number; afterId: string; after?: number }
  | { phase: 'archived'; after: string | null };

export interface SearchFilter {
  propertyName: string;
  operator: 'EQ' | 'GT' | 'GTE' | 'LT' | 'NOT_IN';
  value?: string;
  values?: string[];
}

interface HubSpotObject {
  id: string;
  properties: Record<string, string | null>;
  updatedAt?: Date;
  archivedAt?: Date;
  associations?: Record<string, { results: { id: string; type?: string }[] }>;
}

interface HubSpotPage {
  results: HubSpotObject[];
  paging?: { next?: { after?: string } };
}

/**
 * The body of one search. HubSpot's search reference (2026) allows at most 6 filters a group, 18
 * in all, one sort and 3,000 characters of body; the largest this client sends is the keyset
 * query that leaves out MAX_EXCLUDED_IDS ids already read at one instant (test/hubspot-search-body.test.ts).
 */
export function searchRequest(
  type: CrmObjectType, groups: SearchFilter[][], sortProperty: string, after: number, direction: 'ASCENDING' | 'DESCENDING' = 'ASCENDING',
) {
  return {
    filterGroups: groups.map((filters) => ({ filters })),
    // HubSpot takes sort objects; the SDK's type says string[].
    sorts: [{ propertyName: sortProperty, direction }] as unknown as string[],
    properties: PROPERTIES[type],
    limit: SEARCH_PAGE_SIZE,
    after: String(after),
  };
}

/** The keyset query's filter groups: after `from`, or at `from` but not one of `seen`. */
export function keysetGroups(lastModified: string, from: number, seen: string[] | undefined): SearchFilter[][] {
  return seen
    ? [
      [{ propertyName: lastModified, operator: 'GT', value: String(from) }],
      [
        { propertyName: lastModified, operator: 'EQ', value: String(from) },
        { propertyName: 'hs_object_id', operator: 'NOT_IN', values: seen },
      ],
    ]
    : [[{ propertyName: lastModified, operator: 'GTE', value: String(from) }]];
}

function text(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

function modifiedAt(object: HubSpotObject, property: string): Date | null {
  const raw = object.properties[property];
  if (raw) {
    const date = /^\d+$/.test(raw) ? new Date(Number(raw)) : new Date(raw);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return object.updatedAt ?? null;
}

export function toCompany(o: HubSpotObject): CrmCompanyRecord {
  return {
    crmId: o.id,
    name: text(o.properties.name),
    domain: text(o.properties.domain),
    modifiedAt: modifiedAt(o, 'hs_lastmodifieddate'),
    properties: o.properties,
  };
}

export function toContact(o: HubSpotObject): CrmContactRecord {
  const p = o.properties;
  return {
    crmId: o.id,
    email: text(p.email),
    firstName: text(p.firstname),
    lastName: text(p.lastname),
    title: text(p.jobtitle),
    phone: text(p.phone) ?? text(p.mobilephone),
    companyCrmId: primaryCompanyId(o),
    ownerId: text(p.hubspot_owner_id),
    explicitVipLevel: p.vip_level ?? null,
    modifiedAt: modifiedAt(o, 'lastmodifieddate'),
    properties: p,
  };
}

/** A survivor of a merge names the records merged into it ("12;34"); those ids are gone. */
function mergedAway(objects: HubSpotObject[], type: CrmObjectType): CrmDeletion[] {
  return objects.flatMap((o) =>
    (o.properties.hs_merged_object_ids ?? '')
      .split(';')
      .map((id) => id.trim())
      .filter((id) => id !== '' && id !== o.id)
      .map((id) => ({ crmId: id, kind: 'merged' as const, mergedIntoId: o.id, at: modifiedAt(o, LAST_MODIFIED[type]) })),
  );
}

/** Numeric ids in numeric order, without going through floating point. */
export function idBefore(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a < b;
}

function highWater(records: { modifiedAt: Date | null }[]): Date | null {
  let max: Date | null = null;
  for (const r of records) if (r.modifiedAt && (!max || r.modifiedAt > max)) max = r.modifiedAt;
  return max;
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

export function createHubSpotClient(config: HubSpotConnectionConfig): CrmClient {
  // Retries and pacing are ours, so the SDK's own are switched off.
  const sdk = new Client({ accessToken: config.accessToken, basePath: config.baseUrl, numberOfApiCallRetries: 0 });
  const stats: CrmCallStats = { apiCalls: 0, tokenRequests: 0, http429: 0, retries: 0 };
  const dataPacer = new Pacer({ limit: config.rateLimit.requestsPerTenSeconds, windowMs: 10_000 });
  const searchPacer = new Pacer({ limit: config.rateLimit.searchRequestsPerSecond, windowMs: 1_000 });
  const budget = new ApiBudget(config.id, 'HubSpot account', config.maxApiUsagePercent);
  /** `fn` gets the SDK's per-call options, whose middleware tells the pacer when the answer's headers are in. */
  const call = async <T>(what: string, pacer: Pacer, fn: (options: SdkCallOptions) => Promise<T>, signal?: AbortSignal) => {
    budget.check();
    try {
      return await callWithRetry((answered) => fn(answeredAtHeaders(answered)), { connectionId: config.id, what, stats, classify: classifyHubSpotFailure, pacer, signal });
    } catch (error) {
      if (isDailyLimitAnswer(error)) budget.usedUp();
      throw error;
    }
  };

  const api = (type: CrmObjectType) => (type === 'contacts' ? sdk.crm.contacts : sdk.crm.companies);
  const convert = <T extends CrmObjectType>(type: T, objects: HubSpotObject[]) =>
    objects.map((o) => (type === 'contacts' ? toContact(o) : toCompany(o))) as CrmRecord<T>[];

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

  /**
   * One page of a full contacts walk from both ends of the id range at once: up to
   * SPLIT_SEARCHES_PER_PAGE searches down from `high` (above `low`) and their companies, and list
   * calls up from `low` while they run. Done when the two meet or either end finds nothing more.
   */
  async function splitPage(at: Extract<HubSpotPosition, { phase: 'split' }>) {
    let { after, low, high } = at;
    let met = false;
    const listed: HubSpotObject[] = [];
    const searched: HubSpotObject[] = [];
    const reached = () => low !== null && high !== null && !idBefore(low, high);
    let companies = new Map<string, { id: string; primary: boolean }>();
    // Once the ends meet (or one fails), a call still waiting for room in its window is given up.
    const stop = new AbortController();
    const meet = () => {
      met = true;
      stop.abort();
    };
    const startedAt = Date.now();
    let answered = 0;
    let progressed: (() => void) | null = null;
    const progress = () => {
      progressed?.();
      progressed = null;
    };

    const searchSide = async () => {
      // An offset only while following an empty page's cursor; a page with results moves `high`.
      let offset = 0;
      for (let i = 0; i < SPLIT_SEARCHES_PER_PAGE && !met; i++) {
        const filters: SearchFilter[] = [];
        if (at.low !== null) filters.push({ propertyName: 'hs_object_id', operator: 'GT', value: at.low });
        if (high !== null) filters.push({ propertyName: 'hs_object_id', operator: 'LT', value: high });
        let page: HubSpotPage;
        try {
          page = await search('contacts', filters.length > 0 ? [filters] : [], 'hs_object_id', offset, 'DESCENDING', stop.signal);
        } catch (error) {
          if (stop.signal.aborted) break;
          throw error;
        }
        searched.push(...page.results);
        answered += 1;
        progress();
        if (page.results.length > 0) high = page.results.at(-1)!.id;
        // HubSpot may answer an empty page that still has a next one: only a missing cursor ends a walk.
        offset = page.results.length === 0 ? Number(page.paging?.next?.after ?? 0) : 0;
        // Nothing left between the list's end and this one's, or the list has come this far.
        if (!page.paging?.next?.after || reached()) meet();
      }
      // Their companies are read while the list side goes on. Ids the list reaches meanwhile are
      // dropped below; reading their companies too costs nothing more (one call either way).
      companies = await companiesOf(searched.filter((o) => low === null || idBefore(low, o.id)).map((o) => o.id));
    };
    // The page fails as a whole when either end fails; the other stops after its call in flight.
    let searching = true;
    let searchFailure: { error: unknown } | undefined;
    const searchSideDone = searchSide()
      .catch((error: unknown) => {
        searchFailure = { error };
        meet();
      })
      .finally(() => {
        searching = false;
        progress();
      });
    try {
      for (let calls = 0; calls < LIST_CALLS_PER_PAGE && !met && (searching || calls === 0); calls++) {
        for (;;) {
          if (!searching || met || calls < LIST_CALLS_PER_SEARCH * (answered + 1)) break;
          const steadyMs = (calls + 1) * dataPacer.steadyIntervalMs - (Date.now() - startedAt);
          if (steadyMs <= 0) break;
          await new Promise<void>((resolve) => {
            progressed = resolve;
            setTimeout(resolve, steadyMs);
          });
        }
        if (met || (!searching && calls > 0)) break;
        let page: HubSpotPage;
        try {
          page = await list('contacts', after, false, stop.signal);
        } catch (error) {
          if (stop.signal.aborted) break;
          throw error;
        }
        listed.push(...page.results);
        if (page.results.length > 0) low = page.results.at(-1)!.id;
        after = page.paging?.next?.after ?? null;
        if (after === null || reached()) meet();
      }
    } catch (error) {
      meet();
      await searchSideDone;
      throw error;
    }
    await searchSideDone;
    if (searchFailure) throw searchFailure.error;

    // Each id is kept once. Earlier pages' searches read every id from at.high up, so the list keeps
    // only ids below it; this page's list read every id up to `low`, so the search keeps only ids above.
    const fromList = at.high === null ? listed : listed.filter((o) => idBefore(o.id, at.high!));
    const fromSearch = searched.filter((o) => low === null || idBefore(low, o.id));
    for (const o of fromSearch) {
      const company = companies.get(o.id);
      o.associations = company
        ? { companies: { results: [{ id: company.id, type: company.primary ? PRIMARY_COMPANY_LABEL : `${PRIMARY_COMPANY_LABEL}_unlabeled` }] } }
        : undefined;
    }
    const next: HubSpotPosition = met ? { phase: 'archived', after: null } : { phase: 'split', after, low, high };
    return { objects: [...fromList, ...fromSearch], next };
  }

  const encode = (p: HubSpotPosition) => JSON.stringify(p);

  async function findContactsByEmail(email: string): Promise<CrmContactRecord[]> {
    const page = await search('contacts', [[{ propertyName: 'email', operator: 'EQ', value: email }]], 'hs_object_id', 0);
    return page.results.map(toContact);
  }

  return {
    connectionId: config.id,
    system: 'hubspot',
    stats: () => ({ ...stats }),
    findContactsByEmail,

    startWalk(type, since) {
      // Contacts are read from both ends (see splitPage); companies need no associations, and search
      // reads twice as many a call, against the search API's own limit instead of the ten-second one.
      if (since === null && type === 'contacts') return encode({ phase: 'split', after: null, low: null, high: null });
      return encode({ phase: 'search', from: since?.getTime() ?? 0, after: 0 });
    },

    async fetchPage<T extends CrmObjectType>(type: T, position: string): Promise<CrmWalkPage<T>> {
      const at = JSON.parse(position) as HubSpotPosition;
      const lastModified = LAST_MODIFIED[type];

      if (at.phase === 'archived') {
        const page = await list(type, at.after, true);
        const next = page.paging?.next?.after;
        return {
          records: [],
          deletions: page.results.map((o) => ({ crmId: o.id, kind: 'archived', at: o.archivedAt ?? null })),
          next: next ? encode({ phase: 'archived', after: next }) : null,
          highWater: null,
        };
      }

      if (at.phase === 'split') {
        const { objects, next } = await splitPage(at);
        const records = convert(type, objects);
        return { records, deletions: mergedAway(objects, type), next: encode(next), highWater: highWater(records) };
      }

      let page: HubSpotPage;
      let next: HubSpotPosition;
      if (at.phase === 'list') {
        page = await list(type, at.after, false);
        const after = page.paging?.next?.after;
        next = after ? { phase: 'list', after } : { phase: 'archived', after: null };
      } else if (at.phase === 'search') {
        page = await search(type, keysetGroups(lastModified, at.from, at.seen), lastModified, at.after);
        const last = page.results.at(-1);
        const cursor = page.paging?.next?.after;
        if (!cursor) {
          next = { phase: 'archived', after: null };
        } else if (!last) {
          // An empty page with a cursor (HubSpot answers them): the same query goes on from it.
          next = { ...at, after: Number(cursor) };
        } else {
          // Results come in time order, so every record before the last one's instant has been
          // read; the next query starts at that instant, leaving out the ids read at it.
          const lastTime = modifiedAt(last, lastModified)!.getTime();
          const seen = page.results.filter((o) => modifiedAt(o, lastModified)?.getTime() === lastTime).map((o) => o.id);
          if (lastTime === at.from) seen.push(...(at.seen ?? []));
          next = seen.length <= MAX_EXCLUDED_IDS
            ? { phase: 'search', from: lastTime, after: 0, seen }
            : { phase: 'tie', at: lastTime, afterId: '0' };
        }
      } else {
        page = await search(type, [[
          { propertyName: lastModified, operator: 'EQ', value: String(at.at) },
          { propertyName: 'hs_object_id', operator: 'GT', value: at.afterId },
        ]], 'hs_object_id', at.after ?? 0);
        const last = page.results.at(-1);
        const cursor = page.paging?.next?.after;
        if (!cursor) next = { phase: 'search', from: at.at + 1, after: 0 };
        else if (!last) next = { phase: 'tie', at: at.at, afterId: at.afterId, after: Number(cursor) };
        else next = { phase: 'tie', at: at.at, afterId: last.id };
      }
      const records = convert(type, page.results);
      return { records, deletions: mergedAway(page.results, type), next: encode(next), highWater: highWater(records) };
    },
  };
}
