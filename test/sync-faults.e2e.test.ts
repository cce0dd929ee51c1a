// What real CRMs do on bad days, provoked through the emulators: rate-limit storms, 5xx, dropped
// connections, expired tokens, deletions and merges. Each time the database must end up equal to
// the CRMs' truth, with every call, 429 and retry counted.
import { Client as HubSpotClient } from '@hubspot/api-client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmClient } from '../crm/types.js';
import { walksRunning } from '../runtime/give-way.js';
import { CrmConnections } from '../crm/connections.js';
import { createSyncActivities } from '../activities/sync.js';
import type { Fixture } from '../emulators/fixture.js';
import { triggerSync, waitForSync } from '../sync/schedules.js';
import { emptyFixture, hubspotContact, salesforceContact, spreadTimes } from './fixtures/build.js';
import { startHarness, type Harness } from './harness.js';

const PER_CRM = 450;

function fixture(): Fixture {
  const f = emptyFixture();
  const times = spreadTimes('2026-02-01T00:00:00.000Z', PER_CRM);
  f.hubspot.contacts = times.map((t, i) => hubspotContact(5000 + i, t));
  f.salesforce.Contact = times.map((t, i) => salesforceContact(i + 1, t.replace('Z', '+0000')));
  return f;
}

describe('sync under CRM faults', () => {
  let h: Harness;
  let data: Fixture;

  /** The live contacts the database holds for a connection, as (crm id, email). */
  const stored = async (connectionId: string) =>
    (await h.db.crmContact.findMany({ where: { connectionId, deletedAt: null }, orderBy: { crmId: 'asc' } }))
      .map((c) => [c.crmId, c.emailNormalized]);
  const hubspotTruth = (f: Fixture) =>
    f.hubspot.contacts.filter((c) => !c.archived).map((c) => [c.id, c.properties.email]).sort((a, b) => a[0]!.localeCompare(b[0]!));
  const salesforceTruth = (f: Fixture) =>
    f.salesforce.Contact.filter((c) => c.IsDeleted !== true).map((c) => [c.Id, c.Email]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));

  beforeAll(async () => {
    data = fixture();
    h = await startHarness('sync_faults', data, { syncTuning: { overlapMs: 1_000 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('rides out a storm of 429s (beyond the in-activity retries) and counts every one', async () => {
    // No call succeeds while 429s are still due, so the storm falls on the three calls that start
    // the walks (companies' search; contacts read from both ends, a search and a list), each tried
    // 6 times (5 retries) inside the activity. The list side's last try may fail harmlessly when
    // the search side then reads every contact, so it can take 6 and the others 5 each: with 17 in
    // a row a search fails its last try, the activity attempt fails and Temporal's retry takes over.
    h.hubspot.faults({ status429Next: 17 });
    // While it walks, a VIP derivation in this worker would give way; once it is over, no walk counts.
    const running: number[] = [];
    const sampler = setInterval(() => running.push(walksRunning()), 5);
    const workflowId = await triggerSync(h.client, h.hubspotId);
    const summary = await waitForSync(h.client, workflowId);
    clearInterval(sampler);
    expect(Math.max(...running)).toBeGreaterThanOrEqual(1);
    expect(walksRunning()).toBe(0);
    expect(summary).toMatchObject({ created: PER_CRM, http429: 17 });
    expect(summary.retries).toBeGreaterThanOrEqual(17);
    // History keeps the started event of an activity's last attempt: a walk needed a second one.
    const { events } = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const attempts = (events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
    expect(summary.apiCalls).toBe(h.hubspot.stats().requests);
    expect(await stored(h.hubspotId)).toEqual(hubspotTruth(data));
  });

  it('no longer counts a walk as running once its activity attempt failed', async () => {
    // The activity alone (Temporal's activity test environment) on a connection of its own, whose
    // CRM fails every page: the attempt fails, and a derivation need not give way any more.
    const config = { ...h.config.connections.find((c) => c.id === h.hubspotId)!, id: `${h.hubspotId}-down` };
    const down: CrmClient = {
      connectionId: config.id,
      system: 'hubspot',
      startWalk: () => 'start',
      fetchPage: () => Promise.reject(new Error('the CRM is down')),
      findContactsByEmail: () => Promise.resolve([]),
      stats: () => ({ apiCalls: 0, tokenRequests: 0, http429: 0, retries: 0 }),
    };
    const activities = createSyncActivities({ db: h.db, crm: new CrmConnections([config], () => down) });
    const env = new MockActivityEnvironment();
    const syncRunId: string = await env.run(activities.startSyncRun, { connectionId: config.id, workflowId: 'give-way', runId: 'give-way', mode: 'manual' });
    const attempt = env.run(activities.syncObjects, { connectionId: config.id, objectType: 'contacts' as const, syncRunId });
    await expect(attempt).rejects.toThrow('the CRM is down');
    expect(walksRunning()).toBe(0);
  });

  it('survives 5xx answers and dropped connections from Salesforce', async () => {
    h.salesforce.faults({ status5xxNext: 2, dropConnectionsNext: 1 });
    const summary = await h.sync(h.salesforceId);
    expect(summary).toMatchObject({ created: PER_CRM, quarantined: 0 });
    expect(await stored(h.salesforceId)).toEqual(salesforceTruth(data));
  });

  it('gets a new Salesforce token when the session expires, counting it apart from data calls', async () => {
    h.salesforce.expireTokens();
    const summary = await h.sync(h.salesforceId);
    expect(summary).toMatchObject({ mode: 'companies:incremental contacts:incremental', tokenRequests: 1, apiCalls: 2 });
  });

  it('marks archived, merged and deleted records, never dropping them silently', async () => {
    const hubspot = new HubSpotClient({ accessToken: 'test-hubspot-token', basePath: h.hubspot.url });
    await hubspot.crm.contacts.basicApi.archive('5000');
    await hubspot.apiRequest({
      method: 'POST', path: '/crm/v3/objects/contacts/merge', body: { primaryObjectId: '5002', objectIdToMerge: '5001' },
    });
    const token = await (await fetch(`${h.salesforce.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=test-client&client_secret=test-secret',
    })).json() as { access_token: string };
    const removed = data.salesforce.Contact[0]!.Id;
    const deletion = await fetch(`${h.salesforce.url}/services/data/v59.0/sobjects/Contact/${removed}`, {
      method: 'DELETE', headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(deletion.status).toBe(204);

    expect(await h.sync(h.hubspotId)).toMatchObject({ mode: 'companies:incremental contacts:incremental', deleted: 2 });
    expect(await h.sync(h.salesforceId)).toMatchObject({ deleted: 1 });
    const marks = await h.db.crmContact.findMany({
      where: { deletedAt: { not: null } }, select: { crmId: true, deletionKind: true, mergedIntoId: true }, orderBy: { crmId: 'asc' },
    });
    expect(marks).toEqual([
      { crmId: removed, deletionKind: 'deleted', mergedIntoId: null },
      { crmId: '5000', deletionKind: 'archived', mergedIntoId: null },
      { crmId: '5001', deletionKind: 'merged', mergedIntoId: '5002' },
    ]);
  });

  it('finds records that vanished from a full listing without any deletion record', async () => {
    const now = structuredClone(data);
    now.hubspot.contacts = now.hubspot.contacts.filter((c) => !['5000', '5001', '5010'].includes(c.id));
    h.hubspot.load(now.hubspot);
    expect(await h.sync(h.hubspotId, { full: true })).toMatchObject({ mode: 'companies:full contacts:full', deleted: 1 });
    const vanished = await h.db.crmContact.findFirstOrThrow({ where: { crmId: '5010' } });
    expect(vanished.deletionKind).toBe('vanished');
    expect(await stored(h.hubspotId)).toEqual(hubspotTruth(now).filter(([id]) => id !== '5001'));
  });

  it('quarantines absurd field sizes, NUL characters and duplicate emails inside one CRM, and takes the rest', async () => {
    const now = structuredClone(data);
    now.salesforce.Contact[5]!.Title = 'x'.repeat(20_000);
    now.salesforce.Contact[6]!.Email = String(now.salesforce.Contact[7]!.Email).toUpperCase();
    now.salesforce.Contact[8]!.LastName = 'Null\u0000Byte';
    h.salesforce.load(now.salesforce);
    const summary = await h.sync(h.salesforceId);
    expect(summary).toMatchObject({ quarantined: 3, created: 0 });
    const reasons = await h.db.quarantinedRecord.findMany({ where: { connectionId: h.salesforceId }, orderBy: { crmId: 'asc' } });
    expect(reasons.map((r) => [r.crmId, r.reason])).toEqual([
      [now.salesforce.Contact[5]!.Id, 'field Title is 20000 characters long (limit 10000)'],
      [now.salesforce.Contact[6]!.Id, `duplicate email ${String(now.salesforce.Contact[7]!.Email)}: contact ${now.salesforce.Contact[7]!.Id} in this CRM has it too`],
      [now.salesforce.Contact[8]!.Id, 'lastName contains a NUL character, which cannot be stored'],
    ]);
    // The quarantined payload keeps the record, with the NUL made visible.
    expect(JSON.stringify(reasons[2]!.payload)).toContain('Null\uFFFDByte');
    // What was stored before for the quarantined records is kept as it was.
    const kept = await h.db.crmContact.findUniqueOrThrow({
      where: { connectionId_crmId: { connectionId: h.salesforceId, crmId: now.salesforce.Contact[5]!.Id } },
    });
    expect(kept.title).toBeNull();
  });
});
