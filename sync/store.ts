// The database side of a sync: each page's records, deletions, seen ids, walk position and run
// counters are written in ONE transaction, so a crash at any instant leaves either the whole page
// or none of it, and the walk resumes exactly after the last committed page.
import type { CrmDeletion, CrmObjectType } from '../crm/types.js';
import type { Db, Sql } from '../db/client.js';
import type { CompanyRow, ContactRow, Rejection } from './records.js';


// Each page travels as one JSON array of row arrays, built from pieces of JSON text (the records'
// properties are JSON already): binding a dozen text arrays instead makes the driver escape every
// element in JavaScript, which cost more than the write. Row arrays are positional: see the builders below.
// The array is read as jsonb, parsed once: as json, every `->>` re-parsed its whole row, properties
// included (~150 us a contact row, most of the write's cost).
const UPSERT_COMPANIES = `
INSERT INTO crm_companies AS c (connection_id, crm_id, name, domain, properties, crm_modified_at, content_hash, last_seen_at)
SELECT $1, r->>0, r->>1, r->>2, (r->3)::jsonb, (r->>4)::timestamptz, r->>5, now()
FROM jsonb_array_elements($2::jsonb) AS r
ON CONFLICT (connection_id, crm_id) DO UPDATE SET
  name = excluded.name, domain = excluded.domain, properties = excluded.properties,
  crm_modified_at = excluded.crm_modified_at, content_hash = excluded.content_hash,
  last_seen_at = now(), updated_at = now(), deleted_at = NULL, deletion_kind = NULL, merged_into_id = NULL
WHERE (c.content_hash IS DISTINCT FROM excluded.content_hash OR c.deleted_at IS NOT NULL)
  -- The CRM's modification time decides: a read older than what is stored (a page read before a
  -- webhook's re-read was written, an event handled late) never rolls the record back.
  AND (c.crm_modified_at IS NULL OR excluded.crm_modified_at IS NULL OR excluded.crm_modified_at >= c.crm_modified_at)
RETURNING (xmax = 0) AS inserted`;

const UPSERT_CONTACTS = `
INSERT INTO crm_contacts AS c (connection_id, crm_id, email, email_normalized, first_name, last_name, title, phone,
  company_crm_id, owner_id, crm_vip_level, properties, crm_modified_at, content_hash, last_seen_at)
SELECT $1, r->>0, r->>1, r->>2, r->>3, r->>4, r->>5, r->>6, r->>7, r->>8, (r->>9)::int, (r->10)::jsonb,
  (r->>11)::timestamptz, r->>12, now()
FROM jsonb_array_elements($2::jsonb) AS r
ON CONFLICT (connection_id, crm_id) DO UPDATE SET
  email = excluded.email, email_normalized = excluded.email_normalized, first_name = excluded.first_name,
  last_name = excluded.last_name, title = excluded.title, phone = excluded.phone,
  company_crm_id = excluded.company_crm_id, owner_id = excluded.owner_id, crm_vip_level = excluded.crm_vip_level,
  properties = excluded.properties, crm_modified_at = excluded.crm_modified_at, content_hash = excluded.content_hash,
  last_seen_at = now(), updated_at = now(), deleted_at = NULL, deletion_kind = NULL, merged_into_id = NULL
WHERE (c.content_hash IS DISTINCT FROM excluded.content_hash OR c.deleted_at IS NOT NULL)
  -- The CRM's modification time decides: a read older than what is stored (a page read before a
  -- webhook's re-read was written, an event handled late) never rolls the record back.
  AND (c.crm_modified_at IS NULL OR excluded.crm_modified_at IS NULL OR excluded.crm_modified_at >= c.crm_modified_at)
RETURNING (xmax = 0) AS inserted`;

/** `[head..., properties, tail...]` as JSON text, with `properties` spliced in as the JSON it already is. */
function rowJson(head: unknown[], properties: string, tail: unknown[]): string {
  return `${JSON.stringify(head).slice(0, -1)},${properties},${JSON.stringify(tail).slice(1)}`;
}

const TABLE: Record<CrmObjectType, string> = { companies: 'crm_companies', contacts: 'crm_contacts' };

function column<T, K extends keyof T>(rows: T[], key: K): T[K][] {
  return rows.map((row) => row[key]);
}

