import type { Command } from 'commander';
import { applyMigrations, migrationStatus } from '../../prisma/migrate.js';
import { printJson, progress } from '../output.js';
import { resolveTargets } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(COMMAND_DESCRIPTIONS.worker)
    .action(async () => {
      const { main: runProductionWorker } = await import('../../worker/main.js');
      await runProductionWorker();
    });

  const db = program.command('db').description(COMMAND_DESCRIPTIONS.db);
  db.command('migrate')
    .description('Apply pending migrations (offline; `prisma migrate deploy` accepts the result)')
    .action(async () => {
      const { databaseUrl } = await resolveTargets();
      const applied = await applyMigrations(databaseUrl, progress);
      progress(applied.length ? `applied ${applied.length} migration(s)` : 'database schema is up to date');
    });
  db.command('status')
    .description('Applied and pending migrations')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const status = await migrationStatus((await resolveTargets()).databaseUrl);
      if (opts.json) printJson(status);
      else process.stdout.write(`applied: ${status.applied.join(', ') || 'none'}\npending: ${status.pending.join(', ') || 'none'}\n`);
    });
}
