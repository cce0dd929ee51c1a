// The VIP list out as CSV: the columns import reads, formula-like cells quoted (csv-columns.ts), so
// `export | import` round-trips.
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../db/client.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { checkLevel } from './vip-fields.js';
import { csvCellOut, type CsvField } from './csv-columns.js';

export const EXPORT_COLUMNS: CsvField[] = ['email', 'name', 'company', 'level', 'phone', 'notes'];

/** The VIP list (people with a level) as CSV that `importVips` reads back. */
export async function exportVipsCsv(db: Db, q: { level?: number | string }, actor: Actor): Promise<{ csv: string; count: number }> {
  const level = q.level === undefined ? undefined : checkLevel(q.level);
  const rows = await db.vip.findMany({
    where: level === undefined ? { level: { not: null } } : { level },
    orderBy: [{ level: 'desc' }, { email: 'asc' }],
  });
  await writeAudit(db, { actor, action: 'vip.export', details: { level: level ?? null, count: rows.length } });
  return { csv: vipsToCsv(rows), count: rows.length };
}

/** People as the CSV export writes them (EXPORT_COLUMNS; formula-like cells quoted, see csv-columns.ts). */
export function vipsToCsv(rows: readonly Partial<Record<CsvField, string | number | null>>[]): string {
  const cell = (value: string | number | null | undefined) => (typeof value === 'string' ? csvCellOut(value) : value ?? '');
  return stringify(rows.map((v) => EXPORT_COLUMNS.map((c) => cell(v[c]))), { header: true, columns: EXPORT_COLUMNS });
}
