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
// Size: readVipCsv reads a file or a request body as it streams and keeps only the checked rows
// (never the text or the parsed records), giving way to other work every hundred rows, so a server
// that imports 12 MB goes on answering lookups; the rows are written by set-based SQL, thousands
// per statement (import-store.ts).
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
import { pipeline } from 'node:stream/promises';
import { setImmediate } from 'node:timers/promises';
import { parse as parseCsvStream } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { bulkTransaction, type Db } from '../db/client.js';
import { normalizeEmail } from '../vip/email.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { AdminError } from './errors.js';
import { auditImportFile, importBatch, type CsvRow } from './import-store.js';
import { checkFields, checkLevel, type VipFields } from './vip-fields.js';

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

const utf16Error = () => new AdminError('invalid', 'the file is UTF-16, not UTF-8; save it as UTF-8 (in Excel: "CSV UTF-8") and import it again');

function notUtf8Error(bad: number[]): AdminError {
  const shown = bad.slice(0, 10).join(', ') + (bad.length > 10 ? ` and ${bad.length - 10} more` : '');
  return new AdminError(
    'invalid',
    `the file is not UTF-8: line${bad.length === 1 ? '' : 's'} ${shown} hold${bad.length === 1 ? 's' : ''} bytes that are not UTF-8 text ` +
      '(Latin-1 or Windows-1252, perhaps); save it as UTF-8 (in Excel: "CSV UTF-8") and import it again; nothing was imported',
  );
}

