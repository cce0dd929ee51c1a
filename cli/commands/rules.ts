// `vipsync rules preview FILE`: what a new rules file would change, before anyone points
// VIPSYNC_RULES_FILE at it (the next sync would re-derive everyone with it).
import type { Command } from 'commander';
import { loadRules, RulesFileError } from '../../vip/rules.js';
import { previewRules } from '../../vip/rules-preview.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';
import { printJson, printTable, UsageError } from '../output.js';
import { withDb } from '../targets.js';

const levelText = (level: number | null) => (level === null ? 'none' : String(level));

export function registerRules(program: Command): void {
  const rules = program.command('rules').description(COMMAND_DESCRIPTIONS.rules);
  rules
    .command('preview')
    .description('Whose CRM-derived level a rules file would change, and why, against the rules in use (VIPSYNC_RULES_FILE or the default); nothing is written')
    .argument('<file>', 'the proposed rules file (YAML, the format of vip/default-rules.yaml)')
    .option('--sample <n>', 'how many changed people to show', '20')
    .option('--json', 'print as JSON')
    .action(async (file: string, opts: { sample: string; json?: boolean }) => {
      const sampleSize = Number(opts.sample);
      if (!Number.isInteger(sampleSize) || sampleSize < 0) throw new UsageError(`--sample must be a whole number, got "${opts.sample}"`);
      let current;
      let proposed;
      try {
        current = loadRules(process.env.VIPSYNC_RULES_FILE || undefined);
        proposed = loadRules(file);
      } catch (error) {
        if (error instanceof RulesFileError) throw new UsageError(error.message);
        throw error;
      }
      const preview = await withDb((db) => previewRules(db, current, proposed, { sampleSize }));
      if (opts.json) {
        printJson({ rules: { current: current.source, proposed: proposed.source }, ...preview });
        return;
      }
      process.stdout.write(`${preview.changed} of ${preview.people} people would change level (${current.source} -> ${proposed.source})\n\n`);
      if (preview.moves.length > 0) {
        printTable(preview.moves.map((m) => ({ from: levelText(m.from), to: levelText(m.to), people: m.people })));
        process.stdout.write('\n');
      }
      printTable(preview.distribution.levels.map((l) => ({
        level: l.level, vips: l.count, share: `${(l.share * 100).toFixed(1)}%`, maxShare: l.maxShare === null ? '-' : `${(l.maxShare * 100).toFixed(1)}%`,
      })));
      for (const warning of preview.distribution.warnings) process.stdout.write(`warning: ${warning}\n`);
      if (preview.sample.length > 0) {
        process.stdout.write('\n');
        printTable(preview.sample.map((s) => ({
          email: s.email, from: levelText(s.from), to: levelText(s.to),
          manual: s.manualLevel === null ? '-' : `${s.manualLevel} (kept)`, reason: s.reason,
        })));
      }
    });
}
