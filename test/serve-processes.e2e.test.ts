// `vipsync serve --processes 2` as an operator runs it: one port, two server processes, each with
// its own lookup cache. A write through the API is seen by the very next lookup whichever process
// answers it, and at shutdown every process writes its last audit entries.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../admin/tokens.js';
import { createDb, type Db } from '../db/client.js';
import { applyMigrations } from '../prisma/migrate.js';
import { freshDatabase } from './setup/database.js';

const BIN = new URL('../bin/vipsync.js', import.meta.url).pathname;
const PROBE = new URL('./fixtures/serve-cluster-probe.ts', import.meta.url).pathname;
const EMAIL = 'two.processes@example.com';

/** One request on a connection of its own, so the cluster hands each to the next process in turn. */
function request(url: string, method: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method, agent: false,
      headers: { authorization: `Bearer ${token}`, connection: 'close', ...(payload ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, json: text ? (JSON.parse(text) as Record<string, unknown>) : null }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The `vipsync serve` processes a process started (tsx may also run an esbuild service). */
async function childServers(parent: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (new RegExp(`^PPid:\\s+${parent}$`, 'm').test(status) && commandLine.split('\0').includes('serve')) pids.push(Number(entry));
  }
  return pids;
}

describe('vipsync serve --processes 2', () => {
  let db: Db;
  let server: ChildProcess;
  let url = '';
  let token = '';
  let stderr = '';
  let lookups = 0;

  const lookupAll = async (times: number) => {
    const answers = [];
    for (let i = 0; i < times; i += 1) {
      const answer = await request(`${url}/v1/lookup?email=${encodeURIComponent(EMAIL)}`, 'GET', token);
      expect(answer.status).toBe(200);
      answers.push({ isVip: answer.json!.isVip, level: answer.json!.level });
      lookups += 1;
    }
    return answers;
  };

  beforeAll(async () => {
    const databaseUrl = await freshDatabase('serve_processes');
    await applyMigrations(databaseUrl);
    db = createDb(databaseUrl);
    token = (await createToken(db, { name: 'cluster-test', scopes: ['lookup', 'vips:write'] }, { name: 'test', surface: 'cli' })).token;
    // Temporal is only needed by the sync and validate routes, which this test does not call.
    server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--processes', '2'], {
      env: { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: '127.0.0.1:1', VIPSYNC_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    url = await new Promise<string>((resolve, reject) => {
      server.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (http:\/\/\S+) \(2 processes/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      server.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    await db?.$disconnect();
  });

  it('runs two server processes behind one port', async () => {
    expect(await childServers(server.pid!)).toHaveLength(2);
  });

  it('a write through either process is seen by the next lookup in every process', async () => {
    // Both processes cache "not a VIP".
    expect(await lookupAll(4)).toEqual(Array(4).fill({ isVip: false, level: null }));

    expect((await request(`${url}/v1/vips`, 'POST', token, { email: EMAIL, level: 4 })).status).toBe(201);
    expect(await lookupAll(4)).toEqual(Array(4).fill({ isVip: true, level: 4 }));

    expect((await request(`${url}/v1/vips/${EMAIL}`, 'PATCH', token, { level: 2 })).status).toBe(200);
    expect(await lookupAll(4)).toEqual(Array(4).fill({ isVip: true, level: 2 }));

    expect((await request(`${url}/v1/vips/${EMAIL}`, 'DELETE', token)).status).toBe(204);
    expect(await lookupAll(4)).toEqual(Array(4).fill({ isVip: false, level: null }));
  });

  it('replaces a server process that dies', async () => {
    // Audit entries are written every 200 ms; SIGKILL would lose the ones still queued.
    await new Promise((r) => setTimeout(r, 1_000));
    const [victim, survivor] = await childServers(server.pid!);
    process.kill(victim!, 'SIGKILL');
    let servers: number[] = [];
    for (let waited = 0; waited < 60_000; waited += 200) {
      servers = await childServers(server.pid!);
      if (servers.length === 2 && !servers.includes(victim!)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(servers).toContain(survivor);
    expect(servers).toHaveLength(2);
    expect(servers).not.toContain(victim);
    expect(stderr).toContain('a server process died; starting another');
    // Answers keep coming, from the survivor and the new process alike (up once it listens).
    expect(await lookupAll(4)).toEqual(Array(4).fill({ isVip: false, level: null }));
  });

  it('stops on SIGTERM after every process has written its audit entries', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopping');
    expect(await db.auditLog.count({ where: { action: 'lookup', subject: EMAIL } })).toBe(lookups);
  });
});

describe('serve processes: cache invalidation between processes', () => {
  it('answers a write only after every other process has dropped its cached answers', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', PROBE], { timeout: 60_000 });
    const events = JSON.parse(stdout) as string[];
    // Workers 2 and 3 dropped their caches (in either order), worker 1 did not ask itself, and
    // the write was answered after both.
    expect(events.slice(0, 2).sort()).toEqual(['probe:cache-dropped by 2', 'probe:cache-dropped by 3']);
    expect(events.slice(2)).toEqual(['probe:write-answered by 1']);
  });
});
