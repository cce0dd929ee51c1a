// The HubSpot emulator, proven with the real SDK (@hubspot/api-client) talking to it unchanged:
// paging, search, v4 associations, changes, errors, injected faults and rate limits.
import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubSpotObject } from '../emulators/fixture.js';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot.js';
import { BASE_MS, DAY_MS, hubSpotContact } from './hubspot-records.js';

const TOKEN = 'test-token';

const hubSpotCompanies: HubSpotObject[] = [0, 1, 2, 3, 4].map((i) => ({
  id: String(9000 + i),
  properties: { name: `Company ${i}`, domain: `company${i}.com` },
  createdAt: new Date(BASE_MS).toISOString(),
  updatedAt: new Date(BASE_MS).toISOString(),
}));

async function expectApiError(promise: Promise<unknown>): Promise<{ code: number; body: any; headers: Record<string, string> }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'the call should have failed').toBeDefined();
  return error as { code: number; body: any; headers: Record<string, string> };
}

describe('HubSpot emulator, driven by @hubspot/api-client', () => {
  // 250 live contacts (ids 1..250, in shuffled fixture order) plus 2 archived ones.
  const contacts = [
    ...Array.from({ length: 250 }, (_, i) => hubSpotContact(((i * 97) % 250) + 1)),
    hubSpotContact(300, { archived: true, archivedAt: '2025-06-01T00:00:00.000Z' }),
    hubSpotContact(301, { archived: true }),
  ];
  let emulator: HubSpotEmulator;
  let client: Client;

  beforeAll(async () => {
    emulator = await startHubSpotEmulator({ data: { companies: hubSpotCompanies, contacts }, accessToken: TOKEN, rateLimits: false });
    client = new Client({ accessToken: TOKEN, basePath: emulator.url });
  });
  afterAll(() => emulator.close());

  it('pages through every live contact exactly once, in id order, with company associations inline', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await client.crm.contacts.basicApi.getPage(100, after, ['email', 'vip_level'], undefined, ['companies']);
      pages++;
      for (const contact of page.results) {
        seen.push(contact.id);
        expect(contact.properties.email).toBe(`person${contact.id}@example.com`);
        expect(contact.properties).toHaveProperty('hs_object_id', contact.id);
        expect(contact.properties).not.toHaveProperty('firstname');
        const n = Number(contact.id);
        if (n % 3 === 0) expect(contact.associations).toBeUndefined();
        else {
          // Its one company is its primary: listed once per label, in an order HubSpot leaves open.
          const companyId = String(9000 + (n % 5));
          expect(contact.associations?.companies?.results).toHaveLength(2);
          expect(contact.associations?.companies?.results).toEqual(expect.arrayContaining([
            { id: companyId, type: 'contact_to_company' },
            { id: companyId, type: 'contact_to_company_unlabeled' },
          ]));
        }
      }
      after = page.paging?.next?.after;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => String(i + 1)));
  });

  it('accepts comma-separated properties and answers with HubSpot content type', async () => {
    const response = await fetch(`${emulator.url}/crm/v3/objects/contacts?limit=2&properties=email,firstname`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const body = (await response.json()) as { results: { properties: Record<string, string> }[] };
    expect(Object.keys(body.results[0]!.properties).sort()).toEqual(['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate']);
  });

  it('searches with a GTE filter on an epoch-ms date and a descending sort, reporting the total', async () => {
    const since = BASE_MS + 200 * DAY_MS;
    const result = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: FilterOperatorEnum.Gte, value: String(since) }] }],
      sorts: ['-lastmodifieddate'],
      properties: ['email'],
      limit: 20,
      after: '0',
    });
    expect(result.total).toBe(51);
    expect(result.results.map((contact) => contact.id)).toEqual(Array.from({ length: 20 }, (_, i) => String(250 - i)));
    expect(result.paging?.next?.after).toBe('20');
  });

  it('ORs filter groups and ANDs the filters inside one, never returning archived records', async () => {
    const result = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'email', operator: FilterOperatorEnum.Eq, value: 'PERSON5@example.com' }] },
        {
          filters: [
            { propertyName: 'vip_level', operator: FilterOperatorEnum.HasProperty },
            { propertyName: 'hs_object_id', operator: FilterOperatorEnum.Lte, value: '21' },
          ],
        },
        { filters: [{ propertyName: 'hs_object_id', operator: FilterOperatorEnum.In, values: ['300', '301'] }] },
      ],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' } as unknown as string],
      properties: [],
      limit: 100,
      after: '0',
    });
    expect(result.results.map((contact) => contact.id)).toEqual(['5', '7', '14', '21']);
  });

  it('refuses to page a search past 10,000 results with a VALIDATION_ERROR', async () => {
    const error = await expectApiError(
      client.crm.contacts.searchApi.doSearch({ filterGroups: [], sorts: [], properties: [], limit: 200, after: '9900' }),
    );
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    const lastReachable = await client.crm.contacts.searchApi.doSearch({ filterGroups: [], sorts: [], properties: [], limit: 200, after: '9800' });
    expect(lastReachable.results).toEqual([]);
  });

  it('rejects more than 200 results per search page and too many filter groups', async () => {
    const tooLarge = await expectApiError(client.crm.contacts.searchApi.doSearch({ filterGroups: [], sorts: [], properties: [], limit: 201, after: '0' }));
    expect(tooLarge.code).toBe(400);
    const group = { filters: [{ propertyName: 'email', operator: FilterOperatorEnum.HasProperty }] };
    const tooMany = await expectApiError(
      client.crm.contacts.searchApi.doSearch({ filterGroups: Array(6).fill(group), sorts: [], properties: [], limit: 10, after: '0' }),
    );
    expect(tooMany.body.category).toBe('VALIDATION_ERROR');
  });

  it('reads the companies of up to 1,000 contacts in one v4 batch call: 207 with NO_ASSOCIATIONS_FOUND for those without', async () => {
    const ids = ['1', '2', '3', '300', '999'];
    const answer = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: ids.map((id) => ({ id })) });
    const byId = new Map(answer.results.map((r) => [r._from.id, r.to]));
    expect([...byId.keys()].sort()).toEqual(['1', '2']);
    expect(byId.get('1')).toEqual([{
      toObjectId: '9001',
      associationTypes: [
        { category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' },
        { category: 'HUBSPOT_DEFINED', typeId: 279, label: null },
      ],
    }]);
    expect(byId.get('2')?.[0]?.toObjectId).toBe('9002');
    // Contact 3 has no company, 300 is archived, 999 does not exist.
    const errors = (answer as { errors?: { subCategory?: string; context?: Record<string, string[]> }[] }).errors ?? [];
    expect(errors.map((e) => [e.subCategory, e.context?.fromObjectId?.[0]])).toEqual([
      ['crm.associations.NO_ASSOCIATIONS_FOUND', '3'],
      ['crm.associations.NO_ASSOCIATIONS_FOUND', '300'],
      ['crm.associations.NO_ASSOCIATIONS_FOUND', '999'],
    ]);

    const tooMany = await expectApiError(client.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
      inputs: Array.from({ length: 1001 }, (_, i) => ({ id: String(i + 1) })),
    }));
    expect(tooMany.code).toBe(400);
    expect(tooMany.body.message).toContain('maximum of 1000');
  });

  it('lists only archived records when archived=true, with archivedAt', async () => {
    const page = await client.crm.contacts.basicApi.getPage(100, undefined, ['email'], undefined, undefined, true);
    expect(page.results.map((contact) => contact.id)).toEqual(['300', '301']);
    expect(page.results[0]!.archived).toBe(true);
    expect(page.results[0]!.archivedAt?.toISOString()).toBe('2025-06-01T00:00:00.000Z');
  });

  it('updates, archives and merges like HubSpot: archive keeps lastmodifieddate, merge hides the merged id', async () => {
    const updated = await client.crm.contacts.basicApi.update('10', { properties: { vip_level: '5' } });
    expect(updated.properties.vip_level).toBe('5');
    expect(Date.now() - Date.parse(updated.properties.lastmodifieddate!)).toBeLessThan(60_000);

    const before = await client.crm.contacts.basicApi.getById('11', ['lastmodifieddate']);
    await client.crm.contacts.basicApi.archive('11');
    const archived = await client.crm.contacts.basicApi.getById('11', ['lastmodifieddate'], undefined, undefined, true);
    expect(archived.archived).toBe(true);
    expect(archived.properties.lastmodifieddate).toBe(before.properties.lastmodifieddate);
    const missing = await expectApiError(client.crm.contacts.basicApi.getById('11'));
    expect(missing.code).toBe(404);
    expect(missing.body.category).toBe('OBJECT_NOT_FOUND');

    const response = await client.apiRequest({ method: 'POST', path: '/crm/v3/objects/contacts/merge', body: { primaryObjectId: '12', objectIdToMerge: '13' } });
    const survivor = (await response.json()) as { id: string; properties: Record<string, string> };
    expect(survivor.properties.hs_merged_object_ids).toBe('13');
    const search = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: FilterOperatorEnum.In, values: ['11', '12', '13'] }] }],
      sorts: [],
      properties: [],
      limit: 10,
      after: '0',
    });
    expect(search.results.map((contact) => contact.id)).toEqual(['12']);
    const archivedList = await client.crm.contacts.basicApi.getPage(100, undefined, undefined, undefined, undefined, true);
    expect(archivedList.results.map((contact) => contact.id)).not.toContain('13');
  });

  it('answers a wrong token with 401 INVALID_AUTHENTICATION', async () => {
    const stranger = new Client({ accessToken: 'wrong', basePath: emulator.url });
    const error = await expectApiError(stranger.crm.contacts.basicApi.getPage(10));
    expect(error.code).toBe(401);
    expect(error.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(error.body.message).toMatch(/^Authentication credentials not found/);
  });

  it('injects faults on demand: a 503, then a dropped connection, then normal service', async () => {
    emulator.faults({ status5xxNext: 1, dropConnectionsNext: 0 });
    expect((await expectApiError(client.crm.contacts.basicApi.getPage(1))).code).toBe(503);
    emulator.faults({ dropConnectionsNext: 1 });
    await expect(fetch(`${emulator.url}/crm/v3/objects/contacts`, { headers: { authorization: `Bearer ${TOKEN}` } })).rejects.toThrow();
    expect((await client.crm.contacts.basicApi.getPage(1)).results).toHaveLength(1);
  });
});

