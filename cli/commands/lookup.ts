import type { Command } from 'commander';
import { createAuditWriter, osActor } from '../../db/audit-log.js';
import { createLookupService, InvalidEmailError } from '../../lookup/service.js';
import { loadLookupConfig } from '../../lookup/config.js';
import type { VipLookupResult } from '../../workflows/contract.js';
import { printJson, terminalLines, terminalText as t, UsageError } from '../output.js';
import { withDb } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';
import { groupLines } from './group-output.js';
import { describeContactNote } from '../contact-note-display.js';

/** The answer for eyes; every value from a CRM or an admin is shown, never obeyed (terminalText). */
export function describeLookup(r: VipLookupResult): string {
  if (!r.isVip) {
    const head = `${t(r.email)}: not a VIP${r.name ? ` (${t(r.name)}${r.company ? `, ${t(r.company)}` : ''})` : ''}`;
    const notes = r.contactNotes?.length ? ['  contact notes (latest first):', ...r.contactNotes.map(describeContactNote)] : [];
    if (!r.levelReason && !r.validated && !r.stale && r.groups.length === 0) return [head, ...notes].join('\n');
    return [head, `  reason:    ${t(r.levelReason ?? '-')}`, `  validated: ${r.validated ? 'yes' : 'no'}`,
      `  stale:     ${r.stale ? `yes (${t(r.staleReason ?? 'no reason recorded')})` : 'no'}`, ...groupLines(r), ...notes].join('\n');
  }
  const owner = r.owner ? `${t(r.owner.name ?? r.owner.email ?? r.owner.id)} (${t(r.owner.connectionId)})` : '-';
  const lines = [
    `${t(r.email)}: VIP level ${r.level}`,
    `  reason:    ${t(r.levelReason ?? '-')}`,
    `  name:      ${t(r.name ?? '-')}`,
    `  company:   ${t(r.company ?? '-')}`,
    `  validated: ${r.validated ? 'yes' : 'no'}`,
    `  stale:     ${r.stale ? `yes (${t(r.staleReason ?? 'no reason recorded')})` : 'no'}`,
    `  owner:     ${owner}`,
  ];
  if (r.handling) {
    const h = r.handling;
    lines.push(`  handling:  ${t(`${h.priority}, answer within ${h.responseTimeMinutes} min${h.escalationTeam ? `, escalate to ${h.escalationTeam}` : ''}: ${h.guidance}`)}`);
  }
  lines.push(...groupLines(r));
  if (r.notes) lines.push(`  notes:     ${terminalLines(r.notes, '             ')}`);
  if (r.contactNotes?.length) lines.push('  contact notes (latest first):', ...r.contactNotes.map(describeContactNote));
  return lines.join('\n');
}

export function registerLookup(program: Command): void {
  program
    .command('lookup')
    .description(COMMAND_DESCRIPTIONS.lookup)
    .argument('<email>', 'the sender address to look up')
    .option('--json', 'print the answer as JSON')
    .action(async (email: string, opts: { json?: boolean }) => {
      const result = await withDb(async (db) => {
        const audit = createAuditWriter(db);
        try {
          return await createLookupService({ db, audit, config: loadLookupConfig() }).lookup(email, osActor());
        } finally {
          await audit.close();
        }
      }).catch((error: unknown) => {
        if (error instanceof InvalidEmailError) throw new UsageError(error.message);
        throw error;
      });
      if (opts.json) printJson(result);
      else process.stdout.write(`${describeLookup(result)}\n`);
    });
}
