// `vipsync stale`: VIPs who probably left their company, with the evidence, for review; and
// `vipsync stale confirm EMAIL` for the ones who are still VIPs (no demotion after the grace period).
import type { Command } from 'commander';
import { osActor, writeAudit } from '../../db/audit-log.js';
import { lockedVip } from '../../admin/vip-changes.js';
import { normalizeEmail } from '../../vip/email.js';
import { DEFAULT_STALE_GRACE_DAYS } from '../../vip/settings.js';
import type { StaleSignal } from '../../vip/stale.js';
import { printJson, printTable, terminalText, UsageError } from '../output.js';
import { withDb } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function graceDays(): number {
  const raw = process.env.VIPSYNC_STALE_GRACE_DAYS;
  if (raw === undefined || raw === '') return DEFAULT_STALE_GRACE_DAYS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`VIPSYNC_STALE_GRACE_DAYS="${raw}" is not a whole number of days`);
  return n;
}

export function registerStale(program: Command): void {
  const stale = program.command('stale').description(COMMAND_DESCRIPTIONS.stale);

  stale
    .command('list', { isDefault: true })
    .description('Stale people who are (or were, before demotion) VIPs, with the evidence (the default)')
    .option('--json', 'print as JSON, with every signal')
    .option('--all', 'include stale people who never were VIPs')
    .action(async (opts: { json?: boolean; all?: boolean }) => {
      const grace = graceDays();
      const rows = await withDb((db) => db.vip.findMany({
        where: { stale: true, ...(opts.all ? {} : { OR: [{ level: { not: null } }, { crmLevel: { not: null } }] }) },
        orderBy: [{ staleSince: 'asc' }, { email: 'asc' }],
      }));
      const items = rows.map((v) => {
        const demotes = v.staleSince && !v.staleConfirmedAt && v.manualLevel === null ? new Date(v.staleSince.getTime() + grace * DAY_MS) : null;
        return {
          email: v.email,
          name: v.name,
          company: v.company,
          level: v.level,
          crmLevel: v.crmLevel,
          staleSince: v.staleSince,
          status: v.staleConfirmedAt ? `confirmed ${v.staleConfirmedAt.toISOString().slice(0, 10)}`
            : v.manualLevel !== null ? 'manual level (kept)'
            : v.level === null ? 'demoted' : `demotes ${demotes!.toISOString().slice(0, 10)}`,
          reason: v.staleReason,
          evidence: (v.staleEvidence ?? []) as unknown as StaleSignal[],
        };
      });
      if (opts.json) {
        printJson({ graceDays: grace, items });
        return;
      }
      printTable(items.map(({ evidence: _e, name: _n, ...row }) => ({ ...row, staleSince: row.staleSince?.toISOString().slice(0, 10) ?? null })),
        ['email', 'company', 'level', 'crmLevel', 'staleSince', 'status', 'reason']);
      if (items.length > 0) process.stdout.write(`\n${items.length} stale; unconfirmed VIPs are demoted ${grace} days after they became stale. Keep one: vipsync stale confirm EMAIL\n`);
    });

  stale
    .command('confirm')
    .description('Confirm a stale VIP is still a VIP: they keep their level (a demoted one gets it back)')
    .argument('<email>', 'the person to confirm')
    .option('--json', 'print the person as JSON')
    .action(async (raw: string, opts: { json?: boolean }) => {
      const check = normalizeEmail(raw);
      if (!check.ok) throw new UsageError(`cannot confirm: ${check.reason}`);
      const actor = osActor('cli');
      const vip = await withDb((db) => db.$transaction(async (tx) => {
        // Locked like an admin edit, so a level restored here chains with concurrent changes.
        const current = await lockedVip(tx, check.email);
        if (!current) throw new UsageError(`${check.email} is not in the VIP list`);
        if (!current.stale) throw new UsageError(`${check.email} is not stale; nothing to confirm`);
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
        await writeAudit(tx, { actor, action: 'stale.confirm', subject: check.email, details: { staleReason: current.staleReason, restoredLevel: restore ? current.crmLevel : null } });
        return updated;
      }));
      if (opts.json) printJson(vip);
      else process.stdout.write(`${terminalText(vip.email)}: confirmed as still a VIP (level ${vip.level ?? '-'}); it will not be demoted while these signals last\n`);
    });
}
