// What an admin may give for a person (email, level, name, company, phone, notes), checked one way
// for the CLI, the HTTP API, MCP and CSV rows: pure (no database), each refusal an AdminError.
import { MAX_VIP_LEVEL, MIN_VIP_LEVEL } from '../vip/level.js';
import { normalizeEmail } from '../vip/email.js';
import { DEFAULT_PHONE_COUNTRY, normalizePhone } from '../vip/phone.js';
import { AdminError } from './errors.js';

/** Lengths are counted in characters (Unicode code points), the way people and JSON Schema count. */
export const MAX_NOTES_LENGTH = 2000;
export const MAX_TEXT_LENGTH = 200;

export interface VipFields {
  name?: string | null;
  company?: string | null;
  phone?: string | null;
  notes?: string | null;
}

export function checkEmail(raw: unknown): string {
  const check = normalizeEmail(raw);
  if (!check.ok) throw new AdminError('invalid', check.reason);
  return check.email;
}

/** A level 1-5 from a number or text ("3", " 3 "); anything else is an error saying why. */
export function checkLevel(raw: unknown): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (text === '') throw new AdminError('invalid', 'level is missing (1-5)');
  if (!/^\d+$/.test(text)) throw new AdminError('invalid', `level "${String(raw)}" is not a whole number 1-5`);
  const level = Number(text);
  if (level < MIN_VIP_LEVEL || level > MAX_VIP_LEVEL) throw new AdminError('invalid', `level ${level} is outside ${MIN_VIP_LEVEL}-${MAX_VIP_LEVEL}`);
  return level;
}

/** Characters as people count them: "😀" is one (two UTF-16 units in a JS string). */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

// C0 controls, DEL and C1 controls: terminal escapes, NUL (which Postgres cannot store) and the
// like. Notes may hold line breaks and tabs; one-line fields may not.
export const CONTROL = /[\u0000-\u001F\u007F-\u009F]/u;
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;

export function checkNoControl(field: string, value: string, pattern: RegExp): void {
  const found = pattern.exec(value);
  if (found) {
    const code = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new AdminError('invalid', `${field} contains a control character (U+${code}); remove it`);
  }
}

export function checkNotes(notes: string | null | undefined): string | null | undefined {
  if (notes === undefined || notes === null) return notes;
  const length = characterCount(notes);
  if (length > MAX_NOTES_LENGTH) {
    throw new AdminError('invalid', `notes are ${length} characters; at most ${MAX_NOTES_LENGTH} are allowed`);
  }
  checkNoControl('notes', notes, CONTROL_BUT_LINES);
  return notes;
}

function checkText(field: string, value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.trim();
  if (characterCount(trimmed) > MAX_TEXT_LENGTH) throw new AdminError('invalid', `${field} is longer than ${MAX_TEXT_LENGTH} characters`);
  checkNoControl(field, trimmed, CONTROL);
  return trimmed === '' ? null : trimmed;
}

/**
 * How an admin's phone number without a +prefix is read: VIPSYNC_DEFAULT_COUNTRY, as the sync
 * reads the CRMs' numbers, so one number typed two ways is one value.
 */
export function adminPhoneCountry(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIPSYNC_DEFAULT_COUNTRY?.trim().toUpperCase() || DEFAULT_PHONE_COUNTRY;
}

/** A phone number in E.164, as the sync stores the CRMs' ones; anything that is not one is an error. */
export function checkPhone(value: string | null | undefined, defaultCountry = adminPhoneCountry()): string | null | undefined {
  const text = checkText('phone', value);
  if (text === undefined || text === null) return text;
  const check = normalizePhone(text, defaultCountry);
  if (!check.ok) throw new AdminError('invalid', check.reason);
  return check.e164;
}

/** The one check of an admin's name, company, phone and notes (CLI, HTTP and CSV rows alike). */
export function checkFields(input: VipFields): VipFields {
  return {
    name: checkText('name', input.name),
    company: checkText('company', input.company),
    phone: checkPhone(input.phone),
    notes: checkNotes(input.notes === '' ? null : input.notes),
  };
}
