// The push path's write: records re-read by id (because a CRM event named them) go into Postgres as
// a walk's would (validated, fingerprinted, quarantined when bad), in one transaction, and the
// people they concern come back for the derivation. The CRM's modification time decides: a record
// read older than the one stored is left alone, so an event handled late never rolls a record back.
import type { CrmDeletion, CrmObjectType, CrmRecordsById } from '../crm/types.js';
import { bulkTransaction, type Db, type Sql } from '../db/client.js';
import type { PushChange } from '../workflows/contract.js';
import { recordApplied, prunePushEvents } from './push-store.js';
import { companyRow, contactRow, isRejection, rejectDuplicateEmails, type CompanyRow, type ContactRow, type Rejection } from './records.js';
import { emailHolders, quarantine, releaseFromQuarantine, upsertCompanies, upsertContacts } from './store.js';

export const PUSH_OBJECT_TYPES: Record<PushChange['objectType'], CrmObjectType> = { contact: 'contacts', company: 'companies' };
const TABLE: Record<CrmObjectType, string> = { companies: 'crm_companies', contacts: 'crm_contacts' };

export interface PushApplyResult {
  /** Records written (created or changed) and records marked gone. */
  written: number;
  deleted: number;
  /** Records read older than the stored ones (left alone). */
  staleSkipped: number;
  unchanged: number;
  quarantined: number;
  /** The people (normalised emails) to derive again: before and after the change. */
  emails: string[];
}

/** The stored modification times of these records. */
async function storedModifiedAt(sql: Sql, objectType: CrmObjectType, connectionId: string, ids: string[]): Promise<Map<string, Date | null>> {
  const { rows } = await sql.query<{ crm_id: string; crm_modified_at: Date | null }>(
    `SELECT crm_id, crm_modified_at FROM ${TABLE[objectType]} WHERE connection_id = $1 AND crm_id = ANY($2::text[])`, [connectionId, ids]);
  return new Map(rows.map((r) => [r.crm_id, r.crm_modified_at]));
}

/** The people these records concern: contacts by id, and the contacts of companies by id. */
async function peopleOf(sql: Sql, connectionId: string, contactIds: string[], companyIds: string[]): Promise<string[]> {
  const { rows } = await sql.query<{ email: string }>(
    `SELECT email_normalized AS email FROM crm_contacts WHERE connection_id = $1 AND crm_id = ANY($2::text[]) AND email_normalized IS NOT NULL
     UNION
     SELECT email_normalized FROM crm_contacts WHERE connection_id = $1 AND company_crm_id = ANY($3::text[]) AND email_normalized IS NOT NULL`,
    [connectionId, contactIds, companyIds]);
  return rows.map((r) => r.email);
}

/** Marks records gone unless the stored record is newer than the deletion (restored since). */
async function markGone(sql: Sql, connectionId: string, objectType: CrmObjectType, deletions: CrmDeletion[]): Promise<number> {
  if (deletions.length === 0) return 0;
  const result = await sql.query(
    `UPDATE ${TABLE[objectType]} AS t SET deleted_at = coalesce(d.at::timestamptz, now()), deletion_kind = d.kind,
       merged_into_id = d.merged_into, updated_at = now()
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS d(crm_id, kind, merged_into, at)
     WHERE t.connection_id = $1 AND t.crm_id = d.crm_id AND t.deleted_at IS NULL
       AND (d.at IS NULL OR t.crm_modified_at IS NULL OR d.at::timestamptz >= t.crm_modified_at)`,
    [connectionId, deletions.map((d) => d.crmId), deletions.map((d) => d.kind),
      deletions.map((d) => d.mergedIntoId ?? null), deletions.map((d) => d.at?.toISOString() ?? null)],
  );
  return result.rowCount ?? 0;
}

export interface PushReads {
  companies?: CrmRecordsById<'companies'>;
  contacts?: CrmRecordsById<'contacts'>;
}

