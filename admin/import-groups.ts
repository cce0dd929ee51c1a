// A CSV import's groups column: each cell names the person's groups, ";"-separated (as CRMs
// separate multi-select values). A non-empty cell is the person's whole set of groups: groups they
// are not in yet become memberships of source csv, and groups an admin (by hand or by an earlier
// CSV) gave them that the cell leaves out are taken away. A group the rules already give them from
// CRM facts is left to the CRM: listing it changes nothing (so `export | import` is unchanged),
// leaving it out does not take it away. An empty cell leaves the groups as they are. A group that
// is not defined rejects the row (with its line and the groups that exist): creating it would need
// a priority and a response time the file does not have, and a typo would create a group.
import type { Sql } from '../db/client.js';
import { checkGroupName, groupKey, splitGroupList } from '../vip/groups.js';
import type { CsvRow, ImportAuthor } from './import-store.js';

/** The groups cell checked on its own (names only; whether they exist is the database's say). */
export function checkGroupCell(text: string): { ok: true; names: string[] } | { ok: false; reason: string } {
  const names = new Map<string, string>();
  for (const part of splitGroupList(text)) {
    const check = checkGroupName(part);
    if (!check.ok) return { ok: false, reason: `groups: ${check.reason}` };
    if (!names.has(check.key)) names.set(check.key, check.name);
  }
  return { ok: true, names: [...names.values()] };
}

/** A rejected row, as csv-reading.ts reports them. */
interface RowError {
  row: number;
  email: string | null;
  message: string;
}

export interface DefinedGroup {
  id: string;
  name: string;
}

/**
 * The defined groups the rows name, by key (locked against deletion until the import commits when
 * `lock`), and the rows split into those whose groups all exist and errors for the others.
 */
export async function resolveImportGroups(sql: Sql, rows: readonly CsvRow[], lock: boolean) {
  const keys = [...new Set(rows.flatMap((r) => (r.groups ?? []).map(groupKey)))];
  const groups = new Map<string, DefinedGroup>();
  if (keys.length === 0) return { groups, rows: [...rows], errors: [] as RowError[] };
  const { rows: found } = await sql.query<{ id: string; name: string; name_key: string }>(
    `SELECT id::text, name, name_key FROM vip_groups WHERE name_key = ANY($1::text[]) ${lock ? 'FOR SHARE' : ''}`, [keys]);
  for (const g of found) groups.set(g.name_key, { id: g.id, name: g.name });
  const { rows: defined } = await sql.query<{ name: string }>('SELECT name FROM vip_groups ORDER BY name_key LIMIT 21');
  const known = defined.length === 0 ? 'none is defined yet' : `defined: ${defined.slice(0, 20).map((g) => g.name).join(', ')}${defined.length > 20 ? ', ...' : ''}`;
  const kept: CsvRow[] = [];
  const errors: RowError[] = [];
  for (const row of rows) {
    const unknown = (row.groups ?? []).filter((name) => !groups.has(groupKey(name)));
    if (unknown.length === 0) kept.push(row);
    else {
      errors.push({
        row: row.row, email: row.email,
        message: `groups: no VIP group ${unknown.map((n) => `"${n}"`).join(', ')} (${known}); fix the name or define the group first with \`vipsync groups add\``,
      });
    }
  }
  return { groups, rows: kept, errors };
}

/** Each row with a groups cell, with what it adds to and removes from the person's admin-set memberships. */
export async function withGroupChanges(sql: Sql, rows: readonly CsvRow[], groups: Map<string, DefinedGroup>, lock: boolean): Promise<CsvRow[]> {
  const emails = rows.filter((r) => r.groups !== undefined).map((r) => r.email);
  if (emails.length === 0) return [...rows];
  // Locked like the import's own statement locks them (id order), so the memberships compared here
  // are still the ones the write replaces.
  if (lock) await sql.query('SELECT 1 FROM vips WHERE email = ANY($1::text[]) ORDER BY id FOR UPDATE', [emails]);
  const { rows: held } = await sql.query<{ email: string; crm_keys: string[]; manual: { key: string; name: string }[] }>(`
    SELECT v.email,
      ARRAY(SELECT cg->>'key' FROM jsonb_array_elements(coalesce(v.crm_groups, '[]'::jsonb)) cg) AS crm_keys,
      coalesce((SELECT jsonb_agg(jsonb_build_object('key', g.name_key, 'name', g.name))
        FROM vip_group_members m JOIN vip_groups g ON g.id = m.group_id WHERE m.vip_id = v.id), '[]'::jsonb) AS manual
    FROM vips v WHERE v.email = ANY($1::text[])`, [emails]);
  const byEmail = new Map(held.map((h) => [h.email, h]));
  return rows.map((row) => {
    if (row.groups === undefined) return row;
    const current = byEmail.get(row.email);
    const wanted = new Set(row.groups.map(groupKey));
    const manual = new Set((current?.manual ?? []).map((m) => m.key));
    const crm = new Set(current?.crm_keys ?? []);
    const groupsAdded = [...wanted].filter((k) => !manual.has(k) && !crm.has(k)).map((k) => groups.get(k)!.name);
    const groupsRemoved = (current?.manual ?? []).filter((m) => !wanted.has(m.key)).map((m) => m.name);
    return { ...row, groupsAdded, groupsRemoved };
  });
}

/** Writes the memberships the rows add and remove (after the import's statement created its people). */
export async function writeGroupMemberships(sql: Sql, rows: readonly CsvRow[], groups: Map<string, DefinedGroup>, author: ImportAuthor): Promise<void> {
  const removed = rows.flatMap((r) => (r.groupsRemoved ?? []).map((name) => [r.email, groupKey(name)]));
  const added = rows.flatMap((r) => (r.groupsAdded ?? []).map((name) => [r.email, groups.get(groupKey(name))!.id, `${author.how} (row ${r.row})`]));
  if (removed.length > 0) {
    await sql.query(`
      DELETE FROM vip_group_members m USING jsonb_array_elements($1::jsonb) AS t(r), vips v, vip_groups g
      WHERE v.email = t.r->>0 AND g.name_key = t.r->>1 AND m.vip_id = v.id AND m.group_id = g.id`, [JSON.stringify(removed)]);
  }
  if (added.length > 0) {
    await sql.query(`
      INSERT INTO vip_group_members (group_id, vip_id, source, reason, added_by)
      SELECT (t.r->>1)::bigint, v.id, 'csv', t.r->>2, $2 FROM jsonb_array_elements($1::jsonb) AS t(r) JOIN vips v ON v.email = t.r->>0
      ON CONFLICT (group_id, vip_id) DO NOTHING`, [JSON.stringify(added), author.actor.name]);
  }
}
