// The worker's Salesforce push path end to end: the Change Data Capture subscriber (gRPC against the
// emulator), its default handler (the connection's push workflow, which re-reads the named records
// by id) and its default reconciliation (a full sync, as `vipsync sync now --full`), through a real
// Temporal server and PostgreSQL.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionConfig } from '../crm/registry.js';
import type { SalesforceConnectionConfig } from '../crm/salesforce/config.js';
import type { Fixture } from '../emulators/fixture.js';
import { startPushPaths, type PushPaths } from '../worker/change-events.js';
import { changeEventChecks } from '../cli/commands/doctor-change-events.js';
import { pushStates } from '../sync/push-store.js';
import { pushWorkflowId } from '../workflows/contract.js';
import { startHarness, type Harness } from './harness.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/basic.json', import.meta.url), 'utf8')) as Fixture;
const ERIN = '003000000000002AAA';

let h: Harness;
let config: SalesforceConnectionConfig;

async function until(what: string, condition: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const level = async (email: string) => (await h.db.vip.findUnique({ where: { email } }))?.level ?? null;

beforeAll(async () => {
  h = await startHarness('push_path', fixture, { salesforceEmulator: { pubSub: { keepaliveMs: 300 } } });
  const base = h.config.connections.find((c) => c.id === h.salesforceId)!;
  config = connectionConfig.parse({
    ...base, changeEvents: { enabled: true, pubSubEndpoint: `http://${h.salesforce.changeEvents!.endpoint}` },
  }) as SalesforceConnectionConfig;
  await h.sync(h.salesforceId);
});

afterAll(async () => {
  await h?.client.workflow.getHandle(pushWorkflowId(h.salesforceId)).terminate().catch(() => {});
  await h?.close();
});

describe('the Salesforce push path in the worker', () => {
  it('an edit in Salesforce reaches the VIP list through the change event and the push workflow (no sync), then a lost position asks for a full sync', async () => {
    expect(await level('erin@globex.com')).toBe(2);
    const syncsBefore = await h.db.syncRun.count({ where: { connectionId: h.salesforceId } });
    let push: PushPaths = startPushPaths({ db: h.db, client: h.client, connections: [config], taskQueue: h.config.syncTaskQueue });
    expect(push.connectionIds).toEqual([h.salesforceId]);
    await until('both channels positioned', async () =>
      (await h.db.changeEventSubscription.findMany({ where: { connectionId: h.salesforceId, replayId: { not: null } } })).length === 2);

    const edited = Date.now();
    h.salesforce.records.update('Contact', ERIN, { VIP_Level__c: 5 });
    await until('the new level', async () => (await level('erin@globex.com')) === 5);
    const seconds = (Date.now() - edited) / 1000;
    expect(seconds).toBeLessThan(10);
    if (process.env.PUSH_PATH_TIMING) process.stderr.write(`edit to level: ${seconds.toFixed(2)} s\n`);
    // The push workflow applied it, read by id: no sync ran, and the push state counts the event.
    const pushWorkflow = await h.client.workflow.getHandle(pushWorkflowId(h.salesforceId)).describe();
    expect(pushWorkflow.type).toBe('pushChangesWorkflow');
    expect(await h.db.syncRun.count({ where: { connectionId: h.salesforceId } })).toBe(syncsBefore);
    const state = (await pushStates(h.db)).find((p) => p.connectionId === h.salesforceId)!;
    expect(state).toMatchObject({ eventsReceived: 1, notHandedOff: 0, recordsApplied: 1 });
    expect(state.lastAppliedAt!.getTime()).toBeGreaterThanOrEqual(edited - 1000);

    // A contact created, then deleted: each reaches the lookup through the push workflow too.
    const graceId = h.salesforce.records.create('Contact', { Email: 'grace@globex.com', LastName: 'Hopper', VIP_Level__c: 4 });
    await until('the created contact', async () => (await level('grace@globex.com')) === 4);
    h.salesforce.records.delete('Contact', graceId);
    // The record is marked in the activity's write, the person derived right after it.
    await until('the deleted contact no longer a level-4 VIP', async () => (await level('grace@globex.com')) !== 4);
    expect((await h.db.crmContact.findFirst({ where: { connectionId: h.salesforceId, crmId: graceId } }))?.deletedAt).not.toBeNull();
    expect(await h.db.syncRun.count({ where: { connectionId: h.salesforceId } })).toBe(syncsBefore);

    const checks = await changeEventChecks(h.db, [h.salesforceId], [config], () => 'just now');
    expect(checks.map((c) => [c.check, c.verdict])).toEqual([
      [`connection ${h.salesforceId}: change events /data/AccountChangeEvent`, 'ok'],
      [`connection ${h.salesforceId}: change events /data/ContactChangeEvent`, 'ok'],
    ]);
    expect(checks[1]!.detail).toMatch(/^subscribed; last event committed just now, handed on \d+\.\d s after its commit; replay id stored just now$/);

    // The worker is down longer than the retention: its stored positions are gone from the bus.
    await push.stop();
    h.salesforce.records.update('Contact', ERIN, { Title: 'changed while down' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    h.salesforce.changeEvents!.setRetention(5);
    const before = new Date();
    push = startPushPaths({ db: h.db, client: h.client, connections: [config], taskQueue: h.config.syncTaskQueue });
    await until('a full sync', async () =>
      (await h.db.syncRun.count({ where: { connectionId: h.salesforceId, startedAt: { gte: before }, mode: { contains: 'full' } } })) > 0);
    const audit = await h.db.auditLog.findMany({ where: { action: 'sync.reconcile', subject: h.salesforceId } });
    expect(audit.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(audit[0]!.details)).toMatch(/no longer in Salesforce's event bus/);
    const doctor = await changeEventChecks(h.db, [h.salesforceId], [config], () => 'just now');
    expect(doctor.some((c) => /full reconciliation asked just now: the stored replay id/.test(c.detail))).toBe(true);
    await push.stop();
    h.salesforce.changeEvents!.setRetention(72 * 3600 * 1000);
  });
});
