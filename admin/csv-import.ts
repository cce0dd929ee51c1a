// A CSV import's writing: all valid rows of a checked file (csv-reading.ts) in ONE transaction, all
// of them land or none, thousands per set-based statement (import-store.ts). Re-importing the same
// file changes nothing: a row whose level the person already has, and whose other cells are empty
// or equal, is "unchanged" (it does not pin a CRM level as a manual override).
import { bulkTransaction, type Db } from '../db/client.js';
import type { Actor } from '../db/audit-log.js';
import { auditImportFile, importBatch } from './import-store.js';
import { resolveImportGroups, withGroupChanges, writeGroupMemberships } from './import-groups.js';
import type { CsvColumn } from './csv-columns.js';
import type { ImportRowError, ParsedCsv } from './csv-reading.js';

export interface ImportReport {
  file: string | null;
  dryRun: boolean;
  total: number;
  valid: number;
  invalid: number;
  created: number;
  updated: number;
  unchanged: number;
  errors: ImportRowError[];
  columns: CsvColumn[];
}

/** Rows compared and written by one statement. */
const BATCH = 5000;

/**
 * Imports a parsed CSV (see the rules at the top of this file): batches of rows, each one
 * statement (import-store.ts), all in one transaction. With dryRun nothing is locked or written.
 */
export async function importVips(
  db: Db,
  parsed: ParsedCsv,
  opts: { actor: Actor; file?: string; dryRun?: boolean; strict?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<ImportReport> {
  const { actor } = opts;
  const report: ImportReport = {
    file: opts.file ?? null, dryRun: opts.dryRun ?? false, total: parsed.total, valid: parsed.rows.length,
    invalid: parsed.errors.length, created: 0, updated: 0, unchanged: 0, errors: parsed.errors, columns: parsed.columns,
  };
  const author = { actor, file: opts.file ?? null, how: `imported${opts.file ? ` from ${opts.file}` : ''} by ${actor.name} via ${actor.surface}` };
  await bulkTransaction(db, async (sql) => {
    // Rows naming a group that does not exist are rejected like any bad row (import-groups.ts).
    const resolved = await resolveImportGroups(sql, parsed.rows, !report.dryRun);
    if (resolved.errors.length > 0) {
      report.errors = [...report.errors, ...resolved.errors].sort((a, b) => a.row - b.row);
      report.valid -= resolved.errors.length;
      report.invalid += resolved.errors.length;
      // --strict imports nothing when any row is rejected.
      if (opts.strict) report.dryRun = true;
    }
    const rows = resolved.rows;
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = await withGroupChanges(sql, rows.slice(start, start + BATCH), resolved.groups, !report.dryRun);
      const counts = await importBatch(sql, batch, author, !report.dryRun);
      if (!report.dryRun) await writeGroupMemberships(sql, batch, resolved.groups, author);
      report.created += counts.created;
      report.updated += counts.updated;
      report.unchanged += counts.unchanged;
      opts.onProgress?.(Math.min(start + BATCH, rows.length), rows.length);
    }
    if (!report.dryRun) {
      await auditImportFile(sql, actor, opts.file ?? null, {
        total: report.total, created: report.created, updated: report.updated, unchanged: report.unchanged, invalid: report.invalid,
      });
    }
  });
  return report;
}
