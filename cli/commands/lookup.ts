import type { Command } from 'commander';
import { createAuditWriter, osActor } from '../../db/audit-log.js';
import { createLookupService, InvalidEmailError } from '../../lookup/service.js';
import { InvalidPhoneError, lookupQueryFromText } from '../../lookup/query.js';
import { loadLookupConfig } from '../../lookup/config.js';
import type { VipLookupResult } from '../../workflows/contract.js';
import { printJson, terminalLines, terminalText as t, UsageError } from '../output.js';
import { withDb } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';
import { groupLines } from './group-output.js';
import { describeContactNote } from '../contact-note-display.js';

/** The answer for eyes; every value from a CRM or an admin is shown, never obeyed (terminalText). */
export function describeLookup(r: VipLookupResult, now = new Date()): string {
  const body = describePerson(r);
  const freshness = describeFreshness(r, now);
  return freshness ? `${body}\n${freshness}` : body;
}

/** "  as of:     3 min ago (2026-12-05T08:01:48.000Z), per hubspot contact 201 (connection hubspot)". */
function describeFreshness(r: VipLookupResult, now: Date): string | null {
  if (r.asOf === null) return null;
  const per = r.sources.length > 0
    ? `, per ${r.sources.map((s) => t(`${s.system} ${s.objectType} ${s.crmId} (connection ${s.connectionId})`)).join(', ')}`
    : ', per the last edit (no CRM record)';
  return `  as of:     ${ago(new Date(r.asOf), now)} (${r.asOf})${per}`;
}

function ago(then: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

function describePerson(r: VipLookupResult): string {
  if (r.ambiguous) {
    return [`${t(r.phone ?? '')}: ambiguous, ${r.candidates.length} people have this phone; ask who is calling`,
      ...r.candidates.map((c) => `  - ${t(c.email)}: ${c.level === null ? 'not a VIP' : `VIP level ${c.level}`}${c.name ? ` (${t(c.name)}${c.company ? `, ${t(c.company)}` : ''})` : ''}`),
    ].join('\n');
  }
  if (r.email === null) return `${t(r.phone ?? '')}: not a VIP (no one on the list has this phone)`;
  const who = r.phone ? `${t(r.phone)}: ${t(r.email)}` : t(r.email);
  if (!r.isVip) {
    const head = `${who}: not a VIP${r.name ? ` (${t(r.name)}${r.company ? `, ${t(r.company)}` : ''})` : ''}`;
    const notes = r.contactNotes?.length ? ['  contact notes (latest first):', ...r.contactNotes.map(describeContactNote)] : [];
    if (!r.levelReason && !r.validated && !r.stale && r.groups.length === 0) return [head, ...notes].join('\n');
    return [head, `  reason:    ${t(r.levelReason ?? '-')}`, `  validated: ${r.validated ? 'yes' : 'no'}`,
      `  stale:     ${r.stale ? `yes (${t(r.staleReason ?? 'no reason recorded')})` : 'no'}`, ...groupLines(r), ...notes].join('\n');
  }
  const owner = r.owner ? `${t(r.owner.name ?? r.owner.email ?? r.owner.id)} (${t(r.owner.connectionId)})` : '-';
  const lines = [
    `${who}: VIP level ${r.level}`,
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
    .argument('<email-or-phone>', 'the sender\'s email address, or phone number (E.164 such as +14155552671, or national, read in VIPSYNC_DEFAULT_COUNTRY)')
    .option('--json', 'print the answer as JSON')
    .addHelpText('after', `
An argument with "@" is an email; one without "@" that holds a digit is a phone. A phone that several
people share answers "ambiguous" with each of them (ambiguous: true and candidates in --json).
Every answer says how fresh it is: "as of" when a sync last confirmed its CRM records, and which.

Examples:
  vipsync lookup ceo@example.com
  vipsync lookup "+1 (415) 555-2671" --json
  VIPSYNC_DEFAULT_COUNTRY=GB vipsync lookup "020 7946 0958"`)
    .action(async (sender: string, opts: { json?: boolean }) => {
      const result = await withDb(async (db) => {
        const audit = createAuditWriter(db);
        try {
          return await createLookupService({ db, audit, config: loadLookupConfig() }).lookupBy(lookupQueryFromText(sender), osActor());
        } finally {
          await audit.close();
        }
      }).catch((error: unknown) => {
        if (error instanceof InvalidEmailError || error instanceof InvalidPhoneError) throw new UsageError(error.message);
        throw error;
      });
      if (opts.json) printJson(result);
      else process.stdout.write(`${describeLookup(result)}\n`);
    });
}
