// The search indexes HubSpot answers a sync's walks from (records by last-modified time, by id),
// kept per store and rebuilt when it changes, and the searches they answer without a full scan.
import { asNumber, matchesFilter, type PreparedFilter } from './search-evaluation.js';
import type { SearchResult, Sort } from './search-request.js';
import { compareIds, LAST_MODIFIED_PROPERTY, type HubSpotStore, type ObjectType, type StoredObject } from './store.js';

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
export function searchByModified(
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
export function searchById(
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
