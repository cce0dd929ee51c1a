// Admins' edits of the VIP list: one code path per operation for the CLI, the HTTP API and MCP.
//
// A level set by an admin is a manual override: manual_level = level, level_source 'manual' (or
// 'csv'), a level_reason naming who, and a vip_level_changes row. The sync's derivation never
// overwrites manual_level and keeps the CRM's level beside it (crm_level), so `edit
// --clear-override` can return to it. Every read and change is audited.
import { Prisma, type Db } from '../db/client.js';
import { MAX_VIP_LEVEL, MIN_VIP_LEVEL } from '../vip/level.js';
import { normalizeEmail } from '../vip/email.js';
import { DEFAULT_PHONE_COUNTRY, normalizePhone } from '../vip/phone.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { AdminError } from './errors.js';

/** Lengths are counted in characters (Unicode code points), the way people and JSON Schema count. */
export const MAX_NOTES_LENGTH = 2000;
export const MAX_TEXT_LENGTH = 200;
export const MAX_PAGE_SIZE = 1000;
/**
 * The largest offset a page of the VIP list takes. Postgres would take more, but Prisma's query
 * layer wraps a larger one round (offset 2^32 answered the first page); nobody has 2 billion VIPs.
 */
export const MAX_OFFSET = 2_147_483_647;

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
type VipRow = NonNullable<Awaited<ReturnType<Db['vip']['findUnique']>>>;
export type AdminSource = 'manual' | 'csv';

