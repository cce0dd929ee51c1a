// Runs a parsed SOQL query against the store: resolves field paths against the schema (this is where
// INVALID_FIELD comes from), type-checks literals like Salesforce does, filters, sorts and shapes records.
import { noSuchColumn, SoqlError, unknownRelationship, unsupportedSObject } from './errors.js';
import { SOBJECT_NAMES, type FieldDef, type Relationship, type SObjectName } from './schema.js';
import { parseSoql, type Condition, type FieldPath, type Literal, type OrderItem } from './soql-parser.js';
import { toWireValue, type FieldValue, type SalesforceStore, type StoredRecord } from './store.js';

/** A field path checked against the schema: relationships to follow, then the field to read. */
export interface ResolvedPath {
  relationships: Relationship[];
  field: FieldDef;
}

export interface QueryResult {
  sobject: SObjectName;
  select: ResolvedPath[];
  rows: StoredRecord[];
}

export function executeSoql(store: SalesforceStore, soql: string, opts: { includeDeleted: boolean }): QueryResult {
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
  const rows = store.all(sobject).filter(keep);
  if (query.orderBy.length > 0) rows.sort(compileOrder(store, query.orderBy, resolve));
  return { sobject, select, rows: start > 0 || end !== undefined ? rows.slice(start, end) : rows };
}

/** The first `count` rows from `from` on that `keep` accepts. */
function firstKept(rows: readonly StoredRecord[], from: number, keep: (record: StoredRecord) => boolean, count: number): StoredRecord[] {
  const kept: StoredRecord[] = [];
  for (let i = from; i < rows.length && kept.length < count; i++) if (keep(rows[i]!)) kept.push(rows[i]!);
  return kept;
}

/** Rows of an object sorted by one ORDER BY, kept until the store changes. */
const orderings = new WeakMap<SalesforceStore, Map<string, { revision: number; rows: StoredRecord[] }>>();

/**
 * When the query's first ORDER BY key is a field of the object itself, ascending, and the WHERE
 * clause bounds that field from below (>, >= or = a value, in every branch of an OR), the rows in
 * ORDER BY order and the first position that can match; otherwise undefined.
 */
function indexedSeek(
  store: SalesforceStore, sobject: SObjectName, orderBy: OrderItem[], where: Condition | undefined,
  resolve: (path: FieldPath) => ResolvedPath, compare: (a: StoredRecord, b: StoredRecord) => number, soql: string,
): { rows: readonly StoredRecord[]; from: number } | undefined {
  const first = orderBy[0]!;
  const key = resolve(first.field);
  if (first.descending || key.relationships.length > 0 || !where) return undefined;
  const bound = lowerBound(where, key.field, resolve, soql);
  if (bound === undefined) return undefined;
  const keys = orderBy.map((item) => {
    const path = resolve(item.field);
    return `${[...path.relationships.map((r) => r.name), path.field.name].join('.')}:${item.descending}:${item.nullsFirst}`;
  });
  const signature = `${sobject}|${keys.join(',')}`;
  let cache = orderings.get(store);
  if (!cache) orderings.set(store, (cache = new Map()));
  let ordering = cache.get(signature);
  if (!ordering || ordering.revision !== store.revision) {
    ordering = { revision: store.revision, rows: [...store.all(sobject)].sort(compare) };
    cache.set(signature, ordering);
  }
  // Nulls sort first or last; a null never passes a lower bound, so it is skipped either way.
  const { rows } = ordering;
  const below = (record: StoredRecord) => {
    const value = record.fields[key.field.name] ?? null;
    return value === null ? first.nullsFirst : compareValues(key.field, value, bound) < 0;
  };
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (below(rows[middle]!)) low = middle + 1;
    else high = middle;
  }
  return { rows, from: low };
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

