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
import { MAX_EXCLUDED_IDS } from '../crm/hubspot/walks.js';
import type { CrmClient, CrmWalkPage } from '../crm/types.js';
import { startHubSpotEmulator, type HubSpotEmulator, type HubSpotRateLimits } from '../emulators/hubspot.js';
import { connectionConfig } from '../crm/registry.js';
import type { HubSpotConnectionConfig } from '../crm/hubspot/config.js';
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
