// The HubSpot client's search walk, through the SDK against the emulator: it pages by key (the last
// time and ids read), so records sharing an instant across a page boundary are read once, and a
// record modified while the walk runs cannot make it skip another one.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@hubspot/api-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { API_BUDGET_RECHECK_MS } from '../crm/budget.js';
import { createHubSpotClient } from '../crm/hubspot/client.js';
import { SEARCH_PAGE_SIZE } from '../crm/hubspot/mappers.js';
import { LIST_CALLS_PER_SEARCH, MAX_EXCLUDED_IDS } from '../crm/hubspot/walks.js';
import type { CrmClient, CrmWalkPage } from '../crm/types.js';
import { startHubSpotEmulator, type HubSpotEmulator, type HubSpotRateLimits } from '../emulators/hubspot.js';
import { connectionConfig } from '../crm/registry.js';
import type { HubSpotConnectionConfig } from '../crm/hubspot/config.js';
import type { HubSpotObject } from '../emulators/fixture.js';
import { emptyFixture, hubspotContact } from './fixtures/build.js';

const TOKEN = 'walk-test-token';
const START = Date.parse('2026-03-01T00:00:00.000Z');

/** Reads every page of a full walk of contacts. */
async function fullWalk(client: CrmClient) {
  const reads: string[] = [];
  for (let position: string | null = client.startWalk('contacts', null); position !== null;) {
    const page: CrmWalkPage<'contacts'> = await client.fetchPage('contacts', position);
    reads.push(...page.records.map((r) => r.crmId));
    position = page.next;
  }
  return reads;
}

/** Walks contacts modified since `since` to the end, calling `between` after each page. */
async function walk(client: CrmClient, since: Date, between: (pageIds: string[]) => Promise<void> = async () => {}) {
  const reads: string[] = [];
  let searches = 0;
  let position: string | null = client.startWalk('contacts', since);
  while (position !== null) {
    const phase = (JSON.parse(position) as { phase: string }).phase;
    const page: CrmWalkPage<'contacts'> = await client.fetchPage('contacts', position);
    if (phase !== 'archived') searches++;
    const ids = page.records.map((r) => r.crmId);
    reads.push(...ids);
    position = page.next;
    if (position !== null) await between(ids);
  }
  return { reads, searches };
}

