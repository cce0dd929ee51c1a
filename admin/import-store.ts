// The database side of a CSV import: each batch of thousands of checked rows is compared with the
// list and written by ONE statement (people added and changed, their level history rows and their
// audit rows), all batches in the caller's one transaction. The rules are the admins' (vip-changes.ts):
// a level that differs from the person's becomes a manual override with a history row; other cells
// change only what they name (an empty cell leaves a field as it is); a row that changes nothing is
// "unchanged" and leaves no trace. The rows are locked like an edit locks its person (FOR UPDATE,
// in id order, so two lockers never wait on each other).
//
// The batch travels as one JSON array of row arrays, read as jsonb once (as the sync does,
// sync-store.ts): binding seven text arrays would make the driver escape every element in
// JavaScript.
import type { Sql } from '../db/client.js';
import { jsonWithoutNul, textWithoutNul } from '../db/pg-safe.js';
import type { Actor } from '../db/audit-log.js';
import type { VipFields } from './vip-fields.js';

export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/** One good row of an import file. */
export interface CsvRow extends VipFields {
  /** Line in the file (header = 1). */
  row: number;
  email: string;
  level: number;
  /** The groups cell: the person's groups (names as written, checked), or undefined for an empty cell. */
  groups?: string[];
  /** What the groups cell changes in the person's admin-set memberships (import-groups.ts fills these in). */
  groupsAdded?: string[];
  groupsRemoved?: string[];
}

/** What one import writes into reasons and audit rows. */
export interface ImportAuthor {
  actor: Actor;
  /** "imported from vips.csv by alice via cli": each row's reason adds " (row N)". */
  how: string;
  file: string | null;
}

// A field counts as changed when the row names a value (an empty cell is NULL here) and it differs
// from the stored one, compared exactly (text equality is byte equality, as JavaScript's ===).
const COMPARE = (lock: string) => `
input AS (
  SELECT t.ord, (t.r->>0)::int AS row, t.r->>1 AS email, (t.r->>2)::int AS level,
         t.r->>3 AS name, t.r->>4 AS company, t.r->>5 AS phone, t.r->>6 AS notes,
         t.r->7 AS groups_added, t.r->8 AS groups_removed
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(r, ord)
),
stored AS MATERIALIZED (
  SELECT v.id, v.email, v.level, v.name, v.company, v.phone, v.notes
  FROM vips v WHERE v.email IN (SELECT email FROM input)
  ${lock}
),
compared AS MATERIALIZED (
  SELECT i.*, s.id, s.level AS old_level, s.id IS NULL AS fresh,
         i.level IS DISTINCT FROM s.level AS level_changes,
         array_remove(ARRAY[
           CASE WHEN i.name IS NOT NULL AND i.name IS DISTINCT FROM s.name THEN 'name' END,
           CASE WHEN i.company IS NOT NULL AND i.company IS DISTINCT FROM s.company THEN 'company' END,
           CASE WHEN i.phone IS NOT NULL AND i.phone IS DISTINCT FROM s.phone THEN 'phone' END,
           CASE WHEN i.notes IS NOT NULL AND i.notes IS DISTINCT FROM s.notes THEN 'notes' END,
           CASE WHEN jsonb_array_length(i.groups_added) + jsonb_array_length(i.groups_removed) > 0 THEN 'groups' END
         ], NULL) AS fields
  FROM input i LEFT JOIN stored s ON s.email = i.email
),
changed AS (
  SELECT * FROM compared WHERE NOT fresh AND (level_changes OR cardinality(fields) > 0)
)`;

const COUNTS = `
SELECT count(*) FILTER (WHERE fresh)::int AS created,
       (SELECT count(*) FROM changed)::int AS updated,
       count(*) FILTER (WHERE NOT fresh)::int - (SELECT count(*) FROM changed)::int AS unchanged
FROM compared`;

/** A dry run: what the batch would do, nothing locked or written. */
const CLASSIFY = `WITH ${COMPARE('')} ${COUNTS}`;

