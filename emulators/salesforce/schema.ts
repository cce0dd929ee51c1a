// Which fields each emulated sObject has and of what type: the standard fields a sync touches, plus
// whatever extra fields the fixture rows carry (their type inferred from the values).
import type { SObject } from '../fixture.js';

export type SObjectName = 'Account' | 'Contact';
export const SOBJECT_NAMES: readonly SObjectName[] = ['Account', 'Contact'];

export type FieldType = 'id' | 'string' | 'number' | 'boolean' | 'datetime' | 'date';

export interface FieldDef {
  name: string;
  type: FieldType;
  /** System-maintained: a PATCH naming it is refused. */
  readOnly?: boolean;
}

export interface Relationship {
  name: string;
  idField: string;
  target: SObjectName;
}

const COMMON_FIELDS: FieldDef[] = [
  { name: 'Id', type: 'id', readOnly: true },
  { name: 'IsDeleted', type: 'boolean', readOnly: true },
  { name: 'MasterRecordId', type: 'id', readOnly: true },
  { name: 'OwnerId', type: 'id' },
  { name: 'CreatedDate', type: 'datetime', readOnly: true },
  { name: 'LastModifiedDate', type: 'datetime', readOnly: true },
  { name: 'SystemModstamp', type: 'datetime', readOnly: true },
];

const STANDARD_FIELDS: Record<SObjectName, FieldDef[]> = {
  Account: [
    ...COMMON_FIELDS,
    { name: 'Name', type: 'string' },
    { name: 'Type', type: 'string' },
    { name: 'Website', type: 'string' },
    { name: 'Industry', type: 'string' },
    { name: 'Phone', type: 'string' },
    { name: 'AnnualRevenue', type: 'number' },
    { name: 'NumberOfEmployees', type: 'number' },
    { name: 'BillingCity', type: 'string' },
    { name: 'BillingCountry', type: 'string' },
  ],
  Contact: [
    ...COMMON_FIELDS,
    { name: 'AccountId', type: 'id' },
    // Compound of FirstName and LastName in Salesforce; derived on load.
    { name: 'Name', type: 'string', readOnly: true },
    { name: 'FirstName', type: 'string' },
    { name: 'LastName', type: 'string' },
    { name: 'Email', type: 'string' },
    { name: 'Title', type: 'string' },
    { name: 'Phone', type: 'string' },
    { name: 'MobilePhone', type: 'string' },
    { name: 'HasOptedOutOfEmail', type: 'boolean' },
    { name: 'EmailBouncedReason', type: 'string' },
    { name: 'EmailBouncedDate', type: 'datetime' },
    { name: 'IsEmailBounced', type: 'boolean', readOnly: true },
    { name: 'VIP_Level__c', type: 'number' },
    // A multi-select picklist: the API reads and writes its values as one string, "Board;Press".
    { name: 'VIP_Group__c', type: 'string' },
  ],
};

const RELATIONSHIPS: Record<SObjectName, Relationship[]> = {
  Account: [{ name: 'MasterRecord', idField: 'MasterRecordId', target: 'Account' }],
  Contact: [
    { name: 'Account', idField: 'AccountId', target: 'Account' },
    { name: 'MasterRecord', idField: 'MasterRecordId', target: 'Contact' },
  ],
};

export class SObjectSchema {
  // Salesforce field and relationship names are case-insensitive; responses use the canonical spelling.
  private readonly fieldsByLowerName = new Map<string, FieldDef>();
  private readonly relationshipsByLowerName = new Map<string, Relationship>();

  constructor(
    readonly name: SObjectName,
    fields: FieldDef[],
    relationships: Relationship[],
  ) {
    for (const field of fields) this.fieldsByLowerName.set(field.name.toLowerCase(), field);
    for (const relationship of relationships) this.relationshipsByLowerName.set(relationship.name.toLowerCase(), relationship);
  }

  field(name: string): FieldDef | undefined {
    return this.fieldsByLowerName.get(name.toLowerCase());
  }

  relationship(name: string): Relationship | undefined {
    return this.relationshipsByLowerName.get(name.toLowerCase());
  }

  fields(): FieldDef[] {
    return [...this.fieldsByLowerName.values()];
  }
}

export type Schemas = Record<SObjectName, SObjectSchema>;

export function buildSchemas(rows: Record<SObjectName, SObject[]>): Schemas {
  const build = (name: SObjectName) => {
    const fields = new Map(STANDARD_FIELDS[name].map((field) => [field.name.toLowerCase(), field]));
    for (const row of rows[name]) {
      for (const [key, value] of Object.entries(row)) {
        const known = fields.get(key.toLowerCase());
        if (!known && key !== 'attributes') fields.set(key.toLowerCase(), { name: key, type: inferType(value) });
        else if (known && value !== null && known.type === 'string' && !STANDARD_FIELDS[name].includes(known)) {
          // A custom field first seen as null is typed by its first real value.
          known.type = inferType(value);
        }
      }
    }
    return new SObjectSchema(name, [...fields.values()], RELATIONSHIPS[name]);
  };
  return { Account: build('Account'), Contact: build('Contact') };
}

const DATETIME_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;

function inferType(value: unknown): FieldType {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string' && DATETIME_TEXT.test(value)) return 'datetime';
  if (typeof value === 'string' && DATE_TEXT.test(value)) return 'date';
  return 'string';
}

/** Salesforce's wire format for datetimes: "2013-05-20T20:49:32.000+0000". */
export function formatDateTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+0000');
}

export function formatDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