describe('HubSpot search walk', () => {
  let emulator: HubSpotEmulator | undefined;
  let client: CrmClient;
  let sdk: Client;

  /** A fresh emulator holding contacts modified at `times` (a load into a running one would stamp them now). */
  const start = async (times: number[], rateLimits: HubSpotRateLimits | false = false) => {
    const fixture = emptyFixture();
    fixture.hubspot.contacts = times.map((t, i) => hubspotContact(1000 + i, new Date(t).toISOString()));
    emulator = await startHubSpotEmulator({ data: fixture.hubspot, accessToken: TOKEN, rateLimits });
    const config = connectionConfig.parse({ id: 'walk', system: 'hubspot', baseUrl: emulator.url, accessToken: TOKEN }) as HubSpotConnectionConfig;
    client = createHubSpotClient(config);
    sdk = new Client({ accessToken: TOKEN, basePath: emulator.url, numberOfApiCallRetries: 0 });
  };

  afterEach(async () => {
    vi.useRealTimers();
    await emulator?.close();
    emulator = undefined;
  });

  it('reads records sharing an instant across page boundaries exactly once, 200 a call', async () => {
    // 1,000 contacts in groups of 7 per instant: every page ends inside a group.
    await start(Array.from({ length: 1000 }, (_, i) => START + Math.floor(i / 7) * 1000));
    const { reads, searches } = await walk(client, new Date(START));
    expect(reads).toHaveLength(1000);
    expect(new Set(reads).size).toBe(1000);
    expect(searches).toBe(Math.ceil(1000 / SEARCH_PAGE_SIZE));
  });

  it('goes through an instant shared by more records than it leaves out by id, each once', async () => {
    // 50 distinct instants, then 450 at one instant, then 50 more: the first page ends 150 records
    // into the shared instant, more than a query leaves out with NOT_IN.
    const shared = START + 100_000;
    const times = [
      ...Array.from({ length: 50 }, (_, i) => START + i * 1000),
      ...Array.from({ length: 450 }, () => shared),
      ...Array.from({ length: 50 }, (_, i) => shared + 1000 + i * 1000),
    ];
    expect(450 - (SEARCH_PAGE_SIZE - 50)).toBeGreaterThan(MAX_EXCLUDED_IDS);
    await start(times);
    const { reads } = await walk(client, new Date(START));
    expect(new Set(reads).size).toBe(times.length);
    // Going through the instant by id reads again only the records of that instant already read.
    expect(reads.length).toBeLessThanOrEqual(times.length + (SEARCH_PAGE_SIZE - 50));
  });

  it('misses no record when records already read are modified while the walk runs', async () => {
    await start(Array.from({ length: 1000 }, (_, i) => START + i * 1000));
    const modified: string[] = [];
    // After each of the first pages, two records of that page change: they move to the end of the
    // time order, behind every record not read yet.
    const { reads } = await walk(client, new Date(START), async (ids) => {
      if (Number(ids[0]) >= 1800) return;
      for (const id of [ids[0]!, ids[1]!]) {
        await sdk.crm.contacts.basicApi.update(id, { properties: { firstname: `Changed${id}` } });
        modified.push(id);
      }
    });
    expect(modified.length).toBeGreaterThanOrEqual(8);
    const all = Array.from({ length: 1000 }, (_, i) => String(1000 + i));
    expect(all.filter((id) => !reads.includes(id))).toEqual([]);
    // Each modified record is read again, in its new version, at the end of the walk.
    for (const id of modified) expect(reads.filter((r) => r === id)).toHaveLength(2);
  });

  it('paces by the ten-second window HubSpot reports, which other apps of the account share', { timeout: 60_000 }, async () => {
    // The account's real limit is 40 per 10 s (the connection is configured with the default 190),
    // and another app has just made 30 calls: 10 are left in the window.
    await start(Array.from({ length: 3000 }, (_, i) => START + i * 1000), { perTenSeconds: 40, searchPerSecond: 100 });
    for (let i = 0; i < 30; i += 1) await sdk.crm.contacts.basicApi.getPage(1);
    const reads = await fullWalk(client);
    expect(reads).toHaveLength(3000);
    expect(new Set(reads).size).toBe(3000);
    // The list side keeps listing while the searches (5 a second) run: more calls under the
    // ten-second limit than the 10 left, so the walk had to wait for the window, without a single 429.
    const stats = emulator!.stats();
    expect(stats.requests - stats.searchRequests - 30).toBeGreaterThan(10);
    expect(stats.http429).toBe(0);
    expect(client.stats()).toMatchObject({ http429: 0, retries: 0 });
  });

  it('keeps to its share of the account\'s daily limit, and stops at once when the day is used up', { timeout: 60_000 }, async () => {
    await start(Array.from({ length: 2000 }, (_, i) => START + i * 1000), { perTenSeconds: 10_000, searchPerSecond: 100, perDay: 100 });
    // Other apps of the account have made 85 of the day's 100 calls.
    for (let i = 0; i < 85; i += 1) await sdk.crm.contacts.basicApi.getPage(1);
    const refusal = /connection "walk": the HubSpot account has used (\d+) of its 100 daily API calls, at or over the 90% vipsync may use \(maxApiUsagePercent/;
    const stopped = await fullWalk(client).then(() => null, (error: Error) => error);
    expect(stopped).toMatchObject({ name: 'CrmUnavailableError', message: expect.stringMatching(refusal) });
    // The walk stopped at 90 of the day's calls, or just past (search answers say nothing about the
    // day, so a search running beside a list call is seen with the list's next answer), before HubSpot
    // refused anything; the usage it names is what HubSpot last said.
    const used = Number(refusal.exec(stopped!.message)![1]);
    const afterStop = emulator!.stats();
    expect(used).toBeGreaterThanOrEqual(90);
    expect(afterStop.requests).toBeLessThan(100);
    expect(afterStop.http429).toBe(0);
    expect(client.stats()).toMatchObject({ apiCalls: afterStop.requests - 85, http429: 0 });
    // No call goes now.
    await expect(client.findContactsByEmail('person1000@example.com')).rejects.toMatchObject({ name: 'CrmUnavailableError' });
    await expect(fullWalk(client)).rejects.toMatchObject({ name: 'CrmUnavailableError' });
    expect(emulator!.stats().requests).toBe(afterStop.requests);

    // The other apps use the rest of the day. Once the recheck interval has passed, one call goes,
    // meets HubSpot's daily 429, and is not retried; every other call is held back again.
    while (emulator!.stats().requests < 100) await sdk.crm.contacts.basicApi.getPage(1);
    const callsBefore = client.stats().apiCalls;
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + API_BUDGET_RECHECK_MS });
    await expect(fullWalk(client)).rejects.toThrow(/daily (limit|API calls)/);
    expect(client.stats()).toMatchObject({ apiCalls: callsBefore + 1, http429: 1, retries: 0 });
    expect(emulator!.stats()).toMatchObject({ requests: 101, http429: 1 });
    await expect(fullWalk(client)).rejects.toMatchObject({ name: 'CrmUnavailableError', message: expect.stringMatching(/has used 100 of its 100/) });
    expect(emulator!.stats()).toMatchObject({ requests: 101, http429: 1 });
  });
});

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

describe('HubSpot pacing', () => {
  it('counts a search in its window from when the answer\'s headers arrive, not after its body', { timeout: 30_000 }, async () => {
    // A server that sends status and headers at once and the body 2 s later; search allowed
    // once a second, so the second of two searches waits for the first's place in the window.
    const BODY_DELAY_MS = 2_000;
    const arrivals: number[] = [];
    const server = createServer((request, response) => {
      arrivals.push(Date.now());
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.flushHeaders();
      setTimeout(() => response.end(JSON.stringify({ total: 0, results: [] })), BODY_DELAY_MS);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = createHubSpotClient(connectionConfig.parse({
        id: 'paced', system: 'hubspot', baseUrl: `http://127.0.0.1:${port}`, accessToken: TOKEN,
        rateLimit: { requestsPerTenSeconds: 190, searchRequestsPerSecond: 1 },
      }) as HubSpotConnectionConfig);
      const found = await Promise.all([client.findContactsByEmail('a@example.com'), client.findContactsByEmail('b@example.com')]);
      expect(found).toEqual([[], []]);
      expect(arrivals).toHaveLength(2);
      const apart = arrivals[1]! - arrivals[0]!;
      // The window's second (and the pacer's margin) after the first answer's headers; counted
      // from its body instead, the second search would have left at least 3 s after the first.
      expect(apart).toBeGreaterThanOrEqual(1_000);
      expect(apart).toBeLessThan(1_000 + BODY_DELAY_MS / 2);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
