// The HubSpot client's full walk of contacts through the SDK against the emulator: the list API from
// one end of the id range and search from the other share the work, and meet without reading a contact twice.
import { afterEach, describe, expect, it } from 'vitest';
import { createHubSpotClient } from '../crm/hubspot/client.js';
import { SEARCH_PAGE_SIZE } from '../crm/hubspot/mappers.js';
import { LIST_CALLS_PER_SEARCH } from '../crm/hubspot/walks.js';
import type { CrmClient, CrmWalkPage } from '../crm/types.js';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot.js';
import { connectionConfig } from '../crm/registry.js';
import type { HubSpotConnectionConfig } from '../crm/hubspot/config.js';
import type { HubSpotObject } from '../emulators/fixture.js';
import { emptyFixture, hubspotContact } from './fixtures/build.js';

const TOKEN = 'walk-test-token';
const START = Date.parse('2026-03-01T00:00:00.000Z');

describe('HubSpot full walk of contacts, from both ends of the id range', () => {
  let emulator: HubSpotEmulator | undefined;

  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  /**
   * `count` contacts from id 1000 up: every third has no company, the others one or two (the
   * first is the primary one, which the contact's company is).
   */
  const portal = async (
    count: number,
    rateLimit: { requestsPerTenSeconds: number; searchRequestsPerSecond: number },
    // Far more than the client is configured for: the client's own pacing decides how the two ends go.
    serverLimits = { perTenSeconds: 10_000, searchPerSecond: 100 },
  ) => {
    const fixture = emptyFixture();
    fixture.hubspot.companies = Array.from({ length: 20 }, (_, i): HubSpotObject => ({
      id: String(50 + i), properties: { name: `Company ${i}`, hs_lastmodifieddate: new Date(START).toISOString() },
      createdAt: new Date(START).toISOString(), updatedAt: new Date(START).toISOString(),
    }));
    const expected = new Map<string, string | null>();
    fixture.hubspot.contacts = Array.from({ length: count }, (_, i) => {
      // The associatedcompanyid property is left empty: only the associations can give the company.
      const contact = hubspotContact(1000 + i, new Date(START + i * 1000).toISOString(), { associatedcompanyid: '' });
      const company = i % 3 === 0 ? null : String(50 + (i % 20));
      if (company) {
        const links = i % 3 === 2 ? [company, String(50 + ((i + 7) % 20))] : [company];
        contact.associations = { companies: { results: links.map((id) => ({ id })) } };
      }
      expected.set(contact.id, company);
      return contact;
    });
    emulator = await startHubSpotEmulator({ data: fixture.hubspot, accessToken: TOKEN, rateLimits: serverLimits });
    const config = connectionConfig.parse({ id: 'walk', system: 'hubspot', baseUrl: emulator.url, accessToken: TOKEN, rateLimit }) as HubSpotConnectionConfig;
    return { client: createHubSpotClient(config), expected };
  };

  /** Every page of a full walk, each position passed through its stored (string) form. */
  const walkAll = async (client: CrmClient) => {
    const records: { crmId: string; companyCrmId: string | null }[] = [];
    const phases: string[] = [];
    for (let position: string | null = client.startWalk('contacts', null); position !== null;) {
      phases.push((JSON.parse(position) as { phase: string }).phase);
      const page: CrmWalkPage<'contacts'> = await client.fetchPage('contacts', position);
      records.push(...page.records.map((r) => ({ crmId: r.crmId, companyCrmId: r.companyCrmId })));
      position = page.next;
    }
    return { records, phases };
  };

  for (const [name, rateLimit] of [
    ['search slower than the list', { requestsPerTenSeconds: 190, searchRequestsPerSecond: 1 }],
    ['the list slower than search', { requestsPerTenSeconds: 20, searchRequestsPerSecond: 20 }],
  ] as const) {
    it(`reads every contact once, with its primary company, both APIs sharing the work (${name})`, { timeout: 60_000 }, async () => {
      const { client, expected } = await portal(2_345, rateLimit);
      const { records, phases } = await walkAll(client);
      expect(records.map((r) => r.crmId).sort()).toEqual([...expected.keys()].sort());
      for (const r of records) expect(r.companyCrmId, `contact ${r.crmId}`).toBe(expected.get(r.crmId));
      const stats = emulator!.stats();
      expect(stats.searchRequests).toBeGreaterThan(0);
      expect(stats.requests - stats.searchRequests).toBeGreaterThan(1);
      expect(stats.http429).toBe(0);
      expect(phases[0]).toBe('split');
      expect(phases.at(-1)).toBe('archived');
    });
  }

  it('keeps the list side within LIST_CALLS_PER_SEARCH calls per search, or the steady rate, while search waits', { timeout: 60_000 }, async () => {
    // The ten-second window has room for all of a page's list calls at once (a burst of 100); its
    // steady rate is 10 a second, and search allows 2 a second.
    // The server says so too (X-HubSpot-RateLimit-Max), so the client keeps to it.
    const { client } = await portal(5_000, { requestsPerTenSeconds: 100, searchRequestsPerSecond: 2 }, { perTenSeconds: 100, searchPerSecond: 2 });
    const startedAt = Date.now();
    const page: CrmWalkPage<'contacts'> = await client.fetchPage('contacts', client.startWalk('contacts', null));
    const seconds = (Date.now() - startedAt) / 1000;
    const stats = emulator!.stats();
    // The page's data calls are its list calls and one association read.
    const listCalls = stats.requests - stats.searchRequests - 1;
    expect(page.records.length).toBeGreaterThan(0);
    expect(stats.http429).toBe(0);
    expect(listCalls).toBeLessThanOrEqual(Math.max(LIST_CALLS_PER_SEARCH * (stats.searchRequests + 1), Math.ceil(10 * seconds)));
  });

  it('gives up a search still waiting for its window once the list side has met the search side', { timeout: 60_000 }, async () => {
    // One search (the top 200), then the list side reads up past it while the second search waits
    // a second for search's window: that search is never sent.
    const count = SEARCH_PAGE_SIZE + LIST_CALLS_PER_SEARCH * 100 + 100;
    const { client, expected } = await portal(count, { requestsPerTenSeconds: 190, searchRequestsPerSecond: 1 });
    const { records } = await walkAll(client);
    expect(records.map((r) => r.crmId).sort()).toEqual([...expected.keys()].sort());
    expect(emulator!.stats()).toMatchObject({ searchRequests: 1, http429: 0 });
  });

  it('an empty portal: one list call, one search, the archived listing', async () => {
    const { client } = await portal(0, { requestsPerTenSeconds: 190, searchRequestsPerSecond: 5 });
    const { records } = await walkAll(client);
    expect(records).toEqual([]);
    expect(emulator!.stats()).toMatchObject({ requests: 3, searchRequests: 1, http429: 0 });
  });

  it('goes on from a stored position after a failed page, reading no contact twice', { timeout: 60_000 }, async () => {
    const { client, expected } = await portal(5_000, { requestsPerTenSeconds: 190, searchRequestsPerSecond: 5 });
    let position: string | null = client.startWalk('contacts', null);
    const reads: string[] = [];
    const page1: CrmWalkPage<'contacts'> = await client.fetchPage('contacts', position);
    reads.push(...page1.records.map((r) => r.crmId));
    position = page1.next;
    expect(JSON.parse(position!)).toMatchObject({ phase: 'split' });
    // The next page fails part-way (both ends' calls are refused: a token HubSpot rejects); the walk
    // starts that page again from the same position, in a new client as a restarted worker would.
    const connection = (accessToken: string) =>
      createHubSpotClient(connectionConfig.parse({ id: 'walk', system: 'hubspot', baseUrl: emulator!.url, accessToken }) as HubSpotConnectionConfig);
    await expect(connection('revoked').fetchPage('contacts', position!)).rejects.toMatchObject({ name: 'CrmConfigurationError' });
    const restarted = connection(TOKEN);
    while (position !== null) {
      const page: CrmWalkPage<'contacts'> = await restarted.fetchPage('contacts', position);
      reads.push(...page.records.map((r) => r.crmId));
      position = page.next;
    }
    expect(reads).toHaveLength(expected.size);
    expect(new Set(reads)).toEqual(new Set(expected.keys()));
  });
});
