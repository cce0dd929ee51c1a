// POST /crm/v3/objects/{type}/search: HubSpot's filter/sort language and its limits, evaluated over
// the store. Limits are enforced exactly where HubSpot enforces them, because sync code must cope.
import { z } from 'zod';
import { compareIds, type HubSpotStore, type ObjectType, type StoredObject } from './store.js';

export const SEARCH_LIMITS = {
  maxPageSize: 200,
  defaultPageSize: 10,
  /** HubSpot never pages a single search past this many results. */
  maxReachableResults: 10_000,
  maxFilterGroups: 5,
  maxFiltersPerGroup: 10,
  maxFilters: 25,
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
  nextAfter?: string;
}

export function runSearch(store: HubSpotStore, type: ObjectType, body: unknown): SearchResult {
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

  const matches: StoredObject[] = [];
  for (const object of store.live(type)) {
    if (matchesGroups(object, request.filterGroups) && matchesQuery(object, request.query)) matches.push(object);
  }
  const sorts = request.sorts.map(toSort);
  if (sorts.length > 0) matches.sort((a, b) => compareBySorts(a, b, sorts));

  const page = matches.slice(offset, offset + limit);
  const result: SearchResult = { total: matches.length, objects: page, properties: request.properties };
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
    throw new SearchValidationError(`Too many filter groups (${groups.length}); the maximum is ${SEARCH_LIMITS.maxFilterGroups}.`);
  }
  let total = 0;
  for (const group of groups) {
    if (group.filters.length > SEARCH_LIMITS.maxFiltersPerGroup) {
      throw new SearchValidationError(
        `Too many filters in a filter group (${group.filters.length}); the maximum is ${SEARCH_LIMITS.maxFiltersPerGroup}.`,
      );
    }
    total += group.filters.length;
    for (const filter of group.filters) checkOperator(filter);
  }
  if (total > SEARCH_LIMITS.maxFilters) {
    throw new SearchValidationError(`Too many filters (${total}); the maximum across all groups is ${SEARCH_LIMITS.maxFilters}.`);
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

/** Groups are OR'ed, the filters inside one group AND'ed; no groups matches everything. */
function matchesGroups(object: StoredObject, groups: SearchRequest['filterGroups']): boolean {
  if (groups.length === 0) return true;
  return groups.some((group) => group.filters.every((filter) => matchesFilter(object.properties[filter.propertyName] ?? null, filter)));
}

function matchesFilter(stored: string | null, filter: Filter): boolean {
  const value = filter.value ?? '';
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return stored !== null && stored !== '';
    case 'NOT_HAS_PROPERTY':
      return stored === null || stored === '';
    case 'NEQ':
      return stored === null || compareValues(stored, value) !== 0;
    case 'NOT_IN':
      return stored === null || !filter.values!.some((candidate) => compareValues(stored, candidate) === 0);
    case 'NOT_CONTAINS_TOKEN':
      return stored === null || !containsToken(stored, value);
  }
  if (stored === null) return false;
  switch (filter.operator) {
    case 'EQ':
      return compareValues(stored, value) === 0;
    case 'LT':
      return compareValues(stored, value) < 0;
    case 'LTE':
      return compareValues(stored, value) <= 0;
    case 'GT':
      return compareValues(stored, value) > 0;
    case 'GTE':
      return compareValues(stored, value) >= 0;
    case 'BETWEEN':
      return compareValues(stored, value) >= 0 && compareValues(stored, filter.highValue!) <= 0;
    case 'IN':
      return filter.values!.some((candidate) => compareValues(stored, candidate) === 0);
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
  const left = asNumber(a);
  const right = asNumber(b);
  if (left !== undefined && right !== undefined) return left - right;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
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

/** Records without the sort property go last either way; ties fall back to id so paging is stable. */
function compareBySorts(a: StoredObject, b: StoredObject, sorts: Sort[]): number {
  for (const sort of sorts) {
    const left = a.properties[sort.propertyName] ?? null;
    const right = b.properties[sort.propertyName] ?? null;
    if (left === right) continue;
    if (left === null) return 1;
    if (right === null) return -1;
    const order = compareValues(left, right);
    if (order !== 0) return sort.descending ? -order : order;
  }
  return compareIds(a.id, b.id);
}
