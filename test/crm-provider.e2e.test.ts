// Adding a CRM is one folder and one registry line: a fake third CRM whose provider lives in
// test/fixtures/fake-crm/ (configuration, client, facts) is registered at run time, the way a line
// in crm/registry.ts registers one, and then configured, synced through the real worker and
// Temporal into PostgreSQL, and derived into VIPs with its own field names, with no other change.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { loadConfig } from '../config/environment.js';
import type { CrmProvider } from '../crm/provider.js';
import { registerCrmProvider } from '../crm/registry.js';
import { createDb, type Db } from '../db/client.js';
import { applyMigrations } from '../prisma/migrate.js';
import { ensureSyncSchedules, triggerSync, waitForSync } from '../sync/schedules.js';
import { createVipsyncWorkers, runWorkers } from '../worker/workers.js';
import { fakeRecords } from './fixtures/fake-crm/client.js';
import { fakeProvider } from './fixtures/fake-crm/provider.js';
import { freshDatabase } from './setup/database.js';

describe('a third CRM from one folder', () => {
  let db: Db;
  let workers: Worker[];
  let running: Promise<void>;
  let nativeConnection: NativeConnection;
  let clientConnection: Connection;
  let client: Client;
  const taskQueue = `sync-fake-crm-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    registerCrmProvider(fakeProvider as unknown as CrmProvider);
    const modified = new Date('2026-03-01T00:00:00Z');
    fakeRecords.companies = [
      { crmId: 'co-1', name: 'Initrode', domain: 'initrode.example', modifiedAt: modified, properties: { revenueUsd: '2000000000', headcount: '5000', segment: 'Enterprise' } },
    ];
    const contact = (crmId: string, email: string, extra: Partial<(typeof fakeRecords.contacts)[number]>) => ({
      crmId, email, firstName: 'Pat', lastName: crmId, title: null, phone: null, companyCrmId: 'co-1', ownerId: null,
      explicitVipLevel: null, modifiedAt: modified, properties: {}, ...extra,
    });
    fakeRecords.contacts = [
      contact('p-1', 'ada@initrode.example', { explicitVipLevel: '4' }),
      contact('p-2', 'bob@initrode.example', { title: 'Chief Executive Officer' }),
      contact('p-3', 'carol@initrode.example', {}),
    ];
    const databaseUrl = await freshDatabase('fake_crm');
    await applyMigrations(databaseUrl);
    db = createDb(databaseUrl);
    nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
    clientConnection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection: clientConnection });
  });
  afterAll(async () => {
    await client?.schedule.getHandle('vipsync-sync-schedule-pipedream').delete().catch(() => {});
    for (const w of workers ?? []) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    await clientConnection?.close();
    await nativeConnection?.close();
    await db?.$disconnect();
  });

  it('is configured by its own shorthand variable, with every connection default', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://x@localhost/x', PIPEDREAM_API_KEY: 'pd-123' });
    expect(config.connections).toEqual([{
      id: 'pipedream', system: 'pipedream', apiKey: 'pd-123', baseUrl: 'https://api.pipedream-crm.example', intervalSeconds: 900,
      maxApiUsagePercent: 90, vanishGuard: { maxShare: 0.05, maxRecords: 100 }, push: { enabled: false },
    }]);
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://x@localhost/x', VIPSYNC_CONNECTIONS: '[{"id":"pd","system":"pipedream"}]' }))
      .toThrow('VIPSYNC_CONNECTIONS[0].apiKey');
  });

  it('is synced by the real worker and derived into VIPs with its own field names', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://x@localhost/x', PIPEDREAM_API_KEY: 'pd-123' });
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./workflows/probe.ts', import.meta.url)), logger: new DefaultLogger('WARN'),
    });
    workers = await createVipsyncWorkers({
      connection: nativeConnection, db, workflowBundle,
      config: { temporalNamespace: 'default', syncTaskQueue: taskQueue, lookupTaskQueue: `${taskQueue}-lookup`, connections: config.connections },
    });
    running = runWorkers(workers);
    await ensureSyncSchedules(client, config.connections, taskQueue);
    const summary = await waitForSync(client, await triggerSync(client, 'pipedream'));
    expect(summary).toMatchObject({ status: 'succeeded', created: 4, quarantined: 0 });

    expect(await db.crmConnection.findUniqueOrThrow({ where: { id: 'pipedream' } })).toMatchObject({
      system: 'pipedream', baseUrl: 'https://api.pipedream-crm.example',
    });
    const vip = (email: string) => db.vip.findUniqueOrThrow({ where: { email } });
    // Its explicit level field, named as the provider names it.
    expect(await vip('ada@initrode.example')).toMatchObject({ level: 4, validated: true, validatedBy: ['pipedream'] });
    expect((await vip('ada@initrode.example')).levelReason).toBe('Pipedream vipTier = 4 on contact p-1 (connection pipedream)');
    // Its company fields feed the rules: revenue over $1B makes the CEO a strategic executive.
    expect(await vip('bob@initrode.example')).toMatchObject({ level: 5 });
    expect((await vip('bob@initrode.example')).levelReason).toContain('strategic-executive');
    // Its account type field too: an Enterprise account makes anyone there level 2.
    expect(await vip('carol@initrode.example')).toMatchObject({ level: 2 });
    expect((await vip('carol@initrode.example')).levelReason).toContain('strategic-account');
    const refs = await db.vipCrmRef.findMany({ where: { connectionId: 'pipedream' } });
    expect(refs.map((r) => r.system)).toEqual(['pipedream', 'pipedream', 'pipedream']);
  });
});
