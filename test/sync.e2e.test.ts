// The walking skeleton end to end: fixture in the emulators -> triggered sync through a real
// Temporal server -> rows in a real Postgres -> lookupVip through Temporal answers as expected.
import { isDeepStrictEqual } from 'node:util';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkTransaction, plainQuery } from '../db/client.js';
import { loadFixtureFile, type Fixture } from '../emulators/fixture.js';
import type { VipLookupResult } from '../workflows/contract.js';
import { startHarness, type Harness } from './harness.js';

const FIXTURE = new URL('./fixtures/basic.json', import.meta.url).pathname;

describe('sync from both CRMs, then lookup', () => {
  let h: Harness;
  let fixture: Fixture;

  const lookup = (email: string) =>
    h.client.workflow.execute('lookupProbeWorkflow', {
      taskQueue: h.config.syncTaskQueue,
      workflowId: `lookup-probe-${Math.random().toString(36).slice(2)}`,
      args: [email, h.config.lookupTaskQueue],
    }) as Promise<VipLookupResult>;

  beforeAll(async () => {
    fixture = await loadFixtureFile(FIXTURE);
    h = await startHarness('sync_e2e', fixture);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lands every good CRM record in Postgres and quarantines the bad ones with a reason', async () => {
    const hubspot = await h.sync(h.hubspotId);
    expect(hubspot).toMatchObject({ fetched: 7, created: 5, updated: 0, unchanged: 0, quarantined: 2 });
    const salesforce = await h.sync(h.salesforceId);
    // The deleted Salesforce contact is not returned by query(); the one without email is quarantined.
    expect(salesforce).toMatchObject({ fetched: 4, created: 3, quarantined: 1 });

    const contacts = await h.db.crmContact.findMany({ orderBy: [{ connectionId: 'asc' }, { crmId: 'asc' }] });
    expect(contacts.map((c) => [c.connectionId, c.crmId, c.emailNormalized, c.crmVipLevel])).toEqual([
      [h.hubspotId, '201', 'ada@acme.com', 5],
      [h.hubspotId, '202', 'bob@acme.com', null],
      [h.hubspotId, '205', 'dave@initech.com', null],
      [h.salesforceId, '003000000000001AAA', 'ada@acme.com', 3],
      [h.salesforceId, '003000000000002AAA', 'erin@globex.com', 2],
    ]);
    expect(contacts.find((c) => c.crmId === '201')?.companyCrmId).toBe('101');
    expect(await h.db.crmCompany.count()).toBe(3);

    const quarantined = await h.db.quarantinedRecord.findMany({ orderBy: { crmId: 'asc' } });
    expect(quarantined.map((q) => [q.crmId, q.reason])).toEqual([
      ['003000000000004AAA', 'email is missing'],
      ['203', 'email "not-an-email" has no @'],
      ['204', 'VIP level 9 is outside 1-5'],
    ]);

    const runs = await h.db.syncRun.findMany({ orderBy: { id: 'asc' } });
    expect(runs.map((r) => [r.connectionId, r.status])).toEqual([[h.hubspotId, 'succeeded'], [h.salesforceId, 'succeeded']]);
    expect(runs[0]!.apiCalls).toBeGreaterThanOrEqual(2);
  });

  it('merges one person across both CRMs, keeping the highest explicit level and both references', async () => {
    const ada = await h.db.vip.findUniqueOrThrow({ where: { email: 'ada@acme.com' } });
    expect(ada).toMatchObject({
      level: 5, levelSource: 'crm', name: 'Ada Lovelace', company: 'Acme Corp', validated: true,
      validatedBy: [h.hubspotId, h.salesforceId], source: 'crm',
    });
    expect(ada.levelReason).toContain('HubSpot vip_level = 5');
    expect(await h.db.vip.count()).toBe(4);
  });

  it('answers lookupVip through Temporal for VIPs, known non-VIPs and unknown senders', async () => {
    expect(await lookup('  ADA@acme.com ')).toMatchObject({
      email: 'ada@acme.com', isVip: true, level: 5, name: 'Ada Lovelace', company: 'Acme Corp', notes: null,
      validated: true, stale: false, staleReason: null,
    });
    expect(await lookup('erin@globex.com')).toMatchObject({ isVip: true, level: 2, company: 'Globex' });
    expect(await lookup('bob@acme.com')).toMatchObject({ isVip: false, level: null, name: 'Bob Builder', validated: true });
    expect(await lookup('stranger@nowhere.example')).toMatchObject({
      email: 'stranger@nowhere.example', isVip: false, level: null, name: null, company: null, notes: null,
      validated: false, stale: false, staleReason: null,
    });
  });

  it("bulk writes run without JIT compilation, whatever the server's jit setting", async () => {
    type Jit = { jit: string };
    // PostgreSQL's default, so the check inside the transaction tells something.
    expect((await plainQuery<Jit>(h.db, 'SHOW jit'))[0]!.jit).toBe('on');
    const inside = await bulkTransaction(h.db, async (sql) => (await sql.query<Jit>('SHOW jit')).rows[0]!.jit);
    expect(inside).toBe('off');
  });

  it('fails a lookup of an invalid email at once, non-retryable, saying why', async () => {
    const error = await lookup('not an email').then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failure = (error as WorkflowFailedError).cause?.cause;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'InvalidEmail', nonRetryable: true });
    expect((failure as ApplicationFailure).message).toContain('whitespace');
  });

  it('an incremental sync with no CRM changes reads only the change feeds and the overlap, and writes nothing', async () => {
    const before = await h.db.crmContact.findMany({ orderBy: { id: 'asc' } });
    // HubSpot: one search per object type plus the archived listings; Salesforce: one query each.
    // The watermark is the CRM's latest modification time read, and an incremental walk re-reads
    // the overlap before it: every record of this fixture shares its CRM's one instant, so all
    // are read again, and none is written.
    expect(await h.sync(h.hubspotId)).toMatchObject({
      mode: 'companies:incremental contacts:incremental', fetched: 7, created: 0, updated: 0, unchanged: 5, quarantined: 2, deleted: 0, apiCalls: 4,
    });
    expect(await h.sync(h.salesforceId)).toMatchObject({
      mode: 'companies:incremental contacts:incremental', fetched: 4, created: 0, updated: 0, unchanged: 3, quarantined: 1, deleted: 0, apiCalls: 2,
    });
    expect(await h.db.crmContact.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
  });

  it('a full re-sync re-reads everything and rewrites nothing that did not change', async () => {
    const before = await h.db.crmContact.findMany({ orderBy: { id: 'asc' } });
    expect(await h.sync(h.hubspotId, { full: true })).toMatchObject({
      mode: 'companies:full contacts:full', fetched: 7, created: 0, updated: 0, unchanged: 5, deleted: 0, quarantined: 2,
    });
    expect(await h.sync(h.salesforceId, { full: true })).toMatchObject({
      mode: 'companies:full contacts:full', fetched: 4, created: 0, updated: 0, unchanged: 3, deleted: 0, quarantined: 1,
    });
    expect(await h.db.crmContact.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
  });

  it('a CRM change between syncs changes exactly that person, with a level history', async () => {
    const changed = structuredClone(fixture);
    changed.salesforce.Contact.find((c) => c.Email === 'erin@globex.com')!.VIP_Level__c = 4;
    h.salesforce.load(changed.salesforce);
    const vipsBefore = await h.db.vip.findMany({ orderBy: { email: 'asc' } });

    // Read with the rest of the overlap (see above); only the changed record is written.
    expect(await h.sync(h.salesforceId)).toMatchObject({ fetched: 4, created: 0, updated: 1, unchanged: 2, quarantined: 1 });
    const vipsAfter = await h.db.vip.findMany({ orderBy: { email: 'asc' } });
    const differing = vipsAfter.filter((v, i) => !isDeepStrictEqual(v, vipsBefore[i]));
    expect(differing.map((v) => [v.email, v.level])).toEqual([['erin@globex.com', 4]]);

    const erin = vipsAfter.find((v) => v.email === 'erin@globex.com')!;
    const history = await h.db.vipLevelChange.findMany({ where: { vipId: erin.id }, orderBy: { id: 'asc' } });
    expect(history.map((c) => [c.oldLevel, c.newLevel, c.source])).toEqual([[null, 2, 'crm'], [2, 4, 'crm']]);
    expect(history[1]!.reason).toContain('VIP_Level__c = 4');
  });
});
