// Shapes query rows into the REST API's records: attributes first, then the selected fields, a
// relationship's fields nested in an object of its own (null when the parent is missing).
import type { ResolvedPath } from './soql-evaluation.js';
import { toWireValue, type FieldValue, type SalesforceStore, type StoredRecord } from './store.js';

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