describe('HubSpot emulator rate limits', () => {
  let emulator: HubSpotEmulator;
  let client: Client;

  beforeAll(async () => {
    emulator = await startHubSpotEmulator({
      data: { companies: [], contacts: [hubSpotContact(1)] },
      accessToken: TOKEN,
      rateLimits: { perTenSeconds: 3, searchPerSecond: 2 },
      // The detail real 429s often lack (their default shape is tested in emulator-hubspot-limits).
      rateLimitAnswerDetail: true,
    });
    client = new Client({ accessToken: TOKEN, basePath: emulator.url });
  });
  afterAll(() => emulator.close());

  it('counts down X-HubSpot-RateLimit-Remaining and, asked for the detail, answers 429 TEN_SECONDLY_ROLLING with Retry-After', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const info = await client.crm.contacts.basicApi.getPageWithHttpInfo(10);
      expect(info.headers['x-hubspot-ratelimit-max']).toBe('3');
      expect(info.headers['x-hubspot-ratelimit-interval-milliseconds']).toBe('10000');
      remaining.push(info.headers['x-hubspot-ratelimit-remaining']!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const error = await expectApiError(client.crm.contacts.basicApi.getPage(10));
    expect(error.code).toBe(429);
    expect(error.body).toMatchObject({
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
      category: 'RATE_LIMITS',
    });
    expect(Number(error.headers['retry-after'])).toBeGreaterThan(0);
    expect(emulator.stats().http429).toBe(1);
  });

  it('limits search per second on its own, without rate-limit headers', async () => {
    const search = () => client.crm.contacts.searchApi.doSearchWithHttpInfo({ filterGroups: [], sorts: [], properties: [], limit: 1, after: '0' });
    const first = await search();
    expect(first.headers['x-hubspot-ratelimit-remaining']).toBeUndefined();
    await search();
    const error = await expectApiError(search());
    expect(error.code).toBe(429);
    expect(error.body.message).toBe('You have reached your secondly limit.');
  });
});
