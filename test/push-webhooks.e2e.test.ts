// HubSpot's push path end to end: the emulator's signed webhooks reach `vipsync serve`, the push
// workflow re-reads the records by id and re-derives those people, through a real Temporal server
// and a real Postgres. Forged and stale signatures, duplicates and events out of order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../server/main.js';
import { runVipsync } from './cli-process.js';
import { signWebhook } from '../emulators/hubspot/webhooks.js';
import { pushWorkflowId } from '../workflows/contract.js';
import { emptyFixture, hubspotContact } from './fixtures/build.js';
import { startPushHarness, WEBHOOK_SECRET, type PushHarness } from './push-harness.js';

const T0 = '2026-03-01T00:00:00.000Z';
let h: PushHarness;

function fixture() {
  const f = emptyFixture();
  f.hubspot.contacts = [1, 2, 3, 4, 5].map((n) => hubspotContact(500 + n, T0, { vip_level: '1' }));
  f.hubspot.companies = [{ id: '900', properties: { name: 'Globex', domain: 'globex.com', hs_lastmodifieddate: T0 }, createdAt: T0, updatedAt: T0, archived: false }];
  return f;
}

async function post(body: string, headers: Record<string, string>) {
  const response = await fetch(h.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, body: await response.json() as Record<string, unknown> };
}

function signed(body: string, timestamp = Date.now(), secret = WEBHOOK_SECRET) {
  return { 'x-hubspot-signature-v3': signWebhook('POST', h.webhookUrl, body, timestamp, secret), 'x-hubspot-request-timestamp': String(timestamp) };
}

const event = (eventId: number, objectId: string, extra: Record<string, unknown> = {}) => ({
  eventId, subscriptionId: 7, portalId: 1, appId: 1, occurredAt: Date.now(), subscriptionType: 'contact.propertyChange',
  attemptNumber: 0, objectId: Number(objectId), propertyName: 'vip_level', propertyValue: '5', changeSource: 'CRM_UI', ...extra,
});

