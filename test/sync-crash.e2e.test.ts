// Crash safety: a worker killed in the middle of a sync, and Postgres restarting under a sync. In
// both cases the sync finishes and the database equals the CRM's truth exactly: nothing lost,
// nothing counted twice.
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../cli/stack/postgres.js';
import type { Fixture } from '../emulators/fixture.js';
import { triggerSync, waitForSync } from '../sync/schedules.js';
import { emptyFixture, hubspotContact, spreadTimes } from './fixtures/build.js';
import { startWorkerProcess } from './cli-process.js';
import { startHarness, type Harness } from './harness.js';

const CONTACTS = 8_000;

function fixture(): Fixture {
  const f = emptyFixture();
  f.hubspot.contacts = spreadTimes('2026-03-01T00:00:00.000Z', CONTACTS).map((t, i) => hubspotContact(70_000 + i, t));
  return f;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


const storedIds = async (h: Harness) =>
  (await h.db.crmContact.findMany({ where: { connectionId: h.hubspotId, deletedAt: null }, select: { crmId: true } }))
    .map((c) => c.crmId).sort();
const truthIds = (f: Fixture) => f.hubspot.contacts.map((c) => c.id).sort();

describe('a worker killed in the middle of a sync', () => {
  let h: Harness;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await h?.close();
  });

  it('is replaced by another that finishes the sync with nothing lost or counted twice', { timeout: 240_000 }, async () => {
    const data = fixture();
    h = await startHarness('sync_crash_worker', data, { noWorker: true, emulatorRateLimits: false });
    // Slow pages, so the kill lands between two of them rather than after the last.
    h.hubspot.faults({ delayMs: 40 });
    const first = await startWorkerProcess(h);
    children.push(first);
    const workflowId = await triggerSync(h.client, h.hubspotId);
    await until('some contact pages are committed', async () => (await h.db.crmContact.count()) >= 500);
    first.kill('SIGKILL');
    const committedAtKill = await h.db.crmContact.count();
    expect(committedAtKill).toBeLessThan(CONTACTS);

    children.push(await startWorkerProcess(h));
    h.hubspot.faults({});
    const summary = await waitForSync(h.client, workflowId);
    expect(summary).toMatchObject({ fetched: CONTACTS, created: CONTACTS, updated: 0, unchanged: 0, quarantined: 0 });
    expect(await storedIds(h)).toEqual(truthIds(data));
  });
});

describe('Postgres restarting under a sync', () => {
  let h: Harness;
  let cluster: PostgresCluster;
  afterAll(async () => {
    await h?.close();
    await cluster?.stop();
  });

  it('holds the sync back until the database is back, then finishes it exactly', { timeout: 240_000 }, async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'vipsync-restart-')), 'pg');
    await chmod(join(dataDir, '..'), 0o755);
    cluster = await startPostgres({ dataDir, keepData: true });
    const databaseUrl = await cluster.createDatabase('vipsync_restart');
    const data = fixture();
    h = await startHarness('sync_crash_pg', data, { databaseUrl, emulatorRateLimits: false });
    h.hubspot.faults({ delayMs: 40 });
    const workflowId = await triggerSync(h.client, h.hubspotId);
    await until('some contact pages are committed', async () => (await h.db.crmContact.count()) >= 500);

    const port = cluster.port;
    await cluster.stop();
    await new Promise((r) => setTimeout(r, 2_000));
    cluster = await startPostgres({ dataDir, port, keepData: true });
    h.hubspot.faults({});

    const summary = await waitForSync(h.client, workflowId);
    expect(summary).toMatchObject({ fetched: CONTACTS, created: CONTACTS, updated: 0, quarantined: 0 });
    expect(await storedIds(h)).toEqual(truthIds(data));
  });
});
