// Runs a parsed SOQL query against the store: filters, sorts and pages its rows. The parts are
// evaluated in soql-evaluation.ts; keyset walks seek in keyset-orderings.ts instead of scanning.
import { SalesforceApiError, SoqlError, unsupportedSObject } from './errors.js';
import { indexedSeek } from './keyset-orderings.js';
import { SOBJECT_NAMES, type SObjectName } from './schema.js';
import { compileCondition, compileOrder, resolvePath, type ResolvedPath } from './soql-evaluation.js';
import { parseSoql, type Condition, type FieldPath } from './soql-parser.js';
import type { SalesforceStore, StoredRecord } from './store.js';

export interface QueryResult {
  sobject: SObjectName;
  select: ResolvedPath[];
  rows: StoredRecord[];
}

/**
 * "By default, SOQL statements can't exceed 100,000 characters" (SOQL and SOSL Limits, Salesforce
 * App Limits Cheatsheet); longer ones are refused with MALFORMED_QUERY.
 */
export const MAX_SOQL_LENGTH = 100_000;

export function executeSoql(store: SalesforceStore, soql: string, opts: { includeDeleted: boolean }): QueryResult {
  if (soql.length > MAX_SOQL_LENGTH) {
    throw new SalesforceApiError(400, 'MALFORMED_QUERY', `SOQL statements cannot be longer than ${MAX_SOQL_LENGTH} characters (this one has ${soql.length})`);
  }
  const query = parseSoql(soql);
  const sobject = SOBJECT_NAMES.find((name) => name.toLowerCase() === query.sobject.name.toLowerCase());
  if (!sobject) throw new SoqlError('INVALID_TYPE', soql, query.sobject.offset, unsupportedSObject(query.sobject.name));
  const resolve = (path: FieldPath) => resolvePath(store, sobject, path, soql);

  const select = query.fields.map(resolve);
  const matches = query.where ? compileCondition(store, query.where, resolve, soql) : () => true;
  const keep = (record: StoredRecord) => (opts.includeDeleted || record.fields.IsDeleted !== true) && matches(record);
  const start = query.offset ?? 0;
  const end = query.limit === undefined ? undefined : start + query.limit;
  if (query.orderBy.length > 0 && end !== undefined) {
    const compare = compileOrder(store, query.orderBy, resolve);
    // A keyset walk's query (ORDER BY SystemModstamp, Id ... WHERE SystemModstamp >= or > a value)
    // reads the rows in that order from where the value starts, as Salesforce's index on
    // SystemModstamp does; scanning all 500,000 contacts for each of a walk's 250 queries cost the
    // emulator ~40% of a core while the 1M benchmark's syncs ran beside it.
    const seek = indexedSeek(store, sobject, query.orderBy, query.where, resolve, compare, soql);
    if (seek) return { sobject, select, rows: firstKept(seek.rows, seek.from, keep, end).slice(start) };
    // Otherwise keep only the first `end` rows while scanning (sorting every match each time made
    // the emulator, not the rate limit, the bottleneck).
    return { sobject, select, rows: firstInOrder(store.all(sobject), keep, compare, end).slice(start) };
  }
  // WHERE Id IN (...) (the push path's reads by id) looks the ids up, as Salesforce's index on Id
  // does, instead of scanning every row of the object.
  const ids = query.where ? idsNamedBy(query.where, resolve) : null;
  const candidates = ids ? [...new Set(ids.map((id) => store.get(sobject, id)).filter((r): r is StoredRecord => r !== undefined))] : store.all(sobject);
  const rows = candidates.filter(keep);
  if (ids && query.orderBy.length === 0) rows.sort((a, b) => (String(a.fields.Id) < String(b.fields.Id) ? -1 : 1));
  if (query.orderBy.length > 0) rows.sort(compileOrder(store, query.orderBy, resolve));
  return { sobject, select, rows: start > 0 || end !== undefined ? rows.slice(start, end) : rows };
}

/** The ids a top-level `Id IN (...)` or `Id = '...'` names (every row outside them fails the condition), else null. */
function idsNamedBy(where: Condition, resolve: (path: FieldPath) => ResolvedPath): string[] | null {
  const isId = (path: FieldPath) => {
    const resolved = resolve(path);
    return resolved.relationships.length === 0 && resolved.field.name === 'Id';
  };
  const text = (literal: { kind: string; value?: unknown }) => (literal.kind === 'string' && typeof literal.value === 'string' ? literal.value : null);
  if (where.kind === 'in' && !where.negated && isId(where.field)) {
    const values = where.values.map(text);
    return values.every((v): v is string => v !== null) ? values : null;
  }
  if (where.kind === 'compare' && where.operator === '=' && isId(where.field)) {
    const value = text(where.value);
    return value === null ? null : [value];
  }
  if (where.kind === 'and') {
    for (const operand of where.operands) {
      const ids = idsNamedBy(operand, resolve);
      if (ids) return ids;
    }
  }
  return null;
}

/** The first `count` rows from `from` on that `keep` accepts. */
function firstKept(rows: readonly StoredRecord[], from: number, keep: (record: StoredRecord) => boolean, count: number): StoredRecord[] {
  const kept: StoredRecord[] = [];
  for (let i = from; i < rows.length && kept.length < count; i++) if (keep(rows[i]!)) kept.push(rows[i]!);
  return kept;
}

/**
 * Builds the ordering a keyset walk reads (SystemModstamp, Id) for each object of a freshly loaded
 * store, as Salesforce has its index ready: otherwise the first such query after a load sorts the
 * rows (a 500,000-contact org: ~3.5 s for one answer). Changes later rebuild it on the next query.
 */
export function prepareKeysetOrderings(store: SalesforceStore): void {
  for (const sobject of SOBJECT_NAMES) {
    executeSoql(store, `SELECT Id FROM ${sobject} WHERE SystemModstamp >= 1970-01-01T00:00:00Z ORDER BY SystemModstamp ASC, Id ASC LIMIT 1`, { includeDeleted: true });
  }
}

/** The first `count` records by `compare` among those `keep` accepts, sorted: a bounded max-heap. */
export function firstInOrder<T>(records: readonly T[], keep: (record: T) => boolean, compare: (a: T, b: T) => number, count: number): T[] {
  if (count <= 0) return [];
  const heap: T[] = []; // heap[0] is the greatest kept so far
  const siftDown = (from: number) => {
    for (let i = from; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let largest = i;
      if (left < heap.length && compare(heap[left]!, heap[largest]!) > 0) largest = left;
      if (right < heap.length && compare(heap[right]!, heap[largest]!) > 0) largest = right;
      if (largest === i) return;
      [heap[i], heap[largest]] = [heap[largest]!, heap[i]!];
      i = largest;
    }
  };
  for (const record of records) {
    if (!keep(record)) continue;
    if (heap.length < count) {
      heap.push(record);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (compare(heap[i]!, heap[parent]!) <= 0) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (compare(record, heap[0]!) < 0) {
      heap[0] = record;
      siftDown(0);
    }
  }
  return heap.sort(compare);
}