export interface PageWriteCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: number;
}

export async function upsertCompanies(sql: Sql, connectionId: string, rows: CompanyRow[]): Promise<{ inserted: boolean }[]> {
  if (rows.length === 0) return [];
  const json = `[${rows.map((r) => rowJson([r.crmId, r.name, r.domain], r.properties, [r.crmModifiedAt, r.contentHash])).join(',')}]`;
  return (await sql.query<{ inserted: boolean }>(UPSERT_COMPANIES, [connectionId, json])).rows;
}

export async function upsertContacts(sql: Sql, connectionId: string, rows: ContactRow[]): Promise<{ inserted: boolean }[]> {
  if (rows.length === 0) return [];
  const json = `[${rows.map((r) => rowJson(
    [r.crmId, r.email, r.emailNormalized, r.firstName, r.lastName, r.title, r.phone, r.companyCrmId, r.ownerId, r.crmVipLevel],
    r.properties, [r.crmModifiedAt, r.contentHash],
  )).join(',')}]`;
  return (await sql.query<{ inserted: boolean }>(UPSERT_CONTACTS, [connectionId, json])).rows;
}

/**
 * Live contacts of this connection, outside `exceptCrmIds`, that already hold one of `emails`.
 * Each email is looked up on the email index alone (OFFSET 0 keeps the other conditions out of
 * that lookup): during a first sync crm_contacts has no statistics yet, and Postgres combined the
 * email index with all of the connection's entries in the (connection_id, crm_id) index, a cost
 * growing with the table (bench/README.md, "Duplicate email checks").
 */
export async function emailHolders(sql: Sql, connectionId: string, emails: string[], exceptCrmIds: string[]): Promise<Map<string, string>> {
  if (emails.length === 0) return new Map();
  const { rows } = await sql.query<{ email_normalized: string; crm_id: string }>(
    `SELECT e.email AS email_normalized, h.crm_id FROM unnest($2::text[]) AS e(email)
     CROSS JOIN LATERAL (
       SELECT min(x.crm_id) AS crm_id FROM (
         SELECT crm_id, connection_id, deleted_at FROM crm_contacts WHERE email_normalized = e.email OFFSET 0
       ) x
       WHERE x.connection_id = $1 AND x.deleted_at IS NULL AND NOT (x.crm_id = ANY($3::text[]))
     ) h
     WHERE h.crm_id IS NOT NULL`,
    [connectionId, emails, exceptCrmIds],
  );
  return new Map(rows.map((r) => [r.email_normalized, r.crm_id]));
}

/** Marks records gone; a record already marked keeps its first mark. Returns how many were newly marked. */
export async function markDeleted(sql: Sql, connectionId: string, objectType: CrmObjectType, deletions: CrmDeletion[]): Promise<number> {
  if (deletions.length === 0) return 0;
  const result = await sql.query(
    `UPDATE ${TABLE[objectType]} AS t SET deleted_at = coalesce(d.at::timestamptz, now()), deletion_kind = d.kind,
       merged_into_id = d.merged_into, updated_at = now()
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS d(crm_id, kind, merged_into, at)
     WHERE t.connection_id = $1 AND t.crm_id = d.crm_id AND t.deleted_at IS NULL`,
    [connectionId, column(deletions, 'crmId'), column(deletions, 'kind'),
      deletions.map((d) => d.mergedIntoId ?? null), deletions.map((d) => d.at?.toISOString() ?? null)],
  );
  return result.rowCount ?? 0;
}

/** Quarantines rejected records; `syncRunId` is null for records the push path read. */
export async function quarantine(sql: Sql, connectionId: string, objectType: CrmObjectType, syncRunId: bigint | null, rejections: Rejection[]): Promise<void> {
  for (const r of rejections) {
    await sql.query(
      `INSERT INTO quarantined_records (connection_id, object_type, crm_id, reason, payload, sync_run_id)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6)
       ON CONFLICT (connection_id, object_type, crm_id) DO UPDATE
         SET reason = excluded.reason, payload = excluded.payload, sync_run_id = excluded.sync_run_id, created_at = now()`,
      [connectionId, objectType, r.crmId, r.reason, JSON.stringify(r.payload), syncRunId?.toString() ?? null],
    );
  }
}

