// The stale review: people who probably left their company (with the evidence), and confirming one
// is still a VIP (no demotion after the grace period; a demoted one gets their level back). One
// code path for the CLI (`vipsync stale`) and the console.
import type { Db } from '../db/client.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { DEFAULT_STALE_GRACE_DAYS } from '../vip/settings.js';
import type { StaleSignal } from '../vip/stale.js';
import { AdminError } from './errors.js';
import { lockedVip } from './vip-changes.js';
import { checkEmail } from './vip-fields.js';
import { toVipView, type VipView } from './vip-reads.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** VIPSYNC_STALE_GRACE_DAYS, or the default; anything but a whole number of days is an error. */
export function staleGraceDays(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.VIPSYNC_STALE_GRACE_DAYS;
  if (raw === undefined || raw === '') return DEFAULT_STALE_GRACE_DAYS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new AdminError('invalid', `VIPSYNC_STALE_GRACE_DAYS="${raw}" is not a whole number of days`);
  return n;
}

export interface StaleItem {
  email: string;
  name: string | null;
  company: string | null;
  level: number | null;
  crmLevel: number | null;
  staleSince: Date | null;
  /** confirmed DATE, manual level (kept), demoted, or demotes DATE. */
  status: string;
  confirmed: boolean;
  reason: string | null;
  evidence: StaleSignal[];
}

/** Stale people who are (or were, before demotion) VIPs, oldest first; `all` adds those who never were. */
export async function listStale(db: Db, opts: { all?: boolean; graceDays?: number } = {}): Promise<StaleItem[]> {
  const grace = opts.graceDays ?? staleGraceDays();
  const rows = await db.vip.findMany({
    where: { stale: true, ...(opts.all ? {} : { OR: [{ level: { not: null } }, { crmLevel: { not: null } }] }) },
    orderBy: [{ staleSince: 'asc' }, { email: 'asc' }],
  });
  return rows.map((v) => {
    const demotes = v.staleSince && !v.staleConfirmedAt && v.manualLevel === null ? new Date(v.staleSince.getTime() + grace * DAY_MS) : null;
    return {
      email: v.email, name: v.name, company: v.company, level: v.level, crmLevel: v.crmLevel, staleSince: v.staleSince,
      status: v.staleConfirmedAt ? `confirmed ${v.staleConfirmedAt.toISOString().slice(0, 10)}`
        : v.manualLevel !== null ? 'manual level (kept)'
        : v.level === null ? 'demoted' : `demotes ${demotes!.toISOString().slice(0, 10)}`,
      confirmed: v.staleConfirmedAt !== null,
      reason: v.staleReason,
      evidence: (v.staleEvidence ?? []) as unknown as StaleSignal[],
    };
  });
}

/** Confirms a stale person is still a VIP: they keep their level (a demoted one gets the CRM's back). */
export async function confirmStale(db: Db, rawEmail: string, actor: Actor): Promise<VipView> {
  const email = checkEmail(rawEmail);
  const vip = await db.$transaction(async (tx) => {
    // Locked like an admin edit, so a level restored here chains with concurrent changes.
    const current = await lockedVip(tx, email);
    if (!current) throw new AdminError('not_found', `${email} is not in the VIP list`);
    if (!current.stale) throw new AdminError('conflict', `${email} is not stale; nothing to confirm`);
    const now = new Date();
    const restore = current.manualLevel === null && current.level === null && current.crmLevel !== null;
    const updated = await tx.vip.update({
      where: { id: current.id },
      data: {
        staleConfirmedAt: now,
        updatedAt: now,
        ...(restore ? { level: current.crmLevel, levelReason: current.crmLevelReason, levelSource: 'crm' as const } : {}),
      },
    });
    if (restore) {
      await tx.vipLevelChange.create({
        data: { vipId: current.id, oldLevel: null, newLevel: current.crmLevel, reason: `stale VIP confirmed by ${actor.name}; level restored: ${current.crmLevelReason ?? ''}`, source: 'manual', actor: actor.name },
      });
    }
    await writeAudit(tx, { actor, action: 'stale.confirm', subject: email, details: { staleReason: current.staleReason, restoredLevel: restore ? current.crmLevel : null } });
    return updated;
  });
  return toVipView(vip);
}
