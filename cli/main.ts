// The `vipsync` command line.
import { Command, CommanderError } from 'commander';
import { AdminError } from '../admin/errors.js';
import { ConfigError } from '../runtime/config-error.js';
import { registerDemo } from './commands/demo.js';
import { registerDev } from './commands/dev.js';
import { registerEmulator } from './commands/emulator.js';
import { registerLookup } from './commands/lookup.js';
import { registerSync } from './commands/sync.js';
import { registerWorker } from './commands/worker.js';
import { registerVip } from './commands/vip.js';
import { registerToken } from './commands/token.js';
import { registerAudit } from './commands/audit.js';
import { registerServe } from './commands/serve.js';
import { registerDoctor } from './commands/doctor.js';
import { registerValidate } from './commands/validate.js';
import { registerStale } from './commands/stale.js';
import { registerReport } from './commands/report.js';
import { UsageError } from './output.js';

export function buildProgram(): Command {
  const program = new Command('vipsync')
    .description('Syncs VIPs from HubSpot and Salesforce into Postgres and answers "is this sender a VIP?"')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDemo(program);
  registerDev(program);
  registerSync(program);
  registerLookup(program);
  registerEmulator(program);
  registerWorker(program);
  registerVip(program);
  registerToken(program);
  registerAudit(program);
  registerServe(program);
  registerDoctor(program);
  registerValidate(program);
  registerStale(program);
  registerReport(program);
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof AdminError) {
      process.stderr.write(`vipsync: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`vipsync: ${(error as Error).message ?? String(error)}\n`);
    if (process.env.VIPSYNC_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = 1;
  }
}
