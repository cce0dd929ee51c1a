// The Salesforce emulator, proven with the real SDK (jsforce) talking to it unchanged: OAuth,
// query paging and record shapes, changes, errors, injected faults, the daily API limit and token lifetime.
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SObject } from '../emulators/fixture.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce.js';

// jsforce honours http(s)_proxy and ignores NO_PROXY: loopback calls would go to the proxy.
for (const name of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[name];

const BASE_MS = Date.UTC(2025, 0, 1);

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
