// The walks through HubSpot's records: where one stands (the position it resumes from, opaque to
// the sync), how one starts, and one page of each phase.
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
import type { CrmObjectType, CrmWalkPage } from '../types.js';
import {
  highWater, keysetGroups, LAST_MODIFIED, mergedAway, modifiedAt, PRIMARY_COMPANY_LABEL, toRecords,
  type HubSpotObject, type SearchFilter,
} from './mappers.js';
import type { HubSpotPage, HubSpotTransport } from './transport.js';

/**
 * The most ids a search leaves out with NOT_IN: those already read at the instant the next query
 * starts from. More than this many read at one instant, and the walk goes through it by id.
 */
export const MAX_EXCLUDED_IDS = 100;
/**
 * Searches of a full contacts walk per page: their 1,000 contacts' companies are one association
 * call. The list side of the page goes on while they run, up to LIST_CALLS_PER_PAGE calls: 45 so
 * it is not left idle while the companies' walk takes half of search's calls and a page's
 * searches take twice as long (bench/README.md, "HubSpot's contacts walk").
 */
export const SPLIT_SEARCHES_PER_PAGE = 5;
export const LIST_CALLS_PER_PAGE = 45;
/**
 * The list side keeps within this many calls per search answered (the one in flight counted), or
 * within the ten-second limit's steady rate since the page began, whichever allows more. So it
 * cannot spend a burst of the window's room while search waits (the start of a walk): ahead of the
 * steady rate it makes at most 6 list calls per search, which with the search and a fifth of an
 * association call is 9.0 calls per 1,000 contacts (bench/README.md). And
 * it keeps up with the limit when search is slow (while the companies' walk takes half of
 * search's calls). Held to the data limit, the list side makes ~4 calls per search.
 */
export const LIST_CALLS_PER_SEARCH = 6;

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

/** Numeric ids in numeric order, without going through floating point. */
export function idBefore(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a < b;
}

/**
 * One page of a full contacts walk from both ends of the id range at once: up to
 * SPLIT_SEARCHES_PER_PAGE searches down from `high` (above `low`) and their companies, and list
 * calls up from `low` while they run. Done when the two meet or either end finds nothing more.
 */
async function splitPage(transport: HubSpotTransport, at: Extract<HubSpotPosition, { phase: 'split' }>) {
  const { list, search, companiesOf, dataPacer } = transport;
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

export function startWalk(type: CrmObjectType, since: Date | null): string {
  // Contacts are read from both ends (see splitPage); companies need no associations, and search
  // reads twice as many a call, against the search API's own limit instead of the ten-second one.
  if (since === null && type === 'contacts') return encode({ phase: 'split', after: null, low: null, high: null });
  return encode({ phase: 'search', from: since?.getTime() ?? 0, after: 0 });
}

/** One page of the walk at `position`, and the position after it. */
export async function fetchWalkPage<T extends CrmObjectType>(transport: HubSpotTransport, type: T, position: string): Promise<CrmWalkPage<T>> {
  const at = JSON.parse(position) as HubSpotPosition;
  const lastModified = LAST_MODIFIED[type];

  if (at.phase === 'archived') {
    const page = await transport.list(type, at.after, true);
    const next = page.paging?.next?.after;
    return {
      records: [],
      deletions: page.results.map((o) => ({ crmId: o.id, kind: 'archived', at: o.archivedAt ?? null })),
      next: next ? encode({ phase: 'archived', after: next }) : null,
      highWater: null,
    };
  }

  if (at.phase === 'split') {
    const { objects, next } = await splitPage(transport, at);
    const records = toRecords(type, objects);
    return { records, deletions: mergedAway(objects, type), next: encode(next), highWater: highWater(records) };
  }

  let page: HubSpotPage;
  let next: HubSpotPosition;
  if (at.phase === 'list') {
    page = await transport.list(type, at.after, false);
    const after = page.paging?.next?.after;
    next = after ? { phase: 'list', after } : { phase: 'archived', after: null };
  } else if (at.phase === 'search') {
    page = await transport.search(type, keysetGroups(lastModified, at.from, at.seen), lastModified, at.after);
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
    page = await transport.search(type, [[
      { propertyName: lastModified, operator: 'EQ', value: String(at.at) },
      { propertyName: 'hs_object_id', operator: 'GT', value: at.afterId },
    ]], 'hs_object_id', at.after ?? 0);
    const last = page.results.at(-1);
    const cursor = page.paging?.next?.after;
    if (!cursor) next = { phase: 'search', from: at.at + 1, after: 0 };
    else if (!last) next = { phase: 'tie', at: at.at, afterId: at.afterId, after: Number(cursor) };
    else next = { phase: 'tie', at: at.at, afterId: last.id };
  }
  const records = toRecords(type, page.results);
  return { records, deletions: mergedAway(page.results, type), next: encode(next), highWater: highWater(records) };
}
