// The subscriber's process killed (SIGKILL) while change events arrive: the next process resumes
// from the replay id stored after the last batch that was handled, so every change is handed on at
// least once, and only a batch in flight at the kill comes twice.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../db/client.js';
import { connectionConfig } from '../crm/registry.js';
import type { SalesforceConnectionConfig } from '../crm/salesforce/config.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce.js';
import { applyMigrations } from '../prisma/migrate.js';
import { registerConnections } from '../sync/connections.js';
import { freshDatabase } from './setup/database.js';

const CHILD = new URL('./change-events-child.ts', import.meta.url).pathname;
const EDITS = 150;
const BATCH = 10;

let db: Db;
let databaseUrl: string;
let salesforce: SalesforceEmulator;
let config: SalesforceConnectionConfig;
let dir: string;
const children: ChildProcess[] = [];

function startChild(out: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, DATABASE_URL: databaseUrl, CHANGE_EVENTS_CONFIG: JSON.stringify(config), CHANGE_EVENTS_OUT: out, VIPSYNC_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`the subscriber process exited (${code}) before starting`)));
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function batches(out: string): Promise<string[][]> {
  const text = await readFile(out, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]);
}

beforeAll(async () => {
  databaseUrl = await freshDatabase('change_events_kill');
  await applyMigrations(databaseUrl);
  db = createDb(databaseUrl);
  salesforce = await startSalesforceEmulator({ data: { Account: [], Contact: [] }, clientId: 'kill-client', clientSecret: 'kill-secret', pubSub: { keepaliveMs: 200 } });
  config = connectionConfig.parse({
    id: 'sf-kill', system: 'salesforce', loginUrl: salesforce.url, clientId: 'kill-client', clientSecret: 'kill-secret',
    changeEvents: { enabled: true, pubSubEndpoint: `http://${salesforce.changeEvents!.endpoint}`, channels: ['/data/ContactChangeEvent'], batchSize: BATCH },
  }) as SalesforceConnectionConfig;
  await registerConnections(db, [config]);
  dir = await mkdtemp(join(tmpdir(), 'vipsync-cdc-kill-'));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await salesforce?.close();
  await db?.$disconnect();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a subscriber process killed while change events arrive', () => {
  it('loses nothing: the next process resumes after the last stored replay id', { timeout: 120_000 }, async () => {
    const out = join(dir, 'handed.jsonl');
    const first = await startChild(out);
    await until('a position', async () => !!(await db.changeEventSubscription.findFirst({ where: { connectionId: config.id, replayId: { not: null } } })));

    const created: string[] = [];
    let killed = false;
    for (let i = 0; i < EDITS; i++) {
      created.push(salesforce.records.create('Contact', { LastName: `Person ${i}`, Email: `person${i}@example.com` }));
      if (!killed && (await batches(out)).length >= 3) {
        first.kill('SIGKILL');
        killed = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(killed).toBe(true);
    await new Promise<void>((resolve) => (first.exitCode !== null || first.signalCode ? resolve() : first.once('exit', () => resolve())));
    const beforeRestart = (await batches(out)).flat();
    expect(beforeRestart.length).toBeLessThan(EDITS);

    const second = await startChild(out);
    await until('every creation handed on', async () => new Set((await batches(out)).flat()).size === EDITS);
    second.kill('SIGTERM');

    const handed = (await batches(out)).flat();
    expect(new Set(handed)).toEqual(new Set(created));
    // At least once: only what was in flight at the kill (one batch) may come twice.
    expect(handed.length - EDITS).toBeLessThanOrEqual(BATCH);
    expect((await batches(out)).every((batch) => batch.length <= BATCH)).toBe(true);
  });
});
