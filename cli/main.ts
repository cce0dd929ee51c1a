// The `vipsync` command line.
import { Command, CommanderError } from 'commander';
import { AdminError } from '../admin/errors.js';
import { ConfigError } from '../runtime/config-error.js';
import { COMMAND_DESCRIPTIONS, type CommandName } from './command-descriptions.js';
import { UsageError } from './output.js';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs: loading them all (the database
 * client, Temporal's client, the CRM SDKs, fastify) made every `vipsync` pay for every command.
 * A module may register more than one command (serve and mcp; worker and db).
 */
const COMMAND_MODULES: Record<CommandName, () => Promise<Register>> = {
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  dev: async () => (await import('./commands/dev.js')).registerDev,
  sync: async () => (await import('./commands/sync.js')).registerSync,
  lookup: async () => (await import('./commands/lookup.js')).registerLookup,
  emulator: async () => (await import('./commands/emulator.js')).registerEmulator,
  worker: async () => (await import('./commands/worker.js')).registerWorker,
  db: async () => (await import('./commands/worker.js')).registerWorker,
  vip: async () => (await import('./commands/vip.js')).registerVip,
  token: async () => (await import('./commands/token.js')).registerToken,
  audit: async () => (await import('./commands/audit.js')).registerAudit,
  serve: async () => (await import('./commands/serve.js')).registerServe,
  mcp: async () => (await import('./commands/serve.js')).registerServe,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  validate: async () => (await import('./commands/validate.js')).registerValidate,
  stale: async () => (await import('./commands/stale.js')).registerStale,
  report: async () => (await import('./commands/report.js')).registerReport,
  rules: async () => (await import('./commands/rules.js')).registerRules,
  groups: async () => (await import('./commands/groups.js')).registerGroups,
};

/** The command a command line runs (`vipsync help vip` asks about vip), if it names one. */
function commandNamed(args: string[]): CommandName | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && name in COMMAND_MODULES ? (name as CommandName) : undefined;
}

/**
 * The program for `argv`: the command it runs in full, every other one by name and description
 * (enough for `vipsync --help` and for commander to say "unknown command"). Without `argv`, all.
 */
export async function buildProgram(argv?: string[]): Promise<Command> {
  const program = new Command('vipsync')
    .description('Syncs VIPs from HubSpot and Salesforce into Postgres and answers "is this sender a VIP?"')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const wanted = argv ? commandNamed(argv.slice(2)) : undefined;
  const names = Object.keys(COMMAND_MODULES) as CommandName[];
  const loaded = new Set<Register>();
  for (const name of argv ? (wanted ? [wanted] : []) : names) {
    const register = await COMMAND_MODULES[name]();
    if (!loaded.has(register)) register(program);
    loaded.add(register);
  }
  for (const name of names) {
    if (!program.commands.some((c) => c.name() === name)) program.command(name).description(COMMAND_DESCRIPTIONS[name]);
  }
  // Commander lists commands in the order they were added: keep the table's order.
  (program.commands as Command[]).sort((a, b) => names.indexOf(a.name() as CommandName) - names.indexOf(b.name() as CommandName));
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
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
