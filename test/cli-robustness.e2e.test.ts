// The CLI and the API server when things around them go wrong, as a new user meets it: a listing
// piped into a command that stops reading, Temporal going away while `sync now --wait` waits, the
// database going away under `vipsync serve`, and the demo's output. Each is a real `vipsync` process.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../cli/stack/postgres.js';
import { isProcessAlive } from '../cli/stack/processes.js';
import { applyMigrations } from '../prisma/migrate.js';
import { runVipsync } from './cli-process.js';
import { freshDatabase } from './setup/database.js';

const BIN = new URL('../bin/vipsync.js', import.meta.url).pathname;
const FIXTURE = new URL('./fixtures/basic.json', import.meta.url).pathname;
// A line of a Node stack trace, as printed for an uncaught error.
const STACK_FRAME = /^\s+at .+\(.+:\d+:\d+\)$/m;

/** Runs `vipsync ARGS | READER` through bash; gives vipsync's own exit status and stderr. */
async function pipedInto(reader: string, args: string[], env: Record<string, string>): Promise<{ status: number; stderr: string }> {
  const script = `"${process.execPath}" "${BIN}" ${args.join(' ')} 2>"$ERR" | ${reader}; echo "\${PIPESTATUS[0]}"`;
  const dir = await mkdtemp(join(tmpdir(), 'vipsync-pipe-'));
  try {
    const errFile = join(dir, 'stderr');
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { env: { ...process.env, ...env, ERR: errFile }, timeout: 60_000 });
    return { status: Number(stdout.trim().split('\n').at(-1)), stderr: await readFile(errFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('vipsync listings piped into a reader that stops early', () => {
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await freshDatabase('cli robustness pipe');
    await applyMigrations(databaseUrl);
  });

  it.each([
    ['vip list --all', ['vip', 'list', '--all']],
    ['audit', ['audit']],
  ])('`vipsync %s | true` exits 0 without an EPIPE stack trace', async (_name, args) => {
    // `true` reads nothing and exits at once: every write vipsync makes meets a closed pipe.
    const result = await pipedInto('true', args, { DATABASE_URL: databaseUrl });
    expect(result.stderr).not.toMatch(/EPIPE/);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.status).toBe(0);
  });

  it('`vipsync audit | head -1` shows the first line and exits 0', async () => {
    const result = await pipedInto('head -1 >/dev/null', ['audit'], { DATABASE_URL: databaseUrl });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('vipsync sync now --wait when Temporal goes away', () => {
  let home: string;
  let supervisor: number | undefined;
  const env = () => ({ VIPSYNC_HOME: home, VIPSYNC_SYNC_INTERVAL_SECONDS: String(7 * 24 * 3600) });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'vipsync-sync-wait-'));
    await chmod(home, 0o755);
  });
  afterAll(async () => {
    if (supervisor && isProcessAlive(supervisor)) process.kill(supervisor, 'SIGCONT');
    await runVipsync(['dev', 'down'], env());
    await rm(home, { recursive: true, force: true });
  });

  it('ends with exit code 1 and a message saying what failed, that the sync may still run and what to do', { timeout: 150_000 }, async () => {
    const up = await runVipsync(['dev', 'up', '--fixture', FIXTURE, '--json'], env());
    expect(up.code, up.stderr).toBe(0);
    const state = JSON.parse(up.stdout) as { pid: number; temporalAddress: string };
    supervisor = state.pid;
    const temporalPort = state.temporalAddress.split(':')[1];
    const { stdout: ps } = await promisify(execFile)('ps', ['-A', '-o', 'pid=,args=']);
    const temporalPid = Number(ps.split('\n').find((l) => l.includes('start-dev') && l.includes(`--port ${temporalPort}`))?.trim().split(/\s+/)[0]);
    expect(temporalPid).toBeGreaterThan(0);

    // The worker lives in the supervisor: stopped, it takes no task, so the syncs stay running.
    process.kill(state.pid, 'SIGSTOP');
    const sync: ChildProcess = spawn(process.execPath, [BIN, 'sync', 'now', '--wait'], { env: { ...process.env, ...env() } });
    let stderr = '';
    sync.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => sync.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/sync of salesforce started/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toMatch(/sync of hubspot started/);
      await new Promise((r) => setTimeout(r, 500)); // now waiting on both
      process.kill(temporalPid, 'SIGKILL');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 90_000))]);
      expect(code, stderr).toBe(1);
    } finally {
      if (sync.exitCode === null) sync.kill('SIGKILL');
      process.kill(state.pid, 'SIGCONT');
    }
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(stderr).not.toMatch(/Channel has been shut down\n/);
    const message = stderr.split('\n').filter((line) => line.startsWith('vipsync: '));
    expect(message).toHaveLength(1);
    expect(message[0]).toMatch(new RegExp(`lost Temporal at ${state.temporalAddress}`));
    expect(message[0]).toMatch(/may still be running/);
    expect(message[0]).toMatch(/vipsync sync status/);
  });
});

describe('vipsync serve when its database goes away', () => {
  let scratch: string;
  let cluster: PostgresCluster | undefined;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'vipsync-health-'));
    await chmod(scratch, 0o711); // as root, PostgreSQL runs as `postgres` and must enter it
  });
  afterAll(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    await cluster?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('/health answers 200 while the database answers, then 503 with a short message, fast and without a token', { timeout: 90_000 }, async () => {
    cluster = await startPostgres({ dataDir: join(scratch, 'pg') });
    const databaseUrl = await cluster.createDatabase('health');
    await applyMigrations(databaseUrl);
    server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: '127.0.0.1:1' },
    });
    let stderr = '';
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const deadline = Date.now() + 60_000;
    while (!/listening on (http:\S+)/.test(stderr) && server.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const url = /listening on (http:\S+)/.exec(stderr)?.[1];
    expect(url, stderr).toBeDefined();

    const healthy = await fetch(`${url}/health`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toEqual({ status: 'ok' });

    await cluster.stop();
    cluster = undefined;
    const started = Date.now();
    const sick = await fetch(`${url}/health`);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sick.status).toBe(503);
    const body = (await sick.json()) as { status: string; message: string };
    expect(body.status).toBe('unavailable');
    expect(body.message).toMatch(/database/);
    expect(body.message.length).toBeLessThan(200);
  });
});

describe('vipsync demo', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'vipsync-demo-test-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('keeps its output human: the worker\'s JSON logs go to a log file it names, their warnings in one line', { timeout: 120_000 }, async () => {
    const demo = await runVipsync(['demo', '--contacts', '40'], { VIPSYNC_HOME: home }, 110_000);
    expect(demo.code, demo.stderr).toBe(0);
    const lines = `${demo.stdout}\n${demo.stderr}`.split('\n');
    expect(lines.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    const logFile = join(home, 'demo.log');
    expect(demo.stderr).toContain(`worker log: ${logFile}`);
    // The demo serves the VIP console while it runs and says where (and with which token).
    expect(demo.stderr).toMatch(/VIP console at http:\/\/127\.0\.0\.1:\d+\/console \(sign in with token vipsync_\S+\)/);
    const log = await readFile(logFile, 'utf8');
    expect(log).toContain('"msg":"vipsync worker started"');
    // The triage example looks up "not-an-address" on purpose: the worker warns about that activity.
    const summary = demo.stderr.split('\n').filter((line) => /warning/.test(line));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatch(/lookupVip/);
    expect(summary[0]).toContain(logFile);
  });
});
