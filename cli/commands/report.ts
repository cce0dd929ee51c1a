// `vipsync report levels`: how levels are spread over the VIP list, with the rules file's inflation
// warnings ("everything can't be highest priority"); `vipsync report coverage`: key accounts
// against the VIP list.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { currentLevelDistribution } from '../../vip/derive-sql.js';
import { loadRules } from '../../vip/rules.js';
import { printJson, printTable, UsageError } from '../output.js';
import { withDb } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

export function registerReport(program: Command): void {
  const report = program.command('report').description(COMMAND_DESCRIPTIONS.report);
  report
    .command('levels')
    .description('VIPs per level, their share, and a warning where a level is inflated (VIPSYNC_RULES_FILE thresholds)')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const rules = loadRules(process.env.VIPSYNC_RULES_FILE || undefined);
      const { distribution, stale, validated } = await withDb(async (db) => ({
        distribution: await currentLevelDistribution(db, rules),
        stale: await db.vip.count({ where: { stale: true, level: { not: null } } }),
        validated: await db.vip.count({ where: { validated: true, level: { not: null } } }),
      }));
      if (opts.json) {
        printJson({ ...distribution, staleVips: stale, validatedVips: validated, rules: rules.source });
        return;
      }
      printTable(distribution.levels.map((l) => ({
        level: l.level, vips: l.count, share: `${(l.share * 100).toFixed(1)}%`, maxShare: l.maxShare === null ? '-' : `${(l.maxShare * 100).toFixed(1)}%`,
      })));
      process.stdout.write(`\n${distribution.vips} VIPs among ${distribution.people} people; ${validated} validated by a CRM, ${stale} stale\n`);
      for (const warning of distribution.warnings) process.stdout.write(`warning: ${warning}\n`);
    });

  report
    .command('coverage')
    .description('Key accounts against the VIP list: accounts with no VIP, accounts whose best VIP is below --min-level, VIPs at accounts not on the list, stale VIPs at key accounts')
    .argument('<file>', 'CSV of key accounts with a "name" and/or a "domain" column')
    .option('--min-level <n>', 'the level a key account\'s best VIP should reach', '3')
    .option('--json', 'print as JSON')
    .action(async (file: string, opts: { minLevel: string; json?: boolean }) => {
      const { coverageReport } = await import('../../admin/coverage.js');
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(error.code === 'ENOENT' ? `key accounts file not found: ${file}` : `cannot read ${file}: ${error.message}`);
      });
      const report = await withDb((db) => coverageReport(db, text, Number(opts.minLevel)));
      if (opts.json) {
        printJson(report);
        return;
      }
      const account = (a: { name: string | null; domain: string | null }) => [a.name, a.domain].filter(Boolean).join(' / ');
      process.stdout.write(`${report.accounts} key accounts\n\n`);
      process.stdout.write(`no VIP (${report.accountsWithoutVip.length}):\n`);
      printTable(report.accountsWithoutVip.map((a) => ({ line: a.row, account: account(a) })));
      process.stdout.write(`\nbest VIP below level ${report.minLevel} (${report.accountsBelowLevel.length}):\n`);
      printTable(report.accountsBelowLevel.map((b) => ({ line: b.account.row, account: account(b.account), bestLevel: b.bestLevel })));
      process.stdout.write(`\nstale VIPs at key accounts (${report.staleVipsAtKeyAccounts.length}):\n`);
      printTable(report.staleVipsAtKeyAccounts.map((s) => ({ account: account(s.account), email: s.vip.email, level: s.vip.level, why: s.vip.staleReason })));
      process.stdout.write(`\nVIPs at accounts not on the list (${report.vipsOutsideList.length}):\n`);
      printTable(report.vipsOutsideList.map((v) => ({ email: v.email, level: v.level, company: v.company })));
    });
}
