// The push path under stress, through a real Temporal server and a real Postgres, with the worker
// in a process of its own: a storm of 10,000 webhook events (all applied, the workflow continuing
// as new, the worker's memory bounded) and the worker killed while events arrive (nothing lost).
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { PUSH_WORKFLOW_TYPE, pushWorkflowId } from '../workflows/contract.js';
import { emptyFixture, hubspotContact } from './fixtures/build.js';
import { peakRssMb, startPushHarness, startWorkerProcess, type PushHarness } from './push-harness.js';

const T0 = '2026-03-01T00:00:00.000Z';

function fixture(contacts: number) {
  const f = emptyFixture();
  f.hubspot.contacts = Array.from({ length: contacts }, (_, i) => hubspotContact(10_000 + i, T0, { vip_level: '1' }));
  return f;
}

/** How many of the contacts hold `level` as their stored CRM level. */
async function atLevel(h: PushHarness, level: number): Promise<number> {
  return h.db.crmContact.count({ where: { connectionId: h.hubspotId, crmVipLevel: level, deletedAt: null } });
}

const workers: ChildProcess[] = [];
const harnesses: PushHarness[] = [];
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  for (const h of harnesses) await h.close();
});

describe('the push path under stress', () => {
  it('a storm of 10,000 webhook events is applied in full, with the workflow continuing as new and bounded memory', async () => {
    const CONTACTS = 2_000;
    const h = await startPushHarness('push-storm', fixture(CONTACTS), { noWorker: true, emulatorRateLimits: false });
    harnesses.push(h);
    const worker = await startWorkerProcess(h);
    workers.push(worker);
    await h.sync(h.hubspotId);
    // Small run limits, so a storm this size goes through several runs.
    const first = await h.client.workflow.start(PUSH_WORKFLOW_TYPE, {
      workflowId: pushWorkflowId(h.hubspotId), taskQueue: h.config.syncTaskQueue,
      args: [{ connectionId: h.hubspotId, runLimits: { signals: 20, applies: 10 } }],
    });
    // Five edits of every contact: 10,000 property changes, the last one setting level 4.
    for (const level of [2, 3, 5, 2, 4]) {
      const edits = Array.from({ length: CONTACTS }, (_, i) => ({ id: String(10_000 + i), properties: { vip_level: String(level) } }));
      await h.emulatorCommand('PATCH', '/__emulator/records/contacts', { edits });
    }
    await h.hubspot.webhooks.drained();
    expect(h.hubspot.webhooks.stats()).toMatchObject({ eventsQueued: 10_000, delivered: 10_000, dropped: 0 });
    await h.until('every contact is at level 4', async () => (await atLevel(h, 4)) === CONTACTS, 120_000);
    await h.until('every person is level 4', async () => (await h.db.vip.count({ where: { level: 4 } })) === CONTACTS, 60_000);
    expect(await h.db.pushEvent.count({ where: { connectionId: h.hubspotId } })).toBe(10_000);
    const state = await h.db.pushState.findUniqueOrThrow({ where: { connectionId: h.hubspotId } });
    // Each event is counted once: a delivery the emulator timed out on a loaded machine is sent
    // again, as HubSpot does, and its events count as duplicates, not as new ones.
    expect(Number(state.eventsReceived)).toBe(10_000);
    // The run the storm started in handed over to later ones (its history stays small).
    const current = await h.client.workflow.getHandle(pushWorkflowId(h.hubspotId)).describe();
    expect(current.runId).not.toBe(first.firstExecutionRunId);
    const rss = await peakRssMb(worker.pid!);
    console.log(`storm: worker peak RSS ${rss.toFixed(0)} MB`);
    expect(rss).toBeLessThan(700);
  }, 300_000);

  it('a worker killed while events arrive loses nothing: the events wait in Temporal for the next worker', async () => {
    const CONTACTS = 300;
    const h = await startPushHarness('push-kill', fixture(CONTACTS), { noWorker: true });
    harnesses.push(h);
    let worker = await startWorkerProcess(h);
    workers.push(worker);
    await h.sync(h.hubspotId);
    // Edits at 100 a second for 3 seconds; the worker dies with SIGKILL after one.
    const editing = (async () => {
      for (let i = 0; i < CONTACTS; i++) {
        await h.edit('contacts', String(10_000 + i), { vip_level: '5' });
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 1_000));
    worker.kill('SIGKILL');
    await editing;
    await h.hubspot.webhooks.drained();
    // Every delivery was acknowledged although no worker ran: the hand-off is to Temporal.
    expect(h.hubspot.webhooks.stats()).toMatchObject({ delivered: CONTACTS, dropped: 0 });
    expect(await atLevel(h, 5)).toBeLessThan(CONTACTS);
    worker = await startWorkerProcess(h);
    workers.push(worker);
    await h.until('every contact is at level 5', async () => (await atLevel(h, 5)) === CONTACTS, 90_000);
    await h.until('every person is level 5', async () => (await h.db.vip.count({ where: { level: 5 } })) === CONTACTS, 30_000);
  }, 240_000);
});
