// The emulated org's Account and Contact rows. Values are kept typed (datetimes as epoch ms) so
// queries compare them without reparsing text on every row.
import type { Fixture, SObject } from '../fixture.js';
import { SalesforceApiError } from './errors.js';
import { buildSchemas, formatDate, formatDateTime, SOBJECT_NAMES, type FieldDef, type Schemas, type SObjectName } from './schema.js';

export type FieldValue = string | number | boolean | null;

export interface StoredRecord {
  type: SObjectName;
  fields: Record<string, FieldValue>;
  /** When the row was deleted, for the /deleted replication endpoint. */
  deletedAt?: number;
}

/** One committed change of one record, as Change Data Capture reports it (emulators/salesforce/event-bus.ts). */
export interface RecordChange {
  type: SObjectName;
  changeType: 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';
  recordId: string;
  /** The fields the change set (all the set fields for a creation; none for a deletion). */
  changedFields: string[];
  /** The record's fields after the change. */
  fields: Record<string, FieldValue>;
  /** The commit time (epoch ms, the org's clock). */
  at: number;
}

/** The 3-character key prefix of each sObject's ids. */
const KEY_PREFIX: Record<SObjectName, string> = { Account: '001', Contact: '003' };

export class SalesforceStore {
  /**
   * The org's clock, for what the store stamps itself (edits, deletions, reloads): the worker's
   * plus `clockOffsetMs`, so a test can run an org whose clock differs from the worker's.
   */
  constructor(private readonly clockOffsetMs = 0) {}

  schemas: Schemas = buildSchemas({ Account: [], Contact: [] });
  private rows: Record<SObjectName, StoredRecord[]> = { Account: [], Contact: [] };
  // Salesforce accepts both the 15- and the 18-character form of an id.
  private byId15 = new Map<string, StoredRecord>();

  private loads = 0;
  private changes = 0;
  private createdIds = 0;
  private readonly listeners: ((change: RecordChange) => void)[] = [];

  /** Calls `listener` with every committed record change from now on (Change Data Capture's feed). */
  onChange(listener: (change: RecordChange) => void): void {
    this.listeners.push(listener);
  }

