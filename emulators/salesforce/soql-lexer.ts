// Splits SOQL into tokens. String literals are decoded here with SOQL's escaping rules, so a value
// can never leave its quotes: an unknown escape or a missing closing quote is MALFORMED_QUERY.
import { SoqlError } from './errors.js';

export type Token =
  | { kind: 'identifier'; text: string; offset: number }
  | { kind: 'string'; value: string; likePattern: RegExp; usesLikeEscapes: boolean; offset: number }
  | { kind: 'number'; value: number; text: string; offset: number }
  | { kind: 'datetime'; epochMs: number; text: string; offset: number }
  | { kind: 'date'; epochMs: number; text: string; offset: number }
  | { kind: 'operator'; text: ComparisonOperator; offset: number }
  | { kind: 'punctuation'; text: '(' | ')' | ','; offset: number }
  | { kind: 'end'; offset: number };

export type ComparisonOperator = '=' | '!=' | '<' | '>' | '<=' | '>=';

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
// The SOQL reference's datetime forms (Date Formats and Date Literals): YYYY-MM-DDThh:mm:ssZ and
// YYYY-MM-DDThh:mm:ss+hh:mm or -hh:mm, whole seconds only. Anything else that starts like a datetime
// is refused whole, so a client sending milliseconds (as toISOString() does) learns it here, not
// from a real org.
const DATETIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})/y;
const DATETIME_LIKE = /\d{4}-\d{2}-\d{2}T[\w.:+-]*/y;
const DATE = /\d{4}-\d{2}-\d{2}(?![\dT])/y;
const NUMBER = /[+-]?\d+(?:\.\d+)?(?![\w.])/y;

/** The escapes SOQL accepts inside quotes (case-insensitive letters), and what they stand for. */
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };

export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  while (offset < soql.length) {
    const char = soql[offset]!;
    if (/\s/.test(char)) {
      offset++;
      continue;
    }
    if (char === "'") {
      const { token, end } = readString(soql, offset);
      tokens.push(token);
      offset = end;
      continue;
    }
    if (char === '(' || char === ')' || char === ',') {
      tokens.push({ kind: 'punctuation', text: char, offset });
      offset++;
      continue;
    }
    const operator = readOperator(soql, offset);
    if (operator) {
      tokens.push({ kind: 'operator', text: operator.text, offset });
      offset += operator.length;
      continue;
    }
    const literal = readDateOrNumber(soql, offset);
    if (literal) {
      tokens.push(literal);
      offset += literal.text.length;
      continue;
    }
    IDENTIFIER.lastIndex = offset;
    const identifier = IDENTIFIER.exec(soql);
    if (identifier) {
      tokens.push({ kind: 'identifier', text: identifier[0], offset });
      offset += identifier[0].length;
      continue;
    }
    throw new SoqlError('MALFORMED_QUERY', soql, offset, `unexpected token: '${char}'`);
  }
  tokens.push({ kind: 'end', offset: soql.length });
  return tokens;
}

function readOperator(soql: string, offset: number): { text: ComparisonOperator; length: number } | undefined {
  const two = soql.slice(offset, offset + 2);
  if (two === '!=' || two === '<>') return { text: '!=', length: 2 };
  if (two === '<=' || two === '>=') return { text: two, length: 2 };
  const one = soql[offset];
  if (one === '=' || one === '<' || one === '>') return { text: one, length: 1 };
  return undefined;
}

function readDateOrNumber(soql: string, offset: number): Extract<Token, { kind: 'number' | 'datetime' | 'date' }> | undefined {
  DATETIME_LIKE.lastIndex = offset;
  const datetimeLike = DATETIME_LIKE.exec(soql);
  if (datetimeLike) {
    const text = datetimeLike[0];
    DATETIME.lastIndex = offset;
    const epochMs = DATETIME.exec(soql)?.[0] === text ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(epochMs)) {
      throw new SoqlError(
        'MALFORMED_QUERY', soql, offset,
        `Invalid datetime literal: ${text}. Use YYYY-MM-DDThh:mm:ssZ or YYYY-MM-DDThh:mm:ss+hh:mm (or -hh:mm), without fractional seconds.`,
      );
    }
    return { kind: 'datetime', epochMs, text, offset };
  }
  DATE.lastIndex = offset;
  const date = DATE.exec(soql);
  if (date) {
    const epochMs = Date.parse(`${date[0]}T00:00:00Z`);
    if (Number.isNaN(epochMs)) throw new SoqlError('MALFORMED_QUERY', soql, offset, `invalid date: ${date[0]}`);
    return { kind: 'date', epochMs, text: date[0], offset };
  }
  NUMBER.lastIndex = offset;
  const number = NUMBER.exec(soql);
  if (number) return { kind: 'number', value: Number(number[0]), text: number[0], offset };
  return undefined;
}

/**
 * Reads a quoted literal starting at `start` (the opening quote). Builds the decoded value and, for
 * LIKE, a regular expression in which unescaped % and _ are wildcards and \% \_ are literal.
 */
function readString(soql: string, start: number): { token: Token; end: number } {
  let value = '';
  let pattern = '';
  let usesLikeEscapes = false;
  let offset = start + 1;
  while (offset < soql.length) {
    const char = soql[offset]!;
    if (char === "'") {
      const token: Token = { kind: 'string', value, likePattern: new RegExp(`^${pattern}$`, 'is'), usesLikeEscapes, offset: start };
      return { token, end: offset + 1 };
    }
    if (char !== '\\') {
      value += char;
      pattern += char === '%' ? '.*' : char === '_' ? '.' : escapeRegExp(char);
      offset++;
      continue;
    }
    const escaped = soql[offset + 1];
    if (escaped === undefined) break;
    const lower = escaped.toLowerCase();
    if (lower === 'u') {
      const hex = soql.slice(offset + 2, offset + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new SoqlError('MALFORMED_QUERY', soql, offset, `Invalid string literal '\\u${hex}'. Illegal unicode escape`);
      const decoded = String.fromCharCode(parseInt(hex, 16));
      value += decoded;
      pattern += escapeRegExp(decoded);
      offset += 6;
      continue;
    }
    if (escaped === '%' || escaped === '_') {
      usesLikeEscapes = true;
      value += escaped;
      pattern += escapeRegExp(escaped);
      offset += 2;
      continue;
    }
    const decoded = ESCAPES[lower];
    if (decoded === undefined) {
      throw new SoqlError(
        'MALFORMED_QUERY',
        soql,
        offset,
        `Invalid string literal '${soql.slice(start, offset + 2)}'. Illegal escape sequence: \\${escaped}`,
      );
    }
    value += decoded;
    pattern += escapeRegExp(decoded);
    offset += 2;
  }
  throw new SoqlError('MALFORMED_QUERY', soql, start, `unexpected token: '${soql.slice(start)}' (unterminated string literal)`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\\/]/g, '\\$&');
}
