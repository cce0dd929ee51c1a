// `vipsync report levels`: how levels are spread over the VIP list, with the rules file's inflation
// warnings ("everything can't be highest priority").
import type { Command } from 'commander';
import { currentLevelDistribution } from '../../vip/derive-sql.js';
import { loadRules } from '../../vip/rules.js';
import { printJson, printTable } from '../output.js';
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
}
