// POST /crm/v3/objects/{type}/search over the store: the request checked against HubSpot's limits
// (search-request.ts), then answered from an index (search-indexes.ts) or record by record (search-evaluation.ts).
import { firstBySorts, matchesGroups, matchesQuery, prepareGroups } from './search-evaluation.js';
import { searchById, searchByModified } from './search-indexes.js';
import { checkFilterLimits, parseOffset, parseRequest, SEARCH_LIMITS, SearchValidationError, toSort, type SearchResult } from './search-request.js';
import type { HubSpotStore, ObjectType, StoredObject } from './store.js';

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