// $1 rows, $2 how (the reason without the row), $3 actor name, $4 surface, $5 file, $6 workflow id, $7 run id.
const APPLY = `WITH ${COMPARE('ORDER BY v.id FOR UPDATE')},
updated AS (
  UPDATE vips v SET
    name = coalesce(c.name, v.name), company = coalesce(c.company, v.company),
    phone = coalesce(c.phone, v.phone), notes = coalesce(c.notes, v.notes),
    level = CASE WHEN c.level_changes THEN c.level ELSE v.level END,
    manual_level = CASE WHEN c.level_changes THEN c.level ELSE v.manual_level END,
    level_source = CASE WHEN c.level_changes THEN 'csv'::"VipSource" ELSE v.level_source END,
    level_reason = CASE WHEN c.level_changes THEN $2 || ' (row ' || c.row || ')' ELSE v.level_reason END,
    updated_at = now()
  FROM changed c WHERE v.id = c.id
),
created AS (
  INSERT INTO vips (email, name, company, phone, notes, level, manual_level, level_source, level_reason, source)
  SELECT email, name, company, phone, notes, level, level, 'csv'::"VipSource", $2 || ' (row ' || row || ')', 'csv'::"VipSource"
  FROM compared WHERE fresh ORDER BY ord
  RETURNING id, level, level_reason
),
history AS (
  INSERT INTO vip_level_changes (vip_id, old_level, new_level, reason, source, actor)
  SELECT id, NULL::int, level, level_reason, 'csv'::"VipSource", $3 FROM created
  UNION ALL
  SELECT id, old_level, level, $2 || ' (row ' || row || ')', 'csv'::"VipSource", $3 FROM changed WHERE level_changes
),
audited AS (
  INSERT INTO audit_log (actor, surface, action, subject, details, workflow_id, run_id)
  SELECT $3, $4, 'vip.import', email, details, $6, $7 FROM (
    SELECT 0 AS part, ord, email, jsonb_build_object('created', true, 'level', level, 'file', $5::text)
      || CASE WHEN jsonb_array_length(groups_added) > 0 THEN jsonb_build_object('groupsAdded', groups_added) ELSE '{}'::jsonb END AS details
    FROM compared WHERE fresh
    UNION ALL
    SELECT 1, ord, email, jsonb_build_object('updated', to_jsonb(fields), 'file', $5::text)
      || CASE WHEN level_changes THEN jsonb_build_object('level', level) ELSE '{}'::jsonb END
      || CASE WHEN 'groups' = ANY(fields) THEN jsonb_build_object('groupsAdded', groups_added, 'groupsRemoved', groups_removed) ELSE '{}'::jsonb END
    FROM changed
  ) a ORDER BY part, ord
)
${COUNTS}`;

function batchJson(rows: readonly CsvRow[]): string {
  return JSON.stringify(rows.map((r) => [
    r.row, r.email, r.level, r.name ?? null, r.company ?? null, r.phone ?? null, r.notes ?? null, r.groupsAdded ?? [], r.groupsRemoved ?? [],
  ]));
}

/** Compares a batch with the list and, unless `write` is false, writes it (see the top of this file). */
export async function importBatch(sql: Sql, rows: readonly CsvRow[], author: ImportAuthor, write: boolean): Promise<ImportCounts> {
  if (rows.length === 0) return { created: 0, updated: 0, unchanged: 0 };
  const json = batchJson(rows);
  const { rows: [counts] } = write
    ? await sql.query<ImportCounts>(APPLY, [
      json, author.how, author.actor.name, author.actor.surface, author.file, author.actor.workflowId ?? null, author.actor.runId ?? null,
    ])
    : await sql.query<ImportCounts>(CLASSIFY, [json]);
  return counts!;
}

/** The import's own audit row (`vip.import.file`), in its transaction. */
export async function auditImportFile(sql: Sql, actor: Actor, file: string | null, details: Record<string, unknown>): Promise<void> {
  await sql.query(
    `INSERT INTO audit_log (actor, surface, action, subject, details, workflow_id, run_id) VALUES ($1, $2, 'vip.import.file', $3, $4::jsonb, $5, $6)`,
    [textWithoutNul(actor.name), actor.surface, file === null ? null : textWithoutNul(file), jsonWithoutNul(JSON.stringify(details)), actor.workflowId ?? null, actor.runId ?? null],
  );
}
