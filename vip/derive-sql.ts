// A derivation's SQL, apart from its pipeline (derive.ts): the statements that read a batch's CRM
// records, VIP rows and refs (the rows as derivePerson takes them), write back what changed, count levels.
import type { Db, Sql } from '../db/client.js';
import { levelDistribution, type LevelDistribution } from './distribution.js';
import type { CrmSystemName, ExistingVip, LevelSource, PersonDecision, PersonRecord, PreviousRef } from './person-types.js';
import type { VipRules } from './rules.js';

// The statements below are shaped so their plan does not hang on the tables' statistics: a first
// derivation fills vips and vip_crm_refs from empty, and with the statistics of the empty tables
// Postgres joined every batch to a full scan of them (300k contacts: 98 s instead of 48 s). Refs
// are found through an id array (index scans); a company is fetched per contact (LATERAL ... LIMIT 1
// keeps it an index lookup instead of hashing all companies for each batch). A batch's contacts
// are looked up per email for the same reason (OFFSET 0 keeps Postgres from folding the lookup
// into a join): crm_contacts filled by a sync moments ago, before its statistics were gathered,
// was read whole for every batch (twice as slow at 100k contacts).
const BATCH_VIP_IDS = 'SELECT id FROM vips WHERE email = ANY($1::text[])';

// Of the records' properties only those a decision reads ($2 contact, $3 company): the whole
// objects were most of what a batch read, parsed and kept.
const LOAD_RECORDS = `
SELECT c.email_normalized AS email, c.connection_id, conn.system::text AS system, c.crm_id, c.first_name, c.last_name,
  c.title, c.phone, c.owner_id, c.crm_vip_level, c.crm_modified_at, c.deleted_at, c.deletion_kind,
  c.merged_into_id, c.company_crm_id, (co.id IS NOT NULL) AS has_company, co.name AS company_name, co.domain AS company_domain,
  (SELECT jsonb_object_agg(k, c.properties -> k) FROM unnest($2::text[]) AS k WHERE c.properties ? k) AS properties,
  (SELECT jsonb_object_agg(k, co.properties -> k) FROM unnest($3::text[]) AS k WHERE co.properties ? k) AS company_properties
FROM unnest($1::text[]) AS person(email)
CROSS JOIN LATERAL (SELECT * FROM crm_contacts c WHERE c.email_normalized = person.email OFFSET 0) c
JOIN crm_connections conn ON conn.id = c.connection_id
LEFT JOIN LATERAL (
  SELECT co.id, co.name, co.domain, co.properties FROM crm_companies co
  WHERE co.connection_id = c.connection_id AND co.crm_id = c.company_crm_id AND co.deleted_at IS NULL
  LIMIT 1
) co ON true`;

const LOAD_VIPS = `
SELECT email, name, company, phone, title, field_sources, level, level_reason, level_source::text AS level_source,
  crm_level, crm_level_reason, manual_level, validated, validated_at, validated_by, stale, stale_reason, stale_since,
  stale_evidence, stale_confirmed_at, phones, crm_groups
FROM vips WHERE email = ANY($1::text[])`;

const LOAD_REFS = `
SELECT v.email, r.connection_id, r.system::text AS system, r.crm_id, r.status, r.baseline_company_crm_id,
  r.baseline_domain_matched, r.first_seen_at, bco.merged_into_id AS baseline_company_merged_into_id,
  (cur.id IS NOT NULL) AS current_exists, cur.email_normalized AS current_email
FROM vip_crm_refs r
JOIN vips v ON v.id = r.vip_id
LEFT JOIN LATERAL (
  SELECT bco.merged_into_id FROM crm_companies bco
  WHERE bco.connection_id = r.connection_id AND bco.crm_id = r.baseline_company_crm_id
  LIMIT 1
) bco ON true
LEFT JOIN crm_contacts cur ON cur.connection_id = r.connection_id AND cur.crm_id = r.crm_id
WHERE r.vip_id = ANY(ARRAY(${BATCH_VIP_IDS}))`;