/** A record that was quarantined before and arrived good now leaves the quarantine. */
export async function releaseFromQuarantine(sql: Sql, connectionId: string, objectType: CrmObjectType, crmIds: string[]): Promise<void> {
  if (crmIds.length === 0) return;
  await sql.query(
    `DELETE FROM quarantined_records WHERE connection_id = $1 AND object_type = $2 AND crm_id = ANY($3::text[])`,
    [connectionId, objectType, crmIds],
  );
}

export async function recordSeen(sql: Sql, walkId: bigint, objectType: CrmObjectType, crmIds: string[]): Promise<void> {
  if (crmIds.length === 0) return;
  await sql.query(
    `INSERT INTO sync_seen_ids (walk_id, object_type, crm_id) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`,
    [walkId.toString(), objectType, crmIds],
  );
}

/** How many records one full walk may mark vanished without review (the connection's vanishGuard). */
export interface VanishGuard {
  maxShare: number;
  maxRecords: number;
}

/**
 * Whether `vanishing` of `live` records is more than the guard lets a walk mark on its own. A CRM
 * that answers a short listing (an integration user that lost access, a crash and a restart on
 * older data) must not turn live people into "gone": that needs a person's review.
 */
function exceedsVanishGuard(vanishing: number, live: number, guard: VanishGuard): boolean {
  return vanishing > guard.maxRecords || vanishing > guard.maxShare * live;
}

/**
 * After a full walk: every live record of the connection the walk did not see has vanished from
 * the CRM without a deletion record. They are marked unless there are more than `guard` allows
 * (null: accepted by an operator, any number): then none is, and `held` says how many.
 */
export async function markVanished(
  sql: Sql, connectionId: string, objectType: CrmObjectType, walkId: bigint, guard: VanishGuard | null,
): Promise<{ marked: number; held: number }> {
  // The seen set was filled moments ago: without fresh statistics the planner takes it for empty
  // and compares every stored record with every seen id.
  await sql.query('ANALYZE sync_seen_ids');
  if (guard) {
    const { rows: [count] } = await sql.query<{ live: string; unseen: string }>(
      `SELECT count(*) AS live, count(*) FILTER (WHERE s.crm_id IS NULL) AS unseen
       FROM ${TABLE[objectType]} r
       LEFT JOIN sync_seen_ids s ON s.walk_id = $2 AND s.object_type = $3 AND s.crm_id = r.crm_id
       WHERE r.connection_id = $1 AND r.deleted_at IS NULL`,
      [connectionId, walkId.toString(), objectType],
    );
    const unseen = Number(count!.unseen);
    if (exceedsVanishGuard(unseen, Number(count!.live), guard)) {
      await sql.query(`DELETE FROM sync_seen_ids WHERE walk_id = $1 AND object_type = $2`, [walkId.toString(), objectType]);
      return { marked: 0, held: unseen };
    }
  }
  const marked = await sql.query(
    `UPDATE ${TABLE[objectType]} AS t SET deleted_at = now(), deletion_kind = 'vanished', updated_at = now()
     FROM (
       SELECT r.id FROM ${TABLE[objectType]} r
       LEFT JOIN sync_seen_ids s ON s.walk_id = $2 AND s.object_type = $3 AND s.crm_id = r.crm_id
       WHERE r.connection_id = $1 AND r.deleted_at IS NULL AND s.crm_id IS NULL
     ) AS gone
     WHERE t.id = gone.id`,
    [connectionId, walkId.toString(), objectType],
  );
  await sql.query(`DELETE FROM sync_seen_ids WHERE walk_id = $1 AND object_type = $2`, [walkId.toString(), objectType]);
  return { marked: marked.rowCount ?? 0, held: 0 };
}

/**
 * Makes the next sync of a connection walk everything (`vipsync sync now --full`); with
 * `acceptVanished`, that walk marks what it does not see as vanished however many that is.
 */
export async function requestFullSync(db: Db, connectionId: string, opts: { acceptVanished?: boolean } = {}): Promise<void> {
  const now = new Date();
  const fields = { fullRequestedAt: now, ...(opts.acceptVanished ? { vanishAcceptedAt: now } : {}) };
  for (const objectType of ['companies', 'contacts'] as const) {
    const key = { connectionId, objectType };
    await db.syncState.upsert({ where: { connectionId_objectType: key }, create: { ...key, ...fields }, update: fields });
  }
}

