// Records read by id, for the push path: a Change Data Capture event names records, and the named
// records are read again with queryAll (`SELECT <the walk's fields> FROM Contact WHERE Id IN (...)`),
// so a deleted or merged one comes back too (IsDeleted, MasterRecordId), exactly as a walk sees it.
import type { CrmDeletion, CrmObjectType, CrmRecord, CrmRecordsById } from '../types.js';
import { salesforceTime } from './time.js';

/**
 * Ids in one query. jsforce sends a query as GET /query?q=<SOQL>, and "the maximum length for the
 * combined URI and headers is 16,384 bytes" (a longer one is refused, 414 URI Too Long; Salesforce
 * Help 000386264, which recommends keeping the URI near 2,000 characters); the SOQL statement itself
 * may have 100,000 characters (SOQL and SOSL Limits, App Limits Cheatsheet). An 18-character id
 * quoted and listed costs 30 bytes URL-encoded (`%27003...%27%2C%20`), so 200 ids and the field
 * list make a URI of about 6,700 bytes: far inside the hard limit, and 200 rows fit the smallest
 * batch a query answers (Sforce-Query-Options batchSize, 200 to 2,000).
 */
export const READ_BY_ID_BATCH = 200;

/** Salesforce ids: 15 case-sensitive characters, or 18 with the case-insensitive suffix. */
const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

export type SObjectRow = { Id: string; attributes?: unknown; [field: string]: unknown };

export interface ReadByIdDeps {
  sobject: string;
  fields: string[];
  /** Runs the SOQL with queryAll and returns every row, following `nextRecordsUrl` to `done`. */
  queryAll(soql: string): Promise<SObjectRow[]>;
  toRecord(row: SObjectRow): CrmRecord<CrmObjectType>;
}

/** The SOQL that reads these ids (already checked to be Salesforce ids, so quoting is enough). */
export function readByIdQuery(sobject: string, fields: string[], ids: string[]): string {
  return `SELECT ${fields.join(', ')} FROM ${sobject} WHERE Id IN (${ids.map((id) => `'${id}'`).join(', ')})`;
}

/** A row with IsDeleted: merged when MasterRecordId names the survivor, else deleted (in the recycle bin). */
export function deletionOf(row: SObjectRow): CrmDeletion {
  const master = typeof row.MasterRecordId === 'string' && row.MasterRecordId !== '' ? row.MasterRecordId : null;
  return master
    ? { crmId: row.Id, kind: 'merged', mergedIntoId: master, at: salesforceTime(row.SystemModstamp) }
    : { crmId: row.Id, kind: 'deleted', at: salesforceTime(row.SystemModstamp) };
}

/**
 * The records now: live ones mapped as a walk maps them, deleted and merged ones as a walk reports
 * them, and ids queryAll does not return (purged from the recycle bin, or never there) as missing.
 * Ids match by their 15-character case-sensitive form, so a 15-character id finds the record
 * Salesforce answers with its 18-character id (which records carry, as in a walk).
 */
export async function readRecordsById<T extends CrmObjectType>(deps: ReadByIdDeps, ids: string[]): Promise<CrmRecordsById<T>> {
  const bad = ids.find((id) => !SALESFORCE_ID.test(id));
  if (bad !== undefined) throw new Error(`read ${deps.sobject} by id: ${JSON.stringify(bad)} is not a Salesforce id (15 or 18 letters and digits)`);
  const wanted = [...new Map(ids.map((id) => [id.slice(0, 15), id])).values()];
  const rows: SObjectRow[] = [];
  for (let i = 0; i < wanted.length; i += READ_BY_ID_BATCH) {
    rows.push(...(await deps.queryAll(readByIdQuery(deps.sobject, deps.fields, wanted.slice(i, i + READ_BY_ID_BATCH)))));
  }
  const asked = new Map(wanted.map((id) => [id.slice(0, 15), id]));
  const byKey = new Map<string, SObjectRow>();
  for (const row of rows) if (asked.has(row.Id.slice(0, 15))) byKey.set(row.Id.slice(0, 15), row);
  const found = [...byKey.values()];
  return {
    records: found.filter((row) => row.IsDeleted !== true).map(deps.toRecord) as CrmRecord<T>[],
    deletions: found.filter((row) => row.IsDeleted === true).map(deletionOf),
    missing: wanted.filter((id) => !byKey.has(id.slice(0, 15))),
  };
}
