// What a derivation knows and decides about one person: their CRM records and current row in,
// the row, references and level change out (vip/person.ts decides).
import type { CrmGroup } from './group-rules.js';
import type { VipRules } from './rules.js';
import type { MovedAwayInput, StaleSignal } from './stale.js';

/** The CRM a record came from (its connection's `system`, e.g. "hubspot"). */
export type CrmSystemName = string;
export type LevelSource = 'crm' | 'manual' | 'csv';

export interface PersonRecord {
  connectionId: string;
  system: CrmSystemName;
  crmId: string;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  phone: string | null;
  ownerId: string | null;
  /** Parsed explicit level (1-5) or null; invalid values never get here (quarantined by the sync). */
  explicitLevel: number | null;
  properties: Record<string, unknown>;
  modifiedAt: Date | null;
  deletedAt: Date | null;
  deletionKind: string | null;
  mergedIntoId: string | null;
  companyCrmId: string | null;
  company: { name: string | null; domain: string | null; properties: Record<string, unknown> } | null;
}

/** A reference as stored at the last derivation, with what has become of its baseline company. */
export interface PreviousRef extends Omit<RefRow, 'firstSeenAt'> {
  /** crm_companies.merged_into_id of the baseline company: a company merge is not a move. */
  baselineCompanyMergedIntoId: string | null;
  firstSeenAt: Date;
}

/** A person's row as stored: the derived columns (evidence as stored JSON) plus an admin's level. */
export type ExistingVip = Omit<VipColumns, 'staleEvidence' | 'crmGroups'> & {
  staleEvidence: unknown;
  crmGroups: unknown;
  manualLevel: number | null;
};

export interface PersonInput {
  email: string;
  records: PersonRecord[];
  previousRefs: PreviousRef[];
  /** Contacts in previousRefs that now carry another email or are gone (no row in `records`). */
  movedAway: (MovedAwayInput & { system: CrmSystemName })[];
  existing: ExistingVip | null;
}

export interface DeriveContext {
  rules: VipRules;
  defaultCountry: string;
  staleGraceDays: number;
  now: Date;
}

/** The columns of vips a derivation owns. */
export interface VipColumns {
  name: string | null;
  company: string | null;
  phone: string | null;
  title: string | null;
  fieldSources: unknown;
  level: number | null;
  levelReason: string | null;
  levelSource: LevelSource | null;
  crmLevel: number | null;
  crmLevelReason: string | null;
  validated: boolean;
  validatedAt: Date | null;
  validatedBy: string[];
  stale: boolean;
  staleReason: string | null;
  staleSince: Date | null;
  staleEvidence: StaleSignal[] | null;
  staleConfirmedAt: Date | null;
  /** Every phone (E.164) of the person's live CRM records: what a lookup by phone finds them by. */
  phones: string[];
  /** The groups the rules' `groups:` section gives from CRM facts; null for none. */
  crmGroups: CrmGroup[] | null;
}

export interface RefRow {
  connectionId: string;
  system: CrmSystemName;
  crmId: string;
  status: string;
  baselineCompanyCrmId: string | null;
  baselineDomainMatched: boolean | null;
  firstSeenAt: Date | null;
}

export interface PersonDecision {
  columns: VipColumns;
  refs: RefRow[];
  levelChange: { oldLevel: number | null; newLevel: number | null; reason: string } | null;
  /** The row differs from `existing` (or there is none). */
  changed: boolean;
  refsChanged: boolean;
}