beforeAll(async () => {
  h = await startPushHarness('push-webhooks', fixture());
  await h.sync(h.hubspotId);
  expect(await h.levelOf('person501@example.com')).toBe(1);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('HubSpot webhooks through Temporal and Postgres', () => {
  it('an edit in HubSpot reaches the VIP list within seconds, without a sync', async () => {
    const started = Date.now();
    await h.edit('contacts', '501', { vip_level: '5' });
    await h.until('person501 is level 5', async () => (await h.levelOf('person501@example.com')) === 5, 10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    const changes = await h.db.vipLevelChange.findMany({ where: { vip: { email: 'person501@example.com' } }, orderBy: { id: 'asc' } });
    expect(changes.at(-1)).toMatchObject({ newLevel: 5, actor: `push:${h.hubspotId}` });
  });

  it('forged and stale signatures are refused with 401 and audited, and nothing is applied', async () => {
    const body = JSON.stringify([event(900_001, '502')]);
    const forged = await post(body, signed(body, Date.now(), 'not-the-secret'));
    expect(forged.status).toBe(401);
    expect(forged.body.message).toMatch(/signature does not match/);
    const stale = await post(body, signed(body, Date.now() - 6 * 60_000));
    expect(stale.status).toBe(401);
    expect(stale.body.message).toMatch(/old/);
    const malformed = await post(body, { ...signed(body), 'x-hubspot-request-timestamp': 'soon' });
    expect(malformed.status).toBe(401);
    const tampered = await post(body.replace('502', '503'), signed(body));
    expect(tampered.status).toBe(401);
    const audited = await h.db.auditLog.findMany({ where: { action: 'webhook.rejected', subject: h.hubspotId } });
    expect(audited).toHaveLength(4);
    expect(audited.map((a) => (a.details as { reason: string }).reason).join('\n')).toMatch(/malformed/);
    expect(await h.db.pushEvent.count({ where: { connectionId: h.hubspotId, eventId: { startsWith: '7:900001' } } })).toBe(0);
    expect(await h.levelOf('person502@example.com')).toBe(1);
  });

  it('a delivery repeated (a retry, a duplicate) is handed off once', async () => {
    await h.emulatorCommand('PATCH', '/__emulator/records/contacts/502', { properties: { vip_level: '3' } });
    await h.until('person502 is level 3', async () => (await h.levelOf('person502@example.com')) === 3, 10_000);
    const body = JSON.stringify([event(900_002, '502', { propertyValue: '3' })]);
    const first = await post(body, signed(body));
    const again = await post(body, signed(body));
    expect(first).toEqual({ status: 200, body: { received: 1, duplicates: 0 } });
    expect(again).toEqual({ status: 200, body: { received: 0, duplicates: 1 } });
  });

  it('duplicated deliveries from HubSpot change the person once', async () => {
    h.hubspot.webhooks.configure({ duplicateEvery: 1 });
    try {
      await h.edit('contacts', '503', { vip_level: '4' });
      await h.until('person503 is level 4', async () => (await h.levelOf('person503@example.com')) === 4, 10_000);
      await h.hubspot.webhooks.drained();
      const state = await h.db.pushState.findUniqueOrThrow({ where: { connectionId: h.hubspotId } });
      expect(Number(state.duplicatesReceived)).toBeGreaterThanOrEqual(1);
      const changes = await h.db.vipLevelChange.findMany({ where: { vip: { email: 'person503@example.com' }, newLevel: 4 } });
      expect(changes).toHaveLength(1);
    } finally {
      h.hubspot.webhooks.configure({ duplicateEvery: 0 });
    }
  });

  it('events out of order end at the latest edit, and an older read never rolls a record back', async () => {
    h.hubspot.webhooks.configure({ reverseOrder: true, flushMs: 100 });
    try {
      await h.edit('contacts', '504', { vip_level: '2' });
      await h.edit('contacts', '504', { vip_level: '5' });
      await h.until('person504 is level 5', async () => (await h.levelOf('person504@example.com')) === 5, 10_000);
      await h.hubspot.webhooks.drained();
    } finally {
      h.hubspot.webhooks.configure({ reverseOrder: false, flushMs: 10 });
    }
    // What is stored is newer than what HubSpot answers (a write from later than this read): an
    // event for it re-reads the record, finds it older, and leaves it alone.
    const future = new Date(Date.now() + 3_600_000);
    await h.db.crmContact.update({ where: { connectionId_crmId: { connectionId: h.hubspotId, crmId: '504' } }, data: { crmModifiedAt: future, crmVipLevel: 5 } });
    const before = await h.db.pushState.findUniqueOrThrow({ where: { connectionId: h.hubspotId } });
    const body = JSON.stringify([event(900_003, '504', { propertyValue: '1' })]);
    await h.emulatorCommand('PATCH', '/__emulator/records/contacts/504', { properties: { vip_level: '1' } });
    await h.hubspot.webhooks.drained();
    expect((await post(body, signed(body))).status).toBe(200);
    await h.until('the stale read is skipped', async () =>
      (await h.db.pushState.findUniqueOrThrow({ where: { connectionId: h.hubspotId } })).staleReadsSkipped > before.staleReadsSkipped, 10_000);
    const stored = await h.db.crmContact.findUniqueOrThrow({ where: { connectionId_crmId: { connectionId: h.hubspotId, crmId: '504' } } });
    expect(stored.crmVipLevel).toBe(5);
    expect(stored.crmModifiedAt).toEqual(future);
    expect(await h.levelOf('person504@example.com')).toBe(5);
  });

  it('deletion, restore and merge arrive as webhooks', async () => {
    await h.emulatorCommand('DELETE', '/__emulator/records/contacts/501');
    await h.until('contact 501 is marked archived', async () =>
      (await h.db.crmContact.findUniqueOrThrow({ where: { connectionId_crmId: { connectionId: h.hubspotId, crmId: '501' } } })).deletionKind === 'archived', 10_000);
    await h.emulatorCommand('POST', '/__emulator/records/contacts/501/restore');
    await h.until('contact 501 is live again', async () =>
      (await h.db.crmContact.findUniqueOrThrow({ where: { connectionId_crmId: { connectionId: h.hubspotId, crmId: '501' } } })).deletedAt === null, 10_000);
    await h.emulatorCommand('POST', '/__emulator/records/contacts/502/merge-into/503');
    await h.until('contact 502 is marked merged into 503', async () => {
      const merged = await h.db.crmContact.findUniqueOrThrow({ where: { connectionId_crmId: { connectionId: h.hubspotId, crmId: '502' } } });
      return merged.deletionKind === 'merged' && merged.mergedIntoId === '503';
    }, 10_000);
    const workflow = await h.client.workflow.getHandle(pushWorkflowId(h.hubspotId)).describe();
    expect(workflow.status.name).toBe('RUNNING');
  });

  it('a contact moved to another company arrives as an association change', async () => {
    await h.emulatorCommand('PUT', '/__emulator/records/contacts/505/company/900');
    await h.until('contact 505 is at company 900', async () =>
      (await h.db.crmContact.findUniqueOrThrow({ where: { connectionId_crmId: { connectionId: h.hubspotId, crmId: '505' } } })).companyCrmId === '900', 10_000);
    await h.until('person505 works at Globex', async () => (await h.db.vip.findUnique({ where: { email: 'person505@example.com' } }))?.company === 'Globex', 10_000);
  });

  it('without Temporal a delivery is answered 503 (HubSpot delivers again) and handed off on the next delivery', async () => {
    const cut = await startApiServer({
      databaseUrl: h.databaseUrl, temporalAddress: '127.0.0.1:1', temporalNamespace: 'default', syncTaskQueue: h.config.syncTaskQueue, port: 0,
      connections: h.config.connections,
    });
    let counted: { eventsReceived: bigint; duplicatesReceived: bigint };
    try {
      const url = `${cut.url}/v1/webhooks/hubspot/${h.hubspotId}`;
      const body = JSON.stringify([event(900_004, '505', { propertyValue: '2' })]);
      const timestamp = Date.now();
      const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hubspot-request-timestamp': String(timestamp), 'x-hubspot-signature-v3': signWebhook('POST', url, body, timestamp, WEBHOOK_SECRET) }, body });
      expect(refused.status).toBe(503);
      counted = await h.db.pushState.findUniqueOrThrow({ where: { connectionId: h.hubspotId } });
      const recorded = await h.db.pushEvent.findUniqueOrThrow({ where: { connectionId_eventId: { connectionId: h.hubspotId, eventId: '7:900004' } } });
      expect(recorded.handedOffAt).toBeNull();
    } finally {
      await cut.close();
    }
    const body = JSON.stringify([event(900_004, '505', { propertyValue: '2' })]);
    expect(await post(body, signed(body))).toEqual({ status: 200, body: { received: 1, duplicates: 0 } });
    const handedOff = await h.db.pushEvent.findUniqueOrThrow({ where: { connectionId_eventId: { connectionId: h.hubspotId, eventId: '7:900004' } } });
    expect(handedOff.handedOffAt).not.toBeNull();
    // The event was counted when first recorded; delivered again, it is a duplicate in the counts.
    const after = await h.db.pushState.findUniqueOrThrow({ where: { connectionId: h.hubspotId } });
    expect(Number(after.eventsReceived)).toBe(Number(counted.eventsReceived));
    expect(Number(after.duplicatesReceived)).toBe(Number(counted.duplicatesReceived) + 1);
  });

  it('vipsync doctor reports the push path: on, when the last event came and was applied, the lag and the counts', async () => {
    const result = await runVipsync(['doctor', '--json'], {
      DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.config.temporalAddress, VIPSYNC_SYNC_TASK_QUEUE: h.config.syncTaskQueue,
      VIPSYNC_LOOKUP_TASK_QUEUE: h.config.lookupTaskQueue, VIPSYNC_CONNECTIONS: JSON.stringify(h.config.connections),
    });
    const checks = JSON.parse(result.stdout) as { check: string; verdict: string; detail: string }[];
    const push = checks.find((c) => c.check === `connection ${h.hubspotId}: push`);
    expect(push?.verdict).toBe('ok');
    expect(push?.detail).toMatch(/^on; last event received \d+ s ago, last applied \d+ s ago; lag \d+ ms .*duplicates, 4 refused requests/);
  });
});