/** Writes what was read for `changes` in one transaction; returns the counts and the people concerned. */
export async function applyPushedRecords(db: Db, connectionId: string, changes: PushChange[], reads: PushReads): Promise<PushApplyResult> {
  const result: PushApplyResult = { written: 0, deleted: 0, staleSkipped: 0, unchanged: 0, quarantined: 0, emails: [] };
  const deletedByEvent = (objectType: CrmObjectType) =>
    new Set(changes.filter((c) => PUSH_OBJECT_TYPES[c.objectType] === objectType && c.kind === 'delete').map((c) => c.crmId));
  const latestChangeAt = changes.reduce<Date | null>((max, c) => {
    const at = new Date(c.changedAt);
    return Number.isNaN(at.getTime()) || (max && max >= at) ? max : at;
  }, null);

  await bulkTransaction(db, async (sql) => {
    const emails = new Set<string>();
    const contactIdsTouched = [
      ...(reads.contacts?.records.map((r) => r.crmId) ?? []), ...(reads.contacts?.deletions.map((d) => d.crmId) ?? []), ...(reads.contacts?.missing ?? []),
    ];
    const companyIdsTouched = [
      ...(reads.companies?.records.map((r) => r.crmId) ?? []), ...(reads.companies?.deletions.map((d) => d.crmId) ?? []), ...(reads.companies?.missing ?? []),
    ];
    // The people as they were: a contact that changed its email leaves its old person behind.
    for (const email of await peopleOf(sql, connectionId, contactIdsTouched, companyIdsTouched)) emails.add(email);

    for (const objectType of ['companies', 'contacts'] as const) {
      const read = reads[objectType];
      if (!read) continue;
      const stored = await storedModifiedAt(sql, objectType, connectionId, read.records.map((r) => r.crmId));
      const fresh = read.records.filter((r) => {
        const before = stored.get(r.crmId);
        const stale = before != null && r.modifiedAt !== null && r.modifiedAt < before;
        if (stale) result.staleSkipped++;
        return !stale;
      });
      let rejected: Rejection[] = [];
      let written: { inserted: boolean }[];
      let good: string[];
      if (objectType === 'companies') {
        const rows: CompanyRow[] = [];
        for (const record of fresh as CrmRecordsById<'companies'>['records']) {
          const row = companyRow(record);
          if (isRejection(row)) rejected.push(row);
          else rows.push(row);
        }
        written = await upsertCompanies(sql, connectionId, rows);
        good = rows.map((r) => r.crmId);
      } else {
        let rows: ContactRow[] = [];
        for (const record of fresh as CrmRecordsById<'contacts'>['records']) {
          const row = contactRow(record);
          if (isRejection(row)) rejected.push(row);
          else rows.push(row);
        }
        const holders = await emailHolders(sql, connectionId, rows.map((c) => c.emailNormalized), rows.map((c) => c.crmId));
        const deduped = rejectDuplicateEmails(rows, holders);
        rows = deduped.rows;
        rejected = [...rejected, ...deduped.rejected];
        written = await upsertContacts(sql, connectionId, rows);
        good = rows.map((r) => r.crmId);
        for (const row of rows) emails.add(row.emailNormalized);
      }
      await releaseFromQuarantine(sql, connectionId, objectType, good);
      await quarantine(sql, connectionId, objectType, null, rejected);
      const deletedNow = deletedByEvent(objectType);
      // An id the CRM knows neither live nor archived is gone only if its event said so; otherwise
      // (not visible yet, say) the scheduled sync decides.
      const purged: CrmDeletion[] = read.missing.filter((id) => deletedNow.has(id)).map((crmId) => ({ crmId, kind: 'deleted', at: null }));
      result.deleted += await markGone(sql, connectionId, objectType, [...read.deletions, ...purged]);
      result.written += written.length;
      result.unchanged += fresh.length - rejected.length - written.length;
      result.quarantined += rejected.length;
    }
    // The people as they are now (a company's contacts; a contact's new email was added above).
    for (const email of await peopleOf(sql, connectionId, [], companyIdsTouched)) emails.add(email);
    result.emails = [...emails].sort();
    await recordApplied(sql, connectionId, { applied: result.written + result.deleted, staleSkipped: result.staleSkipped, latestChangeAt });
    await prunePushEvents(sql);
  });
  return result;
}
