// `vipsync vip ...`: the admins' VIP list. Same functions as the HTTP API (admin/).
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { osActor } from '../../db/audit-log.js';
import { parseColumnMap } from '../../admin/csv-columns.js';
import { exportVipsCsv } from '../../admin/csv-export.js';
import { importVips, type ImportReport } from '../../admin/csv-import.js';
import { readVipCsv } from '../../admin/csv-reading.js';
import { addVip, editVip, removeVips } from '../../admin/vip-changes.js';
import { listVips, showVip, type VipSort, type VipView } from '../../admin/vip-reads.js';
import { confirm, printJson, printTable, progress, terminalLines, terminalText as t, UsageError } from '../output.js';
import { withDb } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';
import { registerVipNotes } from './vip-notes.js';

const PROGRESS_BAR_FROM_ROWS = 2000;

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a whole number, got "${value}"`);
    return n;
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A person for eyes; every value from a CRM or an admin is shown, never obeyed (terminalText). */
function describeVip(v: VipView): string {
  const lines = [
    `${t(v.email)}: ${v.level === null ? 'not a VIP' : `VIP level ${v.level}`}`,
    `  name:       ${t(v.name ?? '-')}`,
    `  company:    ${t(v.company ?? '-')}`,
    `  phone:      ${t(v.phone ?? '-')}`,
    `  level from: ${v.levelSource ?? '-'}${v.levelReason ? ` (${t(v.levelReason)})` : ''}`,
    `  crm level:  ${v.crmLevel ?? '-'}${v.manualLevel !== null ? `   manual override: ${v.manualLevel}` : ''}`,
    `  source:     ${v.source}; validated: ${v.validated ? `yes (${t(v.validatedBy.join(', '))})` : 'no'}`,
    `  stale:      ${v.stale ? `yes (${t(v.staleReason ?? 'no reason recorded')})` : 'no'}`,
    `  added:      ${v.createdAt.toISOString()}`,
  ];
  if (v.notes) lines.push(`  notes:      ${terminalLines(v.notes, '              ')}`);
  return lines.join('\n');
}

function printImportReport(report: ImportReport): void {
  const verb = report.dryRun ? 'would be' : 'were';
  progress(
    `${report.file ?? 'CSV'}: ${report.total} rows, ${report.valid} valid, ${report.invalid} rejected; ` +
      `${report.created} ${verb} created, ${report.updated} ${verb} updated, ${report.unchanged} unchanged` +
      (report.dryRun ? ' (dry run: nothing written)' : ''),
  );
  const ignored = report.columns.filter((c) => c.field === null).map((c) => c.column);
  if (ignored.length) progress(`ignored columns: ${ignored.join(', ')} (map one with --map COLUMN=FIELD)`);
  for (const e of report.errors) progress(`  row ${e.row}${e.email ? ` (${e.email})` : ''}: ${e.message}`);
}

export function registerVip(program: Command): void {
  const vip = program.command('vip').description(COMMAND_DESCRIPTIONS.vip);

  vip
    .command('list')
    .description('List VIPs (people with a level), newest pages first with --sort added --desc')
    .argument('[search]', 'text to find in name, email or company')
    .option('--search <text>', 'same as the argument')
    .option('--level <n>', 'only this level (1-5)', positiveInt('--level'))
    .option('--all', 'also people known from a CRM without a level')
    .option('--sort <field>', 'name, level or added', 'name')
    .option('--desc', 'reverse the order')
    .option('--limit <n>', 'rows per page', positiveInt('--limit'), 50)
    .option('--page <n>', 'page number, from 1', positiveInt('--page'), 1)
    .option('--json', 'print as JSON')
    .action(async (search: string | undefined, opts: { search?: string; level?: number; all?: boolean; sort: string; desc?: boolean; limit: number; page: number; json?: boolean }) => {
      if (!['name', 'level', 'added'].includes(opts.sort)) throw new UsageError(`--sort must be name, level or added, not "${opts.sort}"`);
      const page = Math.max(opts.page, 1);
      const result = await withDb((db) => listVips(db, {
        search: opts.search ?? search, level: opts.level, all: opts.all, sort: opts.sort as VipSort, desc: opts.desc,
        limit: opts.limit, offset: (page - 1) * opts.limit,
      }, osActor()));
      if (opts.json) return printJson({ ...result, page, limit: opts.limit });
      printTable(result.items.map((v) => ({
        level: v.level, email: v.email, name: v.name, company: v.company, from: v.levelSource, added: v.createdAt.toISOString().slice(0, 10),
      })));
      const pages = Math.max(Math.ceil(result.total / opts.limit), 1);
      progress(`page ${page} of ${pages} (${result.total} matching)${page < pages ? `; next: --page ${page + 1}` : ''}`);
    });

  vip
    .command('show')
    .description('Everything about one person, with their level history')
    .argument('<email>')
    .option('--json', 'print as JSON')
    .action(async (email: string, opts: { json?: boolean }) => {
      const v = await withDb((db) => showVip(db, email, osActor()));
      if (opts.json) return printJson(v);
      process.stdout.write(`${describeVip(v)}\n`);
      for (const g of v.groups) {
        process.stdout.write(`  group:      ${t(g.name)} (${g.source}: ${t(g.reason)})${g.defined ? '' : ' - not defined: gives no handling (vipsync groups add)'}\n`);
      }
      process.stdout.write('  history:\n');
      for (const c of v.levelChanges) {
        process.stdout.write(`    ${c.at.toISOString()}  ${c.oldLevel ?? '-'} -> ${c.newLevel ?? '-'}  ${c.source}  ${t(c.reason)}\n`);
      }
    });

  const fieldOptions = (cmd: Command) =>
    cmd
      .option('--name <name>')
      .option('--company <company>')
      .option('--phone <phone>')
      .option('--notes <text>', 'business notes, at most 2,000 characters ("" clears)')
      .option('--json', 'print the result as JSON');

  fieldOptions(
    vip
      .command('add')
      .description('Add a VIP with a manual level (the sync will not overwrite it)')
      .argument('<email>')
      .requiredOption('--level <n>', 'VIP level 1-5 (5 most important)'),
  ).action(async (email: string, opts: { level: string; name?: string; company?: string; phone?: string; notes?: string; json?: boolean }) => {
    const v = await withDb((db) => addVip(db, { email, level: opts.level, name: opts.name, company: opts.company, phone: opts.phone, notes: opts.notes }, osActor()));
    if (opts.json) printJson(v);
    else process.stdout.write(`added ${t(v.email)} at level ${v.level}\n`);
  });

  fieldOptions(
    vip
      .command('edit')
      .description('Change a VIP: --level sets a manual override; --clear-override returns to the CRM level')
      .argument('<email>')
      .option('--level <n>', 'VIP level 1-5')
      .option('--clear-override', 'drop the manual level'),
  ).action(async (email: string, opts: { level?: string; clearOverride?: boolean; name?: string; company?: string; phone?: string; notes?: string; json?: boolean }) => {
    const v = await withDb((db) => editVip(db, email, {
      level: opts.level, clearOverride: opts.clearOverride, name: opts.name, company: opts.company, phone: opts.phone,
      notes: opts.notes === undefined ? undefined : opts.notes === '' ? null : opts.notes,
    }, osActor()));
    if (opts.json) printJson(v);
    else process.stdout.write(`${describeVip(v)}\n`);
  });

  vip
    .command('rm')
    .description('Remove VIPs that admins added (people from a CRM are changed in the CRM)')
    .argument('<emails...>')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print the result as JSON')
    .action(async (emails: string[], opts: { yes?: boolean; json?: boolean }) => {
      if (!opts.yes) {
        if (!(await confirm('remove', `Remove ${emails.length} VIP(s): ${emails.join(', ')}?`))) {
          progress('nothing removed');
          return;
        }
      }
      const result = await withDb((db) => removeVips(db, emails, osActor()));
      if (opts.json) printJson(result);
      else {
        for (const e of result.removed) process.stdout.write(`removed ${t(e)}\n`);
        for (const e of result.notFound) progress(`not on the list: ${e}`);
        for (const r of result.refused) progress(`not removed: ${r.email} ${r.reason}`);
      }
      if (result.notFound.length || result.refused.length) process.exitCode = 1;
    });

  vip
    .command('import')
    .description('Import a CSV (header: email,name,company,level or privilege_level,notes,phone,groups); valid rows in one transaction')
    .argument('<file>')
    .option('--map <column=field>', 'map a column to a field (email, name, company, level, notes, phone, groups, ignore); repeatable', collect)
    .option('--dry-run', 'check and show what would change; write nothing')
    .option('--strict', 'import nothing if any row is rejected')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, opts: { map?: string[]; dryRun?: boolean; strict?: boolean; json?: boolean }) => {
      const map = parseColumnMap(opts.map ?? []);
      // Read as it streams: the file's text is never held, only the rows that pass the checks.
      const handle = await open(file).catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(error.code === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file}: ${error.message}`);
      });
      const parsed = await readVipCsv(handle.createReadStream(), { map }).finally(() => handle.close().catch(() => {}));
      const dryRun = opts.dryRun || (opts.strict && parsed.errors.length > 0);
      const bar = parsed.rows.length >= PROGRESS_BAR_FROM_ROWS && process.stderr.isTTY
        ? new cliProgress.SingleBar({ stream: process.stderr, format: 'importing [{bar}] {value}/{total} rows' }, cliProgress.Presets.shades_classic)
        : null;
      bar?.start(parsed.rows.length, 0);
      const report = await withDb((db) => importVips(db, parsed, {
        actor: osActor(), file: basename(file), dryRun, strict: opts.strict, onProgress: (done) => bar?.update(done),
      })).finally(() => bar?.stop());
      if (opts.json) printJson(report);
      printImportReport(report);
      if (opts.strict && report.invalid > 0) progress('--strict: nothing imported because rows were rejected');
      if (report.invalid > 0) process.exitCode = 1;
    });

  vip
    .command('export')
    .description('Write the VIP list as CSV to stdout (re-importable with `vip import`)')
    .option('--level <n>', 'only this level (1-5)')
    .action(async (opts: { level?: string }) => {
      const { csv, count } = await withDb((db) => exportVipsCsv(db, { level: opts.level }, osActor()));
      process.stdout.write(csv);
      progress(`exported ${count} VIP(s)`);
    });

  registerVipNotes(vip);
}
