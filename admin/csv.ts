// VIP lists in and out as CSV.
//
// Import: the header row is mapped to fields by name (email, name, company, level or
// privilege_level, notes, phone, and common variants), or explicitly (`col=field`). Every row is
// checked first; rows with errors (bad email, level outside 1-5, duplicate email, notes too long)
// are reported with their line number in the file (the header is line 1) and skipped. All valid
// rows are then written in ONE transaction: all of them land or none. Re-importing the same file
// changes nothing: a row whose level the person already has, and whose other cells are empty or
// equal, is "unchanged" (it does not pin a CRM level as a manual override).
//
// Export writes the columns import reads, so `export | import` round-trips.
//
// Files are UTF-8 (a BOM is fine): anything else is refused with the lines at fault rather than
// stored as U+FFFD. A row is checked by the same rules as an edit (checkFields): a NUL or another
// control character in a cell rejects that row, not the file.
//
// Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with =, +, -,
// @, tab or carriage return. Export writes such a cell with a single quote in front ('=1+1), and
// import takes the quote off again. So that every value round-trips, a value that itself starts
// with a quote followed by one of those characters or by another quote ('=x, ''x) is exported
// with one more quote, and import removes exactly one quote, only before one of those characters
// or a quote: a hand-written 'Til stays 'Til; a hand-written '=x is read as =x.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../db/client.js';
import { normalizeEmail } from '../vip/email.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { AdminError } from './errors.js';
import { applyAdminChange, checkFields, checkLevel, lockVips, type VipFields } from './vips.js';

const FORMULA_START = /^[=+\-@\t\r]/;
const QUOTED = /^'[=+\-@\t\r']/;

/** A cell as export writes it: a spreadsheet shows it as text, never runs it. */
export function csvCellOut(value: string): string {
  return FORMULA_START.test(value) || QUOTED.test(value) ? `'${value}` : value;
}

/** A cell as import reads it: the quote export put in front taken off. */
export function csvCellIn(cell: string): string {
  return QUOTED.test(cell) ? cell.slice(1) : cell;
}

/** The text of a CSV file: UTF-8 (with or without a BOM), or an error naming the lines that are not. */
export function decodeCsv(bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new AdminError('invalid', 'the file is UTF-16, not UTF-8; save it as UTF-8 (in Excel: "CSV UTF-8") and import it again');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad: number[] = [];
    const strict = new TextDecoder('utf-8', { fatal: true });
    let line = 1;
    for (let start = 0; start <= bytes.length; line++) {
      let end = bytes.indexOf(0x0a, start);
      if (end === -1) end = bytes.length;
      try {
        strict.decode(bytes.subarray(start, end));
      } catch {
        bad.push(line);
      }
      start = end + 1;
    }
    const shown = bad.slice(0, 10).join(', ') + (bad.length > 10 ? ` and ${bad.length - 10} more` : '');
    throw new AdminError(
      'invalid',
      `the file is not UTF-8: line${bad.length === 1 ? '' : 's'} ${shown} hold${bad.length === 1 ? 's' : ''} bytes that are not UTF-8 text ` +
        '(Latin-1 or Windows-1252, perhaps); save it as UTF-8 (in Excel: "CSV UTF-8") and import it again; nothing was imported',
    );
  }
}

export const CSV_FIELDS = ['email', 'name', 'company', 'level', 'notes', 'phone'] as const;
export type CsvField = (typeof CSV_FIELDS)[number];
export const EXPORT_COLUMNS: CsvField[] = ['email', 'name', 'company', 'level', 'phone', 'notes'];

const HEADER_ALIASES: Record<string, CsvField> = {
  email: 'email', e_mail: 'email', email_address: 'email', mail: 'email',
  name: 'name', full_name: 'name', fullname: 'name', contact_name: 'name',
  company: 'company', company_name: 'company', organization: 'company', organisation: 'company', account: 'company', account_name: 'company',
  level: 'level', privilege_level: 'level', vip_level: 'level', vip: 'level', tier: 'level',
  notes: 'notes', note: 'notes', comments: 'notes', comment: 'notes',
  phone: 'phone', phone_number: 'phone', telephone: 'phone', mobile: 'phone',
};

const headerKey = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

export interface CsvRow extends VipFields {
  /** Line in the file (header = 1). */
  row: number;
  email: string;
  level: number;
}

export interface ImportRowError {
  row: number;
  email: string | null;
  message: string;
}

