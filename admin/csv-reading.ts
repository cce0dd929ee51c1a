// Reading a CSV import file: parseVipCsv (all at once) and readVipCsv (as it streams) check every
// data row by the same rules (RowChecker) and give the same answer.
//
// Every row is checked first; rows with errors (bad email, level outside 1-5, duplicate email,
// notes too long) are reported with their line number in the file (the header is line 1) and
// skipped. A row is checked by the same rules as an edit (checkFields): a NUL or another control
// character in a cell rejects that row, not the file.
//
// Size: readVipCsv reads a file or a request body as it streams and keeps only the checked rows
// (never the text or the parsed records), giving way to other work every hundred rows, so a server
// that imports 12 MB goes on answering lookups.
import { pipeline } from 'node:stream/promises';
import { setImmediate } from 'node:timers/promises';
import { parse as parseCsvStream } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { normalizeEmail } from '../vip/email.js';
import { AdminError } from './errors.js';
import type { CsvRow } from './import-store.js';
import { checkFields, checkLevel, type VipFields } from './vip-fields.js';
import { CSV_FIELDS, csvCellIn, mapHeader, type CsvColumn, type CsvField } from './csv-columns.js';
import { decodeCsv, utf8Only } from './csv-encoding.js';
import { checkGroupCell } from './import-groups.js';

export interface ImportRowError {
  row: number;
  email: string | null;
  message: string;
}

export interface ParsedCsv {
  columns: CsvColumn[];
  rows: CsvRow[];
  errors: ImportRowError[];
  /** Data rows in the file. */
  total: number;
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
    // The groups cell names the person's groups, ";"-separated; whether each exists is checked
    // against the database when the rows are imported (import-groups.ts).
    const groupsCell = cell('groups');
    const groups = groupsCell ? checkGroupCell(groupsCell) : undefined;
    if (groups && !groups.ok) return void fail(groups.reason);
    const first = this.firstRowOf.get(email.email);
    if (first !== undefined) return void fail(`duplicate of row ${first} (same email); only the first is imported`);
    this.firstRowOf.set(email.email, row);
    this.rows.push({
      row, email: email.email, level,
      name: fields.name ?? undefined, company: fields.company ?? undefined, phone: fields.phone ?? undefined, notes: fields.notes ?? undefined,
      ...(groups ? { groups: groups.names } : {}),
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
