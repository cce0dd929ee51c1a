// One person from several CRM records (same normalised email). The conflict rule, per field:
// live records before deleted ones, then the most recently modified record that has a value wins;
// ties go to the connection id, then the CRM id, so the answer never depends on row order. The
// record each value came from is kept (vips.field_sources).
import { normalizePhone } from './phone.js';

export interface MergeRecord {
  connectionId: string;
  crmId: string;
  live: boolean;
  modifiedAt: Date | null;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  phone: string | null;
  companyName: string | null;
}

export interface FieldSource {
  connectionId: string;
  crmId: string;
  modifiedAt: string | null;
}

export type MergedField = 'name' | 'company' | 'phone' | 'title';

export interface MergedPerson {
  name: string | null;
  company: string | null;
  phone: string | null;
  title: string | null;
  sources: Partial<Record<MergedField, FieldSource>>;
}

/** Most trustworthy first: live, most recently modified, then a stable tie-break. */
export function compareForMerge(a: MergeRecord, b: MergeRecord): number {
  if (a.live !== b.live) return a.live ? -1 : 1;
  const at = a.modifiedAt?.getTime() ?? -Infinity;
  const bt = b.modifiedAt?.getTime() ?? -Infinity;
  if (at !== bt) return bt - at;
  if (a.connectionId !== b.connectionId) return a.connectionId < b.connectionId ? -1 : 1;
  return a.crmId < b.crmId ? -1 : a.crmId > b.crmId ? 1 : 0;
}

function clean(value: string | null): string | null {
  const text = value?.replace(/\s+/g, ' ').trim();
  return text ? text : null;
}

export function mergePersonFields(records: MergeRecord[], defaultCountry: string): MergedPerson {
  const ordered = [...records].sort(compareForMerge);
  const merged: MergedPerson = { name: null, company: null, phone: null, title: null, sources: {} };
  const values: Record<MergedField, (r: MergeRecord) => string | null> = {
    name: (r) => clean([r.firstName, r.lastName].filter(Boolean).join(' ')),
    company: (r) => clean(r.companyName),
    // A number that cannot be read as a phone number does not win over one that can.
    phone: (r) => {
      const check = normalizePhone(r.phone, defaultCountry);
      return check.ok ? check.e164 : null;
    },
    title: (r) => clean(r.title),
  };
  for (const field of Object.keys(values) as MergedField[]) {
    for (const record of ordered) {
      const value = values[field](record);
      if (value === null) continue;
      merged[field] = value;
      merged.sources[field] = { connectionId: record.connectionId, crmId: record.crmId, modifiedAt: record.modifiedAt?.toISOString() ?? null };
      break;
    }
  }
  return merged;
}
