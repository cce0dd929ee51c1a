// Keeps the VIP list (one row per person) in step with the CRM records. After a sync only the
// people that sync touched are re-derived (plus stale people whose grace period ran out, and any
// of its people never derived); a new rules file derives everyone. People are processed in
// batches: one query loads a batch's CRM records, derivePerson (pure) decides, and one statement
// per table writes back only what changed, so the cost grows with the number of contacts, not
// with round trips.
import { bulkTransaction, withSessionLock, type Db, type Sql } from '../db/client.js';
import { giveWay } from '../runtime/give-way.js';
import { levelDistribution, type LevelDistribution } from './distribution.js';
import {
  derivePerson,
  type CrmSystemName,
  type ExistingVip,
  type LevelSource,
  type PersonDecision,
  type PersonInput,
  type PersonRecord,
  type PreviousRef,
} from './person.js';
import { companyFactProperties, contactPropertiesRead, type VipRules } from './rules.js';
import type { VipSettings } from './settings.js';
import { bounceProperties } from './stale.js';

export const DERIVE_BATCH_SIZE = 2000;
/**
 * People decided between two turns of the event loop (~2 ms at ~110 us a person): a walk running
 * beside a derivation waits up to that long for each answer. 100k bench, rate-limited phase, HubSpot API seconds, two runs
 * each: 21.4 and 21.1 with 20, 21.7 and 21.8 with 100 (19.4 at the limits); no cost seen limits off.
 */
const YIELD_EVERY = 20;
/** Batch transactions open at once: one deciding, one reading, one writing. */
const MAX_OPEN_BATCHES = 3;

export interface DeriveOptions {
  /** Derive the people this sync run touched (with connectionId); otherwise everyone. */
  syncRunId?: string;
  connectionId?: string;
  /** Everyone, whatever the sync touched. */
  full?: boolean;
  /** Exactly these people (normalised emails). */
  emails?: string[];
  /** Who the level history names; default "sync-run:<id>" or "derive". */
  actor?: string;
  now?: Date;
  batchSize?: number;
}

export interface DeriveResult {
  full: boolean;
  /** People examined. */
  people: number;
  /** People whose row was created or changed. */
  changed: number;
  levelChanges: number;
  durationMs: number;
  distribution: LevelDistribution;
}

const LOCK = 'vipsync:derive-vips';
const WHOLE_DERIVE_LOCK = 'vipsync:derive-vips:run';

// ---- which people ------------------------------------------------------------------------------

const TOUCHED_BY_RUN = `
WITH run AS (SELECT started_at FROM sync_runs WHERE id = $1::bigint)
SELECT DISTINCT email FROM (
  SELECT c.email_normalized AS email FROM crm_contacts c, run
   WHERE c.connection_id = $2 AND c.updated_at >= run.started_at
  UNION ALL
  SELECT c.email_normalized FROM crm_companies co, run, crm_contacts c
   WHERE co.connection_id = $2 AND co.updated_at >= run.started_at
     AND c.connection_id = co.connection_id AND c.company_crm_id = co.crm_id
  UNION ALL
  -- A contact that changed its email leaves its old person behind.
  SELECT v.email FROM vip_crm_refs r JOIN vips v ON v.id = r.vip_id
   JOIN crm_contacts c ON c.connection_id = r.connection_id AND c.crm_id = r.crm_id, run
   WHERE r.connection_id = $2 AND c.updated_at >= run.started_at
  UNION ALL
  SELECT v.email FROM vips v
   WHERE v.stale AND v.stale_confirmed_at IS NULL AND v.manual_level IS NULL AND v.level IS NOT NULL
     AND v.stale_since <= now() - make_interval(days => $3::int)
  UNION ALL
  -- People of this connection never derived at all (a run whose derivation never happened).
  SELECT c.email_normalized FROM crm_contacts c
   WHERE c.connection_id = $2 AND c.email_normalized IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM vips v WHERE v.email = c.email_normalized)
) t WHERE email IS NOT NULL ORDER BY email`;

const EVERYONE = `
SELECT DISTINCT email FROM (
  SELECT email_normalized AS email FROM crm_contacts
  UNION ALL
  SELECT v.email FROM vips v WHERE v.source = 'crm' OR EXISTS (SELECT 1 FROM vip_crm_refs r WHERE r.vip_id = v.id)
) t WHERE email IS NOT NULL ORDER BY email`;

// ---- one batch ---------------------------------------------------------------------------------

// The statements below are shaped so their plan does not hang on the tables' statistics: a first
// derivation fills vips and vip_crm_refs from empty, and with the statistics of the empty tables
// Postgres joined every batch to a full scan of them (300k contacts: 98 s instead of 48 s). Refs
// are found through an id array (index scans); a company is fetched per contact (LATERAL ... LIMIT 1
// keeps it an index lookup instead of hashing all companies for each batch). A batch's contacts
// are looked up per email for the same reason (OFFSET 0 keeps Postgres from folding the lookup
// into a join): crm_contacts filled by a sync moments ago, before its statistics were gathered,
// was read whole for every batch (100k contacts: 80-100 ms a batch instead of ~50).
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
  stale_evidence, stale_confirmed_at
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
  stale_confirmed_at, updated_at)
