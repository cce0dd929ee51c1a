// POST /crm/v3/objects/{type}/search: HubSpot's filter/sort language and its limits, evaluated over
// the store. Limits are enforced exactly where HubSpot enforces them, because sync code must cope.
import { z } from 'zod';
import { compareIds, LAST_MODIFIED_PROPERTY, type HubSpotStore, type ObjectType, type StoredObject } from './store.js';

/**
 * The current "Search the CRM" reference (https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm,
 * modified 2026-03) allows fewer filters than the 2024-08 changelog's 10 per group and 25 in all,
 * one sort rule, and a body of 3,000 characters: a sync designed against the looser figures breaks
 * on a real portal (/work/shared/crm-apis/hubspot.md, "Behaviours a sync must survive"). The five
 * groups are the changelog's; the reference names no other figure for them.
 */
export const SEARCH_LIMITS = {
  maxPageSize: 200,
  defaultPageSize: 10,
  /** HubSpot never pages a single search past this many results. */
  maxReachableResults: 10_000,
  maxFilterGroups: 5,
  maxFiltersPerGroup: 6,
  maxFilters: 18,
  maxSorts: 1,
  /** Characters of the raw JSON request body. */
  maxRequestBodyChars: 3000,
} as const;

/** A request HubSpot would reject with 400 VALIDATION_ERROR. */
export class SearchValidationError extends Error {}

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const filterSchema = z.object({
  propertyName: z.string(),
  operator: z.string(),
  value: scalar.optional(),
  highValue: scalar.optional(),
  values: z.array(scalar).optional(),
});