export interface ParsedCsv {
  /** Each header column and the field it feeds (null: ignored). */
  columns: { column: string; field: CsvField | null }[];
  rows: CsvRow[];
  errors: ImportRowError[];
  /** Data rows in the file. */
  total: number;
}

/** Parses `col=field` options into a mapping; field "ignore" drops a column. */
export function parseColumnMap(specs: readonly string[]): Record<string, CsvField | null> {
  const map: Record<string, CsvField | null> = {};
  for (const spec of specs) {
    const at = spec.lastIndexOf('=');
    const column = spec.slice(0, at).trim();
    const field = spec.slice(at + 1).trim().toLowerCase();
    if (at <= 0 || !column) throw new AdminError('invalid', `--map "${spec}" must look like column=field`);
    if (field === 'ignore') map[headerKey(column)] = null;
    else if ((CSV_FIELDS as readonly string[]).includes(field)) map[headerKey(column)] = field as CsvField;
    else throw new AdminError('invalid', `--map "${spec}": unknown field "${field}"; fields are ${CSV_FIELDS.join(', ')} (or ignore)`);
  }
  return map;
}

/**
 * Reads and checks a CSV (its bytes, or text already decoded); pure (no database). Throws
 * AdminError when the file is not UTF-8 or its header cannot be mapped.
 */
export function parseVipCsv(file: string | Uint8Array, opts: { map?: Record<string, CsvField | null> } = {}): ParsedCsv {
  const text = typeof file === 'string' ? file : decodeCsv(file);
  let records: { info: { lines: number }; record: string[] }[];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, info: true, trim: false }) as never;
  } catch (error) {
    throw new AdminError('invalid', `not a readable CSV file: ${(error as Error).message}`);
  }
  const header = records.shift();
  if (!header) throw new AdminError('invalid', 'the file is empty: expected a header row such as email,name,company,level,notes');
  const explicit = opts.map ?? {};
  for (const column of Object.keys(explicit)) {
    if (!header.record.some((h) => headerKey(h) === column)) {
      throw new AdminError('invalid', `--map names column "${column}", which the header (${header.record.join(',')}) does not have`);
    }
  }
  const columns = header.record.map((column) => {
    const key = headerKey(column);
    return { column, field: key in explicit ? explicit[key]! : HEADER_ALIASES[key] ?? null };
  });
  for (const field of CSV_FIELDS) {
    const feeding = columns.filter((c) => c.field === field);
    if (feeding.length > 1) throw new AdminError('invalid', `columns ${feeding.map((c) => `"${c.column}"`).join(' and ')} both map to ${field}; drop one with --map COLUMN=ignore`);
  }
  for (const required of ['email', 'level'] as const) {
    if (!columns.some((c) => c.field === required)) {
      throw new AdminError('invalid', `no column maps to ${required} (header: ${header.record.join(',')}); name it "${required}" or use --map COLUMN=${required}`);
    }
  }

  const rows: CsvRow[] = [];
  const errors: ImportRowError[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { info, record } of records) {
    const row = info.lines;
    const cell = (field: CsvField): string | undefined => {
      const i = columns.findIndex((c) => c.field === field);
      const value = i === -1 ? undefined : record[i];
      return value === undefined ? undefined : csvCellIn(value.trim());
    };
    const rawEmail = cell('email') ?? '';
    const email = normalizeEmail(rawEmail);
    const fail = (message: string) => errors.push({ row, email: email.ok ? email.email : rawEmail || null, message });
    if (!email.ok) {
      fail(email.reason);
      continue;
    }
    let level: number;
    try {
      level = checkLevel(cell('level') ?? '');
    } catch (error) {
      fail((error as Error).message);
      continue;
    }
    let fields: VipFields;
    try {
      // Empty cells leave a field as it is (undefined), never clear it.
      fields = checkFields({ name: cell('name') || undefined, company: cell('company') || undefined, phone: cell('phone') || undefined, notes: cell('notes') || undefined });
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      fail(error.message);
      continue;
    }
    const first = firstRowOf.get(email.email);
    if (first !== undefined) {
      fail(`duplicate of row ${first} (same email); only the first is imported`);
      continue;
    }
    firstRowOf.set(email.email, row);
    rows.push({
      row, email: email.email, level,
      name: fields.name ?? undefined, company: fields.company ?? undefined, phone: fields.phone ?? undefined, notes: fields.notes ?? undefined,
    });
  }
  return { columns, rows, errors, total: records.length };
}

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
  columns: { column: string; field: CsvField | null }[];
}

