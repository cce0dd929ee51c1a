// Mobile numbers in the demo data and through the emulators: about 30% of people have one, in one
// CRM only, and the real SDK clients read HubSpot `mobilephone` and Salesforce `MobilePhone` (the
// properties a lookup by phone finds people by) from the emulators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotClient } from '../crm/hubspot/client.js';
import type { HubSpotConnectionConfig } from '../crm/hubspot/config.js';
import { connectionConfig } from '../crm/registry.js';
import { createSalesforceClient } from '../crm/salesforce/client.js';
import type { SalesforceConnectionConfig } from '../crm/salesforce/config.js';
import type { CrmClient, CrmContactRecord } from '../crm/types.js';
import { generateDemoFixture } from '../emulators/demo-data.js';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce.js';

const fixture = generateDemoFixture({ contacts: 2000, seed: 7 });

async function allContacts(client: CrmClient): Promise<CrmContactRecord[]> {
  const contacts: CrmContactRecord[] = [];
  let position: string | null = client.startWalk('contacts', null);
  while (position !== null) {
    const page: Awaited<ReturnType<CrmClient['fetchPage']>> = await client.fetchPage('contacts', position);
    contacts.push(...(page.records as CrmContactRecord[]));
    position = page.next;
  }
  return contacts;
}

describe('demo mobiles', () => {
  it('gives about 30% of people a mobile, in one CRM only, besides their phone', () => {
    const hubspot = fixture.hubspot.contacts.filter((c) => c.properties.mobilephone);
    const salesforce = fixture.salesforce.Contact.filter((c) => c.MobilePhone);
    const people = new Set([...fixture.hubspot.contacts.map((c) => c.properties.email!.toLowerCase()),
      ...fixture.salesforce.Contact.map((c) => String(c.Email).trim().toLowerCase())]);
    const share = (hubspot.length + salesforce.length) / people.size;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.38);
    expect(hubspot.length).toBeGreaterThan(0);
    expect(salesforce.length).toBeGreaterThan(0);
    const inHubSpot = new Set(hubspot.map((c) => c.properties.email!.toLowerCase()));
    expect(salesforce.filter((c) => inHubSpot.has(String(c.Email).trim().toLowerCase()))).toEqual([]);
  });

  it('is the same data for the same seed', () => {
    expect(generateDemoFixture({ contacts: 2000, seed: 7 })).toEqual(fixture);
  });
});

describe('the emulators serve mobiles to the real SDK clients', () => {
  let hubspot: HubSpotEmulator;
  let salesforce: SalesforceEmulator;
  beforeAll(async () => {
    hubspot = await startHubSpotEmulator({ data: fixture.hubspot, accessToken: 'mobile-token', rateLimits: false });
    salesforce = await startSalesforceEmulator({ data: fixture.salesforce, clientId: 'mobile-client', clientSecret: 'mobile-secret' });
  });
  afterAll(async () => {
    await hubspot?.close();
    await salesforce?.close();
  });

  it('HubSpot mobilephone', async () => {
    const client = createHubSpotClient(connectionConfig.parse({ id: 'hs', system: 'hubspot', baseUrl: hubspot.url, accessToken: 'mobile-token' }) as HubSpotConnectionConfig);
    const read = new Map((await allContacts(client)).map((c) => [c.crmId, c.properties.mobilephone ?? null]));
    for (const contact of fixture.hubspot.contacts) expect(read.get(contact.id)).toBe(contact.properties.mobilephone ?? null);
  });

  it('Salesforce MobilePhone', async () => {
    const client = createSalesforceClient(connectionConfig.parse({
      id: 'sf', system: 'salesforce', loginUrl: salesforce.url, clientId: 'mobile-client', clientSecret: 'mobile-secret',
    }) as SalesforceConnectionConfig);
    const read = new Map((await allContacts(client)).map((c) => [c.crmId, c.properties.MobilePhone ?? null]));
    for (const contact of fixture.salesforce.Contact) expect(read.get(String(contact.Id))).toBe(contact.MobilePhone ?? null);
  });
});
