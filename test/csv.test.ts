// CSV import rules as pure functions: header mapping, row checks with row numbers.
import { describe, expect, it } from 'vitest';
import { csvCellIn, csvCellOut, parseColumnMap } from '../admin/csv-columns.js';
import { vipsToCsv } from '../admin/csv-export.js';
import { parseVipCsv } from '../admin/csv-reading.js';
import { DEFAULT_HANDLING, loadLookupConfig } from '../lookup/config.js';

describe('parseVipCsv', () => {
  it('maps the seed header email,name,company,privilege_level,notes', () => {
    const parsed = parseVipCsv('email,name,company,privilege_level,notes\nAda@Acme.com ,Ada,Acme,5,"Likes tea, not coffee"\n');
    expect(parsed.columns.map((c) => c.field)).toEqual(['email', 'name', 'company', 'level', 'notes']);
    expect(parsed.rows).toEqual([{ row: 2, email: 'ada@acme.com', level: 5, name: 'Ada', company: 'Acme', notes: 'Likes tea, not coffee', phone: undefined }]);
    expect(parsed.errors).toEqual([]);
  });

  it('reports every broken row with its line number and keeps the good ones', () => {
    const parsed = parseVipCsv([
      'Email,Level,Phone Number,Notes',
      'ok@example.com,3,+1 415 555 0100,',
      ',2,,',
      'two@@example.com,2,,',
      'zero@example.com,0,,',
      'six@example.com,6,,',
      'gold@example.com,gold,,',
      'half@example.com,2.5,,',
      'ok@example.com,4,,',
      `long@example.com,1,,${'x'.repeat(2001)}`,
      '',
      'last@example.com,1,,',
    ].join('\n'));
    expect(parsed.rows.map((r) => [r.row, r.email, r.level])).toEqual([[2, 'ok@example.com', 3], [12, 'last@example.com', 1]]);
    expect(parsed.rows[0]!.phone).toBe('+14155550100');
    expect(parsed.errors.map((e) => [e.row, e.message])).toEqual([
      [3, 'email is empty'],
      [4, 'email "two@@example.com" has more than one @'],
      [5, 'level 0 is outside 1-5'],
      [6, 'level 6 is outside 1-5'],
      [7, 'level "gold" is not a whole number 1-5'],
      [8, 'level "2.5" is not a whole number 1-5'],
      [9, 'duplicate of row 2 (same email); only the first is imported'],
      [10, 'notes are 2001 characters; at most 2000 are allowed'],
    ]);
    expect(parsed.total).toBe(10);
  });

  it('takes explicit --map col=field over the guesses, and can ignore a column', () => {
    const map = parseColumnMap(['Work Mail=email', 'Tier=level', 'name=ignore']);
    const parsed = parseVipCsv('Work Mail,Tier,name\nx@example.com,2,Somebody\n', { map });
    expect(parsed.columns).toEqual([{ column: 'Work Mail', field: 'email' }, { column: 'Tier', field: 'level' }, { column: 'name', field: null }]);
    expect(parsed.rows[0]).toMatchObject({ email: 'x@example.com', level: 2, name: undefined });
  });

  it.each([
    ['', 'the file is empty'],
    ['name,company\nAda,Acme\n', 'no column maps to email'],
    ['email,name\na@b.co,Ada\n', 'no column maps to level'],
    ['email,mail,level\na@b.co,a@b.co,1\n', 'both map to email'],
    ['email,level\n"unterminated,1\n', 'not a readable CSV file'],
  ])('refuses a file it cannot map: %j', (text, message) => {
    expect(() => parseVipCsv(text)).toThrow(message);
  });

  it('refuses --map of an unknown field or column', () => {
    expect(() => parseColumnMap(['x=salary'])).toThrow('unknown field "salary"');
    expect(() => parseColumnMap(['nonsense'])).toThrow('column=field');
    expect(() => parseVipCsv('email,level\na@b.co,1\n', { map: parseColumnMap(['Tier=level']) })).toThrow('does not have');
  });
});

