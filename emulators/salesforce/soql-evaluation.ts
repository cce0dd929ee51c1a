// Evaluating a parsed SOQL query's parts: field paths resolved against the schema (this is where
// INVALID_FIELD comes from), literals type-checked like Salesforce does, WHERE and ORDER BY compiled.
import { noSuchColumn, SoqlError, unknownRelationship } from './errors.js';
import type { FieldDef, Relationship, SObjectName } from './schema.js';
import type { Condition, FieldPath, Literal, OrderItem } from './soql-parser.js';
import type { FieldValue, SalesforceStore, StoredRecord } from './store.js';

/** A field path checked against the schema: relationships to follow, then the field to read. */
export interface ResolvedPath {
  relationships: Relationship[];
  field: FieldDef;
}

export function resolvePath(store: SalesforceStore, sobject: SObjectName, path: FieldPath, soql: string): ResolvedPath {
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

export function compileCondition(store: SalesforceStore, condition: Condition, resolve: (path: FieldPath) => ResolvedPath, soql: string): Predicate {
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
export function checkedLiteral(field: FieldDef, literal: Literal, soql: string): FieldValue {
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
export function compareValues(field: FieldDef, a: FieldValue, b: FieldValue): number {
  if (field.type === 'id') return compareText(String(a).slice(0, 15), String(b).slice(0, 15));
  if (typeof a === 'string' || typeof b === 'string') return compareText(String(a).toLowerCase(), String(b).toLowerCase());
  return Number(a) - Number(b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compileOrder(store: SalesforceStore, items: OrderItem[], resolve: (path: FieldPath) => ResolvedPath) {
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