/** Whether an operator accepted whatever the connection's next full walk finds vanished. */
export async function vanishAccepted(sql: Sql, connectionId: string, objectType: CrmObjectType): Promise<boolean> {
  const { rows } = await sql.query<{ accepted: boolean }>(
    `SELECT vanish_accepted_at IS NOT NULL AS accepted FROM sync_states WHERE connection_id = $1 AND object_type = $2`,
    [connectionId, objectType],
  );
  return rows[0]?.accepted === true;
}

/**
 * Moves a walk on to `next`; when the walk is complete (`next` null) sets the watermark from the
 * CRM's own clock: the latest modification time the walk read, never the worker's clock, which may
 * run ahead of the CRM's by more than the overlap. An incremental walk reads in modification
 * order, so that time is where it stopped. A full walk reads in id order and may have passed a
 * record before it was changed: its watermark goes back by the walk's duration (measured on one
 * clock, so skew-free), to no later than the CRM's time when the walk began.
 */
export async function advanceWalk(sql: Sql, a: {
  connectionId: string;
  objectType: CrmObjectType;
  next: string | null;
  highWater: Date | null;
  walk: { mode: 'full' | 'incremental'; startedAt: Date };
}): Promise<void> {
  const highWater = a.highWater?.toISOString() ?? null;
  if (a.next !== null) {
    await sql.query(
      `UPDATE sync_states SET cursor = $3, walk_high_water = GREATEST(walk_high_water, $4::timestamptz), updated_at = now()
       WHERE connection_id = $1 AND object_type = $2`,
      [a.connectionId, a.objectType, a.next, highWater],
    );
  } else if (a.walk.mode === 'full') {
    const walkMs = Math.max(0, Date.now() - a.walk.startedAt.getTime());
    // A walk that read nothing (none there yet) leaves the watermark where it was, or at the start
    // of time: incremental walks then read whatever appears, at the cost of a walk that finds nothing.
    await sql.query(
      `UPDATE sync_states SET cursor = NULL, walk_mode = NULL, walk_started_at = NULL, walk_high_water = NULL,
         walk_sync_run_id = NULL, full_synced_at = now(), full_requested_at = NULL, vanish_accepted_at = NULL, updated_at = now(),
         watermark = coalesce(
           GREATEST(walk_high_water, $3::timestamptz) - make_interval(secs => $4::double precision / 1000),
           watermark, 'epoch'::timestamptz)
       WHERE connection_id = $1 AND object_type = $2`,
      [a.connectionId, a.objectType, highWater, walkMs],
    );
  } else {
    await sql.query(
      `UPDATE sync_states SET cursor = NULL, walk_mode = NULL, walk_started_at = NULL, walk_sync_run_id = NULL,
         watermark = GREATEST(watermark, walk_high_water, $3::timestamptz), walk_high_water = NULL, updated_at = now()
       WHERE connection_id = $1 AND object_type = $2`,
      [a.connectionId, a.objectType, highWater],
    );
  }
}

const RUN_COUNTERS = {
  fetched: 'fetched', created: 'created', updated: 'updated', unchanged: 'unchanged', deleted: 'deleted',
  quarantined: 'quarantined', apiCalls: 'api_calls', tokenRequests: 'token_requests', http429: 'http_429', retries: 'retries',
  vanishedHeld: 'vanished_held',
} as const;

/** Adds a batch's counts to its sync run (in the batch's own transaction, so never twice). */
export async function addToRun(sql: Sql, syncRunId: bigint, counts: Record<keyof typeof RUN_COUNTERS, number>): Promise<void> {
  const names = Object.keys(RUN_COUNTERS) as (keyof typeof RUN_COUNTERS)[];
  await sql.query(
    `UPDATE sync_runs SET ${names.map((n, i) => `${RUN_COUNTERS[n]} = ${RUN_COUNTERS[n]} + $${i + 2}`).join(', ')} WHERE id = $1`,
    [syncRunId.toString(), ...names.map((n) => counts[n])],
  );
}
