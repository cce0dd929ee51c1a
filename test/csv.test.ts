// CSV import rules as pure functions: header mapping, row checks with row numbers.
import { describe, expect, it } from 'vitest';
import { parseColumnMap, parseVipCsv } from '../activities/admin/csv.js';
import { DEFAULT_HANDLING, loadLookupConfig } from '../worker/config.js';

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
      'ok@example.com,3,+1 555 0100,',
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
    expect(parsed.rows[0]!.phone).toBe('+1 555 0100');
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

describe('loadLookupConfig', () => {
  it('defaults to the documented handling per level and an empty owner directory', () => {
    expect(loadLookupConfig({})).toEqual({ handling: DEFAULT_HANDLING, owners: {} });
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
