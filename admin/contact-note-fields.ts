// What a writer may give for a contact note (its text, a note's id), checked one way for the CLI
// and the HTTP API: pure (no database), each refusal an AdminError naming the field. The text
// follows the handling notes' rules (admin/vip-fields.ts): characters are code points, at most
// 2,000, no control characters but line breaks and tabs.
import { AdminError } from './errors.js';
import { characterCount, checkNoControl, MAX_NOTES_LENGTH } from './vip-fields.js';

export const MAX_CONTACT_NOTE_LENGTH = MAX_NOTES_LENGTH;

// C0 controls but tab, line feed and carriage return; DEL; C1 controls (as for vips.notes).
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
// With the u flag a pair is one astral code point, so only an unpaired half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
// Postgres bigint: the largest id a note can have.
const MAX_NOTE_ID = 9_223_372_036_854_775_807n;

/** The note's text as it will be stored, or an AdminError saying what is wrong with it. */
export function checkContactNoteText(raw: unknown): string {
  if (typeof raw !== 'string') throw new AdminError('invalid', 'text is missing: give the note\'s text (at most 2,000 characters)');
  if (raw.trim() === '') throw new AdminError('invalid', 'text is empty: write something, or delete the note instead');
  // A lone UTF-16 surrogate (possible in JSON's \uD800) has no UTF-8 form: it would be stored as
  // U+FFFD, not as written.
  const surrogate = LONE_SURROGATE.exec(raw);
  if (surrogate) {
    const at = characterCount(raw.slice(0, surrogate.index)) + 1;
    throw new AdminError('invalid', `text holds an unpaired surrogate at character ${at} (broken Unicode); send it as UTF-8 text`);
  }
  const length = characterCount(raw);
  if (length > MAX_CONTACT_NOTE_LENGTH) {
    throw new AdminError('invalid', `text is ${length} characters; a contact note holds at most ${MAX_CONTACT_NOTE_LENGTH} (shorten it or split it into two notes)`);
  }
  checkNoControl('text', raw, CONTROL_BUT_LINES);
  return raw;
}

/** A note's id (as `vipsync vip notes EMAIL` and GET .../notes show it): a positive whole number. */
export function checkContactNoteId(raw: unknown): bigint {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^[1-9][0-9]{0,18}$/.test(text) || BigInt(text) > MAX_NOTE_ID) {
    throw new AdminError('invalid', `note id "${String(raw)}" is not a note id (a positive whole number); \`vipsync vip notes EMAIL\` lists them`);
  }
  return BigInt(text);
}

/**
 * Text from a file or stdin (`vipsync vip notes add EMAIL --file F`): one final line break, which
 * editors and `echo` add, is not part of the note.
 */
export function noteTextFromFile(content: string): string {
  return content.replace(/\r?\n$/, '');
}
