// The embedded dev stack when its background process dies: `vipsync dev up` run as a person would,
// its supervisor killed with SIGKILL (no chance to stop anything), then `dev status`, `dev up` and
// `dev down` must see and stop what it left behind. Each step is a real `vipsync` process.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../cli/stack/processes.js';
import { startTemporalDevServer, type TemporalDevServer } from '../cli/stack/temporal.js';
import { runVipsync } from './cli-process.js';

const TOOLS = new URL('../.vipsync/tools', import.meta.url).pathname;

/** Pids of the processes whose command line contains `text` (what a person would find with ps). */
async function pidsRunningWith(text: string): Promise<number[]> {
  const { stdout } = await promisify(execFile)('ps', ['-A', '-o', 'pid=,args=']);
  return stdout.split('\n').flatMap((line) => {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    return match && match[2]!.includes(text) && !match[2]!.startsWith('ps ') ? [Number(match[1])] : [];
  });
}

async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return condition();
}

describe('vipsync dev: a supervisor killed with SIGKILL', () => {
  let home: string;
  const dev = () => join(home, 'dev');
  const temporalDb = () => join(dev(), 'temporal.db');
  // Every pid this test saw, so cleanup stops them even when an assertion fails halfway.
  const seen = new Set<number>();
  const vipsync = (...args: string[]) => runVipsync(args, { VIPSYNC_HOME: home, VIPSYNC_SYNC_INTERVAL_SECONDS: String(7 * 24 * 3600) });

  const stackPids = async () => {
    const state = JSON.parse(await readFile(join(dev(), 'state.json'), 'utf8')) as { pid: number; processes?: { what: string; pid: number }[] };
    const postgres = await postmasterPid(join(dev(), 'postgres'));
    const temporal = await pidsRunningWith(temporalDb());
    for (const pid of [state.pid, postgres, ...temporal]) if (pid) seen.add(pid);
    // What the state records is what really runs.
    expect(state.processes?.map((p) => [p.what, p.pid])).toEqual([['postgres', postgres], ['temporal', temporal[0]]]);
    return { supervisor: state.pid, postgres, temporal };
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'vipsync-dev-stack-'));
    await chmod(home, 0o755);
  });
  afterAll(async () => {
    await vipsync('dev', 'down');
    // Whatever an assertion that failed halfway left: the pids seen and anything on the stack's files.
    for (const pid of [...(await pidsRunningWith(temporalDb())), await postmasterPid(join(dev(), 'postgres'))]) if (pid) seen.add(pid);
    for (const pid of seen) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(home, { recursive: true, force: true });
  });

  it('dev status reports the PostgreSQL and Temporal it left, dev up replaces them (one Temporal per SQLite file), dev down stops them all', { timeout: 180_000 }, async () => {
    const up = await vipsync('dev', 'up', '--json');
    expect(up.code, up.stderr).toBe(0);
    // What it shows while starting is the stack's progress; the worker's JSON log stays in stack.log.
    expect(up.stderr.split('\n').filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    expect(await readFile(join(dev(), 'stack.log'), 'utf8')).toContain('"msg":"vipsync worker started"');
    // The stack serves the HTTP API and the console, and says where and with which token.
    const consoleLine = /VIP console at (http:\/\/127\.0\.0\.1:\d+\/console) \(sign in with token (vipsync_\S+)\)/.exec(up.stderr);
    expect(consoleLine, up.stderr).not.toBeNull();
    const signIn = await fetch(`${consoleLine![1]}/sign-in`);
    expect(signIn.status).toBe(200);
    expect(await signIn.text()).toContain('API token');
    const first = await stackPids();
    expect(first.postgres).toBeDefined();
    expect(first.temporal).toHaveLength(1);

    process.kill(first.supervisor, 'SIGKILL');
    expect(await waitUntil(() => !isProcessAlive(first.supervisor), 10_000)).toBe(true);
    expect(isProcessAlive(first.postgres!)).toBe(true);
    expect(isProcessAlive(first.temporal[0]!)).toBe(true);

    const status = await vipsync('dev', 'status');
    expect(status.code).not.toBe(0);
    expect(status.stdout).toContain('not running');
    expect(status.stdout).toContain(`PostgreSQL (pid ${first.postgres}`);
    expect(status.stdout).toContain(`Temporal (pid ${first.temporal[0]}`);
    expect(status.stdout).toContain('vipsync dev down');
    const statusJson = JSON.parse((await vipsync('dev', 'status', '--json')).stdout) as { running: boolean; leftBehind: { what: string; pid: number }[] };
    expect(statusJson.running).toBe(false);
    expect(statusJson.leftBehind.map((p) => [p.what, p.pid]).sort()).toEqual([['postgres', first.postgres], ['temporal', first.temporal[0]]].sort());

    // The next dev up stops what the dead one left before starting its own.
    const again = await vipsync('dev', 'up', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('left behind');
    const second = await stackPids();
    expect(isProcessAlive(first.postgres!)).toBe(false);
    expect(isProcessAlive(first.temporal[0]!)).toBe(false);
    expect(second.temporal).toHaveLength(1);
    expect(second.temporal[0]).not.toBe(first.temporal[0]);

    // The first run's log is kept beside the new one.
    expect(await readFile(join(dev(), 'stack.log.1'), 'utf8')).toContain(`Temporal dev server on`);
    expect(await readFile(join(dev(), 'stack.log'), 'utf8')).toContain('left behind');

    // Killed again: dev down stops everything, Temporal included.
    process.kill(second.supervisor, 'SIGKILL');
    expect(await waitUntil(() => !isProcessAlive(second.supervisor), 10_000)).toBe(true);
    const down = await vipsync('dev', 'down');
    expect(down.code, down.stderr).toBe(0);
    expect(isProcessAlive(second.postgres!)).toBe(false);
    expect(await waitUntil(() => !isProcessAlive(second.temporal[0]!), 5_000)).toBe(true);
    expect(await pidsRunningWith(temporalDb())).toEqual([]);
    const after = await vipsync('dev', 'status', '--json');
    expect(JSON.parse(after.stdout)).toEqual({ running: false });
  });
});

describe('startTemporalDevServer on a SQLite file', () => {
  let dir: string;
  let first: TemporalDevServer | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vipsync-temporal-db-'));
  });
  afterAll(async () => {
    await first?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start a second server on a file a running server uses, and names that server', async () => {
    const dbFile = join(dir, 'temporal.db');
    first = await startTemporalDevServer({ toolsDir: TOOLS, dbFile });
    await expect(startTemporalDevServer({ toolsDir: TOOLS, dbFile })).rejects.toThrow(
      new RegExp(`already running on ${dbFile}.*pid ${first.pid}`),
    );
    expect(await pidsRunningWith(dbFile)).toEqual([first.pid]);
    await first.stop();
    first = undefined;
    expect(existsSync(dbFile)).toBe(true);
  });
});
