// What the console's forms send, read and checked field by field (pure: no database), so an error
// is shown next to the field it is about; the admin services (admin/vip-changes.ts) check again
// and write.
import { AdminError } from '../../admin/errors.js';
import { checkEmail, checkFields, checkLevel, type VipFields } from '../../admin/vip-fields.js';
import type { VipView } from '../../admin/vip-reads.js';

export type FieldName = 'email' | 'level' | 'name' | 'company' | 'phone' | 'notes';
export type FieldErrors = Partial<Record<FieldName, string>>;

/** The text fields of a VIP form, as typed. */
export interface VipFormValues {
  email: string;
  level: string;
  name: string;
  company: string;
  phone: string;
  notes: string;
}

const TEXT_FIELDS = ['name', 'company', 'phone', 'notes'] as const;

/** A form body's value as one string (a repeated field: its first value; anything else: ''). */
export function formText(body: unknown, field: string): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

/** A form body's values of a repeated field (checkboxes). */
export function formList(body: unknown, field: string): string[] {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
}

export function readVipForm(body: unknown): VipFormValues {
  return {
    email: formText(body, 'email'), level: formText(body, 'level'), name: formText(body, 'name'),
    company: formText(body, 'company'), phone: formText(body, 'phone'),
    // Browsers send a textarea's line breaks as CRLF; people count one character per break.
    notes: formText(body, 'notes').replace(/\r\n/g, '\n'),
  };
}

function errorOf(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (error instanceof AdminError) return error.message;
    throw error;
  }
}

/** Each field's own error (email and level required), by the same rules the admin services apply. */
export function checkVipForm(values: VipFormValues, opts: { email: boolean; level: boolean; notes: boolean }): FieldErrors {
  const errors: FieldErrors = {};
  if (opts.email) errors.email = errorOf(() => checkEmail(values.email));
  if (opts.level) errors.level = values.level === '' ? 'choose a level (1-5)' : errorOf(() => checkLevel(values.level));
  for (const field of TEXT_FIELDS) {
    if (field === 'notes' && !opts.notes) continue;
    errors[field] = errorOf(() => checkFields({ [field]: values[field] === '' ? null : values[field] }));
  }
  for (const key of Object.keys(errors) as FieldName[]) if (errors[key] === undefined) delete errors[key];
  return errors;
}

/** The fields of an add form (empty ones left out). */
export function addedFields(values: VipFormValues, withNotes: boolean): VipFields {
  const fields: VipFields = {};
  for (const field of TEXT_FIELDS) {
    if (field === 'notes' && !withNotes) continue;
    if (values[field].trim() !== '') fields[field] = values[field];
  }
  return fields;
}

/**
 * What an edit form changes: only the fields whose value differs from the person's (an emptied
 * field clears it), and the level only when it differs from the effective one, so saving a name
 * never pins a CRM's level as a manual override. Without notes:read the notes are left alone.
 */
export function editedFields(values: VipFormValues, current: VipView, withNotes: boolean): VipFields & { level?: string } {
  const change: VipFields & { level?: string } = {};
  if (values.level !== '' && values.level !== String(current.level ?? '')) change.level = values.level;
  for (const field of TEXT_FIELDS) {
    if (field === 'notes' && !withNotes) continue;
    const typed = field === 'notes' ? values.notes : values[field].trim();
    const stored = current[field] ?? '';
    if (typed !== stored) change[field] = typed === '' ? null : typed;
  }
  return change;
}

/** A person without their notes, for a session that may not read them. */
export function withoutNotes<T extends { notes?: unknown }>(vip: T): Omit<T, 'notes'> {
  const { notes: _notes, ...rest } = vip;
  return rest;
}

/** An address inside the console to go to after signing in; anything else goes to the VIP list. */
export function safeNext(next: string | undefined): string {
  return next && /^\/console\/[^/\\]/.test(next) && !next.includes('//') ? next : '/console/vips';
}
