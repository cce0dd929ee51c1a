// Answers the real CRMs give that look like "nothing more" or like another company: Salesforce's
// short batches, HubSpot's empty pages with a cursor and its company list repeated per association
// label. A sync must read every record exactly once and link each contact to its primary company.
// Through a real Temporal server, a real PostgreSQL and the real SDKs against the emulators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture, HubSpotObject } from '../emulators/fixture.js';
import { emptyFixture, hubspotContact, salesforceContact, sfStamp } from './fixtures/build.js';
import { startHarness, type Harness } from './harness.js';

/** Whole-second instants, `perSecond` records sharing each one (a real org: up to 13). */
function tiedTimes(start: string, count: number, perSecond: number): string[] {
  const t0 = Date.parse(start);
  return Array.from({ length: count }, (_, i) => new Date(t0 + Math.floor(i / perSecond) * 1000).toISOString());
}

describe('a Salesforce org that answers short batches', () => {
  let h: Harness;
  let data: Fixture;
  const CONTACTS = 4_500;
  const live = () => h.db.crmContact.count({ where: { connectionId: h.salesforceId, deletedAt: null } });

  beforeAll(async () => {
    data = emptyFixture();
    data.salesforce.Contact = tiedTimes('2026-03-01T00:00:00Z', CONTACTS, 13).map((t, i) => salesforceContact(i + 1, sfStamp(t)));
    // 700 rows a batch however many the query asked for, with done: false while rows remain.
    h = await startHarness('sync_short_batches', data, { salesforceEmulator: { shortBatches: { rows: 700 } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a full walk follows nextRecordsUrl to the end and reads every record once', async () => {
    const before = h.salesforce.stats();
    expect(await h.sync(h.salesforceId)).toMatchObject({ created: CONTACTS, fetched: CONTACTS, deleted: 0 });
    expect(await live()).toBe(CONTACTS);
    // Three keyset queries (2,000 + 2,000 + 500 rows), each read 700 rows a batch: 3 + 2 + 0 + 1 + ... more batches.
    const after = h.salesforce.stats();
    expect(after.queryMores - before.queryMores).toBeGreaterThan(0);
  });

  it('batches of random sizes: a full re-walk sees every record, marks none vanished and rewrites nothing', async () => {
    h.salesforce.setQuirks({ shortBatches: { random: true, seed: 19 } });
    expect(await h.sync(h.salesforceId, { full: true })).toMatchObject({
      status: 'succeeded', fetched: CONTACTS, unchanged: CONTACTS, deleted: 0, vanishedHeld: 0,
    });
    expect(await live()).toBe(CONTACTS);
  });

  it('an incremental walk through short batches finds every change', async () => {
    h.salesforce.setQuirks({ shortBatches: { rows: 3 } });
    const now = structuredClone(data);
    const changedAt = sfStamp('2026-04-01T00:00:00Z');
    for (const i of [10, 2000, 4499]) now.salesforce.Contact[i] = salesforceContact(i + 1, changedAt, { Title: 'Chief Executive Officer' });
    h.salesforce.load(now.salesforce);
    expect(await h.sync(h.salesforceId)).toMatchObject({ mode: 'companies:incremental contacts:incremental', updated: 3 });
    expect(await h.db.crmContact.count({ where: { connectionId: h.salesforceId, title: 'Chief Executive Officer' } })).toBe(3);
  });
});

describe('HubSpot answers with empty pages that carry a cursor', () => {
  let h: Harness;
  let data: Fixture;
  const CONTACTS = 1_000;
  const COMPANIES = 450;
  const live = (model: 'crmContact' | 'crmCompany') =>
    (h.db[model] as typeof h.db.crmContact).count({ where: { connectionId: h.hubspotId, deletedAt: null } });

  beforeAll(async () => {
    data = emptyFixture();
    // 150 contacts share one instant: the incremental walk goes through it by id (the tie walk).
    const times = tiedTimes('2026-03-01T00:00:00Z', CONTACTS, 150);
    data.hubspot.contacts = times.map((t, i) => hubspotContact(20_000 + i, t));
    data.hubspot.companies = times.slice(0, COMPANIES).map((t, i) => ({
      id: String(50_000 + i), properties: { name: `Company ${i}`, domain: `c${i}.example`, hs_lastmodifieddate: t },
      createdAt: t, updatedAt: t, archived: false,
    }));
    h = await startHarness('sync_empty_pages', data, { emulatorRateLimits: false, hubspotEmulator: { emptyPageEvery: 3 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a full walk (list and search from both ends) reads every record', async () => {
    expect(await h.sync(h.hubspotId)).toMatchObject({ created: CONTACTS + COMPANIES, deleted: 0 });
    expect(await live('crmContact')).toBe(CONTACTS);
    expect(await live('crmCompany')).toBe(COMPANIES);
  });

  it('a full re-walk with every other page empty marks none vanished', async () => {
    h.hubspot.setQuirks({ emptyPageEvery: 2 });
    expect(await h.sync(h.hubspotId, { full: true })).toMatchObject({ status: 'succeeded', deleted: 0, vanishedHeld: 0, unchanged: CONTACTS + COMPANIES });
  });

  it('an incremental walk (search by time, ties by id) finds every change', async () => {
    h.hubspot.setQuirks({ emptyPageEvery: 2 });
    const now = structuredClone(data);
    const changedAt = '2026-04-01T00:00:00.000Z';
    // 120 changes at one instant (over the 100 ids a search leaves out: walked by id) and one later.
    const changed = [...Array.from({ length: 120 }, (_, i) => i * 8), 999];
    for (const i of changed) {
      now.hubspot.contacts[i] = hubspotContact(20_000 + i, i === 999 ? '2026-04-01T00:00:01.000Z' : changedAt, { jobtitle: 'VP Sales' });
    }
    h.hubspot.load(now.hubspot);
    expect(await h.sync(h.hubspotId)).toMatchObject({ mode: 'companies:incremental contacts:incremental', updated: changed.length });
    expect(await h.db.crmContact.count({ where: { connectionId: h.hubspotId, title: 'VP Sales' } })).toBe(changed.length);
  });
});

describe('HubSpot lists a company once per association label', () => {
  let h: Harness;
  let data: Fixture;
  const CONTACTS = 300;
  const primaryOf = (i: number) => String(60_000 + (i % 7));
  const otherOf = (i: number) => String(60_100 + (i % 5));

  /** Two companies a contact: the primary named by its label, listed first or second by turns. */
  function contactWithTwoCompanies(i: number, modifiedAt: string): HubSpotObject {
    const contact = hubspotContact(30_000 + i, modifiedAt);
    const primary = { id: primaryOf(i), type: 'contact_to_company' };
    const other = { id: otherOf(i), type: 'contact_to_company_unlabeled' };
    contact.associations = { companies: { results: i % 2 === 0 ? [other, primary] : [primary, other] } };
    return contact;
  }

  beforeAll(async () => {
    data = emptyFixture();
    const times = tiedTimes('2026-03-01T00:00:00Z', CONTACTS, 1);
    data.hubspot.contacts = times.map((t, i) => contactWithTwoCompanies(i, t));
    const company = (id: string) => ({
      id, properties: { name: `Company ${id}`, domain: `${id}.example`, hs_lastmodifieddate: times[0]! }, createdAt: times[0]!, updatedAt: times[0]!, archived: false,
    });
    data.hubspot.companies = [...new Set([...times.map((_, i) => primaryOf(i)), ...times.map((_, i) => otherOf(i))])].map(company);
    h = await startHarness('sync_company_labels', data, { emulatorRateLimits: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  const companies = async () => (await h.db.crmContact.findMany({ where: { connectionId: h.hubspotId }, orderBy: { crmId: 'asc' } }))
    .map((c) => [c.crmId, c.companyCrmId]);
  const expected = () => Array.from({ length: CONTACTS }, (_, i) => [String(30_000 + i), primaryOf(i)]);

  it('a full walk links every contact to its primary company, from the list\'s labels and from the association read', async () => {
    expect(await h.sync(h.hubspotId)).toMatchObject({ created: CONTACTS + 12 });
    expect(await companies()).toEqual(expected());
  });

  it('an incremental walk (search, associatedcompanyid) keeps the primary company', async () => {
    const now = structuredClone(data);
    for (const c of now.hubspot.contacts) {
      c.properties.lastmodifieddate = '2026-04-01T00:00:00.000Z';
      c.updatedAt = '2026-04-01T00:00:00.000Z';
      c.properties.jobtitle = 'Director';
    }
    h.hubspot.load(now.hubspot);
    expect(await h.sync(h.hubspotId)).toMatchObject({ updated: CONTACTS });
    expect(await companies()).toEqual(expected());
  });
});