// Manual levels and an admin's stale confirmation are re-checked in the statement itself, so an
// admin's edit that lands while a batch is being computed is never overwritten.
const UPSERT_VIPS = `
INSERT INTO vips AS v (email, name, company, phone, title, field_sources, level, level_reason, level_source, crm_level,
  crm_level_reason, source, validated, validated_at, validated_by, stale, stale_reason, stale_since, stale_evidence,
  stale_confirmed_at, phones, crm_groups, updated_at)
SELECT r.email, r.name, r.company, r.phone, r.title, r.field_sources, r.level, r.level_reason, r.level_source::"VipSource",
  r.crm_level, r.crm_level_reason, 'crm', r.validated, r.validated_at, ARRAY(SELECT jsonb_array_elements_text(r.validated_by)),
  r.stale, r.stale_reason, r.stale_since, r.stale_evidence, r.stale_confirmed_at,
  ARRAY(SELECT jsonb_array_elements_text(r.phones)), r.crm_groups, now()
FROM jsonb_to_recordset($1::jsonb) AS r(email text, name text, company text, phone text, title text, field_sources jsonb,
  level int, level_reason text, level_source text, crm_level int, crm_level_reason text, validated boolean,
  validated_at timestamptz, validated_by jsonb, stale boolean, stale_reason text, stale_since timestamptz,
  stale_evidence jsonb, stale_confirmed_at timestamptz, phones jsonb, crm_groups jsonb)
ON CONFLICT (email) DO UPDATE SET
  name = excluded.name, company = excluded.company, phone = excluded.phone, title = excluded.title,
  field_sources = excluded.field_sources,
  level = CASE WHEN v.manual_level IS NULL THEN excluded.level ELSE v.level END,
  level_reason = CASE WHEN v.manual_level IS NULL THEN excluded.level_reason ELSE v.level_reason END,
  level_source = CASE WHEN v.manual_level IS NULL THEN excluded.level_source ELSE v.level_source END,
  crm_level = excluded.crm_level, crm_level_reason = excluded.crm_level_reason,
  validated = excluded.validated, validated_at = excluded.validated_at, validated_by = excluded.validated_by,
  stale = excluded.stale, stale_reason = excluded.stale_reason, stale_since = excluded.stale_since,
  stale_evidence = excluded.stale_evidence,
  stale_confirmed_at = CASE WHEN excluded.stale THEN coalesce(v.stale_confirmed_at, excluded.stale_confirmed_at) END,
  phones = excluded.phones,
  crm_groups = excluded.crm_groups,
  updated_at = now()`;

const INSERT_LEVEL_CHANGES = `
INSERT INTO vip_level_changes (vip_id, old_level, new_level, reason, source, actor)
SELECT v.id, r.old_level, r.new_level, r.reason, 'crm', $2
FROM jsonb_to_recordset($1::jsonb) AS r(email text, old_level int, new_level int, reason text)
JOIN vips v ON v.email = r.email
WHERE v.manual_level IS NULL`;

const DELETE_REFS = `DELETE FROM vip_crm_refs WHERE vip_id = ANY(ARRAY(${BATCH_VIP_IDS}))`;

const INSERT_REFS = `
INSERT INTO vip_crm_refs (vip_id, connection_id, system, crm_id, status, baseline_company_crm_id, baseline_domain_matched,
  first_seen_at, updated_at)
SELECT v.id, r.connection_id, r.system, r.crm_id, r.status, r.baseline_company_crm_id,
  r.baseline_domain_matched, coalesce(r.first_seen_at, now()), now()
FROM jsonb_to_recordset($1::jsonb) AS r(email text, connection_id text, system text, crm_id text, status text,
  baseline_company_crm_id text, baseline_domain_matched boolean, first_seen_at timestamptz)
JOIN vips v ON v.email = r.email`;

export interface RecordRow {
  email: string;
  connection_id: string;
  system: CrmSystemName;
  crm_id: string;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  phone: string | null;
  owner_id: string | null;
  crm_vip_level: number | null;
  properties: Record<string, unknown> | null;
  crm_modified_at: Date | null;
  deleted_at: Date | null;
  deletion_kind: string | null;
  merged_into_id: string | null;
  company_crm_id: string | null;
  has_company: boolean;
  company_name: string | null;
  company_domain: string | null;
  company_properties: Record<string, unknown> | null;
}

export interface VipRow {
  email: string;
  name: string | null;
  company: string | null;
  phone: string | null;
  title: string | null;
  field_sources: unknown;
  level: number | null;
  level_reason: string | null;
  level_source: LevelSource | null;
  crm_level: number | null;
  crm_level_reason: string | null;
  manual_level: number | null;
  validated: boolean;
  validated_at: Date | null;
  validated_by: string[] | null;
  stale: boolean;
  stale_reason: string | null;
  stale_since: Date | null;
  stale_evidence: unknown;
  stale_confirmed_at: Date | null;
  phones: string[] | null;
  crm_groups: unknown;
}

export interface RefRowDb {
  email: string;
  connection_id: string;
  system: CrmSystemName;
  crm_id: string;
  status: string;
  baseline_company_crm_id: string | null;
  baseline_domain_matched: boolean | null;
  first_seen_at: Date;
  baseline_company_merged_into_id: string | null;
  current_exists: boolean;
  current_email: string | null;
}

export function toRecord(r: RecordRow): PersonRecord {
  return {
    connectionId: r.connection_id,
    system: r.system,
    crmId: r.crm_id,
    firstName: r.first_name,
    lastName: r.last_name,
    title: r.title,
    phone: r.phone,
    ownerId: r.owner_id,
    explicitLevel: r.crm_vip_level,
    properties: r.properties ?? {},
    modifiedAt: r.crm_modified_at,
    deletedAt: r.deleted_at,
    deletionKind: r.deletion_kind,
    mergedIntoId: r.merged_into_id,
    companyCrmId: r.company_crm_id,
    company: r.has_company ? { name: r.company_name, domain: r.company_domain, properties: r.company_properties ?? {} } : null,
  };
}

