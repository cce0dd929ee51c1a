// The orderings a keyset walk reads (ORDER BY SystemModstamp, Id from a lower bound), kept per store
// until it changes, as Salesforce's index on SystemModstamp is: a walk's query seeks, not scans.
import type { FieldDef, SObjectName } from './schema.js';
import { checkedLiteral, compareValues, type ResolvedPath } from './soql-evaluation.js';
import type { Condition, FieldPath, OrderItem } from './soql-parser.js';
import type { FieldValue, SalesforceStore, StoredRecord } from './store.js';

/** Rows of an object sorted by one ORDER BY, kept until the store changes. */
const orderings = new WeakMap<SalesforceStore, Map<string, { revision: number; rows: StoredRecord[] }>>();

/**
 * When the query's first ORDER BY key is a field of the object itself, ascending, and the WHERE
 * clause bounds that field from below (>, >= or = a value, in every branch of an OR), the rows in
 * ORDER BY order and the first position that can match; otherwise undefined.
 */
export function indexedSeek(
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