  /** A change event's commitTimestamp: milliseconds, unlike the whole-second audit stamps. */
  private commitTime(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private emit(change: RecordChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** Counts every change to the rows (loads, updates, deletions): what a cached ordering was built at. */
  get revision(): number {
    return this.changes;
  }

  /**
   * Replaces the org's rows. On every load after the first, a row that is new or whose fields
   * changed gets a fresh SystemModstamp (and LastModifiedDate, unless only IsDeleted changed), as
   * if it had been edited in the org now, unless the fixture itself dates it later than before.
   */
  load(data: Fixture['salesforce']): void {
    const previous = this.loads++ === 0 ? null : new Map(this.byId15);
    this.changes++;
    this.schemas = buildSchemas(data);
    this.byId15.clear();
    const loadedAt = atWholeSecond(Date.now() + this.clockOffsetMs);
    const changed: RecordChange[] = [];
    for (const type of SOBJECT_NAMES) {
      const records = data[type].map((row) => this.toStored(type, row, loadedAt));
      if (previous) {
        for (const record of records) {
          const before = previous.get(String(record.fields.Id).slice(0, 15));
          if (stampIfChanged(record, before, loadedAt)) changed.push(changeOf(record, before));
        }
      }
      records.sort((a, b) => compareText(String(a.fields.Id), String(b.fields.Id)));
      this.rows[type] = records;
      for (const record of records) this.byId15.set(String(record.fields.Id).slice(0, 15), record);
    }
    // A reload is the org's users editing records: each change it makes is a change event.
    for (const change of changed) this.emit(change);
  }

  /** All rows of a type in Id order, deleted ones included. */
  all(type: SObjectName): readonly StoredRecord[] {
    return this.rows[type];
  }

  get(type: SObjectName, id: string): StoredRecord | undefined {
    const record = this.byId15.get(id.slice(0, 15));
    return record?.type === type ? record : undefined;
  }

  update(type: SObjectName, id: string, changes: Record<string, unknown>): void {
    const record = this.liveRecord(type, id);
    const schema = this.schemas[type];
    const typed: Record<string, FieldValue> = {};
    for (const [name, value] of Object.entries(changes)) {
      const field = schema.field(name);
      if (!field) throw new SalesforceApiError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${type}`);
      if (field.readOnly) {
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [field.name],
        );
      }
      typed[field.name] = toFieldValue(field, value, `${type}.${field.name}`);
    }
    Object.assign(record.fields, typed);
    this.changes++;
    if (type === 'Contact') record.fields.Name = contactName(record.fields);
    const now = atWholeSecond(Date.now() + this.clockOffsetMs);
    record.fields.LastModifiedDate = now;
    record.fields.SystemModstamp = now;
    this.emit({
      type, changeType: 'UPDATE', recordId: String(record.fields.Id), changedFields: [...Object.keys(typed), 'LastModifiedDate'],
      fields: { ...record.fields }, at: this.commitTime(),
    });
  }

  /** Creates a record as POST /sobjects/{type} does; returns its new 18-character id. */
  create(type: SObjectName, values: Record<string, unknown>): string {
    const schema = this.schemas[type];
    let id: string;
    do {
      this.createdIds++;
      id = `${KEY_PREFIX[type]}9${String(this.createdIds).padStart(11, '0')}AAA`;
    } while (this.byId15.has(id.slice(0, 15)));
    const fields: Record<string, FieldValue> = {};
    for (const [name, value] of Object.entries(values)) {
      const field = schema.field(name);
      if (!field) throw new SalesforceApiError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${type}`);
      if (field.readOnly) {
        throw new SalesforceApiError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${field.name}.`, [field.name]);
      }
      fields[field.name] = toFieldValue(field, value, `${type}.${field.name}`);
    }
    const now = atWholeSecond(Date.now() + this.clockOffsetMs);
    Object.assign(fields, { Id: id, IsDeleted: false, CreatedDate: now, LastModifiedDate: now, SystemModstamp: now });
    if (type === 'Contact') {
      fields.Name = contactName(fields);
      fields.IsEmailBounced = fields.EmailBouncedReason != null;
    }
    const record: StoredRecord = { type, fields };
    const rows = this.rows[type];
    let at = rows.length;
    while (at > 0 && compareText(String(rows[at - 1]!.fields.Id), id) > 0) at--;
    rows.splice(at, 0, record);
    this.byId15.set(id.slice(0, 15), record);
    this.changes++;
    this.emit({ type, changeType: 'CREATE', recordId: id, changedFields: Object.keys(fields).filter((name) => fields[name] !== null), fields: { ...fields }, at: this.commitTime() });
    return id;
  }

  /** Deleting moves the row to the recycle bin: queryAll still sees it, LastModifiedDate stays. */
  delete(type: SObjectName, id: string): void {
    const record = this.liveRecord(type, id);
    const now = atWholeSecond(Date.now() + this.clockOffsetMs);
    this.changes++;
    record.fields.IsDeleted = true;
    record.fields.SystemModstamp = now;
    record.deletedAt = now;
    this.emit({ type, changeType: 'DELETE', recordId: String(record.fields.Id), changedFields: [], fields: { ...record.fields }, at: this.commitTime() });
  }

  count(type: SObjectName): number {
    return this.rows[type].length;
  }

  private liveRecord(type: SObjectName, id: string): StoredRecord {
    const record = this.get(type, id);
    if (!record) throw new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (record.fields.IsDeleted === true) throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    return record;
  }

  private toStored(type: SObjectName, row: SObject, loadedAt: number): StoredRecord {
    const schema = this.schemas[type];
    const fields: Record<string, FieldValue> = {};
    for (const [name, value] of Object.entries(row)) {
      const field = schema.field(name);
      if (field) fields[field.name] = toFieldValue(field, value, `${type} ${row.Id}.${name}`);
    }
    fields.IsDeleted ??= false;
    for (const name of AUDIT_STAMPS) {
      const value = fields[name];
      if (typeof value === 'number') fields[name] = atWholeSecond(value);
    }
    const created = typeof fields.CreatedDate === 'number' ? fields.CreatedDate : undefined;
    fields.LastModifiedDate ??= created ?? loadedAt;
    fields.SystemModstamp ??= fields.LastModifiedDate;
    if (type === 'Contact') {
      fields.Name ??= contactName(fields);
      fields.IsEmailBounced ??= fields.EmailBouncedReason != null;
    }
    const record: StoredRecord = { type, fields };
    if (fields.IsDeleted === true) record.deletedAt = fields.SystemModstamp as number;
    return record;
  }
}

const STAMPS = new Set(['SystemModstamp', 'LastModifiedDate']);

/**
 * Real orgs keep these at whole seconds (answers end in ".000"; salesforce.md, "Behaviours a sync
 * must survive"), so many records share one stamp. A fixture's milliseconds are dropped on load
 * and the emulator stamps its own changes at whole seconds, or ties would stay rare here.
 */
const AUDIT_STAMPS = ['CreatedDate', 'LastModifiedDate', 'SystemModstamp'] as const;

function atWholeSecond(epochMs: number): number {
  return Math.floor(epochMs / 1000) * 1000;
}

function sameFields(a: Record<string, FieldValue>, b: Record<string, FieldValue>, ignore: Set<string>): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const name of names) if (!ignore.has(name) && (a[name] ?? null) !== (b[name] ?? null)) return false;
  return true;
}

/** Stamps a reloaded record that is new or changed as edited now; says whether it was. */
function stampIfChanged(record: StoredRecord, before: StoredRecord | undefined, now: number): boolean {
  if (before && sameFields(record.fields, before.fields, STAMPS)) {
    // Unchanged: it keeps the modification times it had, whatever the fixture says.
    record.fields.SystemModstamp = before.fields.SystemModstamp ?? null;
    record.fields.LastModifiedDate = before.fields.LastModifiedDate ?? null;
    return false;
  }
  const previousStamp = before ? Number(before.fields.SystemModstamp) : -Infinity;
  if (Number(record.fields.SystemModstamp) > previousStamp && before) return true;
  record.fields.SystemModstamp = now;
  const onlyDeletion = before && sameFields(record.fields, before.fields, new Set([...STAMPS, 'IsDeleted']));
  if (!onlyDeletion) record.fields.LastModifiedDate = now;
  if (record.fields.IsDeleted === true) record.deletedAt = now;
  return true;
}

/** The change event a reload's new or changed record makes. */
function changeOf(record: StoredRecord, before: StoredRecord | undefined): RecordChange {
  const fields = record.fields;
  const at = Number(fields.SystemModstamp);
  const base = { type: record.type, recordId: String(fields.Id), fields: { ...fields }, at };
  if (fields.IsDeleted === true) return { ...base, changeType: 'DELETE', changedFields: [] };
  if (!before) return { ...base, changeType: 'CREATE', changedFields: Object.keys(fields).filter((name) => fields[name] !== null) };
  if (before.fields.IsDeleted === true) return { ...base, changeType: 'UNDELETE', changedFields: [] };
  const changedFields = Object.keys({ ...fields, ...before.fields }).filter((name) => !STAMPS.has(name) && (fields[name] ?? null) !== (before.fields[name] ?? null));
  return { ...base, changeType: 'UPDATE', changedFields: [...changedFields, 'LastModifiedDate'] };
}

function contactName(fields: Record<string, FieldValue>): string {
  return [fields.FirstName, fields.LastName].filter((part) => part !== null && part !== undefined && part !== '').join(' ');
}

/** Turns a JSON value into the stored form for its field type; refuses values of the wrong type. */
export function toFieldValue(field: FieldDef, value: unknown, where: string): FieldValue {
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'datetime':
    case 'date': {
      const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(ms)) throw badValue(where, field, value);
      return ms;
    }
    case 'number': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (Number.isNaN(number)) throw badValue(where, field, value);
      return number;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw badValue(where, field, value);
      return value;
    default:
      if (typeof value === 'object') throw badValue(where, field, value);
      return String(value);
  }
}

function badValue(where: string, field: FieldDef, value: unknown): SalesforceApiError {
  return new SalesforceApiError(400, 'JSON_PARSER_ERROR', `Cannot deserialize ${JSON.stringify(value)} as ${field.type} for ${where}`, [field.name]);
}

/** The JSON form of a stored value. */
export function toWireValue(field: FieldDef, value: FieldValue | undefined): FieldValue {
  if (value === null || value === undefined) return null;
  if (field.type === 'datetime' && typeof value === 'number') return formatDateTime(value);
  if (field.type === 'date' && typeof value === 'number') return formatDate(value);
  return value;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