/** The text of a CSV file: UTF-8 (with or without a BOM), or an error naming the lines that are not. */
export function decodeCsv(bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw utf16Error();
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
    throw notUtf8Error(bad);
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

export interface ImportRowError {
  row: number;
  email: string | null;
  message: string;
}

/** A header column and the field it feeds (null: ignored). */
export interface CsvColumn {
  column: string;
  field: CsvField | null;
}

export interface ParsedCsv {
  columns: CsvColumn[];
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

/** Maps the header row to fields; throws AdminError when it cannot be mapped. */
function mapHeader(header: string[], explicit: Record<string, CsvField | null>): CsvColumn[] {
  for (const column of Object.keys(explicit)) {
    if (!header.some((h) => headerKey(h) === column)) {
      throw new AdminError('invalid', `--map names column "${column}", which the header (${header.join(',')}) does not have`);
    }
  }
  const columns = header.map((column) => {
    const key = headerKey(column);
    return { column, field: key in explicit ? explicit[key]! : HEADER_ALIASES[key] ?? null };
  });
  for (const field of CSV_FIELDS) {
    const feeding = columns.filter((c) => c.field === field);
    if (feeding.length > 1) throw new AdminError('invalid', `columns ${feeding.map((c) => `"${c.column}"`).join(' and ')} both map to ${field}; drop one with --map COLUMN=ignore`);
  }
  for (const required of ['email', 'level'] as const) {
    if (!columns.some((c) => c.field === required)) {
      throw new AdminError('invalid', `no column maps to ${required} (header: ${header.join(',')}); name it "${required}" or use --map COLUMN=${required}`);
    }
  }
  return columns;
}

/** Checks data rows one at a time (the rules at the top of this file), keeping the good ones and the errors. */
class RowChecker {
  readonly rows: CsvRow[] = [];
  readonly errors: ImportRowError[] = [];
  total = 0;
  private readonly index: Record<CsvField, number>;
  private readonly firstRowOf = new Map<string, number>();

  constructor(readonly columns: CsvColumn[]) {
    this.index = Object.fromEntries(CSV_FIELDS.map((f) => [f, columns.findIndex((c) => c.field === f)])) as Record<CsvField, number>;
  }

  check(record: string[], row: number): void {
    this.total += 1;
    const cell = (field: CsvField): string | undefined => {
      const i = this.index[field];
      const value = i === -1 ? undefined : record[i];
      return value === undefined ? undefined : csvCellIn(value.trim());
    };
    const rawEmail = cell('email') ?? '';
    const email = normalizeEmail(rawEmail);
    const fail = (message: string) => this.errors.push({ row, email: email.ok ? email.email : rawEmail || null, message });
    if (!email.ok) return void fail(email.reason);
    let level: number;
    try {
      level = checkLevel(cell('level') ?? '');
    } catch (error) {
      return void fail((error as Error).message);
    }
    let fields: VipFields;
    try {
      // Empty cells leave a field as it is (undefined), never clear it.
      fields = checkFields({ name: cell('name') || undefined, company: cell('company') || undefined, phone: cell('phone') || undefined, notes: cell('notes') || undefined });
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      return void fail(error.message);
    }
    const first = this.firstRowOf.get(email.email);
    if (first !== undefined) return void fail(`duplicate of row ${first} (same email); only the first is imported`);
    this.firstRowOf.set(email.email, row);
    this.rows.push({
      row, email: email.email, level,
      name: fields.name ?? undefined, company: fields.company ?? undefined, phone: fields.phone ?? undefined, notes: fields.notes ?? undefined,
    });
  }

  result(): ParsedCsv {
    return { columns: this.columns, rows: this.rows, errors: this.errors, total: this.total };
  }
}

const CSV_OPTIONS = { bom: true, skip_empty_lines: true, relax_column_count: true, info: true, trim: false } as const;
type CsvRecord = { info: { lines: number }; record: string[] };

const emptyFileError = () => new AdminError('invalid', 'the file is empty: expected a header row such as email,name,company,level,notes');
const unreadableError = (error: unknown) => new AdminError('invalid', `not a readable CSV file: ${(error as Error).message}`);

/**
 * Reads and checks a CSV (its bytes, or text already decoded) at once; pure (no database). Throws
 * AdminError when the file is not UTF-8 or its header cannot be mapped. Files of any size are
 * better read by readVipCsv, which gives way to other work as it goes.
 */
export function parseVipCsv(file: string | Uint8Array, opts: { map?: Record<string, CsvField | null> } = {}): ParsedCsv {
  const text = typeof file === 'string' ? file : decodeCsv(file);
  let records: CsvRecord[];
  try {
    records = parse(text, CSV_OPTIONS) as never;
  } catch (error) {
    throw unreadableError(error);
  }
  const header = records.shift();
  if (!header) throw emptyFileError();
  const checker = new RowChecker(mapHeader(header.record, opts.map ?? {}));
  for (const { info, record } of records) checker.check(record, info.lines);
  return checker.result();
}

/** Bytes handed to the CSV parser at a time when the file is already in memory. */
const SLICE_BYTES = 16 * 1024;
/** Rows checked between two turns of the event loop (a few milliseconds of work). */
const ROWS_BETWEEN_YIELDS = 100;

/** A file's bytes in slices, from memory (text, bytes) or as they arrive (a file or request stream). */
async function* byteSlices(source: string | Uint8Array | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (typeof source === 'string') {
    // Cut between characters: never through a surrogate pair.
    for (let start = 0; start < source.length;) {
      let end = Math.min(start + SLICE_BYTES, source.length);
      if (end < source.length && /[\uD800-\uDBFF]/.test(source[end - 1]!)) end -= 1;
      yield Buffer.from(source.slice(start, end));
      start = end;
      await setImmediate();
    }
  } else if (source instanceof Uint8Array) {
    for (let start = 0; start < source.length; start += SLICE_BYTES) {
      yield source.subarray(start, start + SLICE_BYTES);
      await setImmediate();
    }
  } else {
    yield* source;
  }
}

/**
 * Passes bytes on while they are UTF-8; at the first that are not, passes nothing more, reads on to
 * find every line that is not, and throws the error decodeCsv throws for the whole file.
 */
async function* utf8Only(slices: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const lineDecoder = new TextDecoder('utf-8', { fatal: true });
  // The bytes after the last line break seen, and the number of their line: where a scan starts.
  let tail: Uint8Array = new Uint8Array(0);
  let line = 1;
  let bad: number[] | null = null;
  const scan = (bytes: Uint8Array, final: boolean) => {
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(0x0a, start);
      if (end === -1 && !final) break;
      try {
        lineDecoder.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
      } catch {
        bad!.push(line);
      }
      if (end === -1) break;
      line += 1;
      start = end + 1;
    }
    tail = bytes.slice(start);
  };
  const join = (a: Uint8Array, b: Uint8Array) => (a.length === 0 ? b : Buffer.concat([a, b]));
  // The first two bytes say whether the file is UTF-16, whatever size the first slices are.
  let head: Uint8Array | null = new Uint8Array(0);
  const isUtf16 = (b: Uint8Array) => (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff);
  for await (const arriving of slices) {
    let slice = arriving;
    if (head) {
      slice = join(head, arriving);
      if (slice.length < 2) {
        head = slice;
        continue;
      }
      head = null;
      if (isUtf16(slice)) throw utf16Error();
    }
    if (bad) {
      scan(join(tail, slice), false);
      continue;
    }
    try {
      decoder.decode(slice, { stream: true });
    } catch {
      bad = [];
      scan(join(tail, slice), false);
      continue;
    }
    const lastBreak = slice.lastIndexOf(0x0a);
    if (lastBreak === -1) tail = join(tail, slice);
    else {
      for (let at = slice.indexOf(0x0a); at !== -1; at = slice.indexOf(0x0a, at + 1)) line += 1;
      tail = slice.subarray(lastBreak + 1);
    }
    yield slice;
  }
  if (head && head.length > 0) {
    // A file of one byte.
    try {
      decoder.decode(head, { stream: true });
      tail = head;
      yield head;
    } catch {
      bad = [];
      tail = head;
    }
  }
  if (!bad) {
    try {
      decoder.decode();
      return;
    } catch {
      bad = [];
    }
  }
  scan(tail, true);
  throw notUtf8Error(bad);
}

/**
 * Reads and checks a CSV as it streams (the same rules and answers as parseVipCsv): only the
 * checked rows are kept, never the file's text or its parsed records; every few hundred rows it
 * gives way to other work (a server's lookups). Throws AdminError when the file is not UTF-8 or
 * its header cannot be mapped.
 */
export async function readVipCsv(
  source: string | Uint8Array | AsyncIterable<Uint8Array>,
  opts: { map?: Record<string, CsvField | null>; onRows?: (checked: number) => void } = {},
): Promise<ParsedCsv> {
  let checker: RowChecker | null = null;
  try {
    await pipeline(byteSlices(source), utf8Only, parseCsvStream(CSV_OPTIONS), async (records: AsyncIterable<CsvRecord>) => {
      for await (const { info, record } of records) {
        if (!checker) {
          checker = new RowChecker(mapHeader(record, opts.map ?? {}));
          continue;
        }
        checker.check(record, info.lines);
        if (checker.total % ROWS_BETWEEN_YIELDS === 0) {
          opts.onRows?.(checker.total);
          await setImmediate();
        }
      }
    });
  } catch (error) {
    throw error instanceof AdminError ? error : unreadableError(error);
  }
  if (!checker) throw emptyFileError();
  return (checker as RowChecker).result();
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
  opts: { actor: Actor; file?: string; dryRun?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<ImportReport> {
  const { actor } = opts;
  const report: ImportReport = {
    file: opts.file ?? null, dryRun: opts.dryRun ?? false, total: parsed.total, valid: parsed.rows.length,
    invalid: parsed.errors.length, created: 0, updated: 0, unchanged: 0, errors: parsed.errors, columns: parsed.columns,
  };
  const author = { actor, file: opts.file ?? null, how: `imported${opts.file ? ` from ${opts.file}` : ''} by ${actor.name} via ${actor.surface}` };
  await bulkTransaction(db, async (sql) => {
    for (let start = 0; start < parsed.rows.length; start += BATCH) {
      const counts = await importBatch(sql, parsed.rows.slice(start, start + BATCH), author, !report.dryRun);
      report.created += counts.created;
      report.updated += counts.updated;
      report.unchanged += counts.unchanged;
      opts.onProgress?.(Math.min(start + BATCH, parsed.rows.length), parsed.rows.length);
    }
    if (!report.dryRun) {
      await auditImportFile(sql, actor, opts.file ?? null, {
        total: report.total, created: report.created, updated: report.updated, unchanged: report.unchanged, invalid: report.invalid,
      });
    }
  });
  return report;
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

