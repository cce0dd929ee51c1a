// The background process behind `vipsync dev up`: runs the embedded stack until SIGTERM/SIGINT
// (`vipsync dev down`), and reports its progress through state.json and stack.log.
import { rename, rm, writeFile } from 'node:fs/promises';
import { loadFixtureFile, parseFixture, type Fixture } from '../../emulators/fixture.js';
import { generateDemoFixture } from '../../emulators/demo-data.js';
import { defineDemoGroupsAt } from './demo-groups.js';
import { devDir, stateFile, toolsDir, type DevStackState, type StackProcess } from './state.js';
import { startDevStack, type DevStack } from './stack.js';
import { syncIntervalFromEnv } from '../../config/environment.js';

const startedAt = new Date().toISOString();
const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
// Recorded as each starts, so a supervisor killed at any point leaves a state that names them.
const processes: StackProcess[] = [];

async function writeState(state: Omit<DevStackState, 'pid' | 'startedAt'>): Promise<void> {
  const full: DevStackState = { pid: process.pid, startedAt, ...state, processes };
  // Written beside it, then renamed over it: `vipsync dev up` polls this file, and a file being
  // rewritten in place can be read empty ("Unexpected end of JSON input", seen in CI).
  const temp = `${stateFile()}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(full, null, 2)}\n`);
  await rename(temp, stateFile());
}

async function fixtureFromArgs(args: string[]): Promise<Fixture> {
  const fixtureAt = args.indexOf('--fixture');
  if (fixtureAt !== -1 && args[fixtureAt + 1]) return loadFixtureFile(args[fixtureAt + 1]!);
  const demoAt = args.indexOf('--demo-contacts');
  const contacts = demoAt !== -1 ? Number(args[demoAt + 1]) : 0;
  // Without data: every CRM's section empty (the fixture schema's defaults).
  return contacts > 0 ? generateDemoFixture({ contacts, seed: 42 }) : parseFixture({}, 'empty CRMs');
}

async function main(): Promise<void> {
  await writeState({ status: 'starting' });
  let stack: DevStack | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the dev stack`);
    await stack?.stop();
    await rm(stateFile(), { force: true });
    log('dev stack stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  try {
    const fixture = await fixtureFromArgs(process.argv.slice(2));
    // As for the worker, VIPSYNC_SYNC_INTERVAL_SECONDS sets how often the connections sync.
    const syncIntervalSeconds = syncIntervalFromEnv();
    const onProcess = async (started: StackProcess) => {
      processes.push(started);
      await writeState({ status: 'starting' });
    };
    // VIPSYNC_DEV_PUSH_PATHS=false: changes reach the worker only through syncs (tests that sync by hand).
    const pushPaths = !/^(0|false|no|off)$/i.test(process.env.VIPSYNC_DEV_PUSH_PATHS ?? '');
    // The HTTP API and the console: VIPSYNC_HTTP_PORT, else any free port (printed, and in `dev status`).
    const servePort = Number(process.env.VIPSYNC_HTTP_PORT || '0');
    if (!Number.isInteger(servePort) || servePort < 0 || servePort > 65535) throw new Error(`VIPSYNC_HTTP_PORT="${process.env.VIPSYNC_HTTP_PORT}" is not a port (0-65535)`);
    stack = await startDevStack({ dir: devDir(), toolsDir: toolsDir(), fixture, log, temporalUi: true, syncIntervalSeconds, pushPaths, onProcess, servePort });
    // The demo data's contacts carry VIP groups: define their handling as `vipsync demo` does.
    if (process.argv.includes('--demo-contacts')) await defineDemoGroupsAt(stack.state.databaseUrl);
    await writeState({ status: 'ready', ...stack.state });
    log('dev stack ready');
    await stack.running;
    if (!stopping) {
      log('the worker stopped unexpectedly; stopping the dev stack');
      await stop('worker exit');
    }
  } catch (error) {
    log(`dev stack failed: ${(error as Error).stack ?? String(error)}`);
    await writeState({ status: 'failed', error: (error as Error).message });
    process.exit(1);
  }
}

await main();