export function toExisting(v: VipRow): ExistingVip {
  return {
    name: v.name,
    company: v.company,
    phone: v.phone,
    title: v.title,
    fieldSources: v.field_sources,
    level: v.level,
    levelReason: v.level_reason,
    levelSource: v.level_source,
    crmLevel: v.crm_level,
    crmLevelReason: v.crm_level_reason,
    manualLevel: v.manual_level,
    validated: v.validated,
    validatedAt: v.validated_at,
    validatedBy: v.validated_by ?? [],
    stale: v.stale,
    staleReason: v.stale_reason,
    staleSince: v.stale_since,
    staleEvidence: v.stale_evidence,
    staleConfirmedAt: v.stale_confirmed_at,
    phones: v.phones ?? [],
    crmGroups: v.crm_groups,
  };
}

export function toPreviousRef(r: RefRowDb): PreviousRef {
  return {
    connectionId: r.connection_id,
    system: r.system,
    crmId: r.crm_id,
    status: r.status,
    baselineCompanyCrmId: r.baseline_company_crm_id,
    baselineDomainMatched: r.baseline_domain_matched,
    baselineCompanyMergedIntoId: r.baseline_company_merged_into_id,
    firstSeenAt: r.first_seen_at,
  };
}

/**
 * A batch's rows: `contactProperties` and `companyProperties` are the contact and company
 * properties a decision reads (LOAD_RECORDS' $2 and $3).
 */
export async function loadBatch(sql: Sql, emails: string[], contactProperties: string[], companyProperties: string[]) {
  const records = (await sql.query<RecordRow>(LOAD_RECORDS, [emails, contactProperties, companyProperties])).rows;
  const vips = (await sql.query<VipRow>(LOAD_VIPS, [emails])).rows;
  const refs = (await sql.query<RefRowDb>(LOAD_REFS, [emails])).rows;
  return { records, vips, refs };
}

/** Writes back the people whose row, level or refs changed; `actor` is who the level history names. */
export async function writeDecisions(
  sql: Sql, decisions: { email: string; decision: PersonDecision }[], actor: string,
): Promise<{ changed: number; levelChanges: number }> {
  const changed = decisions.filter((d) => d.decision.changed);
  if (changed.length > 0) {
    await sql.query(UPSERT_VIPS, [JSON.stringify(changed.map(({ email, decision: { columns: c } }) => ({
      email,
      name: c.name,
      company: c.company,
      phone: c.phone,
      title: c.title,
      field_sources: c.fieldSources,
      level: c.level,
      level_reason: c.levelReason,
      level_source: c.levelSource,
      crm_level: c.crmLevel,
      crm_level_reason: c.crmLevelReason,
      validated: c.validated,
      validated_at: c.validatedAt,
      validated_by: c.validatedBy,
      stale: c.stale,
      stale_reason: c.staleReason,
      stale_since: c.staleSince,
      stale_evidence: c.staleEvidence,
      stale_confirmed_at: c.staleConfirmedAt,
      phones: c.phones,
      crm_groups: c.crmGroups,
    })))]);
  }
  const levelChanges = decisions.flatMap(({ email, decision }) =>
    decision.levelChange ? [{ email, old_level: decision.levelChange.oldLevel, new_level: decision.levelChange.newLevel, reason: decision.levelChange.reason }] : []);
  if (levelChanges.length > 0) await sql.query(INSERT_LEVEL_CHANGES, [JSON.stringify(levelChanges), actor]);

  const refsChanged = decisions.filter((d) => d.decision.refsChanged);
  if (refsChanged.length > 0) {
    await sql.query(DELETE_REFS, [refsChanged.map((d) => d.email)]);
    const rows = refsChanged.flatMap(({ email, decision }) => decision.refs.map((r) => ({
      email,
      connection_id: r.connectionId,
      system: r.system,
      crm_id: r.crmId,
      status: r.status,
      baseline_company_crm_id: r.baselineCompanyCrmId,
      baseline_domain_matched: r.baselineDomainMatched,
      first_seen_at: r.firstSeenAt,
    })));
    if (rows.length > 0) await sql.query(INSERT_REFS, [JSON.stringify(rows)]);
  }
  return { changed: changed.length, levelChanges: levelChanges.length };
}

/** Counts per level over the whole list, with the rules file's inflation warnings. */
export async function currentLevelDistribution(db: Pick<Db, '$queryRawUnsafe'>, rules: Pick<VipRules, 'maxShare' | 'minVipsForWarnings'>): Promise<LevelDistribution> {
  const rows = await db.$queryRawUnsafe<{ level: number | null; count: bigint }[]>(
    'SELECT level, count(*) AS count FROM vips GROUP BY level',
  );
  const counts: Partial<Record<number, number>> = {};
  let people = 0;
  for (const row of rows) {
    people += Number(row.count);
    if (row.level !== null) counts[row.level] = Number(row.count);
  }
  return levelDistribution(counts, people, rules.maxShare, rules.minVipsForWarnings);
}
