// HubSpot's search API returns at most 10,000 results per query. An incremental sync must still
// take every changed record exactly once: each query starts at the last instant read (leaving out
// the ids read at it), and an instant shared by more records than that is walked by id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from '../emulators/fixture.js';
import { emptyFixture, hubspotContact, spreadTimes } from './fixtures/build.js';
import { SYNC_WORKFLOW_TYPE, syncScheduleId, type SyncConnectionInput } from '../workflows/contract.js';
import { waitForSync } from '../sync/schedules.js';
import { startHarness, type Harness } from './harness.js';

const CONTACTS = 25_000;

describe('incremental HubSpot sync past the search cap of 10,000 results', () => {
  let h: Harness;
  let fixture: Fixture;

  const firstNames = async () =>
    new Map((await h.db.crmContact.findMany({ select: { crmId: true, firstName: true } })).map((c) => [c.crmId, c.firstName]));

  beforeAll(async () => {
    fixture = emptyFixture();
    const times = spreadTimes('2026-01-01T00:00:00.000Z', CONTACTS);
    fixture.hubspot.contacts = times.map((t, i) => hubspotContact(1000 + i, t));
    h = await startHarness('sync_slicing', fixture, {
      emulatorRateLimits: false,
      hubspotRateLimit: { requestsPerTenSeconds: 10_000, searchRequestsPerSecond: 100 },
      // A short overlap keeps each scenario's reads to its own changes; a tiny activity budget makes
      // every syncObjects call one page.
      syncTuning: { overlapMs: 1_000, activityBudgetMs: 1 },
    });
    // Four calls a workflow run, so the full walk (tens of pages) outgrows one run many times. It is
    // started directly, so the schedule is paused meanwhile: a scheduled run must not walk beside it.
    const schedule = h.client.schedule.getHandle(syncScheduleId(h.hubspotId));
    await schedule.pause('sync-slicing: full sync started directly');
    const handle = await h.client.workflow.start(SYNC_WORKFLOW_TYPE, {
      taskQueue: h.config.syncTaskQueue,
      workflowId: `sync-slicing-full-${Date.now()}`,
      args: [{ connectionId: h.hubspotId, trigger: 'manual', callsPerRun: 4 } satisfies SyncConnectionInput],
    });
    expect(await waitForSync(h.client, handle.workflowId)).toMatchObject({ mode: 'companies:full contacts:full', created: CONTACTS, fetched: CONTACTS });
    // The walk went on in new runs of the same workflow, and still counted every record once.
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
    await schedule.unpause();
  }, 300_000);
  afterAll(async () => {
    await h?.close();
  });

  let changed: Fixture;
  let lastChange: number;

  it('takes 25,000 changes with distinct times in one window, each exactly once', { timeout: 300_000 }, async () => {
    changed = structuredClone(fixture);
    // 25,000 distinct instants, one millisecond apart, all after what the last sync saw.
    const state = await h.db.syncState.findFirstOrThrow({ where: { connectionId: h.hubspotId, objectType: 'contacts' } });
    const base = state.watermark!.getTime() + 1;
    changed.hubspot.contacts.forEach((c, i) => {
      c.properties.firstname = `Renamed${i}`;
      c.properties.lastmodifieddate = new Date(base + i).toISOString();
    });
    lastChange = base + CONTACTS;
    h.hubspot.load(changed.hubspot);
    const searchesBefore = h.hubspot.stats().searchRequests;

    const summary = await h.sync(h.hubspotId);
    expect(summary).toMatchObject({ mode: 'companies:incremental contacts:incremental', created: 0, updated: CONTACTS, quarantined: 0 });
    // Each query starts where the last one ended, so no record is read twice.
    expect(summary.fetched).toBe(CONTACTS);
    expect(h.hubspot.stats().searchRequests - searchesBefore).toBeLessThanOrEqual(Math.ceil(CONTACTS / 200) + 4);
    const names = await firstNames();
    expect(names.size).toBe(CONTACTS);
    changed.hubspot.contacts.forEach((c, i) => expect(names.get(c.id)).toBe(`Renamed${i}`));
  });

  it('takes 12,000 changes that share one modification time, each exactly once', { timeout: 300_000 }, async () => {
    // One instant for all 12,000, as a bulk import in HubSpot gives them.
    const shared = new Date(lastChange + 1_000).toISOString();
    changed.hubspot.contacts.slice(0, 12_000).forEach((c, i) => {
      c.properties.firstname = `Shared${i}`;
      c.properties.lastmodifieddate = shared;
    });
    h.hubspot.load(changed.hubspot);

    const summary = await h.sync(h.hubspotId);
    expect(summary).toMatchObject({ created: 0, updated: 12_000, quarantined: 0 });
    const rows = await h.db.$queryRaw<{ instants: bigint }[]>`
      SELECT count(DISTINCT crm_modified_at) AS instants FROM crm_contacts WHERE first_name LIKE 'Shared%'`;
    expect(rows).toEqual([{ instants: 1n }]);
    const names = await firstNames();
    changed.hubspot.contacts.forEach((c, i) => expect(names.get(c.id)).toBe(i < 12_000 ? `Shared${i}` : `Renamed${i}`));

    // Nothing changed since: the next incremental run reads only the overlap window again and
    // writes nothing.
    expect(await h.sync(h.hubspotId)).toMatchObject({ created: 0, updated: 0, deleted: 0 });
  });
});
