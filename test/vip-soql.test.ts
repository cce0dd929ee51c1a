import { describe, expect, it } from 'vitest';
import { escapeSoqlString, soqlString } from '../crm/salesforce/soql.js';
import { tokenize } from '../emulators/salesforce/soql-lexer.js';

describe('escapeSoqlString', () => {
  it.each([
    ['ada@acme.com', 'ada@acme.com'],
    ["o'brien@acme.com", "o\\'brien@acme.com"],
    ['back\\slash', 'back\\\\slash'],
    ['ends with backslash\\', 'ends with backslash\\\\'],
    ["\\'", "\\\\\\'"], // a backslash then a quote: both escaped, so the quote stays escaped
    ['"quoted"', '\\"quoted\\"'],
    ['line\nbreak', 'line\\nbreak'],
    ['carriage\rreturn', 'carriage\\rreturn'],
    ['tab\there', 'tab\\there'],
    ['back\bspace', 'back\\bspace'],
    ['form\ffeed', 'form\\ffeed'],
    ['', ''],
    ['%_ are only special in LIKE', '%_ are only special in LIKE'],
    ["' OR Email != '", "\\' OR Email != \\'"],
    ["x\\' OR Name LIKE '%", "x\\\\\\' OR Name LIKE \\'%"],
    ['ünïcödé@exämple.com', 'ünïcödé@exämple.com'],
  ])('escapes %j as %j', (raw, escaped) => {
    expect(escapeSoqlString(raw)).toBe(escaped);
  });

  // The emulator's lexer decodes literals with Salesforce's rules: whatever goes in comes back out
  // as exactly one string token, so no input can end the literal early.
  it.each([
    ["' OR Email != '"], ["x\\' OR Id != '"], ['\\'], ["\\\\'"], ["''''"], ['a\nb\rc\td\be\ff"g'], ["'); DELETE FROM Contact; --"],
    ['\\u0041'], ['\\%\\_'], ['tricky\\\\\\\'end'],
  ])('round-trips %j through a SOQL lexer as one literal', (raw) => {
    const tokens = tokenize(`SELECT Id FROM Contact WHERE Email = ${soqlString(raw)}`);
    const strings = tokens.filter((t) => t.kind === 'string');
    expect(strings).toHaveLength(1);
    expect(strings[0]).toMatchObject({ value: raw });
    expect(tokens.at(-1)?.kind).toBe('end');
    expect(tokens.at(-2)?.kind).toBe('string');
  });
});
