import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { MODULE_EXTENSION, MODULE_LOADER_ARGS, PROJECT_ROOT } from '../../runtime/build.js';
import { deletePostgresData } from '../stack/postgres.js';
import { isProcessAlive } from '../stack/processes.js';
import { describeProcess, findLeftovers, stopLeftovers } from '../dev/leftovers.js';
import { keepPreviousLog, parseLogLine, WarningTally } from '../dev/worker-log.js';
import { devDir, postgresDataDir, readDevState, stackLogFile, stateFile, type DevStackState } from '../dev/state.js';
import { printJson, progress, UsageError } from '../output.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

// The supervisor module as this process runs: compiled beside it, or the TypeScript source through tsx.
const SUPERVISOR = fileURLToPath(new URL(`../dev/supervisor${MODULE_EXTENSION}`, import.meta.url));
export const DEFAULT_DEMO_CONTACTS = 400;

/**
 * Streams new lines of the stack log to stderr while waiting for the supervisor to be ready: its
 * own progress lines; the worker's JSON log lines stay in the file, their warnings summarised.
 */
async function followUntilSettled(timeoutMs: number): Promise<DevStackState> {
  const deadline = Date.now() + timeoutMs;
  const warnings = new WarningTally();
  let shown = 0;
  const showNewLines = async () => {
    const text = await readFile(stackLogFile(), 'utf8').catch(() => '');
    const lines = text.split('\n');
    lines.pop(); // the last line may still be being written
    for (const line of lines.slice(shown)) {
      const entry = parseLogLine(line);
      if (entry) warnings.add(entry);
      else if (line) progress(`  ${line.replace(/^\S+Z /, '')}`);
    }
    shown = lines.length;
  };
  for (;;) {
    await showNewLines();
    const state = await readDevState();
    if (state && state.status !== 'starting') {
      await showNewLines();
      const summary = warnings.summary(stackLogFile());
      if (summary) progress(`  ${summary}`);
      return state;
    }
    if (state && !isProcessAlive(state.pid)) {
      throw new Error(`the dev stack process died during start-up; see ${stackLogFile()}`);
    }
    if (Date.now() > deadline) throw new Error(`the dev stack did not start within ${timeoutMs / 1000} s; see ${stackLogFile()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function describeState(state: DevStackState): string {
  return [
    `dev stack: ${state.status} (pid ${state.pid}, since ${state.startedAt})`,
    `  database:   ${state.databaseUrl ?? '-'}`,
    `  temporal:   ${state.temporalAddress ?? '-'}${state.temporalUiUrl ? `  (Web UI ${state.temporalUiUrl})` : ''}`,
    ...Object.entries(state.emulators ?? {}).map(([system, url]) => `  ${`${system}:`.padEnd(11)} ${url}`),
    `  connections: ${state.connections?.join(', ') ?? '-'}`,
    ...(state.consoleUrl ? [`  console:    ${state.consoleUrl}  (API ${state.apiUrl}; sign-in token: the "VIP console at" line of the log)`] : []),
    ...(state.processes ?? []).map((p) => `  process:    ${describeProcess(p)}`),
    `  log:        ${stackLogFile()}`,
  ].join('\n');
}

/** Appends a line to the stack log as the supervisor writes them (followUntilSettled shows it too). */
const noteInStackLog = (msg: string) => appendFile(stackLogFile(), `${new Date().toISOString()} ${msg}\n`);



export async function devUp(opts: { fixture?: string; demo?: boolean }): Promise<DevStackState> {
  const current = await readDevState();
  if (current && isProcessAlive(current.pid)) {
    if (current.status === 'ready') {
      progress('the dev stack is already running');
      return current;
    }
    return followUntilSettled(15 * 60_000);
  }
  if (opts.fixture) await stat(opts.fixture).catch(() => { throw new UsageError(`fixture file not found: ${opts.fixture}`); });
  await mkdir(devDir(), { recursive: true });
  await rm(stateFile(), { force: true });
  await keepPreviousLog(stackLogFile());
  // A supervisor that was killed leaves its PostgreSQL and Temporal running; a second Temporal on
  // the same SQLite file would corrupt it, so they are stopped before anything starts.
  const leftBehind = await findLeftovers();
  if (leftBehind.length > 0) {
    await noteInStackLog(`stopping what a dev stack that died left behind: ${leftBehind.map(describeProcess).join(', ')}`);
    await stopLeftovers(noteInStackLog);
  }
  const args = opts.fixture ? ['--fixture', opts.fixture] : opts.demo ? ['--demo-contacts', String(DEFAULT_DEMO_CONTACTS)] : [];
  const logFd = openSync(stackLogFile(), 'a');
  const child = spawn(process.execPath, [...MODULE_LOADER_ARGS, SUPERVISOR, ...args], {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: process.env,
  });
  closeSync(logFd);
  child.unref();
  progress(`starting the dev stack in the background (pid ${child.pid}, log ${stackLogFile()})`);
  const state = await followUntilSettled(15 * 60_000);
  if (state.status === 'failed') throw new Error(`the dev stack failed to start: ${state.error}; see ${stackLogFile()}`);
  return state;
}

export async function devDown(): Promise<boolean> {
  const state = await readDevState();
  let stopped = false;
  if (state && isProcessAlive(state.pid)) {
    progress(`stopping the dev stack (pid ${state.pid}) ...`);
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + 60_000;
    while (isProcessAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (isProcessAlive(state.pid)) {
      progress('the dev stack did not stop within 60 s; killing it');
      process.kill(state.pid, 'SIGKILL');
    }
    stopped = true;
  }
  // A supervisor that crashed or was killed leaves its PostgreSQL and Temporal behind.
  if ((await stopLeftovers(progress)).length > 0) stopped = true;
  await rm(stateFile(), { force: true });
  return stopped;
}

export function registerDev(program: Command): void {
  const dev = program.command('dev').description(COMMAND_DESCRIPTIONS.dev);

  dev
    .command('up')
    .description('Start the embedded stack in the background; first stops what a stack that died left running (installs the Temporal CLI on first use)')
    .option('--fixture <file>', 'seed the CRM emulators from this fixture file')
    .option('--demo', `seed the CRM emulators with generated demo data (${DEFAULT_DEMO_CONTACTS} contacts)`)
    .option('--json', 'print the stack\'s addresses as JSON')
    .action(async (opts: { fixture?: string; demo?: boolean; json?: boolean }) => {
      if (opts.fixture && opts.demo) throw new UsageError('use either --fixture or --demo, not both');
      const state = await devUp(opts);
      if (opts.json) printJson(state);
      else process.stdout.write(`${describeState(state)}\n`);
    });

  dev
    .command('status')
    .description('Is the embedded stack running, and where; if its process died, what it left running (exit code 3 when not running)')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const state = await readDevState();
      const running = state !== null && isProcessAlive(state.pid);
      const leftBehind = running ? [] : await findLeftovers();
      if (opts.json) printJson({ running, ...(running ? state : {}), ...(leftBehind.length > 0 ? { leftBehind } : {}) });
      else if (running) process.stdout.write(`${describeState(state)}\n`);
      else if (leftBehind.length > 0) {
        process.stdout.write([
          `dev stack: not running${state ? ` (its process, pid ${state.pid}, is gone)` : ''}, but it left behind:`,
          ...leftBehind.map((p) => `  ${describeProcess(p)}`),
          'stop them with `vipsync dev down` (`vipsync dev up` also stops them before starting)',
          `what happened before: ${stackLogFile()}`,
        ].join('\n') + '\n');
      } else process.stdout.write('dev stack: not running (start it with `vipsync dev up`)\n');
      if (!running) process.exitCode = 3;
    });

  dev
    .command('down')
    .description('Stop the embedded stack, and whatever a stack that died left running; leaves nothing running (data stays in .vipsync/dev)')
    .option('--purge', 'also delete the stack\'s data')
    .action(async (opts: { purge?: boolean }) => {
      const stopped = await devDown();
      if (opts.purge) {
        // As root the cluster may live outside .vipsync/dev (where its OS user can reach it).
        await deletePostgresData(postgresDataDir());
        await rm(devDir(), { recursive: true, force: true });
      }
      progress(stopped ? 'dev stack stopped' : 'dev stack was not running');
    });
}
