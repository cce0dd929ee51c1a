// The HubSpot emulator's webhooks, as HubSpot delivers them: signed (v3), batched up to 100 events a
// request, retried when not acknowledged, and the delivery faults real deliveries have.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyHubSpotSignature } from '../crm/hubspot/webhook-signature.js';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot.js';
import { emptyFixture, hubspotContact } from './fixtures/build.js';

interface Delivery { events: Record<string, unknown>[]; signatureOk: boolean }

let receiver: Server | undefined;
let emulator: HubSpotEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  receiver = emulator = undefined;
});

/** A target that answers 500 to its first `failFirst` requests, and records the others. */
async function startReceiver(failFirst = 0): Promise<{ url: string; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  let requests = 0;
  receiver = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      requests++;
      if (requests <= failFirst) return response.writeHead(500).end();
      const url = `http://127.0.0.1:${(receiver!.address() as AddressInfo).port}${request.url}`;
      const verdict = verifyHubSpotSignature({
        method: 'POST', url, body, signature: request.headers['x-hubspot-signature-v3'] as string, timestamp: request.headers['x-hubspot-request-timestamp'] as string,
      }, 'secret');
      deliveries.push({ events: JSON.parse(body), signatureOk: verdict.ok });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, deliveries };
}

async function start(contacts: number, webhooks: object) {
  const f = emptyFixture();
  f.hubspot.contacts = Array.from({ length: contacts }, (_, i) => hubspotContact(100 + i, '2026-03-01T00:00:00.000Z'));
  emulator = await startHubSpotEmulator({ data: f.hubspot, accessToken: 't', rateLimits: false, webhooks });
  return emulator;
}

async function editAll(e: HubSpotEmulator, contacts: number, level: string) {
  const edits = Array.from({ length: contacts }, (_, i) => ({ id: String(100 + i), properties: { vip_level: level } }));
  const response = await fetch(`${e.url}/__emulator/records/contacts`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ edits }) });
  expect(response.status).toBe(200);
}

describe('HubSpot emulator webhooks', () => {
  it('250 changes go as signed requests of at most 100 events each, every event once', async () => {
    const { url, deliveries } = await startReceiver();
    const e = await start(250, { targetUrl: url, clientSecret: 'secret' });
    await editAll(e, 250, '3');
    await e.webhooks.drained();
    expect(deliveries.every((d) => d.signatureOk)).toBe(true);
    expect(Math.max(...deliveries.map((d) => d.events.length))).toBe(100);
    const events = deliveries.flatMap((d) => d.events);
    expect(events).toHaveLength(250);
    expect(new Set(events.map((ev) => ev.eventId)).size).toBe(250);
    expect(events[0]).toMatchObject({ subscriptionType: 'contact.propertyChange', propertyName: 'vip_level', propertyValue: '3', objectId: 100, attemptNumber: 0 });
  });

  it('a delivery that fails is retried with its attempt number until acknowledged', async () => {
    const { url, deliveries } = await startReceiver(2);
    const e = await start(1, { targetUrl: url, clientSecret: 'secret', retryDelaysMs: [20, 20, 20] });
    await editAll(e, 1, '4');
    await e.webhooks.drained();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.events[0]).toMatchObject({ attemptNumber: 2 });
    expect(e.webhooks.stats()).toMatchObject({ failedAttempts: 2, delivered: 1, dropped: 0 });
  });

  it('after the last retry the events are given up', async () => {
    const { url } = await startReceiver(100);
    const e = await start(1, { targetUrl: url, clientSecret: 'secret', retryDelaysMs: [10, 10] });
    await editAll(e, 1, '4');
    await e.webhooks.drained();
    expect(e.webhooks.stats()).toMatchObject({ failedAttempts: 3, delivered: 0, dropped: 1 });
  });

  it('faults: every event twice, and each request newest first', async () => {
    const { url, deliveries } = await startReceiver();
    const e = await start(3, { targetUrl: url, clientSecret: 'secret', duplicateEvery: 1, reverseOrder: true, flushMs: 50 });
    await editAll(e, 3, '2');
    await new Promise((r) => setTimeout(r, 120));
    await e.webhooks.drained();
    const ids = deliveries.flatMap((d) => d.events.map((ev) => ev.eventId as number));
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(3);
    expect(deliveries[0]!.events.map((ev) => ev.eventId)).toEqual([3, 2, 1]);
  });
});
