// What a search request may say, HubSpot's limits on it (400 VALIDATION_ERROR, enforced exactly where
// HubSpot enforces them, because sync code must cope) and the shape of a search's answer.
import { z } from 'zod';
import type { StoredObject } from './store.js';

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

export type Filter = z.infer<typeof filterSchema>;
export type SearchRequest = z.infer<typeof searchRequestSchema>;
export interface Sort {
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

export function parseRequest(body: unknown): SearchRequest {
  const parsed = searchRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SearchValidationError(`Invalid search request at ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

export function parseOffset(after: string | undefined): number {
  if (after === undefined || after === '') return 0;
  if (!/^\d+$/.test(after)) throw new SearchValidationError(`after must be a numeric offset, got '${after}'`);
  return Number(after);
}

export function checkFilterLimits(request: SearchRequest): void {
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

export function toSort(sort: z.infer<typeof sortSchema>): Sort {
  if (typeof sort === 'string') {
    return sort.startsWith('-') ? { propertyName: sort.slice(1), descending: true } : { propertyName: sort, descending: false };
  }
  return { propertyName: sort.propertyName, descending: sort.direction === 'DESCENDING' };
}
