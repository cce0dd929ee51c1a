// Admins' reads of the VIP list (a page of it with search and sorting, one person with their level
// history), each audited; VipView, how a person is shown, is what vip-changes.ts answers too.
import type { Db } from '../db/client.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { AdminError } from './errors.js';
import { adminPhoneCountry, checkEmail, checkLevel, checkNoControl, CONTROL } from './vip-fields.js';
import { groupsOfPerson } from './person-groups.js';
import { normalizePhone } from '../vip/phone.js';
import { checkGroupName } from '../vip/groups.js';

export const MAX_PAGE_SIZE = 1000;
/**
 * The largest offset a page of the VIP list takes. Postgres would take more, but Prisma's query
 * layer wraps a larger one round (offset 2^32 answered the first page); nobody has 2 billion VIPs.
 */
export const MAX_OFFSET = 2_147_483_647;

export type VipRow = NonNullable<Awaited<ReturnType<Db['vip']['findUnique']>>>;

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

/** The E.164 number a search means, when it reads as a phone (digits and phone punctuation only). */
export function searchedPhone(search: string): string | null {
  if (!/^[+\d\s().\-/]+$/.test(search) || search.replace(/\D/g, '').length < 7) return null;
  const check = normalizePhone(search, adminPhoneCountry());
  return check.ok ? check.e164 : null;
}

export type VipSort = 'name' | 'level' | 'added';

export interface ListVipsQuery {
  /**
   * Matches name, email or company (case-insensitive, substring); a search that reads as a phone
   * number also finds whoever a lookup by that phone finds (vips.phones or vips.phone, in E.164).
   */
  search?: string;
  level?: number;
  /** Only members of this VIP group: an admin's membership or one the rules derive (vips.crm_groups). */
  group?: string;
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
  const phone = search ? searchedPhone(search) : null;
  const group = q.group === undefined ? null : checkGroupName(q.group);
  if (group && !group.ok) throw new AdminError('invalid', group.reason);
  const where = {
    ...(q.level !== undefined ? { level: checkLevel(q.level) } : q.all ? {} : { level: { not: null } }),
    ...(search
      ? {
        OR: [
          ...(['name', 'email', 'company'] as const).map((f) => ({ [f]: { contains: likePattern(search), mode: 'insensitive' as const } })),
          // The two indexed columns a lookup by phone reads (lookup/phone.ts).
          ...(phone ? [{ phones: { has: phone } }, { phone }] : []),
        ],
      }
      : {}),
    // Both kinds of membership, each on an index (the members' primary key, crm_groups' GIN).
    ...(group?.ok
      ? { AND: [{ OR: [{ groupMemberships: { some: { group: { nameKey: group.key } } } }, { crmGroups: { array_contains: [{ key: group.key }] } }] }] }
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
  await writeAudit(db, { actor, action: 'vip.list', details: { search: search ?? null, level: q.level ?? null, ...(group?.ok ? { group: group.name } : {}), returned: rows.length, offset } });
  return { total, items: rows.map(toVipView) };
}

export async function showVip(db: Db, rawEmail: string, actor: Actor) {
  const email = checkEmail(rawEmail);
  const vip = await db.vip.findUnique({ where: { email }, include: { levelChanges: { orderBy: { id: 'desc' }, take: 20 } } });
  await writeAudit(db, { actor, action: 'vip.show', subject: email, details: { found: vip !== null } });
  if (!vip) throw new AdminError('not_found', `${email} is not on the VIP list`);
  return {
    ...toVipView(vip),
    groups: await groupsOfPerson(db, vip.id),
    levelChanges: vip.levelChanges.map((c) => ({ at: c.at, oldLevel: c.oldLevel, newLevel: c.newLevel, reason: c.reason, source: c.source, actor: c.actor })),
  };
}
