// The Avro schemas of the emulator's change events, shaped like Salesforce's ContactChangeEvent and
// AccountChangeEvent: namespace com.sforce.eventbus, the ChangeEventHeader record first, then each
// field of the object as a nullable union. The schema id is a fingerprint of the schema's JSON, so a
// fixture that adds a custom field makes a new schema (and id), as a schema change does in an org.
import { createHash } from 'node:crypto';
import avro from 'avsc';
import type { FieldDef, SObjectSchema } from './schema.js';
import type { FieldValue, RecordChange } from './store.js';

/** changeType's symbols (Change Data Capture Developer Guide, "ChangeEventHeader Fields"). */
export const CHANGE_TYPES = [
  'CREATE', 'UPDATE', 'DELETE', 'UNDELETE', 'GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW', 'SNAPSHOT',
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

const HEADER = {
  type: 'record',
  name: 'ChangeEventHeader',
  fields: [
    { name: 'entityName', type: 'string' },
    { name: 'recordIds', type: { type: 'array', items: 'string' } },
    { name: 'changeType', type: { type: 'enum', name: 'ChangeType', symbols: [...CHANGE_TYPES] } },
    { name: 'changeOrigin', type: 'string' },
    { name: 'transactionKey', type: 'string' },
    { name: 'sequenceNumber', type: 'int' },
    { name: 'commitTimestamp', type: 'long' },
    { name: 'commitNumber', type: 'long' },
    { name: 'commitUser', type: 'string' },
    { name: 'nulledFields', type: { type: 'array', items: 'string' } },
    { name: 'diffFields', type: { type: 'array', items: 'string' } },
    { name: 'changedFields', type: { type: 'array', items: 'string' } },
  ],
};

/** The fields a change event's body leaves out: Id is in recordIds, IsDeleted in changeType. */
const NOT_IN_BODY = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

function avroTypeOf(field: FieldDef): string {
  switch (field.type) {
    case 'number': return 'double';
    case 'boolean': return 'boolean';
    case 'datetime': return 'long';
    case 'date': return 'int';
    default: return 'string';
  }
}

export interface ChangeEventSchema {
  id: string;
  json: string;
  /** The body's fields in schema order (after the header). */
  fields: FieldDef[];
  type: avro.Type;
}

export function changeEventSchema(object: SObjectSchema): ChangeEventSchema {
  const fields = object.fields().filter((field) => !NOT_IN_BODY.has(field.name));
  const schema = {
    type: 'record',
    name: `${object.name}ChangeEvent`,
    namespace: 'com.sforce.eventbus',
    fields: [
      { name: 'ChangeEventHeader', type: HEADER },
      ...fields.map((field) => ({ name: field.name, type: ['null', avroTypeOf(field)], default: null })),
    ],
  };
  const json = JSON.stringify(schema);
  const id = createHash('sha256').update(json).digest('base64url').slice(0, 22);
  return { id, json, fields, type: avro.Type.forSchema(schema as avro.Schema) };
}

/**
 * Salesforce sends changedFields (and nulledFields, diffFields) as bitmaps over the schema's field
 * positions, e.g. ["0x1A"]: bit i is the schema's i-th field (the header is field 0).
 */
export function fieldBitmap(schema: ChangeEventSchema, names: string[]): string[] {
  let bits = 0n;
  for (const name of names) {
    const index = schema.fields.findIndex((field) => field.name === name);
    if (index >= 0) bits |= 1n << BigInt(index + 1);
  }
  return bits === 0n ? [] : [`0x${bits.toString(16).toUpperCase()}`];
}

function avroValue(field: FieldDef, value: FieldValue | undefined): FieldValue {
  if (value === null || value === undefined) return null;
  if (field.type === 'date') return Math.floor(Number(value) / 86_400_000);
  if (field.type === 'number' || field.type === 'datetime') return Number(value);
  if (field.type === 'boolean') return Boolean(value);
  return String(value);
}

export interface EncodedChange {
  change: RecordChange;
  changeType: ChangeType;
  commitNumber: number;
  commitUser: string;
}

/** The Avro payload of one change event: the header, and the values the change set. */
export function encodeChangeEvent(schema: ChangeEventSchema, event: EncodedChange): Buffer {
  const { change } = event;
  const body: Record<string, FieldValue> = {};
  const set = new Set(change.changedFields);
  const gap = event.changeType.startsWith('GAP_');
  for (const field of schema.fields) body[field.name] = !gap && set.has(field.name) ? avroValue(field, change.fields[field.name]) : null;
  const nulled = change.changeType === 'UPDATE' ? change.changedFields.filter((name) => change.fields[name] === null) : [];
  return schema.type.toBuffer({
    ChangeEventHeader: {
      entityName: change.type,
      recordIds: [change.recordId],
      changeType: event.changeType,
      changeOrigin: 'com/salesforce/api/rest/59.0;client=vipsync-emulator',
      transactionKey: `${event.commitNumber.toString(16).padStart(8, '0')}-emulator`,
      sequenceNumber: 1,
      commitTimestamp: change.at,
      commitNumber: event.commitNumber,
      commitUser: event.commitUser,
      nulledFields: fieldBitmap(schema, nulled),
      diffFields: [],
      changedFields: change.changeType === 'UPDATE' && !gap ? fieldBitmap(schema, change.changedFields) : [],
    },
    ...body,
  });
}
