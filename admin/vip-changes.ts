// Admins' changes of the VIP list (add, edit, remove, and the row locks and writes they share): one
// code path per operation for the CLI, the HTTP API and MCP.
//
// A level set by an admin is a manual override: manual_level = level, level_source 'manual' (or
// 'csv'), a level_reason naming who, and a vip_level_changes row. The sync's derivation never
// overwrites manual_level and keeps the CRM's level beside it (crm_level), so `edit
// --clear-override` can return to it. Every change is audited.
import { Prisma, type Db } from '../db/client.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { contactNotesGoingWith } from './contact-notes.js';
import { AdminError } from './errors.js';
import { characterCount, checkEmail, checkFields, checkLevel, type VipFields } from './vip-fields.js';
import { toVipView, type VipRow, type VipView } from './vip-reads.js';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
export type AdminSource = 'manual' | 'csv';

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

/** Why a person cannot be removed by an admin (they come from a CRM), or null when they can. */
export function removalRefusal(row: { source: string; validatedBy: readonly string[] }): string | null {
  if (row.source !== 'crm' && row.validatedBy.length === 0) return null;
  return `comes from CRM (${row.validatedBy.join(', ') || row.source}); remove it there or override its level with \`vipsync vip edit\``;
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
      else if (removalRefusal(row)) result.refused.push({ email, reason: removalRefusal(row)! });
      else result.removed.push(email);
    }
    const notesGoing = await contactNotesGoingWith(tx, result.removed.map((email) => byEmail.get(email)!.id));
    if (result.removed.length > 0) await tx.vip.deleteMany({ where: { email: { in: result.removed } } });
    for (const email of result.removed) {
      const row = byEmail.get(email)!;
      const contactNotes = notesGoing.get(row.id);
      await writeAudit(tx, { actor, action: 'vip.remove', subject: email, details: { level: row.level, name: row.name, company: row.company, ...(contactNotes ? { contactNotes } : {}) } });
    }
    return result;
  });
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
