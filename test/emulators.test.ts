// The CRM emulators, proven with the real SDKs (@hubspot/api-client, jsforce) talking to them
// unchanged, plus the pure parts (SOQL parser, demo data, fixture validation) tested directly.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFixtureJson, generateDemoFixture } from '../emulators/demo-data.js';
import { parseFixture, type Fixture, type HubSpotObject, type SObject } from '../emulators/fixture.js';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot.js';
import { emptyFixture, startEmulators } from '../emulators/main.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce.js';
import { executeSoql, firstInOrder } from '../emulators/salesforce/query-engine.js';
import { parseSoql } from '../emulators/salesforce/soql-parser.js';
import { SalesforceStore } from '../emulators/salesforce/store.js';

// jsforce honours http(s)_proxy and ignores NO_PROXY: loopback calls would go to the proxy.
for (const name of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[name];

const TOKEN = 'test-token';
const DAY_MS = 86_400_000;
const BASE_MS = Date.UTC(2025, 0, 1);

function hubSpotContact(n: number, extra: Partial<HubSpotObject> = {}): HubSpotObject {
  return {
    id: String(n),
    properties: { email: `person${n}@example.com`, firstname: `First${n}`, lastname: `Last${n}`, vip_level: n % 7 === 0 ? '3' : null },
    createdAt: new Date(BASE_MS).toISOString(),
    updatedAt: new Date(BASE_MS + n * DAY_MS).toISOString(),
    associations: n % 3 === 0 ? undefined : { companies: { results: [{ id: String(9000 + (n % 5)) }] } },
    ...extra,
  };
}

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
      // The detail real 429s often lack (their default shape is tested in emulator-hubspot-behaviours).
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

describe('Salesforce emulator, driven by jsforce', () => {
  const clientId = 'test-client';
  const clientSecret = 'test-secret';
  const account: SObject = { Id: '001000000000001AAA', Name: 'Acme', Website: 'https://acme.example', LastModifiedDate: '2025-01-01T00:00:00Z' };
  const contacts: SObject[] = Array.from({ length: 450 }, (_, i) => ({
    Id: `003${String(i).padStart(12, '0')}AAA`,
    FirstName: `First${i}`,
    LastName: `Last${i}`,
    Email: `person${i}@example.com`,
    AccountId: i % 2 === 0 ? account.Id : null,
    VIP_Level__c: i % 10 === 0 ? 4 : null,
    IsDeleted: i === 7,
    LastModifiedDate: new Date(BASE_MS + i * 60_000).toISOString(),
  }));
  let emulator: SalesforceEmulator;
  let conn: jsforce.Connection;

  beforeAll(async () => {
    emulator = await startSalesforceEmulator({ data: { Account: [account], Contact: contacts }, clientId, clientSecret });
    conn = new jsforce.Connection({ oauth2: { clientId, clientSecret, loginUrl: emulator.url }, version: '59.0' });
    await conn.authorize({ grant_type: 'client_credentials' });
  });
  afterAll(() => emulator.close());

  it('issues client-credentials tokens that point jsforce back at the emulator', () => {
    expect(conn.instanceUrl).toBe(emulator.url);
    expect(conn.userInfo?.organizationId).toMatch(/^00D/);
  });

  it('refuses unknown client credentials with invalid_client', async () => {
    const stranger = new jsforce.Connection({ oauth2: { clientId, clientSecret: 'nope', loginUrl: emulator.url }, version: '59.0' });
    await expect(stranger.authorize({ grant_type: 'client_credentials' })).rejects.toMatchObject({ name: 'invalid_client' });
  });

  it('pages a query through nextRecordsUrl in batches of the requested size, skipping deleted rows', async () => {
    const soql = 'SELECT Id, Email, Account.Name, LastModifiedDate FROM Contact ORDER BY LastModifiedDate ASC';
    let page = await conn.query(soql, { headers: { 'Sforce-Query-Options': 'batchSize=200' } } as object);
    const sizes = [page.records.length];
    const ids = page.records.map((record) => record.Id as string);
    while (!page.done) {
      expect(page.nextRecordsUrl).toMatch(/\/services\/data\/v59\.0\/query\/01g\w+-\d+$/);
      page = await conn.queryMore(page.nextRecordsUrl!);
      sizes.push(page.records.length);
      ids.push(...page.records.map((record) => record.Id as string));
    }
    expect(page.totalSize).toBe(449);
    expect(sizes).toEqual([200, 200, 49]);
    expect(new Set(ids).size).toBe(449);
    expect(ids).not.toContain(contacts[7]!.Id);
    expect(conn.limitInfo?.apiUsage?.used).toBeGreaterThan(0);
  });

  it('shapes records like Salesforce: attributes, nested relationship fields, +0000 datetimes', async () => {
    const result = await conn.query(`SELECT Id, account.name, LastModifiedDate FROM Contact WHERE Id = '${contacts[2]!.Id}'`);
    expect(result.records[0]).toEqual({
      attributes: { type: 'Contact', url: `/services/data/v59.0/sobjects/Contact/${contacts[2]!.Id}` },
      Id: contacts[2]!.Id,
      Account: { attributes: { type: 'Account', url: `/services/data/v59.0/sobjects/Account/${account.Id}` }, Name: 'Acme' },
      LastModifiedDate: '2025-01-01T00:02:00.000+0000',
    });
    const orphan = await conn.query(`SELECT Account.Name FROM Contact WHERE Id = '${contacts[1]!.Id}'`);
    expect(orphan.records[0]!.Account).toBeNull();
  });

  it('returns deleted rows through queryAll only', async () => {
    const soql = 'SELECT Id, IsDeleted FROM Contact WHERE IsDeleted = true';
    expect((await conn.query(soql)).totalSize).toBe(0);
    const all = await conn.query(soql, { scanAll: true });
    expect(all.records.map((record) => record.Id)).toEqual([contacts[7]!.Id]);
  });

  it('keeps a hostile value inside its quotes when escaped backslash-first, and rejects the naive escaping', async () => {
    const hostile = "x\\' OR Email != '";
    const escaped = hostile.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    const result = await conn.query(`SELECT Id FROM Contact WHERE Email = '${escaped}'`);
    expect(result.totalSize).toBe(0);
    const naive = hostile.replace(/'/g, "\\'");
    await expect(conn.query(`SELECT Id FROM Contact WHERE Email = '${naive}'`)).rejects.toMatchObject({ name: 'MALFORMED_QUERY' });
  });

  it('answers unknown fields with INVALID_FIELD in Salesforce wording', async () => {
    await expect(conn.query('SELECT Id, Foo FROM Contact')).rejects.toMatchObject({
      name: 'INVALID_FIELD',
      message: expect.stringContaining("No such column 'Foo' on entity 'Contact'"),
    });
  });

  it('updates and deletes records, moving LastModifiedDate and SystemModstamp as Salesforce does', async () => {
    const id = contacts[20]!.Id;
    await conn.sobject('Contact').update({ Id: id, VIP_Level__c: 2 });
    const [updated] = (await conn.query(`SELECT VIP_Level__c, LastModifiedDate, SystemModstamp FROM Contact WHERE Id = '${id}'`)).records;
    expect(updated!.VIP_Level__c).toBe(2);
    expect(Date.now() - Date.parse(String(updated!.LastModifiedDate).replace('+0000', 'Z'))).toBeLessThan(60_000);

    await conn.sobject('Contact').destroy(id);
    const soql = `SELECT Id, IsDeleted, LastModifiedDate FROM Contact WHERE Id = '${id}'`;
    expect((await conn.query(soql)).totalSize).toBe(0);
    const [deleted] = (await conn.query(soql, { scanAll: true })).records;
    expect(deleted).toMatchObject({ IsDeleted: true, LastModifiedDate: updated!.LastModifiedDate });
  });

  it('recovers from an injected 503 through jsforce\'s own retry', async () => {
    emulator.faults({ status5xxNext: 1 });
    const result = await conn.query('SELECT Id FROM Account');
    expect(result.totalSize).toBe(1);
  });

  it('answers 401 INVALID_SESSION_ID once tokens expire, and a fresh token works again', async () => {
    emulator.expireTokens();
    const stale = new jsforce.Connection({ instanceUrl: emulator.url, accessToken: conn.accessToken!, version: '59.0' });
    await expect(stale.query('SELECT Id FROM Account')).rejects.toMatchObject({ name: 'INVALID_SESSION_ID', message: 'Session expired or invalid' });
    await conn.authorize({ grant_type: 'client_credentials' });
    expect((await conn.query('SELECT Id FROM Account')).totalSize).toBe(1);
  });
});

describe('Salesforce emulator limits and token lifetime', () => {
  it('answers 403 REQUEST_LIMIT_EXCEEDED once the daily API budget is spent', async () => {
    const emulator = await startSalesforceEmulator({ data: { Account: [], Contact: [] }, clientId: 'c', clientSecret: 's', dailyApiLimit: 2 });
    try {
      const conn = new jsforce.Connection({ oauth2: { clientId: 'c', clientSecret: 's', loginUrl: emulator.url }, version: '59.0' });
      await conn.authorize({ grant_type: 'client_credentials' });
      await conn.query('SELECT Id FROM Account');
      await conn.query('SELECT Id FROM Account');
      expect(conn.limitInfo?.apiUsage).toEqual({ used: 2, limit: 2 });
      await expect(conn.query('SELECT Id FROM Account')).rejects.toMatchObject({ name: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' });
    } finally {
      await emulator.close();
    }
  });

  it('expires tokens after tokenTtlSeconds', async () => {
    const emulator = await startSalesforceEmulator({ data: { Account: [], Contact: [] }, clientId: 'c', clientSecret: 's', tokenTtlSeconds: 0.2 });
    try {
      const response = await fetch(`${emulator.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=c&client_secret=s',
      });
      const { access_token: token } = (await response.json()) as { access_token: string };
      const query = () => fetch(`${emulator.url}/services/data/v59.0/query?q=SELECT+Id+FROM+Account`, { headers: { authorization: `Bearer ${token}` } });
      expect((await query()).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const expired = await query();
      expect(expired.status).toBe(401);
      expect(await expired.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    } finally {
      await emulator.close();
    }
  });
});

describe('SOQL parser and engine', () => {
  const store = new SalesforceStore();
  store.load({
    Account: [{ Id: '001000000000001AAA', Name: 'Acme' }],
    Contact: [
      { Id: '003000000000001AAA', LastName: "O'Brien", Email: 'Ann@Example.com', AccountId: '001000000000001AAA', LastModifiedDate: '2024-01-02T00:00:00.000+0000' },
      { Id: '003000000000002AAA', LastName: 'Back\\slash', Email: null, LastModifiedDate: '2024-01-01T00:00:00Z', VIP_Level__c: 3 },
      { Id: '003000000000003AAA', LastName: 'Line\nBreak', Email: 'c@example.com', LastModifiedDate: '2023-12-31T23:30:00-01:00' },
    ],
  });
  const ids = (soql: string, includeDeleted = false) => executeSoql(store, soql, { includeDeleted }).rows.map((row) => String(row.fields.Id).slice(-4));
  const errorOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return error as { errorCode: string; message: string };
    }
    throw new Error('expected an error');
  };

  it('parses fields, relationship paths, nested conditions, ordering and limits', () => {
    const query = parseSoql("select Id, Account.Name from Contact where (Email = 'a' or Email != null) and not LastName in ('x','y') order by LastName desc nulls last, Id limit 5 offset 1");
    expect(query.fields.map((field) => field.parts)).toEqual([['Id'], ['Account', 'Name']]);
    expect(query.sobject.name).toBe('Contact');
    expect(query.where).toMatchObject({ kind: 'and', operands: [{ kind: 'or' }, { kind: 'not', operand: { kind: 'in' } }] });
    expect(query.orderBy.map((item) => [item.descending, item.nullsFirst])).toEqual([[true, false], [false, true]]);
    expect([query.limit, query.offset]).toEqual([5, 1]);
  });

  it('refuses AND and OR mixed without parentheses, as Salesforce does', () => {
    const error = errorOf(() => parseSoql("SELECT Id FROM Contact WHERE Email = 'a' AND LastName = 'b' OR Id = 'c'"));
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toContain('ERROR at Row:1:Column:');
  });

  it('decodes SOQL escapes and rejects unknown escapes and unterminated strings', () => {
    expect(ids("SELECT Id FROM Contact WHERE LastName = 'O\\'Brien'")).toEqual(['1AAA']);
    expect(ids("SELECT Id FROM Contact WHERE LastName = 'Back\\\\slash'")).toEqual(['2AAA']);
    expect(ids("SELECT Id FROM Contact WHERE LastName = 'Line\\nBreak'")).toEqual(['3AAA']);
    expect(ids("SELECT Id FROM Contact WHERE LastName = '\\u004Fvbrien' OR LastName = '\\u004F\\'Brien'")).toEqual(['1AAA']);
    expect(errorOf(() => parseSoql("SELECT Id FROM Contact WHERE LastName = 'a\\qb'")).errorCode).toBe('MALFORMED_QUERY');
    expect(errorOf(() => parseSoql("SELECT Id FROM Contact WHERE LastName = 'open")).errorCode).toBe('MALFORMED_QUERY');
    expect(errorOf(() => parseSoql("SELECT Id FROM Contact WHERE LastName = 'a\\%'")).errorCode).toBe('MALFORMED_QUERY');
  });

  it('compares datetime literals in each documented form as instants', () => {
    expect(ids('SELECT Id FROM Contact WHERE LastModifiedDate >= 2024-01-01T00:00:00Z ORDER BY LastModifiedDate')).toEqual(['2AAA', '3AAA', '1AAA']);
    expect(ids('SELECT Id FROM Contact WHERE LastModifiedDate > 2024-01-01T01:00:00+01:00')).toEqual(['1AAA', '3AAA']);
    expect(ids('SELECT Id FROM Contact WHERE LastModifiedDate > 2023-12-31T23:00:00-01:00')).toEqual(['1AAA', '3AAA']);
    const quoted = errorOf(() => executeSoql(store, "SELECT Id FROM Contact WHERE LastModifiedDate > '2024-01-01'", { includeDeleted: false }));
    expect(quoted.errorCode).toBe('INVALID_FIELD');
    expect(quoted.message).toContain("must be of type dateTime");
  });

  it('matches text case-insensitively, handles null, IN, LIKE, numbers and relationship filters', () => {
    expect(ids("SELECT Id FROM Contact WHERE Email = 'ann@example.COM'")).toEqual(['1AAA']);
    expect(ids('SELECT Id FROM Contact WHERE Email = null')).toEqual(['2AAA']);
    expect(ids("SELECT Id FROM Contact WHERE Email != 'c@example.com'")).toEqual(['1AAA', '2AAA']);
    expect(ids("SELECT Id FROM Contact WHERE Email IN ('c@example.com', 'x')")).toEqual(['3AAA']);
    expect(ids("SELECT Id FROM Contact WHERE Email LIKE '%example%'")).toEqual(['1AAA', '3AAA']);
    expect(ids('SELECT Id FROM Contact WHERE VIP_Level__c >= 3')).toEqual(['2AAA']);
    expect(ids("SELECT Id FROM Contact WHERE Account.Name = 'acme'")).toEqual(['1AAA']);
    expect(ids('SELECT Id FROM Contact ORDER BY Email ASC')).toEqual(['2AAA', '1AAA', '3AAA']);
  });

  it('answers keyset queries from its SystemModstamp ordering exactly as a full scan would, across updates and deletions', () => {
    // 300 contacts on 20 distinct stamps (many ties), some with no email, some deleted.
    const keyed = new SalesforceStore();
    // SOQL takes whole-second literals ending in Z; the fixture takes the same text.
    const soqlDateTime = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const stamp = (i: number) => soqlDateTime(Date.UTC(2024, 0, 1) + (i % 20) * 60_000);
    keyed.load({
      Account: [],
      Contact: Array.from({ length: 300 }, (_, i) => ({
        Id: `003${String(1000 + ((i * 7919) % 300)).padStart(12, '0')}AAA`, LastName: `n${i}`, Email: i % 9 === 0 ? null : `p${i}@example.com`,
        LastModifiedDate: stamp(i), SystemModstamp: stamp(i), IsDeleted: i % 13 === 0,
      })),
    });
    // The reference: every row, filtered and sorted, no ordering reused.
    const reference = (where: (f: Record<string, unknown>) => boolean, includeDeleted: boolean, limit: number) =>
      keyed.all('Contact')
        .filter((r) => (includeDeleted || r.fields.IsDeleted !== true) && where(r.fields))
        .sort((a, b) => Number(a.fields.SystemModstamp) - Number(b.fields.SystemModstamp) || (String(a.fields.Id) < String(b.fields.Id) ? -1 : 1))
        .slice(0, limit)
        .map((r) => String(r.fields.Id));
    const walk = (includeDeleted: boolean, limit: number) => {
      let after: { stamp: number; id: string } | null = null;
      for (;;) {
        const where: string = after
          ? ` WHERE (SystemModstamp > ${soqlDateTime(after.stamp)}) OR (SystemModstamp = ${soqlDateTime(after.stamp)} AND Id > '${after.id}')`
          : ` WHERE SystemModstamp >= ${stamp(0)}`;
        const rows = executeSoql(keyed, `SELECT Id FROM Contact${where} ORDER BY SystemModstamp ASC, Id ASC LIMIT ${limit}`, { includeDeleted }).rows;
        const at = after;
        expect(rows.map((r) => String(r.fields.Id))).toEqual(reference(
          (f) => !at || Number(f.SystemModstamp) > at.stamp || (Number(f.SystemModstamp) === at.stamp && String(f.Id) > at.id), includeDeleted, limit,
        ));
        if (rows.length < limit) return;
        const last = rows.at(-1)!;
        after = { stamp: Number(last.fields.SystemModstamp), id: String(last.fields.Id) };
      }
    };
    walk(true, 7);
    walk(false, 50);
    // An update moves a row to the end of the order; a deletion stamps it too: the next queries see both.
    const [first, second] = executeSoql(keyed, `SELECT Id FROM Contact WHERE SystemModstamp >= ${stamp(0)} ORDER BY SystemModstamp ASC, Id ASC LIMIT 2`, { includeDeleted: false }).rows;
    keyed.update('Contact', String(first!.fields.Id), { LastName: 'moved' });
    keyed.delete('Contact', String(second!.fields.Id));
    const tail = executeSoql(keyed, `SELECT Id FROM Contact WHERE SystemModstamp > ${stamp(19)} ORDER BY SystemModstamp ASC, Id ASC LIMIT 10`, { includeDeleted: true }).rows.map((r) => String(r.fields.Id));
    expect(tail.sort()).toEqual([String(first!.fields.Id), String(second!.fields.Id)].sort());
    walk(true, 11);
    // Bounds in other shapes: AND takes the tightest, a null value never matches, a DESC key scans.
    expect(ids(`SELECT Id FROM Contact WHERE LastModifiedDate >= 2023-12-01T00:00:00Z AND LastModifiedDate > 2024-01-01T12:00:00Z ORDER BY LastModifiedDate ASC LIMIT 5`)).toEqual(['1AAA']);
    expect(ids('SELECT Id FROM Contact WHERE Email > null ORDER BY Email LIMIT 5')).toEqual([]);
    expect(ids('SELECT Id FROM Contact WHERE Email >= \'a\' ORDER BY Email NULLS LAST LIMIT 5')).toEqual(['1AAA', '3AAA']);
    expect(ids('SELECT Id FROM Contact WHERE LastModifiedDate >= 2023-01-01T00:00:00Z ORDER BY LastModifiedDate DESC LIMIT 2')).toEqual(['1AAA', '3AAA']);
  });

  it('names the unknown column, relationship or object in Salesforce wording', () => {
    const column = errorOf(() => executeSoql(store, 'SELECT Id, Foo FROM Contact', { includeDeleted: false }));
    expect(column.errorCode).toBe('INVALID_FIELD');
    expect(column.message).toBe(
      "\nSELECT Id, Foo FROM Contact\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo' on entity 'Contact'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    expect(errorOf(() => executeSoql(store, 'SELECT Owner.Name FROM Contact', { includeDeleted: false })).errorCode).toBe('INVALID_FIELD');
    expect(errorOf(() => executeSoql(store, 'SELECT Id FROM Lead', { includeDeleted: false })).errorCode).toBe('INVALID_TYPE');
    expect(errorOf(() => parseSoql('SELECT Id FROM Contact LIMIT')).errorCode).toBe('MALFORMED_QUERY');
    expect(errorOf(() => parseSoql('SELECT FROM Contact')).errorCode).toBe('MALFORMED_QUERY');
  });
});

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

describe('firstInOrder (ORDER BY ... LIMIT without sorting every match)', () => {
  // A small deterministic generator: the same cases on every run.
  function numbers(seed: number, count: number, spread: number): number[] {
    let x = seed;
    return Array.from({ length: count }, () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x % spread;
    });
  }
  const byValue = (a: number, b: number) => a - b;

  it.each([
    ['many duplicates', numbers(1, 5000, 20), 2000],
    ['all distinct', numbers(2, 3000, 1_000_000), 100],
    ['fewer matches than the limit', numbers(3, 50, 1000), 2000],
    ['limit of one', numbers(4, 1000, 1000), 1],
    ['already sorted', Array.from({ length: 1000 }, (_, i) => i), 10],
    ['reverse sorted', Array.from({ length: 1000 }, (_, i) => 1000 - i), 10],
  ])('equals a full sort then slice: %s', (_what, values, limit) => {
    const keep = (v: number) => v % 3 !== 0;
    expect(firstInOrder(values, keep, byValue, limit)).toEqual(values.filter(keep).sort(byValue).slice(0, limit));
  });

  it('returns nothing for a limit of zero or an empty input', () => {
    expect(firstInOrder([3, 1, 2], () => true, byValue, 0)).toEqual([]);
    expect(firstInOrder([], () => true, byValue, 5)).toEqual([]);
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
