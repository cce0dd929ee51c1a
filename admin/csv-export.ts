// The VIP list out as CSV: the columns import reads, formula-like cells quoted (csv-columns.ts), so
// `export | import` round-trips.
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../db/client.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { checkLevel } from './vip-fields.js';
import { csvCellOut, type CsvField } from './csv-columns.js';

export const EXPORT_COLUMNS: CsvField[] = ['email', 'name', 'company', 'level', 'phone', 'notes', 'groups'];

/**
 * Each person's defined groups (an admin's and the rules' alike), ";"-separated in name order: what
 * a re-import reads back as unchanged. Groups no one defined are left out (an import refuses them).
 */
async function groupsOf(db: Db, ids: bigint[]): Promise<Map<bigint, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<{ id: bigint; groups: string }[]>(`
    SELECT v.id, string_agg(g.name, ';' ORDER BY g.name_key) AS groups
    FROM vips v JOIN vip_groups g ON EXISTS (SELECT 1 FROM vip_group_members m WHERE m.vip_id = v.id AND m.group_id = g.id)
      OR v.crm_groups @> jsonb_build_array(jsonb_build_object('key', g.name_key))
    WHERE v.id = ANY($1::bigint[]) GROUP BY v.id`, ids);
  return new Map(rows.map((r) => [r.id, r.groups]));
}

/** The VIP list (people with a level) as CSV that `importVips` reads back. */
export async function exportVipsCsv(db: Db, q: { level?: number | string }, actor: Actor): Promise<{ csv: string; count: number }> {
  const level = q.level === undefined ? undefined : checkLevel(q.level);
  const rows = await db.vip.findMany({
    where: level === undefined ? { level: { not: null } } : { level },
    orderBy: [{ level: 'desc' }, { email: 'asc' }],
  });
  const groups = await groupsOf(db, rows.map((r) => r.id));
  await writeAudit(db, { actor, action: 'vip.export', details: { level: level ?? null, count: rows.length } });
  return { csv: vipsToCsv(rows.map((r) => ({ ...r, groups: groups.get(r.id) ?? null }))), count: rows.length };
}

/** People as the CSV export writes them (EXPORT_COLUMNS; formula-like cells quoted, see csv-columns.ts). */
export function vipsToCsv(rows: readonly Partial<Record<CsvField, string | number | null>>[]): string {
  const cell = (value: string | number | null | undefined) => (typeof value === 'string' ? csvCellOut(value) : value ?? '');
  return stringify(rows.map((v) => EXPORT_COLUMNS.map((c) => cell(v[c]))), { header: true, columns: EXPORT_COLUMNS });
}
