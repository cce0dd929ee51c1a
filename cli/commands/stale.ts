// `vipsync stale`: VIPs who probably left their company, with the evidence, for review; and
// `vipsync stale confirm EMAIL` for the ones who are still VIPs (no demotion after the grace period).
// The list and the confirmation are admin/stale.ts, shared with the console.
import type { Command } from 'commander';
import { osActor } from '../../db/audit-log.js';
import { confirmStale, listStale, staleGraceDays } from '../../admin/stale.js';
import { normalizeEmail } from '../../vip/email.js';
import { printJson, printTable, terminalText, UsageError } from '../output.js';
import { withDb } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

export function registerStale(program: Command): void {
  const stale = program.command('stale').description(COMMAND_DESCRIPTIONS.stale);

  stale
    .command('list', { isDefault: true })
    .description('Stale people who are (or were, before demotion) VIPs, with the evidence (the default)')
    .option('--json', 'print as JSON, with every signal')
    .option('--all', 'include stale people who never were VIPs')
    .action(async (opts: { json?: boolean; all?: boolean }) => {
      const grace = staleGraceDays();
      const found = await withDb((db) => listStale(db, { all: opts.all, graceDays: grace }));
      const items = found.map(({ confirmed: _c, ...item }) => item);
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
      const vip = await withDb((db) => confirmStale(db, check.email, osActor('cli')));
      if (opts.json) printJson(vip);
      else process.stdout.write(`${terminalText(vip.email)}: confirmed as still a VIP (level ${vip.level ?? '-'}); it will not be demoted while these signals last\n`);
    });
}
