// The emulators' data: demo data, fixture validation, both emulators started with their data replaced
// through the admin routes, and that a started emulator keeps no reference to the data it was given.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { demoFixtureJson, generateDemoFixture } from '../emulators/demo-data.js';
import { parseFixture, type Fixture } from '../emulators/fixture.js';
import { startHubSpotEmulator } from '../emulators/hubspot.js';
import { emptyFixture, startEmulators } from '../emulators/main.js';
import { startSalesforceEmulator } from '../emulators/salesforce.js';
import { hubSpotContact } from './hubspot-records.js';

const TOKEN = 'test-token';

describe('demo data', () => {
  it('is byte-identical for the same seed, different for another, and streams the same JSON', () => {
    const first = JSON.stringify(generateDemoFixture({ contacts: 500, seed: 1 }));
    expect(JSON.stringify(generateDemoFixture({ contacts: 500, seed: 1 }))).toBe(first);
    expect(JSON.stringify(generateDemoFixture({ contacts: 500, seed: 2 }))).not.toBe(first);
    expect([...demoFixtureJson({ contacts: 500, seed: 1 })].join('')).toBe(first);
  });

  it('is realistic: both CRMs, shared people, explicit VIP levels, valid links and ids, 2025-2026 dates', () => {
    const fixture = generateDemoFixture({ contacts: 4000, seed: 7 });
    const { hubspot, salesforce } = fixture;
    expect(hubspot.contacts.length + salesforce.Contact.length).toBe(4000);
    expect(hubspot.contacts.length / 4000).toBeGreaterThan(0.4);
    expect(salesforce.Contact.length / 4000).toBeGreaterThan(0.4);

    const hubspotEmails = new Set(hubspot.contacts.map((contact) => contact.properties.email));
    const shared = salesforce.Contact.filter((contact) => hubspotEmails.has(String(contact.Email).trim().toLowerCase()));
    const people = 4000 - shared.length;
    expect(shared.length / people).toBeGreaterThan(0.07);
    expect(shared.length / people).toBeLessThan(0.13);
    expect(shared.some((contact) => contact.Email !== String(contact.Email).trim().toLowerCase())).toBe(true);

    const vipHubSpot = hubspot.contacts.filter((contact) => /^[1-5]$/.test(contact.properties.vip_level ?? '')).length;
    const vipSalesforce = salesforce.Contact.filter((contact) => typeof contact.VIP_Level__c === 'number' && contact.VIP_Level__c > 0).length;
    expect((vipHubSpot + vipSalesforce) / 4000).toBeGreaterThan(0.12);
    expect((vipHubSpot + vipSalesforce) / 4000).toBeLessThan(0.18);
    expect(hubspot.contacts.some((contact) => contact.properties.vip_level === '' || contact.properties.vip_level === '0')).toBe(true);

    const companyIds = new Set(hubspot.companies.map((company) => company.id));
    const accountIds = new Set(salesforce.Account.map((account) => account.Id));
    for (const contact of hubspot.contacts) {
      for (const link of contact.associations?.companies?.results ?? []) expect(companyIds.has(link.id)).toBe(true);
    }
    for (const contact of salesforce.Contact) if (contact.AccountId) expect(accountIds.has(String(contact.AccountId))).toBe(true);
    expect(salesforce.Contact.every((contact) => /^003\w{15}$/.test(contact.Id))).toBe(true);
    expect(salesforce.Account.every((account) => /^001\w{15}$/.test(account.Id))).toBe(true);
    expect(hubspot.contacts.every((contact) => /^\d+$/.test(contact.id))).toBe(true);
    const titles = new Set(hubspot.contacts.map((contact) => contact.properties.jobtitle));
    expect(titles.has('CEO') || titles.has('Founder')).toBe(true);
    for (const contact of hubspot.contacts) {
      expect(contact.updatedAt >= '2025-01-01' && contact.updatedAt < '2027-01-01').toBe(true);
    }
  });
});

describe('fixtures and the emulator process API', () => {
  it('names the file and the path of a bad element, and defaults missing sections', () => {
    expect(() => parseFixture({ hubspot: { contacts: [hubSpotContact(1), hubSpotContact(2), hubSpotContact(3), { ...hubSpotContact(4), id: 4 }] } }, 'demo.json')).toThrow(
      'fixture demo.json: hubspot.contacts[3].id: expected string',
    );
    expect(parseFixture({}, 'empty.json')).toEqual({ hubspot: { companies: [], contacts: [] }, salesforce: { Account: [], Contact: [] } });
  });

  it('starts both emulators and replaces their data through the admin routes', async () => {
    const emulators = await startEmulators({ hubspotToken: TOKEN });
    try {
      expect(await (await fetch(`${emulators.hubspot.url}/__emulator/health`)).json()).toEqual({ status: 'ok' });
      const fixture = generateDemoFixture({ contacts: 40, seed: 3 });
      for (const [url, body] of [[emulators.hubspot.url, fixture.hubspot], [emulators.salesforce.url, fixture.salesforce]] as const) {
        const response = await fetch(`${url}/__emulator/data`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(response.status).toBe(200);
      }
      const client = new Client({ accessToken: TOKEN, basePath: emulators.hubspot.url });
      const page = await client.crm.contacts.basicApi.getPage(100);
      expect(page.results).toHaveLength(fixture.hubspot.contacts.length);
      const stats = (await (await fetch(`${emulators.salesforce.url}/__emulator/stats`)).json()) as { contacts: number };
      expect(stats.contacts).toBe(fixture.salesforce.Contact.length);
      const refused = await fetch(`${emulators.hubspot.url}/__emulator/data`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"contacts":[{"id":1}]}' });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('hubspot.contacts[0].id: expected string');
    } finally {
      await emulators.close();
    }
  });
});

describe('emulator memory', () => {
  it('keeps no reference to the data it was started with, once loaded (the store holds its own copy)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const fixture = generateDemoFixture({ contacts: 200, seed: 3 });
    let hubspotData: object | undefined = fixture.hubspot;
    let salesforceData: object | undefined = fixture.salesforce;
    const hubspotRef = new WeakRef(hubspotData);
    const salesforceRef = new WeakRef(salesforceData);
    const hubspot = await startHubSpotEmulator({ data: hubspotData as Fixture['hubspot'], accessToken: 'memory-test' });
    const salesforce = await startSalesforceEmulator({ data: salesforceData as Fixture['salesforce'], clientId: 'id', clientSecret: 'secret' });
    try {
      hubspotData = undefined;
      salesforceData = undefined;
      fixture.hubspot = emptyFixture().hubspot;
      fixture.salesforce = emptyFixture().salesforce;
      // WeakRefs are kept alive until the end of the job that created or read them.
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
      expect(hubspotRef.deref()).toBeUndefined();
      expect(salesforceRef.deref()).toBeUndefined();
    } finally {
      await Promise.all([hubspot.close(), salesforce.close()]);
    }
  });
});