export interface VipView {
  email: string;
  level: number | null;
  levelSource: string | null;
  levelReason: string | null;
  crmLevel: number | null;
  manualLevel: number | null;
  name: string | null;
  company: string | null;
  phone: string | null;
  notes: string | null;
  source: string;
  validated: boolean;
  validatedBy: string[];
  stale: boolean;
  staleReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toVipView(v: VipRow): VipView {
  return {
    email: v.email, level: v.level, levelSource: v.levelSource, levelReason: v.levelReason, crmLevel: v.crmLevel,
    manualLevel: v.manualLevel, name: v.name, company: v.company, phone: v.phone, notes: v.notes, source: v.source,
    validated: v.validated, validatedBy: v.validatedBy, stale: v.stale, staleReason: v.staleReason,
    createdAt: v.createdAt, updatedAt: v.updatedAt,
  };
}

// ---- validation (pure) -------------------------------------------------------------------------

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
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/u;
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;

function checkNoControl(field: string, value: string, pattern: RegExp): void {
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

/** A search as itself: % and _ are not wildcards, and \ is not an escape (ILIKE's escape character). */
export function likePattern(search: string): string {
  return search.replace(/[\\%_]/g, '\\$&');
}

function checkPaging(q: { limit?: number; offset?: number }): { limit: number; offset: number } {
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new AdminError('invalid', `limit ${limit} is outside 1-${MAX_PAGE_SIZE}`);
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw new AdminError('invalid', `offset ${offset} is outside 0-${MAX_OFFSET}`);
  return { limit, offset };
}

export function setByReason(actor: Actor, how = 'set'): string {
  return `${how} by ${actor.name} via ${actor.surface}`;
}

// ---- shared write path -------------------------------------------------------------------------

/**
 * The person's row, locked until the transaction ends. Concurrent changes of one person queue here,
 * so each level change starts from the level the previous one left (the history chains).
 */
export async function lockedVip(tx: Tx, email: string): Promise<VipRow | null> {
  await tx.$queryRaw`SELECT 1 FROM vips WHERE email = ${email} FOR UPDATE`;
  return tx.vip.findUnique({ where: { email } });
}

/** Locks the rows of these people (in id order, so two lockers never wait on each other). */
export async function lockVips(tx: Tx, emails: string[]): Promise<void> {
  if (emails.length > 0) await tx.$queryRaw`SELECT 1 FROM vips WHERE email = ANY(${emails}) ORDER BY id FOR UPDATE`;
}

export interface VipFields {
  name?: string | null;
  company?: string | null;
  phone?: string | null;
  notes?: string | null;
}

/** Sets a manual level on an existing person (with its history row) and/or fields; returns the row. */
export async function applyAdminChange(
  tx: Tx,
  vip: VipRow,
  change: { level?: number; fields?: VipFields; source: AdminSource; reason: string; actor: Actor },
): Promise<VipRow> {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(change.fields ?? {})) if (v !== undefined) data[k] = v;
  if (change.level !== undefined && (change.level !== vip.level || vip.manualLevel !== change.level)) {
    Object.assign(data, { level: change.level, manualLevel: change.level, levelSource: change.source, levelReason: change.reason });
    if (change.level !== vip.level) {
      await tx.vipLevelChange.create({
        data: { vipId: vip.id, oldLevel: vip.level, newLevel: change.level, reason: change.reason, source: change.source, actor: change.actor.name },
      });
    }
  }
  if (Object.keys(data).length === 0) return vip;
  return tx.vip.update({ where: { id: vip.id }, data: { ...data, updatedAt: new Date() } });
}

/** Creates a person on the list with a manual level (and its first history row). */
export async function createAdminVip(
  tx: Tx,
  input: { email: string; level: number; fields: VipFields; source: AdminSource; reason: string; actor: Actor },
): Promise<VipRow> {
  const vip = await tx.vip.create({
    data: {
      email: input.email, ...input.fields, level: input.level, manualLevel: input.level, levelSource: input.source,
      levelReason: input.reason, source: input.source,
    },
  });
  await tx.vipLevelChange.create({
    data: { vipId: vip.id, oldLevel: null, newLevel: input.level, reason: input.reason, source: input.source, actor: input.actor.name },
  });
  return vip;
}

// ---- operations --------------------------------------------------------------------------------

export type VipSort = 'name' | 'level' | 'added';

export interface ListVipsQuery {
  /** Matches name, email or company (case-insensitive, substring). */
  search?: string;
  level?: number;
  /** Include people without a level (known from a CRM but not VIPs). */
  all?: boolean;
  sort?: VipSort;
  desc?: boolean;
  limit?: number;
  offset?: number;
}

export async function listVips(db: Db, q: ListVipsQuery, actor: Actor): Promise<{ total: number; items: VipView[] }> {
  const search = q.search?.trim();
  if (search) checkNoControl('search', search, CONTROL);
  const { limit, offset } = checkPaging(q);
  const where = {
    ...(q.level !== undefined ? { level: checkLevel(q.level) } : q.all ? {} : { level: { not: null } }),
    ...(search
      ? { OR: (['name', 'email', 'company'] as const).map((f) => ({ [f]: { contains: likePattern(search), mode: 'insensitive' as const } })) }
      : {}),
  };
  const direction = q.desc ? 'desc' : 'asc';
  const orderBy =
    q.sort === 'level'
      ? [{ level: { sort: q.desc === false ? 'asc' : 'desc', nulls: 'last' } } as const, { email: 'asc' } as const]
      : q.sort === 'added'
        ? [{ createdAt: direction } as const, { id: direction } as const]
        : [{ name: { sort: direction, nulls: 'last' } } as const, { email: 'asc' } as const];
  const [total, rows] = await Promise.all([
    db.vip.count({ where }),
    db.vip.findMany({ where, orderBy, take: limit, skip: offset }),
  ]);
  await writeAudit(db, { actor, action: 'vip.list', details: { search: search ?? null, level: q.level ?? null, returned: rows.length, offset } });
  return { total, items: rows.map(toVipView) };
}

export async function showVip(db: Db, rawEmail: string, actor: Actor) {
  const email = checkEmail(rawEmail);
  const vip = await db.vip.findUnique({ where: { email }, include: { levelChanges: { orderBy: { id: 'desc' }, take: 20 } } });
  await writeAudit(db, { actor, action: 'vip.show', subject: email, details: { found: vip !== null } });
  if (!vip) throw new AdminError('not_found', `${email} is not on the VIP list`);
  return {
    ...toVipView(vip),
    levelChanges: vip.levelChanges.map((c) => ({ at: c.at, oldLevel: c.oldLevel, newLevel: c.newLevel, reason: c.reason, source: c.source, actor: c.actor })),
  };
}

export interface AddVipInput extends VipFields {
  email: string;
  level: number | string;
}

/** Adds a VIP; a person already known without a level (from a CRM) becomes one. */
export async function addVip(db: Db, input: AddVipInput, actor: Actor): Promise<VipView> {
  const email = checkEmail(input.email);
  const level = checkLevel(input.level);
  const fields = checkFields(input);
  const reason = setByReason(actor);
  return db.$transaction(async (tx) => {
    const existing = await lockedVip(tx, email);
    if (existing?.level != null) {
      throw new AdminError('conflict', `${email} is already a VIP (level ${existing.level}, ${existing.levelSource}); change it with \`vipsync vip edit\``);
    }
    const vip = existing
      ? await applyAdminChange(tx, existing, { level, fields, source: 'manual', reason, actor })
      : await createAdminVip(tx, { email, level, fields, source: 'manual', reason, actor });
    await writeAudit(tx, { actor, action: 'vip.add', subject: email, details: { level, ...fieldSummary(fields) } });
    return toVipView(vip);
  }).catch((error: unknown) => {
    // Two adds of one new person at once: the second finds no row to lock and fails on the key.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new AdminError('conflict', `${email} is already a VIP (added just now); change it with \`vipsync vip edit\``);
    }
    throw error;
  });
}

