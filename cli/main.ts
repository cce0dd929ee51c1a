// The `vipsync` command line.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../worker/config.js';
import { registerDemo } from './commands/demo.js';
import { registerDev } from './commands/dev.js';
import { registerEmulator } from './commands/emulator.js';
import { registerLookup } from './commands/lookup.js';
import { registerSync } from './commands/sync.js';
import { registerWorker } from './commands/worker.js';
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
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`vipsync: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`vipsync: ${(error as Error).message ?? String(error)}\n`);
    if (process.env.VIPSYNC_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = 1;
  }
}