const BATCH = 1000;

/** Imports a parsed CSV (see the rules at the top of this file). With dryRun nothing is written. */
export async function importVips(
  db: Db,
  parsed: ParsedCsv,
  opts: { actor: Actor; file?: string; dryRun?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<ImportReport> {
  const { actor } = opts;
  const report: ImportReport = {
    file: opts.file ?? null, dryRun: opts.dryRun ?? false, total: parsed.total, valid: parsed.rows.length,
    invalid: parsed.errors.length, created: 0, updated: 0, unchanged: 0, errors: parsed.errors, columns: parsed.columns,
  };
  const source = 'csv' as const;
  const how = `imported${opts.file ? ` from ${opts.file}` : ''} by ${actor.name} via ${actor.surface}`;

  const run = async (tx: Parameters<Parameters<Db['$transaction']>[0]>[0] | Db, write: boolean) => {
    for (let start = 0; start < parsed.rows.length; start += BATCH) {
      const batch = parsed.rows.slice(start, start + BATCH);
      // Edits of these people made meanwhile wait for the import, so its level changes chain.
      if (write) await lockVips(tx as never, batch.map((r) => r.email));
      const existing = new Map(
        (await tx.vip.findMany({ where: { email: { in: batch.map((r) => r.email) } } })).map((v) => [v.email, v]),
      );
      const fresh = batch.filter((r) => !existing.has(r.email));
      report.created += fresh.length;
      if (write && fresh.length > 0) {
        const created = await tx.vip.createManyAndReturn({
          data: fresh.map((r) => ({
            email: r.email, name: r.name ?? null, company: r.company ?? null, phone: r.phone ?? null, notes: r.notes ?? null,
            level: r.level, manualLevel: r.level, levelSource: source, levelReason: `${how} (row ${r.row})`, source,
          })),
          select: { id: true, email: true, level: true, levelReason: true },
        });
        await tx.vipLevelChange.createMany({
          data: created.map((v) => ({ vipId: v.id, oldLevel: null, newLevel: v.level, reason: v.levelReason!, source, actor: actor.name })),
        });
        await tx.auditLog.createMany({ data: created.map((v) => auditRow(actor, v.email, { created: true, level: v.level, file: opts.file ?? null })) });
      }
      for (const r of batch) {
        const vip = existing.get(r.email);
        if (!vip) continue;
        const fields: VipFields = {};
        for (const f of ['name', 'company', 'phone', 'notes'] as const) if (r[f] !== undefined && r[f] !== vip[f]) fields[f] = r[f];
        const levelChanges = r.level !== vip.level;
        if (!levelChanges && Object.keys(fields).length === 0) {
          report.unchanged += 1;
          continue;
        }
        report.updated += 1;
        if (!write) continue;
        await applyAdminChange(tx as never, vip, {
          level: levelChanges ? r.level : undefined, fields, source, reason: `${how} (row ${r.row})`, actor,
        });
        await tx.auditLog.create({
          data: auditRow(actor, r.email, { updated: Object.keys(fields), level: levelChanges ? r.level : undefined, file: opts.file ?? null }),
        });
      }
      opts.onProgress?.(Math.min(start + BATCH, parsed.rows.length), parsed.rows.length);
    }
  };

  if (report.dryRun) {
    await run(db, false);
  } else {
    await db.$transaction(async (tx) => {
      await run(tx, true);
      await writeAudit(tx, {
        actor, action: 'vip.import.file', subject: opts.file ?? null,
        details: { total: report.total, created: report.created, updated: report.updated, unchanged: report.unchanged, invalid: report.invalid },
      });
    }, { timeout: 15 * 60_000, maxWait: 30_000 });
  }
  return report;
}

function auditRow(actor: Actor, email: string, details: Record<string, unknown>) {
  return {
    actor: actor.name, surface: actor.surface, action: 'vip.import', subject: email, details: details as object,
    workflowId: actor.workflowId ?? null, runId: actor.runId ?? null,
  };
}

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

/** People as the CSV export writes them (EXPORT_COLUMNS; formula-like cells quoted, see the top of this file). */
export function vipsToCsv(rows: readonly Partial<Record<CsvField, string | number | null>>[]): string {
  const cell = (value: string | number | null | undefined) => (typeof value === 'string' ? csvCellOut(value) : value ?? '');
  return stringify(rows.map((v) => EXPORT_COLUMNS.map((c) => cell(v[c]))), { header: true, columns: EXPORT_COLUMNS });
}