export interface EditVipInput extends VipFields {
  level?: number | string;
  /** Drop the manual level: back to what the CRMs say (crm_level). */
  clearOverride?: boolean;
}

export async function editVip(db: Db, rawEmail: string, input: EditVipInput, actor: Actor): Promise<VipView> {
  const email = checkEmail(rawEmail);
  if (input.level !== undefined && input.clearOverride) throw new AdminError('invalid', 'give either a level or clear the override, not both');
  const level = input.level === undefined ? undefined : checkLevel(input.level);
  const fields = checkFields(input);
  if (level === undefined && !input.clearOverride && Object.values(fields).every((v) => v === undefined)) {
    throw new AdminError('invalid', 'nothing to change: give a level, name, company, phone, notes or clear the override');
  }
  return db.$transaction(async (tx) => {
    const existing = await lockedVip(tx, email);
    if (!existing) throw new AdminError('not_found', `${email} is not on the VIP list (add it with \`vipsync vip add\`)`);
    let vip = await applyAdminChange(tx, existing, { level, fields, source: 'manual', reason: setByReason(actor), actor });
    if (input.clearOverride && vip.manualLevel !== null) {
      const reason = vip.crmLevelReason ?? `manual level cleared by ${actor.name} via ${actor.surface}; no CRM holds a level`;
      if (vip.level !== vip.crmLevel) {
        await tx.vipLevelChange.create({
          data: { vipId: vip.id, oldLevel: vip.level, newLevel: vip.crmLevel, reason: `manual level cleared by ${actor.name} via ${actor.surface}`, source: 'manual', actor: actor.name },
        });
      }
      vip = await tx.vip.update({
        where: { id: vip.id },
        data: { manualLevel: null, level: vip.crmLevel, levelSource: vip.crmLevel === null ? null : 'crm', levelReason: vip.crmLevel === null ? null : reason, updatedAt: new Date() },
      });
    }
    await writeAudit(tx, {
      actor, action: 'vip.edit', subject: email,
      details: { level: level ?? null, clearOverride: input.clearOverride ?? false, ...fieldSummary(fields) },
    });
    return toVipView(vip);
  });
}

export interface RemoveResult {
  removed: string[];
  notFound: string[];
  refused: { email: string; reason: string }[];
}

/**
 * Removes people an admin put on the list. People who come from a CRM cannot be removed here
 * (the next sync would bring them back): change them in the CRM, or override their level.
 */
export async function removeVips(db: Db, rawEmails: string[], actor: Actor): Promise<RemoveResult> {
  const emails = [...new Set(rawEmails.map(checkEmail))];
  if (emails.length === 0) throw new AdminError('invalid', 'give at least one email to remove');
  return db.$transaction(async (tx) => {
    await lockVips(tx, emails);
    const rows = await tx.vip.findMany({ where: { email: { in: emails } } });
    const byEmail = new Map(rows.map((r) => [r.email, r]));
    const result: RemoveResult = { removed: [], notFound: [], refused: [] };
    for (const email of emails) {
      const row = byEmail.get(email);
      if (!row) result.notFound.push(email);
      else if (row.source === 'crm' || row.validatedBy.length > 0) {
        result.refused.push({
          email,
          reason: `comes from CRM (${row.validatedBy.join(', ') || row.source}); remove it there or override its level with \`vipsync vip edit\``,
        });
      } else result.removed.push(email);
    }
    if (result.removed.length > 0) await tx.vip.deleteMany({ where: { email: { in: result.removed } } });
    for (const email of result.removed) {
      const row = byEmail.get(email)!;
      await writeAudit(tx, { actor, action: 'vip.remove', subject: email, details: { level: row.level, name: row.name, company: row.company } });
    }
    return result;
  });
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

/** What changed, without the notes' text (the audit log is readable by more people than notes are). */
function fieldSummary(fields: VipFields): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    summary[k] = k === 'notes' ? (v === null ? 'cleared' : `${characterCount(v as string)} characters`) : v;
  }
  return summary;
}
