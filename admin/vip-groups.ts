// VIP groups as admins manage them, one code path for the CLI and the HTTP API: the groups and
// their handling (a table, so support can change a team or a response time at once, on every
// server, audited, without restarting a worker), and the memberships admins set by hand. The
// memberships the rules derive from CRM facts (vips.crm_groups) are the derivation's: listed here,
// never changed here. Every change is audited in its own transaction.
import type { Db } from '../db/client.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { AdminError } from './errors.js';
import { checkEmail, checkNoControl, CONTROL } from './vip-fields.js';
import { lockedVip, setByReason } from './vip-changes.js';
import {
  checkGroupName, groupKey, isPriority, MAX_GROUP_GUIDANCE_LENGTH, MAX_RESPONSE_TIME_MINUTES, PRIORITIES,
} from '../vip/groups.js';

const MAX_TEAM_LENGTH = 100;

export interface GroupHandlingInput {
  priority?: unknown;
  escalationTeam?: unknown;
  responseTimeMinutes?: unknown;
  guidance?: unknown;
}

export interface GroupView {
  name: string;
  priority: string;
  escalationTeam: string | null;
  responseTimeMinutes: number;
  guidance: string | null;
  /** Members by how they got in: by hand, by CSV, by the rules from CRM facts. */
  members: { manual: number; csv: number; crm: number };
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export function checkName(raw: unknown): { name: string; key: string } {
  const check = checkGroupName(raw);
  if (!check.ok) throw new AdminError('invalid', check.reason);
  return check;
}

function optionalText(field: string, raw: unknown, max: number): string | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  if (typeof raw !== 'string') throw new AdminError('invalid', `${field} must be text`);
  const text = raw.trim();
  if ([...text].length > max) throw new AdminError('invalid', `${field} is longer than ${max} characters`);
  checkNoControl(field, text, CONTROL);
  return text === '' ? null : text;
}

/** A group's handling as given (all of it for a new group, any part for an edit), checked. */
export function checkHandling(input: GroupHandlingInput, required: boolean) {
  const out: { priority?: string; escalationTeam?: string | null; responseTimeMinutes?: number; guidance?: string | null } = {};
  if (input.priority !== undefined || required) {
    const priority = typeof input.priority === 'string' ? input.priority.trim().toLowerCase() : '';
    if (!isPriority(priority)) {
      throw new AdminError('invalid', `priority ${input.priority === undefined ? 'is missing' : `"${String(input.priority)}" is not one vipsync ranks`}; use one of ${PRIORITIES.join(', ')}`);
    }
    out.priority = priority;
  }
  if (input.responseTimeMinutes !== undefined || required) {
    const raw = input.responseTimeMinutes;
    const minutes = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_RESPONSE_TIME_MINUTES) {
      throw new AdminError('invalid', `responseTimeMinutes ${raw === undefined ? 'is missing' : `"${String(raw)}" is not`} a whole number of minutes from 1 to ${MAX_RESPONSE_TIME_MINUTES} (a week)`);
    }
    out.responseTimeMinutes = minutes;
  }
  const team = optionalText('escalationTeam', input.escalationTeam, MAX_TEAM_LENGTH);
  if (team !== undefined) out.escalationTeam = team;
  const guidance = optionalText('guidance', input.guidance, MAX_GROUP_GUIDANCE_LENGTH);
  if (guidance !== undefined) out.guidance = guidance;
  return out;
}

type GroupRow = { id: bigint; name: string; nameKey: string; priority: string; escalationTeam: string | null; responseTimeMinutes: number; guidance: string | null; createdBy: string; createdAt: Date; updatedAt: Date };

async function memberCounts(db: Pick<Db, '$queryRawUnsafe'>, keys: string[]): Promise<Map<string, GroupView['members']>> {
  const rows = await db.$queryRawUnsafe<{ key: string; source: string; n: number }[]>(`
    SELECT g.name_key AS key, m.source::text AS source, count(*)::int AS n
    FROM vip_group_members m JOIN vip_groups g ON g.id = m.group_id WHERE g.name_key = ANY($1::text[]) GROUP BY 1, 2
    UNION ALL
    SELECT k.key, 'crm', (SELECT count(*)::int FROM vips v WHERE v.crm_groups @> jsonb_build_array(jsonb_build_object('key', k.key)))
    FROM unnest($1::text[]) AS k(key)`, keys);
  const counts = new Map(keys.map((k) => [k, { manual: 0, csv: 0, crm: 0 }]));
  for (const row of rows) counts.get(row.key)![row.source as 'manual'] = row.n;
  return counts;
}

