// `vipsync audit`: who looked up, read or changed what; `vipsync audit vips`: VIP activity.
import type { Command } from 'commander';
import { osActor, writeAudit } from '../../db/audit-log.js';
import { listAudit, vipActivityReport } from '../../admin/audit.js';
import { printJson, printTable, UsageError } from '../output.js';
import { withDb } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

function parseSince(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+)([mhd])$/.exec(value);
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(Date.now() - Number(relative[1]) * unit);
  }
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--since "${value}" is neither a date (2026-01-31) nor a duration (30m, 24h, 7d)`);
  return at;
}

function limit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError(`--limit must be 1-10000, got "${value}"`);
  return n;
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description(COMMAND_DESCRIPTIONS.audit);

  audit
    .command('log', { isDefault: true })
    .description('Recent audit entries, newest first (the default)')
    .option('--actor <name>', 'e.g. alice, token:support-bot, workflow:triageInboundEmailWorkflow')
    .option('--action <action>', 'e.g. lookup, vip.edit, vip.import, token.create')
    .option('--subject <subject>', 'e.g. an email')
    .option('--surface <surface>', 'activity, cli, http or mcp')
    .option('--since <when>', 'a date or a duration (30m, 24h, 7d)')
    .option('--limit <n>', 'how many', limit, 50)
    .option('--json', 'print as JSON')
    .action(async (opts: { actor?: string; action?: string; subject?: string; surface?: string; since?: string; limit: number; json?: boolean }) => {
      const rows = await withDb(async (db) => {
        const found = await listAudit(db, { ...opts, since: parseSince(opts.since) });
        await writeAudit(db, { actor: osActor(), action: 'audit.read' });
        return found;
      });
      if (opts.json) return printJson(rows);
      printTable(rows.map((r) => ({
        at: r.at, actor: r.actor, surface: r.surface, action: r.action, subject: r.subject,
        workflow: r.workflowId, details: r.details === null ? null : JSON.stringify(r.details),
      })));
    });

  audit
    .command('vips')
    .description('VIP activity: how often each VIP was looked up, and when last')
    .option('--since <when>', 'a date or a duration (30m, 24h, 7d)')
    .option('--limit <n>', 'how many VIPs', limit, 50)
    .option('--json', 'print as JSON')
    .action(async (opts: { since?: string; limit: number; json?: boolean }) => {
      const rows = await withDb(async (db) => {
        const report = await vipActivityReport(db, { since: parseSince(opts.since), limit: opts.limit });
        await writeAudit(db, { actor: osActor(), action: 'audit.report' });
        return report;
      });
      if (opts.json) return printJson(rows);
      printTable(rows.map((r) => ({ email: r.email, level: r.level, name: r.name, lookups: r.lookups, lastSeen: r.lastSeen, lastBy: r.lastActor })));
    });
}