describe('CSV rows are checked like an edit', () => {
  it('rejects the row with a NUL or another control character, with its line and reason, and keeps the others', () => {
    const parsed = parseVipCsv('email,level,name,company,notes\na@example.com,1,Ada,,\nb@example.com,2,Bo\u0000b,,\nc@example.com,3,,Acme\u001b[2J,\nd@example.com,4,,,line one\nline two\n'.replace('line one\nline two', '"line one\nline two"'));
    expect(parsed.rows.map((r) => r.email)).toEqual(['a@example.com', 'd@example.com']);
    expect(parsed.rows[1]!.notes).toBe('line one\nline two');
    expect(parsed.errors.map((e) => [e.row, e.email, e.message])).toEqual([
      [3, 'b@example.com', 'name contains a control character (U+0000); remove it'],
      [4, 'c@example.com', 'company contains a control character (U+001B); remove it'],
    ]);
  });

  it('counts notes in characters: 2,000 emoji are allowed, 2,001 are not', () => {
    const parsed = parseVipCsv(`email,level,notes\na@example.com,1,${'\u{1F600}'.repeat(2000)}\nb@example.com,1,${'\u{1F600}'.repeat(2001)}\n`);
    expect(parsed.rows.map((r) => r.email)).toEqual(['a@example.com']);
    expect(parsed.errors).toEqual([{ row: 3, email: 'b@example.com', message: 'notes are 2001 characters; at most 2000 are allowed' }]);
  });

  it('stores phones in E.164 and rejects a row whose phone is not one', () => {
    const parsed = parseVipCsv('email,level,phone\na@example.com,1,(415) 555-2671\nb@example.com,1,ask reception\n');
    expect(parsed.rows[0]).toMatchObject({ phone: '+14155552671' });
    expect(parsed.errors).toEqual([{ row: 3, email: 'b@example.com', message: 'phone "ask reception" contains letters' }]);
  });
});

describe('CSV files are UTF-8', () => {
  const latin1 = (text: string) => Uint8Array.from([...text].map((c) => c.charCodeAt(0)));

  it('refuses a Latin-1 file, naming the lines that are not UTF-8, instead of storing U+FFFD', () => {
    const bytes = latin1('email,level,name\nada@example.com,5,Ada\njose@example.com,4,Jos\u00e9\nzoe@example.com,3,Zo\u00eb\n');
    expect(() => parseVipCsv(bytes)).toThrow(/not UTF-8: lines 3, 4 hold bytes that are not UTF-8 text.*nothing was imported/);
  });

  it('refuses a UTF-16 file saying so', () => {
    expect(() => parseVipCsv(Uint8Array.from([0xff, 0xfe, 0x65, 0x00]))).toThrow('UTF-16');
  });

  it('reads UTF-8 bytes, with or without a BOM', () => {
    const text = 'email,level,name\njose@example.com,4,Jos\u00e9 \u{1F600}\n';
    for (const bytes of [new TextEncoder().encode(text), Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)])]) {
      expect(parseVipCsv(bytes).rows).toEqual([expect.objectContaining({ email: 'jose@example.com', name: 'Jos\u00e9 \u{1F600}' })]);
    }
  });
});

