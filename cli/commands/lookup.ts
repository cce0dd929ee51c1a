import type { Command } from 'commander';
import { InvalidEmailError, lookupVipByEmail } from '../../activities/lookup.js';
import type { VipLookupResult } from '../../workflows/contract.js';
import { printJson, UsageError } from '../output.js';
import { withDb } from '../targets.js';

export function describeLookup(r: VipLookupResult): string {
  if (!r.isVip) return `${r.email}: not a VIP${r.name ? ` (${r.name}${r.company ? `, ${r.company}` : ''})` : ''}`;
  const lines = [
    `${r.email}: VIP level ${r.level}`,
    `  name:      ${r.name ?? '-'}`,
    `  company:   ${r.company ?? '-'}`,
    `  validated: ${r.validated ? 'yes' : 'no'}`,
    `  stale:     ${r.stale ? `yes (${r.staleReason ?? 'no reason recorded'})` : 'no'}`,
  ];
  if (r.notes) lines.push(`  notes:     ${r.notes}`);
  return lines.join('\n');
}

export function registerLookup(program: Command): void {
  program
    .command('lookup')
    .description('Look up one email the way an agent does (same code path as the lookupVip activity)')
    .argument('<email>', 'the sender address to look up')
    .option('--json', 'print the answer as JSON')
    .action(async (email: string, opts: { json?: boolean }) => {
      const result = await withDb((db) => lookupVipByEmail(db, email)).catch((error: unknown) => {
        if (error instanceof InvalidEmailError) throw new UsageError(error.message);
        throw error;
      });
      if (opts.json) printJson(result);
      else process.stdout.write(`${describeLookup(result)}\n`);
    });
}