function toView(row: GroupRow, members: GroupView['members']): GroupView {
  const { id: _id, nameKey: _key, ...rest } = row;
  return { ...rest, members };
}

async function findGroup(db: Pick<Db, 'vipGroup'>, rawName: unknown): Promise<GroupRow> {
  const { name, key } = checkName(rawName);
  const group = await db.vipGroup.findUnique({ where: { nameKey: key } });
  if (!group) throw new AdminError('not_found', `no VIP group "${name}" (see \`vipsync groups list\`; define it with \`vipsync groups add\`)`);
  return group;
}

export interface GroupList {
  groups: GroupView[];
  /** Groups the rules give people from CRM facts that no one has defined: they give no handling yet. */
  undefinedCrmGroups: { group: string; members: number }[];
}

export async function listGroups(db: Db, actor: Actor): Promise<GroupList> {
  const rows = await db.vipGroup.findMany({ orderBy: { nameKey: 'asc' } });
  const counts = await memberCounts(db, rows.map((r) => r.nameKey));
  const undefinedCrmGroups = await db.$queryRawUnsafe<{ group: string; members: number }[]>(`
    SELECT min(cg->>'group') AS "group", count(DISTINCT v.id)::int AS members
    FROM vips v, jsonb_array_elements(v.crm_groups) cg
    WHERE v.crm_groups IS NOT NULL AND NOT EXISTS (SELECT 1 FROM vip_groups g WHERE g.name_key = cg->>'key')
    GROUP BY cg->>'key' ORDER BY cg->>'key'`);
  await writeAudit(db, { actor, action: 'group.list', details: { count: rows.length } });
  return { groups: rows.map((r) => toView(r, counts.get(r.nameKey)!)), undefinedCrmGroups };
}

export async function addGroup(db: Db, input: GroupHandlingInput & { name?: unknown }, actor: Actor): Promise<GroupView> {
  const { name, key } = checkName(input.name);
  const checked = checkHandling(input, true);
  // Required above: both are there.
  const handling = {
    priority: checked.priority!, responseTimeMinutes: checked.responseTimeMinutes!,
    escalationTeam: checked.escalationTeam ?? null, guidance: checked.guidance ?? null,
  };
  return db.$transaction(async (tx) => {
    const existing = await tx.vipGroup.findUnique({ where: { nameKey: key } });
    if (existing) throw new AdminError('conflict', `VIP group "${existing.name}" already exists; change it with \`vipsync groups edit\``);
    const row = await tx.vipGroup.create({ data: { name, nameKey: key, createdBy: actor.name, ...handling } });
    await writeAudit(tx, { actor, action: 'group.add', subject: name, details: { ...handling } });
    return toView(row, { manual: 0, csv: 0, crm: (await memberCounts(tx, [key])).get(key)!.crm });
  }).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'P2002') throw new AdminError('conflict', `VIP group "${name}" already exists (added just now)`);
    throw error;
  });
}

export async function editGroup(db: Db, rawName: unknown, input: GroupHandlingInput, actor: Actor): Promise<GroupView> {
  const change = checkHandling(input, false);
  if (Object.keys(change).length === 0) throw new AdminError('invalid', 'nothing to change: give a priority, responseTimeMinutes, escalationTeam or guidance');
  return db.$transaction(async (tx) => {
    const group = await findGroup(tx, rawName);
    const before = Object.fromEntries(Object.keys(change).map((k) => [k, group[k as keyof typeof change]]));
    const row = await tx.vipGroup.update({ where: { id: group.id }, data: { ...change, updatedAt: new Date() } });
    await writeAudit(tx, { actor, action: 'group.edit', subject: group.name, details: { before, after: change } });
    return toView(row, (await memberCounts(tx, [row.nameKey])).get(row.nameKey)!);
  });
}

export interface DeletedGroup {
  name: string;
  /** Admins' memberships removed with the group. */
  membersRemoved: number;
  /** People the rules still put in the group: it gives them no handling any more. */
  crmMembers: number;
}

export async function deleteGroup(db: Db, rawName: unknown, actor: Actor): Promise<DeletedGroup> {
  return db.$transaction(async (tx) => {
    const group = await findGroup(tx, rawName);
    const counts = (await memberCounts(tx, [group.nameKey])).get(group.nameKey)!;
    await tx.vipGroup.delete({ where: { id: group.id } });
    const { id: _id, nameKey: _key, ...handling } = group;
    const result = { name: group.name, membersRemoved: counts.manual + counts.csv, crmMembers: counts.crm };
    await writeAudit(tx, { actor, action: 'group.delete', subject: group.name, details: { ...result, handling } });
    return result;
  });
}

