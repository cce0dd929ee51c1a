// Evaluating a search record by record: filters, the free-text query, HubSpot's value comparison
// and the bounded sort; the indexes (search-indexes.ts) reuse the filters for what they cannot bound.
import type { Filter, SearchRequest, Sort } from './search-request.js';
import { compareIds, type StoredObject } from './store.js';

/** A filter with its values read once per request, not once per record. */
export interface PreparedFilter extends Filter {
  key: SortKey;
  highKey: SortKey;
  valueKeys: SortKey[];
}

export function prepareGroups(groups: SearchRequest['filterGroups']): PreparedFilter[][] {
  return groups.map((group) => group.filters.map((filter) => ({
    ...filter,
    key: sortKey(filter.value ?? ''),
    highKey: sortKey(filter.highValue ?? ''),
    valueKeys: (filter.values ?? []).map(sortKey),
  })));
}

/** Groups are OR'ed, the filters inside one group AND'ed; no groups matches everything. */
export function matchesGroups(object: StoredObject, groups: PreparedFilter[][]): boolean {
  if (groups.length === 0) return true;
  return groups.some((group) => group.every((filter) => matchesFilter(object, filter)));
}

export function matchesFilter(object: StoredObject, filter: PreparedFilter): boolean {
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
export function matchesQuery(object: StoredObject, query: string | undefined): boolean {
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

export function asNumber(value: string): number | undefined {
  if (NUMBER.test(value)) return Number(value);
  if (ISO_DATE.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** A sort value read once: `compareValues` on keys instead of strings, without parsing per comparison. */
export interface SortKey {
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
export function firstBySorts(objects: StoredObject[], sorts: Sort[], count: number): StoredObject[] {
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
