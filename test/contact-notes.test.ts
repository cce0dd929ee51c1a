// Contact notes' pure rules: what text a note may hold, what a note id is, how a file's text is
// read, the lookup's statement with the latest notes and the VIPSYNC_LOOKUP_CONTACT_NOTES variable.
import { describe, expect, it } from 'vitest';
import { checkContactNoteId, checkContactNoteText, MAX_CONTACT_NOTE_LENGTH, noteTextFromFile } from '../admin/contact-note-fields.js';
import { AdminError } from '../admin/errors.js';
import { contactNotesLimitFromEnv, loadLookupConfig } from '../lookup/config.js';
import { contactNotesFrom, withLatestContactNotes } from '../lookup/notes.js';

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AdminError);
    expect((error as AdminError).kind).toBe('invalid');
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('checkContactNoteText', () => {
  it('takes exactly 2,000 characters and refuses 2,001, naming the field and the limit', () => {
    expect(MAX_CONTACT_NOTE_LENGTH).toBe(2000);
    expect(checkContactNoteText('a'.repeat(2000))).toHaveLength(2000);
    expect(refusal(() => checkContactNoteText('a'.repeat(2001)))).toBe(
      'text is 2001 characters; a contact note holds at most 2000 (shorten it or split it into two notes)',
    );
  });

  it('counts characters as people do: an emoji (two UTF-16 units) or an accented letter is one', () => {
    const emoji = '😀'.repeat(2000);
    expect(emoji.length).toBe(4000);
    expect(checkContactNoteText(emoji)).toBe(emoji);
    expect(refusal(() => checkContactNoteText(`${emoji}😀`))).toContain('text is 2001 characters');
    expect(checkContactNoteText('é'.repeat(2000))).toHaveLength(2000);
    // A decomposed é is two code points, as Postgres and JSON Schema count it.
    expect(refusal(() => checkContactNoteText('e\u0301'.repeat(1001)))).toContain('text is 2002 characters');
  });

  it('keeps line breaks, tabs and surrounding spaces as written', () => {
    const text = '  Called on Monday:\r\n\t- wants a refund\n- call back Friday  ';
    expect(checkContactNoteText(text)).toBe(text);
  });

  it.each([
    ['NUL', 'a\u0000b', 'U+0000'],
    ['an escape sequence', 'red \u001B[31m', 'U+001B'],
    ['a bell', 'ding\u0007', 'U+0007'],
    ['a vertical tab', 'a\u000Bb', 'U+000B'],
    ['a form feed', 'a\u000Cb', 'U+000C'],
    ['DEL', 'a\u007Fb', 'U+007F'],
    ['a C1 control (one-byte CSI)', 'a\u009Bb', 'U+009B'],
  ])('refuses %s, naming the field and the character', (_what, text, code) => {
    expect(refusal(() => checkContactNoteText(text))).toBe(`text contains a control character (${code}); remove it`);
  });

  it('refuses an unpaired surrogate (it has no UTF-8 form) and says where it is', () => {
    expect(refusal(() => checkContactNoteText('😀ok\uD800'))).toBe('text holds an unpaired surrogate at character 4 (broken Unicode); send it as UTF-8 text');
    expect(refusal(() => checkContactNoteText('\uDE00'))).toContain('at character 1');
  });

  it.each([
    ['missing', undefined, 'text is missing'],
    ['null', null, 'text is missing'],
    ['a number', 42, 'text is missing'],
    ['empty', '', 'text is empty'],
    ['only spaces and line breaks', ' \n\t ', 'text is empty'],
  ])('refuses text that is %s', (_what, raw, message) => {
    expect(refusal(() => checkContactNoteText(raw))).toContain(message);
  });
});

describe('checkContactNoteId', () => {
  it.each([['12', 12n], [' 7 ', 7n], [3, 3n], ['9223372036854775807', 9223372036854775807n]])('reads %j', (raw, id) => {
    expect(checkContactNoteId(raw)).toBe(id);
  });

  it.each(['0', '-1', '1.5', 'abc', '', '9223372036854775808', '12345678901234567890', '0x10', '1e3', null, 2.5])('refuses %j, saying how to find ids', (raw) => {
    expect(refusal(() => checkContactNoteId(raw))).toMatch(/^note id ".*" is not a note id \(a positive whole number\); `vipsync vip notes EMAIL` lists them$/);
  });
});

describe('noteTextFromFile', () => {
  it('drops the one final line break an editor or echo adds, and nothing else', () => {
    expect(noteTextFromFile('hello\n')).toBe('hello');
    expect(noteTextFromFile('hello\r\n')).toBe('hello');
    expect(noteTextFromFile('hello\n\n')).toBe('hello\n');
    expect(noteTextFromFile('  two\nlines  ')).toBe('  two\nlines  ');
  });
});

describe('VIPSYNC_LOOKUP_CONTACT_NOTES', () => {
  it('defaults to 3 and takes 0 to 50', () => {
    expect(contactNotesLimitFromEnv({})).toBe(3);
    expect(contactNotesLimitFromEnv({ VIPSYNC_LOOKUP_CONTACT_NOTES: '' })).toBe(3);
    expect(contactNotesLimitFromEnv({ VIPSYNC_LOOKUP_CONTACT_NOTES: '0' })).toBe(0);
    expect(contactNotesLimitFromEnv({ VIPSYNC_LOOKUP_CONTACT_NOTES: ' 50 ' })).toBe(50);
    expect(loadLookupConfig({ VIPSYNC_LOOKUP_CONTACT_NOTES: '7' }).contactNotesLimit).toBe(7);
  });

  it.each(['51', '-1', '2.5', 'three', '1e1'])('refuses %j naming the variable and the range', (value) => {
    expect(() => contactNotesLimitFromEnv({ VIPSYNC_LOOKUP_CONTACT_NOTES: value })).toThrow(
      `VIPSYNC_LOOKUP_CONTACT_NOTES="${value.trim()}" must be a whole number 0-50`,
    );
  });
});

describe('withLatestContactNotes', () => {
  const person = 'SELECT v.email FROM vips v WHERE v.email = $1';

  it('leaves the statement alone when answers carry no notes', () => {
    expect(withLatestContactNotes(person, 0)).toBe(person);
  });

  it('wraps the statement, keeping its parameters, and writes the limit into the text', () => {
    const sql = withLatestContactNotes(person, 3);
    expect(sql).toContain(`WITH person AS (${person})`);
    expect(sql).toContain('LIMIT 3');
    expect(sql).toContain('ORDER BY cn.created_at DESC, cn.id DESC');
    expect(sql).not.toMatch(/\$2/);
    expect(withLatestContactNotes(person, 3)).toBe(sql);
  });

  it.each([-1, 51, 2.5, Number.NaN])('refuses a limit of %s', (limit) => {
    expect(() => withLatestContactNotes(person, limit)).toThrow('outside 0-50');
  });
});

describe('contactNotesFrom', () => {
  it('turns the JSON column into the answer, times in UTC', () => {
    expect(contactNotesFrom([{ id: '5', author: 'alice', at: '2026-12-05T09:01:02.345+01:00', text: 'x' }])).toEqual([
      { id: '5', author: 'alice', at: '2026-12-05T08:01:02.345Z', text: 'x' },
    ]);
    expect(contactNotesFrom(null)).toEqual([]);
    expect(contactNotesFrom(undefined)).toEqual([]);
  });
});