export interface GroupMember {
  email: string;
  name: string | null;
  level: number | null;
  source: 'manual' | 'csv' | 'crm';
  reason: string;
}

/** Everyone in a group: admins' memberships first, then the ones the rules derive. */
export async function listGroupMembers(db: Db, rawName: unknown, actor: Actor): Promise<{ group: string; members: GroupMember[] }> {
  const group = await findGroup(db, rawName);
  const members = await db.$queryRawUnsafe<GroupMember[]>(`
    SELECT DISTINCT ON (email) email, name, level, source, reason FROM (
      SELECT v.email, v.name, v.level, m.source::text AS source, m.reason, 0 AS o
      FROM vip_group_members m JOIN vips v ON v.id = m.vip_id WHERE m.group_id = $1
      UNION ALL
      SELECT v.email, v.name, v.level, 'crm', cg->>'reason', 1
      FROM vips v, jsonb_array_elements(v.crm_groups) cg
      WHERE v.crm_groups @> jsonb_build_array(jsonb_build_object('key', $2::text)) AND cg->>'key' = $2
    ) x ORDER BY email, o`, group.id, group.nameKey);
  await writeAudit(db, { actor, action: 'group.members', subject: group.name, details: { count: members.length } });
  return { group: group.name, members };
}

export interface MembershipResult {
  group: string;
  /** Now members by an admin's hand. */
  added: string[];
  /** People vipsync did not know: added to the list without a level, as members of the group. */
  created: string[];
  alreadyMembers: string[];
}

/**
 * Puts people in a group by hand. A person not on the list yet is added without a level (source
 * manual): a group alone gives handling (the README, "VIP groups"). A person the rules already put
 * in the group becomes an admin's member too, so the membership stays when the CRM changes.
 */
export async function addGroupMembers(db: Db, rawName: unknown, rawEmails: string[], actor: Actor): Promise<MembershipResult> {
  const emails = [...new Set(rawEmails.map(checkEmail))];
  if (emails.length === 0) throw new AdminError('invalid', 'give at least one email to add to the group');
  const reason = setByReason(actor, 'added');
  return db.$transaction(async (tx) => {
    const group = await findGroup(tx, rawName);
    const result: MembershipResult = { group: group.name, added: [], created: [], alreadyMembers: [] };
    for (const email of emails.sort()) {
      let vip = await lockedVip(tx, email);
      if (!vip) {
        vip = await tx.vip.create({ data: { email, source: 'manual' } });
        result.created.push(email);
      }
      const existing = await tx.vipGroupMember.findUnique({ where: { groupId_vipId: { groupId: group.id, vipId: vip.id } } });
      if (existing) {
        result.alreadyMembers.push(email);
        continue;
      }
      await tx.vipGroupMember.create({ data: { groupId: group.id, vipId: vip.id, source: 'manual', reason, addedBy: actor.name } });
      result.added.push(email);
      await writeAudit(tx, { actor, action: 'group.member.add', subject: email, details: { group: group.name, createdPerson: result.created.includes(email) } });
    }
    return result;
  });
}

export interface RemovalResult {
  group: string;
  removed: string[];
  notMembers: string[];
  /** Still in the group through the rules (CRM facts): change it in the CRM. */
  stillByCrm: string[];
}

/** Takes admins' memberships away; a CRM-derived one stays (it follows the CRM) and is reported. */
export async function removeGroupMembers(db: Db, rawName: unknown, rawEmails: string[], actor: Actor): Promise<RemovalResult> {
  const emails = [...new Set(rawEmails.map(checkEmail))];
  if (emails.length === 0) throw new AdminError('invalid', 'give at least one email to remove from the group');
  return db.$transaction(async (tx) => {
    const group = await findGroup(tx, rawName);
    const result: RemovalResult = { group: group.name, removed: [], notMembers: [], stillByCrm: [] };
    for (const email of emails.sort()) {
      const vip = await lockedVip(tx, email);
      const byCrm = Array.isArray(vip?.crmGroups) && (vip.crmGroups as { key?: string }[]).some((g) => g.key === groupKey(group.name));
      const deleted = vip ? await tx.vipGroupMember.deleteMany({ where: { groupId: group.id, vipId: vip.id } }) : { count: 0 };
      if (deleted.count > 0) {
        result.removed.push(email);
        await writeAudit(tx, { actor, action: 'group.member.remove', subject: email, details: { group: group.name, stillByCrm: byCrm } });
      } else if (!byCrm) result.notMembers.push(email);
      if (byCrm) result.stillByCrm.push(email);
    }
    return result;
  });
}