SELECT r.email, r.name, r.company, r.phone, r.title, r.field_sources, r.level, r.level_reason, r.level_source::"VipSource",
  r.crm_level, r.crm_level_reason, 'crm', r.validated, r.validated_at, ARRAY(SELECT jsonb_array_elements_text(r.validated_by)),
  r.stale, r.stale_reason, r.stale_since, r.stale_evidence, r.stale_confirmed_at, now()
FROM jsonb_to_recordset($1::jsonb) AS r(email text, name text, company text, phone text, title text, field_sources jsonb,
  level int, level_reason text, level_source text, crm_level int, crm_level_reason text, validated boolean,
  validated_at timestamptz, validated_by jsonb, stale boolean, stale_reason text, stale_since timestamptz,
  stale_evidence jsonb, stale_confirmed_at timestamptz)
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

interface RecordRow {
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

interface VipRow {
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
}

interface RefRowDb {
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

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(row);
  }
  return groups;
}

function toRecord(r: RecordRow): PersonRecord {
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

function toExisting(v: VipRow): ExistingVip {
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
  };
}

function toPreviousRef(r: RefRowDb): PreviousRef {
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

interface BatchContext {
  settings: VipSettings;
  now: Date;
  actor: string;
  /** The contact properties a decision reads (LOAD_RECORDS' $2). */
  contactProperties: string[];
  /** The company properties the rules read, every CRM's names. */
  companyProperties: string[];
  /** Called once the batch's rows have been read: it decides next. */
  loaded: () => void;
}

async function deriveBatch(sql: Sql, emails: string[], ctx: BatchContext): Promise<{ changed: number; levelChanges: number }> {
  const { settings, now, actor } = ctx;
  const records = (await sql.query<RecordRow>(LOAD_RECORDS, [emails, ctx.contactProperties, ctx.companyProperties])).rows;
  const vips = (await sql.query<VipRow>(LOAD_VIPS, [emails])).rows;
  const refs = (await sql.query<RefRowDb>(LOAD_REFS, [emails])).rows;
  ctx.loaded();
  const recordsBy = groupBy(records, (r) => r.email);
  const vipsBy = new Map(vips.map((v) => [v.email, v]));
  const refsBy = groupBy(refs, (r) => r.email);

  const decisions: { email: string; decision: PersonDecision }[] = [];
  let sinceYield = 0;
  let sliceStart = performance.now();
  for (const email of emails) {
    // Deciding a batch takes a few hundred milliseconds of CPU: let the other work of this worker
    // (a sync's page requests, paced to the rate limit) go on in between, and give way to walks.
    if (++sinceYield === YIELD_EVERY) {
      sinceYield = 0;
      await giveWay(performance.now() - sliceStart);
      sliceStart = performance.now();
    }
    const personRecords = (recordsBy.get(email) ?? []).map(toRecord);
    const personRefs = refsBy.get(email) ?? [];
    const existing = vipsBy.get(email);
    if (personRecords.length === 0 && personRefs.length === 0 && !existing) continue;
    const held = new Set(personRecords.map((r) => `${r.connectionId}\u0000${r.crmId}`));
    const input: PersonInput = {
      email,
      records: personRecords,
      previousRefs: personRefs.map(toPreviousRef),
      movedAway: personRefs
        .filter((r) => !held.has(`${r.connection_id}\u0000${r.crm_id}`))
        .map((r) => ({
          connectionId: r.connection_id,
          system: r.system,
          crmId: r.crm_id,
          currentEmail: r.current_exists ? (r.current_email ?? '(no email)') : null,
        })),
      existing: existing ? toExisting(existing) : null,
    };
    decisions.push({ email, decision: derivePerson(input, { rules: settings.rules, defaultCountry: settings.defaultCountry, staleGraceDays: settings.staleGraceDays, now }) });
  }

  // Batches write one after another (see deriveVips).
  await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
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

function* batchesOf(emails: string[], size: number): Generator<string[]> {
  for (let i = 0; i < emails.length; i += size) yield emails.slice(i, i + size);
}

const PEOPLE_CURSOR = 'vipsync_derive_people';

/**
 * The people of `query` (one email column, in order), `size` at a time, through a cursor on the
 * lock's connection: a derivation holds one batch of the list, not the whole list (a million
 * people would be ~100 MB). WITH HOLD: the list is fixed when the cursor is declared (Postgres
 * keeps it, on disk if large), and no transaction stays open while the batches are written.
 * A cursor's query is planned for its first rows by default (cursor_tuple_fraction 0.1); a held
 * cursor computes all of them when declared, so it is planned for all, as the plain query was.
 */
async function* cursorBatches(sql: Sql, query: string, params: unknown[], size: number): AsyncGenerator<string[]> {
  await sql.query('SET cursor_tuple_fraction = 1');
  try {
    await sql.query(`DECLARE ${PEOPLE_CURSOR} NO SCROLL CURSOR WITH HOLD FOR ${query}`, params);
  } finally {
    await sql.query('RESET cursor_tuple_fraction');
  }
  let failed = false;
  try {
    for (;;) {
      const { rows } = await sql.query<{ email: string }>(`FETCH ${size} FROM ${PEOPLE_CURSOR}`);
      if (rows.length === 0) return;
      yield rows.map((r) => r.email);
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // CLOSE ALL, not CLOSE: it does not fail when there is no cursor to close. After a failure
    // the first error is the one worth reporting.
    await sql.query('CLOSE ALL').catch((error: unknown) => {
      if (!failed) throw error;
    });
  }
}

export async function deriveVips(db: Db, settings: VipSettings, opts: DeriveOptions = {}): Promise<DeriveResult> {
  const started = Date.now();
  // One derivation at a time: two never work on the same people at once.
  return withSessionLock(db, WHOLE_DERIVE_LOCK, async (lockSql) => {
    const now = opts.now ?? new Date();
    const actor = opts.actor ?? (opts.syncRunId ? `sync-run:${opts.syncRunId}` : 'derive');
    const state = await db.vipDeriveState.findUnique({ where: { id: 1 } });
    const batchSize = opts.batchSize ?? DERIVE_BATCH_SIZE;
    // Everyone is derived again when the rules changed (or when asked). The very first derivation
    // is not full: each sync run's derivation covers the people that run touched, so two
    // connections' first syncs derive their own people once each, not everyone twice.
    const full = opts.emails === undefined
      && (opts.full === true || !opts.syncRunId || !opts.connectionId || (state !== null && state.rulesHash !== settings.rules.hash));
    const batchesOfPeople = opts.emails !== undefined
      ? batchesOf([...new Set(opts.emails)].sort(), batchSize)
      : full
        ? cursorBatches(lockSql, EVERYONE, [], batchSize)
        : cursorBatches(lockSql, TOUCHED_BY_RUN, [opts.syncRunId, opts.connectionId, settings.staleGraceDays], batchSize);
    let people = 0;

    // Batches overlap: while one is decided (this process busy), the next one's rows are read and
    // an earlier one writes (Postgres busy). Each batch is one transaction, at most
    // MAX_OPEN_BATCHES open at a time; its writes take a transaction lock, so batches write one
    // after another. (The lock also keeps a second worker, should its whole-derivation lock
    // connection have died, from writing the same people in another order: a deadlock.)
    const contactProperties = [...bounceProperties(), ...contactPropertiesRead(settings.rules)];
    const companyProperties = companyFactProperties();
    const batches: Promise<{ changed: number; levelChanges: number }>[] = [];
    const open = new Set<Promise<void>>();
    let failed = false;
    for await (const batch of batchesOfPeople) {
      while (open.size >= MAX_OPEN_BATCHES) await Promise.race(open);
      if (failed) break;
      people += batch.length;
      let loaded!: () => void;
      const nowLoaded = new Promise<void>((resolve) => (loaded = resolve));
      // Plain SQL on the pool: the batches move too many rows for Prisma's query layer to pay off.
      const done = bulkTransaction(db, (sql) => deriveBatch(sql, batch, { settings, now, actor, contactProperties, companyProperties, loaded }));
      const settled: Promise<void> = done.then(() => {}, () => {
        failed = true;
      }).finally(() => open.delete(settled));
      open.add(settled);
      batches.push(done);
      await Promise.race([nowLoaded, settled]);
      if (failed) break;
    }
    // A failed batch stops the loop; the one before it may still be writing: let it end first.
    const outcomes = await Promise.allSettled(batches);
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
    const results = outcomes.map((o) => (o as PromiseFulfilledResult<{ changed: number; levelChanges: number }>).value);
    const changed = results.reduce((n, r) => n + r.changed, 0);
    const levelChanges = results.reduce((n, r) => n + r.levelChanges, 0);
    if (full) {
      await db.vipDeriveState.upsert({
        where: { id: 1 },
        create: { id: 1, rulesHash: settings.rules.hash, fullDerivedAt: now },
        update: { rulesHash: settings.rules.hash, fullDerivedAt: now },
      });
    } else if (state === null && opts.emails === undefined) {
      // The first derivation: the list is now derived under these rules.
      await db.vipDeriveState.upsert({ where: { id: 1 }, create: { id: 1, rulesHash: settings.rules.hash, fullDerivedAt: null }, update: {} });
    }
    const distribution = await currentLevelDistribution(db, settings.rules);
    return { full, people, changed, levelChanges, durationMs: Date.now() - started, distribution };
  });
}
