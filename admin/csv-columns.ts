// What a VIP CSV's columns and cells mean, to import and export alike. The header row is mapped to
// fields by name (email, name, company, level or privilege_level, notes, phone, and common
// variants), or explicitly (`col=field`).
//
// Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with =, +, -,
// @, tab or carriage return. Export writes such a cell with a single quote in front ('=1+1), and
// import takes the quote off again. So that every value round-trips, a value that itself starts
// with a quote followed by one of those characters or by another quote ('=x, ''x) is exported
// with one more quote, and import removes exactly one quote, only before one of those characters
// or a quote: a hand-written 'Til stays 'Til; a hand-written '=x is read as =x.
import { AdminError } from './errors.js';

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

export const CSV_FIELDS = ['email', 'name', 'company', 'level', 'notes', 'phone', 'groups'] as const;
export type CsvField = (typeof CSV_FIELDS)[number];

const HEADER_ALIASES: Record<string, CsvField> = {
  email: 'email', e_mail: 'email', email_address: 'email', mail: 'email',
  name: 'name', full_name: 'name', fullname: 'name', contact_name: 'name',
  company: 'company', company_name: 'company', organization: 'company', organisation: 'company', account: 'company', account_name: 'company',
  level: 'level', privilege_level: 'level', vip_level: 'level', vip: 'level', tier: 'level',
  notes: 'notes', note: 'notes', comments: 'notes', comment: 'notes',
  phone: 'phone', phone_number: 'phone', telephone: 'phone', mobile: 'phone',
  groups: 'groups', group: 'groups', vip_groups: 'groups', vip_group: 'groups',
};

const headerKey = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** The field a header column feeds when nothing maps it explicitly (null: ignored). */
export function fieldForHeader(column: string): CsvField | null {
  return HEADER_ALIASES[headerKey(column)] ?? null;
}

/** A header column and the field it feeds (null: ignored). */
export interface CsvColumn {
  column: string;
  field: CsvField | null;
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
export function mapHeader(header: string[], explicit: Record<string, CsvField | null>): CsvColumn[] {
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