const sortSchema = z.union([
  z.string(),
  z.object({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']).optional() }),
]);

const searchRequestSchema = z.object({
  filterGroups: z.array(z.object({ filters: z.array(filterSchema).default([]) })).default([]),
  sorts: z.array(sortSchema).default([]),
  properties: z.array(z.string()).default([]),
  limit: z.number().int().optional(),
  after: scalar.optional(),
  query: z.string().optional(),
});

type Filter = z.infer<typeof filterSchema>;
type SearchRequest = z.infer<typeof searchRequestSchema>;
interface Sort {
  propertyName: string;
  descending: boolean;
}

export interface SearchResult {
  total: number;
  objects: StoredObject[];
  properties: string[];
  /** Where this page starts: the request's `after` as an offset. */
  offset: number;
  nextAfter?: string;
}

/**
 * Runs a search. `useIndex: false` evaluates every record even for the queries the last-modified
 * index answers (tests compare the two).
 */
export function runSearch(store: HubSpotStore, type: ObjectType, body: unknown, { useIndex = true } = {}): SearchResult {
  const request = parseRequest(body);
  const limit = request.limit ?? SEARCH_LIMITS.defaultPageSize;
  const offset = parseOffset(request.after);
  if (limit < 1 || limit > SEARCH_LIMITS.maxPageSize) {
    throw new SearchValidationError(`limit must be between 1 and ${SEARCH_LIMITS.maxPageSize}, got ${limit}`);
  }
  if (offset + limit > SEARCH_LIMITS.maxReachableResults) {
    throw new SearchValidationError(
      `Search results are limited to ${SEARCH_LIMITS.maxReachableResults} per query: after=${offset} with limit=${limit} goes past it. Narrow the filters instead of paging further.`,
    );
  }
  checkFilterLimits(request);

  const groups = prepareGroups(request.filterGroups);
  const sorts = request.sorts.map(toSort);
  const indexed = request.query || !useIndex
    ? null
    : (searchByModified(store, type, groups, sorts, offset, limit) ?? searchById(store, type, groups, sorts, offset, limit));
  if (indexed) return { ...indexed, properties: request.properties, offset };

  const matches: StoredObject[] = [];
  for (const object of store.live(type)) {
    if (matchesGroups(object, groups) && matchesQuery(object, request.query)) matches.push(object);
  }
  const ordered = sorts.length > 0 ? firstBySorts(matches, sorts, offset + limit) : matches;

  const page = ordered.slice(offset, offset + limit);
  const result: SearchResult = { total: matches.length, objects: page, properties: request.properties, offset };
  if (offset + limit < matches.length) result.nextAfter = String(offset + limit);
  return result;
}

function parseRequest(body: unknown): SearchRequest {
  const parsed = searchRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SearchValidationError(`Invalid search request at ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

function parseOffset(after: string | undefined): number {
  if (after === undefined || after === '') return 0;
  if (!/^\d+$/.test(after)) throw new SearchValidationError(`after must be a numeric offset, got '${after}'`);
  return Number(after);
}

function checkFilterLimits(request: SearchRequest): void {
  const groups = request.filterGroups;
  if (groups.length > SEARCH_LIMITS.maxFilterGroups) {
    throw new SearchValidationError(`Too many filter groups (${groups.length}); the maximum is ${SEARCH_LIMITS.maxFilterGroups} filter groups.`);
  }
  let total = 0;
  for (const group of groups) {
    if (group.filters.length > SEARCH_LIMITS.maxFiltersPerGroup) {
      throw new SearchValidationError(
        `Too many filters in a filter group (${group.filters.length}); the maximum is ${SEARCH_LIMITS.maxFiltersPerGroup} filters per filter group.`,
      );
    }
    total += group.filters.length;
    for (const filter of group.filters) checkOperator(filter);
  }
  if (total > SEARCH_LIMITS.maxFilters) {
    throw new SearchValidationError(`Too many filters (${total}); the maximum is ${SEARCH_LIMITS.maxFilters} filters across all filter groups.`);
  }
  if (request.sorts.length > SEARCH_LIMITS.maxSorts) {
    throw new SearchValidationError(`Too many sorts (${request.sorts.length}); the maximum is ${SEARCH_LIMITS.maxSorts} sort rule.`);
  }
}

/** The body limit counts the raw JSON text, so it is checked before the body is parsed. */
export function checkRequestBodyLength(chars: number): void {
  if (chars > SEARCH_LIMITS.maxRequestBodyChars) {
    throw new SearchValidationError(
      `Search request body too long (${chars} characters); the maximum is ${SEARCH_LIMITS.maxRequestBodyChars} characters.`,
    );
  }
}

const OPERATORS = new Set([
  'EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN',
  'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN',
]);
const NEEDS_VALUE = new Set(['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN']);

function checkOperator(filter: Filter): void {
  if (!OPERATORS.has(filter.operator)) throw new SearchValidationError(`Unknown filter operator '${filter.operator}'`);
  if (NEEDS_VALUE.has(filter.operator) && filter.value === undefined) {
    throw new SearchValidationError(`Filter on '${filter.propertyName}' with operator ${filter.operator} needs a value`);
  }
  if (filter.operator === 'BETWEEN' && filter.highValue === undefined) {
    throw new SearchValidationError(`BETWEEN filter on '${filter.propertyName}' needs a highValue`);
  }
  if ((filter.operator === 'IN' || filter.operator === 'NOT_IN') && !filter.values) {
    throw new SearchValidationError(`${filter.operator} filter on '${filter.propertyName}' needs values`);
  }
}

/** A filter with its values read once per request, not once per record. */
interface PreparedFilter extends Filter {
  key: SortKey;
  highKey: SortKey;
  valueKeys: SortKey[];
}

function prepareGroups(groups: SearchRequest['filterGroups']): PreparedFilter[][] {
  return groups.map((group) => group.filters.map((filter) => ({
    ...filter,
    key: sortKey(filter.value ?? ''),
    highKey: sortKey(filter.highValue ?? ''),
    valueKeys: (filter.values ?? []).map(sortKey),
  })));
}

/** Groups are OR'ed, the filters inside one group AND'ed; no groups matches everything. */
function matchesGroups(object: StoredObject, groups: PreparedFilter[][]): boolean {
  if (groups.length === 0) return true;
  return groups.some((group) => group.every((filter) => matchesFilter(object, filter)));
}

function matchesFilter(object: StoredObject, filter: PreparedFilter): boolean {
  const stored = object.properties[filter.propertyName] ?? null;
  const value = filter.value ?? '';
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return stored !== null && stored !== '';
    case 'NOT_HAS_PROPERTY':
      return stored === null || stored === '';
    case 'NOT_CONTAINS_TOKEN':
      return stored === null || !containsToken(stored, value);
  }
  if (stored === null) return filter.operator === 'NEQ' || filter.operator === 'NOT_IN';
  const key = storedKey(object, filter.propertyName);
  switch (filter.operator) {
    case 'NEQ':
      return compareKeys(key, filter.key) !== 0;
    case 'NOT_IN':
      return !filter.valueKeys.some((candidate) => compareKeys(key, candidate) === 0);
    case 'EQ':
      return compareKeys(key, filter.key) === 0;
    case 'LT':
      return compareKeys(key, filter.key) < 0;
    case 'LTE':
      return compareKeys(key, filter.key) <= 0;
    case 'GT':
      return compareKeys(key, filter.key) > 0;
    case 'GTE':
      return compareKeys(key, filter.key) >= 0;
    case 'BETWEEN':
      return compareKeys(key, filter.key) >= 0 && compareKeys(key, filter.highKey) <= 0;
    case 'IN':
      return filter.valueKeys.some((candidate) => compareKeys(key, candidate) === 0);
    case 'CONTAINS_TOKEN':
      return containsToken(stored, value);
  }
  return false;
}

const SEARCHABLE_BY_QUERY = ['email', 'firstname', 'lastname', 'phone', 'company', 'name', 'domain', 'website'];

/** The free-text `query`: a case-insensitive substring of the default searchable properties. */
function matchesQuery(object: StoredObject, query: string | undefined): boolean {
  if (!query) return true;
  const needle = query.toLowerCase();
  return SEARCHABLE_BY_QUERY.some((name) => object.properties[name]?.toLowerCase().includes(needle));
}

function containsToken(stored: string, token: string): boolean {
  const pattern = token.toLowerCase().replaceAll('*', '');
  return stored.toLowerCase().split(/[\s@.,;_-]+/).some((word) => word.includes(pattern)) || stored.toLowerCase() === pattern;
}

const NUMBER = /^-?\d+(\.\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * Dates are stored as ISO text but filtered with epoch-ms strings (or ISO), so anything that reads as
 * a number or a date compares as epoch ms / number; everything else compares as case-insensitive text,
 * like HubSpot's search index.
 */
export function compareValues(a: string, b: string): number {
  return compareKeys(sortKey(a), sortKey(b));
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a.number !== undefined && b.number !== undefined) return a.number - b.number;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

function asNumber(value: string): number | undefined {
  if (NUMBER.test(value)) return Number(value);
  if (ISO_DATE.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function toSort(sort: z.infer<typeof sortSchema>): Sort {
  if (typeof sort === 'string') {
    return sort.startsWith('-') ? { propertyName: sort.slice(1), descending: true } : { propertyName: sort, descending: false };
  }
  return { propertyName: sort.propertyName, descending: sort.direction === 'DESCENDING' };
}

/** A sort value read once: `compareValues` on keys instead of strings, without parsing per comparison. */
interface SortKey {
  raw: string | null;
  number: number | undefined;
  text: string;
}

function sortKey(raw: string | null): SortKey {
  return { raw, number: raw === null ? undefined : asNumber(raw), text: raw?.toLowerCase() ?? '' };
}

/** A stored value's key. */
function storedKey(object: StoredObject, property: string): SortKey {
  return sortKey(object.properties[property] ?? null);
}

/**
 * The first `count` records in sort order. Records without the sort property go last either way;
 * ties fall back to id so paging is stable. Each record's sort values are read once, and only the
 * records that can be on the page are ordered (a bounded heap), so a search over a million records
 * costs about one comparison per record, as an indexed search would.
 */
function firstBySorts(objects: StoredObject[], sorts: Sort[], count: number): StoredObject[] {
  type Keyed = { object: StoredObject; keys: SortKey[] };
  const compare = (a: Keyed, b: Keyed): number => {
    for (let i = 0; i < sorts.length; i++) {
      const left = a.keys[i]!;
      const right = b.keys[i]!;
      if (left.raw === right.raw) continue;
      if (left.raw === null) return 1;
      if (right.raw === null) return -1;
      const order = compareKeys(left, right);
      if (order !== 0) return sorts[i]!.descending ? -order : order;
    }
    return compareIds(a.object.id, b.object.id);
  };
  // A max-heap of the `count` first records seen so far: its root is the last of them.
  const heap: Keyed[] = [];
  const swap = (i: number, j: number) => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  for (const object of objects) {
    const item = { object, keys: sorts.map((sort) => storedKey(object, sort.propertyName)) };
    if (heap.length < count) {
      heap.push(item);
      for (let i = heap.length - 1; i > 0 && compare(heap[(i - 1) >> 1]!, heap[i]!) < 0; i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
    } else if (count > 0 && compare(item, heap[0]!) < 0) {
      heap[0] = item;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let top = i;
        if (l < heap.length && compare(heap[l]!, heap[top]!) > 0) top = l;
        if (r < heap.length && compare(heap[r]!, heap[top]!) > 0) top = r;
        if (top === i) break;
        swap(i, top);
        i = top;
      }
    }
  }
  return heap.sort(compare).map((k) => k.object);
}

/** Live records in (last-modified time, id) order, as a search index holds them. */
interface ModifiedIndex {
  version: number;
  /** False when a live record's last-modified value is not a time: then no query uses the index. */
  usable: boolean;
  times: number[];
  objects: StoredObject[];
}

const modifiedIndexes = new WeakMap<HubSpotStore, Partial<Record<ObjectType, ModifiedIndex>>>();

function modifiedIndex(store: HubSpotStore, type: ObjectType): ModifiedIndex {
  let byType = modifiedIndexes.get(store);
  if (!byType) modifiedIndexes.set(store, (byType = {}));
  const known = byType[type];
  if (known && known.version === store.version) return known;
  const property = LAST_MODIFIED_PROPERTY[type];
  const entries: { time: number; object: StoredObject }[] = [];
  let usable = true;
  for (const object of store.live(type)) {
    const raw = object.properties[property];
    const time = raw === undefined || raw === null ? undefined : asNumber(raw);
    if (time === undefined) usable = false;
    else entries.push({ time, object });
  }
  entries.sort((a, b) => a.time - b.time || compareIds(a.object.id, b.object.id));
  const index = { version: store.version, usable, times: entries.map((e) => e.time), objects: entries.map((e) => e.object) };
  byType[type] = index;
  return index;
}

/** The first position in `times` (sorted) whose time is >= `time` (or > `time` when `after`). */
function boundary(times: number[], time: number, after: boolean): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (after ? times[mid]! <= time : times[mid]! < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The queries a sync walk makes (every filter group a time range on the last-modified property,
 * possibly with other filters; sorted by that property ascending) answered from the index, like
 * HubSpot's own search: the same answer as evaluating every record, without doing so. Null when
 * the query has another shape (or groups whose ranges overlap), which is then evaluated in full.
 */
function searchByModified(
  store: HubSpotStore, type: ObjectType, groups: PreparedFilter[][], sorts: Sort[], offset: number, limit: number,
): Omit<SearchResult, 'properties' | 'offset'> | null {
  const property = LAST_MODIFIED_PROPERTY[type];
  if (groups.length === 0 || sorts.length !== 1 || sorts[0]!.propertyName !== property || sorts[0]!.descending) return null;
  const index = modifiedIndex(store, type);
  if (!index.usable) return null;

  // Each group as positions [start, end) in the index, and the filters left to check per record.
  const ranges: { start: number; end: number; others: PreparedFilter[] }[] = [];
  for (const group of groups) {
    let start = 0;
    let end = index.times.length;
    let bounded = false;
    const others: PreparedFilter[] = [];
    for (const filter of group) {
      if (filter.propertyName !== property) {
        others.push(filter);
        continue;
      }
      const value = filter.key.number;
      if (value === undefined) return null;
      switch (filter.operator) {
        case 'GT': start = Math.max(start, boundary(index.times, value, true)); bounded = true; break;
        case 'GTE': start = Math.max(start, boundary(index.times, value, false)); bounded = true; break;
        case 'EQ':
          start = Math.max(start, boundary(index.times, value, false));
          end = Math.min(end, boundary(index.times, value, true));
          bounded = true;
          break;
        case 'LT': end = Math.min(end, boundary(index.times, value, false)); break;
        case 'LTE': end = Math.min(end, boundary(index.times, value, true)); break;
        default: others.push(filter);
      }
    }
    if (!bounded) return null;
    if (start < end) ranges.push({ start, end, others });
  }
  ranges.sort((a, b) => a.start - b.start);
  for (let i = 1; i < ranges.length; i++) if (ranges[i]!.start < ranges[i - 1]!.end) return null;

  const matches = (object: StoredObject, others: PreparedFilter[]) => others.every((filter) => matchesFilter(object, filter));
  let total = 0;
  for (const range of ranges) {
    if (range.others.length === 0) total += range.end - range.start;
    else for (let i = range.start; i < range.end; i++) if (matches(index.objects[i]!, range.others)) total++;
  }
  const objects: StoredObject[] = [];
  let skipped = 0;
  for (const range of ranges) {
    for (let i = range.start; i < range.end && objects.length < limit; i++) {
      const object = index.objects[i]!;
      if (!matches(object, range.others)) continue;
      if (skipped < offset) skipped++;
      else objects.push(object);
    }
  }
  const result: Omit<SearchResult, 'properties' | 'offset'> = { total, objects };
  if (offset + limit < total) result.nextAfter = String(offset + limit);
  return result;
}

/** Live records in id order (ids are numeric), for searches that page by hs_object_id. */
interface IdIndex {
  version: number;
  ids: number[];
  objects: StoredObject[];
}

const idIndexes = new WeakMap<HubSpotStore, Partial<Record<ObjectType, IdIndex>>>();

function idIndex(store: HubSpotStore, type: ObjectType): IdIndex | null {
  let byType = idIndexes.get(store);
  if (!byType) idIndexes.set(store, (byType = {}));
  const known = byType[type];
  if (known && known.version === store.version) return known;
  const objects = [...store.live(type)];
  if (!objects.every((o) => /^\d+$/.test(o.id))) return null;
  objects.sort((a, b) => compareIds(a.id, b.id));
  const index = { version: store.version, ids: objects.map((o) => Number(o.id)), objects };
  byType[type] = index;
  return index;
}

/**
 * Builds the search indexes of a freshly loaded store, as HubSpot has its own ready: otherwise the
 * first search after a load builds them (a 500,000-contact portal: ~2 s for one answer) and a
 * client's pacing is measured against the emulator's warm-up. Changes later rebuild them lazily.
 */
export function prepareSearchIndexes(store: HubSpotStore): void {
  for (const type of ['companies', 'contacts'] as const) {
    modifiedIndex(store, type);
    idIndex(store, type);
  }
}

/**
 * Searches sorted by hs_object_id alone (either way), with at most one filter group, answered
 * from the id index: the id filters of the group bound a range, its other filters are checked per
 * record. A walk by id (hs_object_id below one id and above another, 200 at a time) reads a page
 * without evaluating every record. Null for any other shape, which is then evaluated in full.
 */
function searchById(
  store: HubSpotStore, type: ObjectType, groups: PreparedFilter[][], sorts: Sort[], offset: number, limit: number,
): Omit<SearchResult, 'properties' | 'offset'> | null {
  if (groups.length > 1 || sorts.length !== 1 || sorts[0]!.propertyName !== 'hs_object_id') return null;
  const index = idIndex(store, type);
  if (!index) return null;
  let start = 0;
  let end = index.ids.length;
  const others: PreparedFilter[] = [];
  for (const filter of groups[0] ?? []) {
    const value = filter.propertyName === 'hs_object_id' ? filter.key.number : undefined;
    if (value === undefined) {
      others.push(filter);
      continue;
    }
    switch (filter.operator) {
      case 'GT': start = Math.max(start, boundary(index.ids, value, true)); break;
      case 'GTE': start = Math.max(start, boundary(index.ids, value, false)); break;
      case 'EQ':
        start = Math.max(start, boundary(index.ids, value, false));
        end = Math.min(end, boundary(index.ids, value, true));
        break;
      case 'LT': end = Math.min(end, boundary(index.ids, value, false)); break;
      case 'LTE': end = Math.min(end, boundary(index.ids, value, true)); break;
      default: others.push(filter);
    }
  }
  const matches = (object: StoredObject) => others.every((filter) => matchesFilter(object, filter));
  let total = 0;
  if (others.length === 0) total = Math.max(0, end - start);
  else for (let i = start; i < end; i++) if (matches(index.objects[i]!)) total++;
  const objects: StoredObject[] = [];
  const descending = sorts[0]!.descending;
  let skipped = 0;
  for (let n = 0; n < end - start && objects.length < limit; n++) {
    const object = index.objects[descending ? end - 1 - n : start + n]!;
    if (!matches(object)) continue;
    if (skipped < offset) skipped++;
    else objects.push(object);
  }
  const result: Omit<SearchResult, 'properties' | 'offset'> = { total, objects };
  if (offset + limit < total) result.nextAfter = String(offset + limit);
  return result;
}