/** A value the field is at least in every row `condition` accepts, if the condition says. */
function lowerBound(condition: Condition, field: FieldDef, resolve: (path: FieldPath) => ResolvedPath, soql: string): FieldValue | undefined {
  switch (condition.kind) {
    case 'compare': {
      if (condition.operator !== '>' && condition.operator !== '>=' && condition.operator !== '=') return undefined;
      const path = resolve(condition.field);
      if (path.relationships.length > 0 || path.field !== field) return undefined;
      const value = checkedLiteral(field, condition.value, soql);
      return value === null ? undefined : value;
    }
    case 'and': {
      let best: FieldValue | undefined;
      for (const operand of condition.operands) {
        const bound = lowerBound(operand, field, resolve, soql);
        if (bound !== undefined && (best === undefined || compareValues(field, bound, best!) > 0)) best = bound;
      }
      return best;
    }
    case 'or': {
      let least: FieldValue | undefined;
      for (const operand of condition.operands) {
        const bound = lowerBound(operand, field, resolve, soql);
        if (bound === undefined) return undefined;
        if (least === undefined || compareValues(field, bound, least!) < 0) least = bound;
      }
      return least;
    }
    default:
      return undefined;
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

function resolvePath(store: SalesforceStore, sobject: SObjectName, path: FieldPath, soql: string): ResolvedPath {
  const relationships: Relationship[] = [];
  let current = sobject;
  for (const name of path.parts.slice(0, -1)) {
    const relationship = store.schemas[current].relationship(name);
    if (!relationship) throw new SoqlError('INVALID_FIELD', soql, path.offset, unknownRelationship(name));
    relationships.push(relationship);
    current = relationship.target;
  }
  const fieldName = path.parts[path.parts.length - 1]!;
  const field = store.schemas[current].field(fieldName);
  if (!field) throw new SoqlError('INVALID_FIELD', soql, path.offset, noSuchColumn(fieldName, current));
  return { relationships, field };
}

/** Follows the path's relationships; a missing parent reads as null, like Salesforce. */
export function valueAt(store: SalesforceStore, record: StoredRecord, path: ResolvedPath): FieldValue {
  let current: StoredRecord | undefined = record;
  for (const relationship of path.relationships) {
    const parentId: FieldValue | undefined = current.fields[relationship.idField];
    current = typeof parentId === 'string' ? store.get(relationship.target, parentId) : undefined;
    if (!current) return null;
  }
  return current.fields[path.field.name] ?? null;
}

type Predicate = (record: StoredRecord) => boolean;

function compileCondition(store: SalesforceStore, condition: Condition, resolve: (path: FieldPath) => ResolvedPath, soql: string): Predicate {
  switch (condition.kind) {
    case 'and': {
      const operands = condition.operands.map((operand) => compileCondition(store, operand, resolve, soql));
      return (record) => operands.every((operand) => operand(record));
    }
    case 'or': {
      const operands = condition.operands.map((operand) => compileCondition(store, operand, resolve, soql));
      return (record) => operands.some((operand) => operand(record));
    }
    case 'not': {
      const operand = compileCondition(store, condition.operand, resolve, soql);
      return (record) => !operand(record);
    }
    case 'like': {
      const path = resolve(condition.field);
      if (path.field.type !== 'string' && path.field.type !== 'id') {
        throw new SoqlError('INVALID_FIELD', soql, condition.field.offset, `invalid operator on ${path.field.type} field: LIKE`);
      }
      const pattern = condition.pattern.likePattern;
      return (record) => {
        const value = valueAt(store, record, path);
        return typeof value === 'string' && pattern.test(value);
      };
    }
    case 'in': {
      const path = resolve(condition.field);
      const values = condition.values.map((literal) => checkedLiteral(path.field, literal, soql));
      return (record) => {
        const value = valueAt(store, record, path);
        const found = values.some((candidate) => equalValues(path.field, value, candidate));
        return condition.negated ? !found : found;
      };
    }
    case 'compare': {
      const path = resolve(condition.field);
      const literal = checkedLiteral(path.field, condition.value, soql);
      const operator = condition.operator;
      return (record) => {
        const value = valueAt(store, record, path);
        if (operator === '=') return equalValues(path.field, value, literal);
        if (operator === '!=') return !equalValues(path.field, value, literal);
        if (value === null || literal === null) return false;
        const order = compareValues(path.field, value, literal);
        if (operator === '<') return order < 0;
        if (operator === '<=') return order <= 0;
        if (operator === '>') return order > 0;
        return order >= 0;
      };
    }
  }
}

const EXPECTED_LITERAL: Record<FieldDef['type'], { kinds: Literal['kind'][]; description: string }> = {
  id: { kinds: ['string'], description: 'must be of type id and should be enclosed in quotes' },
  string: { kinds: ['string'], description: 'must be of type string and should be enclosed in quotes' },
  number: { kinds: ['number'], description: 'must be of type double and should not be enclosed in quotes' },
  boolean: { kinds: ['boolean'], description: 'must be of type boolean and should not be enclosed in quotes' },
  datetime: { kinds: ['datetime'], description: 'must be of type dateTime and should not be enclosed in quotes' },
  date: { kinds: ['date'], description: 'must be of type date and should not be enclosed in quotes' },
};

/** Salesforce refuses a literal of the wrong type (e.g. a quoted datetime) instead of guessing. */
function checkedLiteral(field: FieldDef, literal: Literal, soql: string): FieldValue {
  if (literal.kind === 'null') return null;
  const expected = EXPECTED_LITERAL[field.type];
  if (!expected.kinds.includes(literal.kind)) {
    throw new SoqlError('INVALID_FIELD', soql, literal.offset, `value of filter criterion for field '${field.name}' ${expected.description}`);
  }
  switch (literal.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return literal.value;
    case 'datetime':
    case 'date':
      return literal.epochMs;
  }
}

function equalValues(field: FieldDef, value: FieldValue, literal: FieldValue): boolean {
  if (value === null || literal === null) return value === literal;
  return compareValues(field, value, literal) === 0;
}

/** Text compares case-insensitively, as SOQL does; ids by their case-sensitive 15-character form. */
function compareValues(field: FieldDef, a: FieldValue, b: FieldValue): number {
  if (field.type === 'id') return compareText(String(a).slice(0, 15), String(b).slice(0, 15));
  if (typeof a === 'string' || typeof b === 'string') return compareText(String(a).toLowerCase(), String(b).toLowerCase());
  return Number(a) - Number(b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compileOrder(store: SalesforceStore, items: OrderItem[], resolve: (path: FieldPath) => ResolvedPath) {
  const keys = items.map((item) => ({ ...item, path: resolve(item.field) }));
  return (a: StoredRecord, b: StoredRecord): number => {
    for (const key of keys) {
      const left = valueAt(store, a, key.path);
      const right = valueAt(store, b, key.path);
      if (left === null && right === null) continue;
      if (left === null) return key.nullsFirst ? -1 : 1;
      if (right === null) return key.nullsFirst ? 1 : -1;
      const order = compareValues(key.path.field, left, right);
      if (order !== 0) return key.descending ? -order : order;
    }
    return compareText(String(a.fields.Id), String(b.fields.Id));
  };
}

/** A record as the REST API returns it: attributes, then the selected fields, relationships nested. */
export function serializeRecord(store: SalesforceStore, record: StoredRecord, select: ResolvedPath[], apiVersion: string): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributesOf(record, apiVersion) };
  for (const path of select) {
    let target = out;
    let current: StoredRecord | undefined = record;
    for (const relationship of path.relationships) {
      const parentId: FieldValue | undefined = current?.fields[relationship.idField];
      current = typeof parentId === 'string' ? store.get(relationship.target, parentId) : undefined;
      if (!current) {
        target[relationship.name] ??= null;
        break;
      }
      const existing = target[relationship.name];
      const nested = existing && typeof existing === 'object' ? (existing as Record<string, unknown>) : { attributes: attributesOf(current, apiVersion) };
      target[relationship.name] = nested;
      target = nested;
    }
    if (current) target[path.field.name] = toWireValue(path.field, current.fields[path.field.name]);
  }
  return out;
}

function attributesOf(record: StoredRecord, apiVersion: string): { type: string; url: string } {
  return { type: record.type, url: `/services/data/${apiVersion}/sobjects/${record.type}/${String(record.fields.Id)}` };
}