describe('CSV export against formula injection', () => {
  const TRICKY = ['=HYPERLINK("http://evil.example","x")', '+1 555', '-2', '@SUM(A1)', '\tTabbed', '\rReturn', "'quoted", "''twice", "'=already quoted", "'", "O'Brien", 'plain', "'Til"];

  it('quotes every cell a spreadsheet would run (OWASP: =, +, -, @, tab, carriage return)', () => {
    for (const value of ['=1+1', '+1', '-1', '@x', '\tx', '\rx']) expect(csvCellOut(value)).toBe(`'${value}`);
    for (const value of ['plain', "O'Brien", "'Til", ' =1']) expect(csvCellOut(value)).toBe(value);
    const csv = vipsToCsv([{ email: '-x@example.com', name: '=cmd|" /C calc"!A0', company: '@SUM(1)', level: 5, phone: '+14155552671', notes: '-- call first' }]);
    const cells = csv.trim().split('\n')[1]!;
    // The last column, groups, is empty for this person.
    expect(cells).toBe('\'-x@example.com,"\'=cmd|"" /C calc""!A0",\'@SUM(1),5,\'+14155552671,\'-- call first,');
  });

  it('reads back every exported value exactly, including values that start with a quote', () => {
    for (const value of TRICKY) expect(csvCellIn(csvCellOut(value)), JSON.stringify(value)).toBe(value);
    // Names and companies hold no control characters (checkFields); notes may hold tabs and returns.
    const oneLine = TRICKY.filter((v) => !/[\t\r]/.test(v));
    const rows = TRICKY.map((notes, i) => ({ email: `p${i}@example.com`, name: oneLine[i % oneLine.length]!, company: oneLine[(i + 1) % oneLine.length]!, level: 3, phone: null, notes }));
    const parsed = parseVipCsv(vipsToCsv(rows));
    expect(parsed.errors).toEqual([]);
    expect(parsed.rows.map((r) => [r.name, r.company, r.notes])).toEqual(rows.map((r) => [r.name, r.company, r.notes]));
  });

  it("keeps a hand-written value that starts with a quote before an ordinary character ('Til), and reads '=x as =x", () => {
    const parsed = parseVipCsv("email,level,name,company\na@example.com,1,'Til,'=Acme\n");
    expect(parsed.rows[0]).toMatchObject({ name: "'Til", company: '=Acme' });
  });
});

describe('loadLookupConfig', () => {
  it('defaults to the documented handling per level and an empty owner directory', () => {
    expect(loadLookupConfig({})).toEqual({ handling: DEFAULT_HANDLING, owners: {}, contactNotesLimit: 3 });
    expect(DEFAULT_HANDLING[5]).toMatchObject({ priority: 'immediate', responseTimeMinutes: 15 });
    expect(DEFAULT_HANDLING[1]).toMatchObject({ priority: 'normal', escalationTeam: null });
  });

  it('merges VIPSYNC_HANDLING overrides per level and reads VIPSYNC_OWNERS in both shapes', () => {
    const config = loadLookupConfig({
      VIPSYNC_HANDLING: '{"5": {"escalationTeam": "vip-desk", "responseTimeMinutes": 10}}',
      VIPSYNC_OWNERS: '{"005A": "Dana Scully", "hubspot:77": {"name": "Fox Mulder", "email": "fox@example.com"}}',
    });
    expect(config.handling[5]).toEqual({ ...DEFAULT_HANDLING[5], escalationTeam: 'vip-desk', responseTimeMinutes: 10 });
    expect(config.handling[4]).toEqual(DEFAULT_HANDLING[4]);
    expect(config.owners).toEqual({ '005A': { name: 'Dana Scully', email: null }, 'hubspot:77': { name: 'Fox Mulder', email: 'fox@example.com' } });
  });

  it('names the variable and shows an example when the JSON is wrong', () => {
    expect(() => loadLookupConfig({ VIPSYNC_HANDLING: '{5:' })).toThrow(/VIPSYNC_HANDLING is not valid JSON.*expected e\.g\./s);
    expect(() => loadLookupConfig({ VIPSYNC_HANDLING: '{"9": {}}' })).toThrow('VIPSYNC_HANDLING');
    expect(() => loadLookupConfig({ VIPSYNC_HANDLING: '{"3": {"responseTimeMinutes": -1}}' })).toThrow('VIPSYNC_HANDLING.3.responseTimeMinutes');
    expect(() => loadLookupConfig({ VIPSYNC_OWNERS: '[1]' })).toThrow('VIPSYNC_OWNERS');
  });
});
