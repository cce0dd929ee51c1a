// The Salesforce client's reads by id (the push path), through jsforce against the emulator: live
// records mapped exactly as a walk maps them, deleted and merged ones as a walk reports them, ids
// Salesforce does not know as missing, and batches that keep each query's URI within Salesforce's
// limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSalesforceClient } from '../crm/salesforce/client.js';
import { connectionConfig } from '../crm/registry.js';
import type { SalesforceConnectionConfig } from '../crm/salesforce/config.js';
import { READ_BY_ID_BATCH, readByIdQuery } from '../crm/salesforce/read-by-id.js';
import { ACCOUNT_FIELDS, CONTACT_FIELDS } from '../crm/salesforce/client.js';
import type { CrmClient, CrmWalkPage } from '../crm/types.js';
import type { SObject } from '../emulators/fixture.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce.js';

// jsforce honours http(s)_proxy and ignores NO_PROXY: loopback calls would go to the proxy.
for (const name of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[name];

const STAMP = '2025-01-01T00:00:00.000+0000';
const ACME = '001000000000001AAA';
const ANN = '003000000000001AAA';
const BEN = '003000000000002AAA';
const MERGED = '003000000000003AAA';
const NEVER = '003999999999999AAA';

/** 450 contacts beside the named ones, for the batching. */
const many: SObject[] = Array.from({ length: 450 }, (_, i) => ({
  Id: `003${String(1000 + i).padStart(12, '0')}AAA`, LastName: `Many${i}`, Email: `many${i}@example.com`, LastModifiedDate: STAMP, SystemModstamp: STAMP,
}));

let emulator: SalesforceEmulator;
let client: CrmClient;

beforeAll(async () => {
  emulator = await startSalesforceEmulator({
    clientId: 'read-client', clientSecret: 'read-secret', pubSub: false,
    data: {
      Account: [{ Id: ACME, Name: 'Acme', Website: 'https://www.acme.example/about', AnnualRevenue: 5_000_000, LastModifiedDate: STAMP, SystemModstamp: STAMP }],
      Contact: [
        { Id: ANN, LastName: 'Lee', FirstName: 'Ann', Email: 'ann@acme.example', AccountId: ACME, MobilePhone: '+1 555 0100', VIP_Level__c: 4, LastModifiedDate: STAMP, SystemModstamp: STAMP },
        { Id: BEN, LastName: 'Ng', Email: 'ben@acme.example', LastModifiedDate: STAMP, SystemModstamp: STAMP },
        { Id: MERGED, LastName: 'Lee', Email: 'ann.lee@acme.example', IsDeleted: true, MasterRecordId: ANN, LastModifiedDate: STAMP, SystemModstamp: STAMP },
        ...many,
      ],
    },
  });
  const config = connectionConfig.parse({
    id: 'sf-read', system: 'salesforce', loginUrl: emulator.url, clientId: 'read-client', clientSecret: 'read-secret', apiVersion: '59.0',
  }) as SalesforceConnectionConfig;
  client = createSalesforceClient(config);
});

afterAll(async () => {
  await emulator?.close();
});

/** Every record a full walk of `type` reads. */
async function walkAll(type: 'contacts' | 'companies') {
  const records = [];
  let position: string | null = client.startWalk(type, null);
  while (position) {
    const page: CrmWalkPage = await client.fetchPage(type, position);
    records.push(...page.records);
    position = page.next;
  }
  return records;
}

describe('Salesforce readRecords (the push path\'s reads by id)', () => {
  it('maps live contacts and accounts exactly as a walk does', async () => {
    const read = await client.readRecords!('contacts', [ANN, BEN]);
    const walked = (await walkAll('contacts')).filter((r) => r.crmId === ANN || r.crmId === BEN);
    expect(read.records.sort((a, b) => a.crmId.localeCompare(b.crmId))).toEqual(walked);
    expect(read.records[0]).toMatchObject({ crmId: ANN, email: 'ann@acme.example', phone: '+1 555 0100', companyCrmId: ACME, explicitVipLevel: 4 });
    expect(read).toMatchObject({ deletions: [], missing: [] });

    const account = await client.readRecords!('companies', [ACME]);
    expect(account.records).toEqual(await walkAll('companies'));
    expect(account.records[0]).toMatchObject({ crmId: ACME, name: 'Acme', domain: 'acme.example' });
  });

  it('reports a deleted record (queryAll, IsDeleted) as deleted, a merged one as merged into its survivor, and an unknown id as missing', async () => {
    emulator.records.delete('Contact', BEN);
    const read = await client.readRecords!('contacts', [BEN, MERGED, NEVER, ANN]);
    expect(read.records.map((r) => r.crmId)).toEqual([ANN]);
    expect(read.deletions.sort((a, b) => a.crmId.localeCompare(b.crmId))).toEqual([
      { crmId: BEN, kind: 'deleted', at: expect.any(Date) },
      { crmId: MERGED, kind: 'merged', mergedIntoId: ANN, at: new Date('2025-01-01T00:00:00Z') },
    ]);
    expect(read.missing).toEqual([NEVER]);
  });

  it('finds a record by its 15-character id (Salesforce answers the 18-character one) and reads an id asked twice once', async () => {
    const read = await client.readRecords!('contacts', [ANN.slice(0, 15), ANN]);
    expect(read.records.map((r) => r.crmId)).toEqual([ANN]);
    expect(read.missing).toEqual([]);
  });

  it(`reads ${READ_BY_ID_BATCH} ids a query: 450 ids take three`, async () => {
    const before = client.stats().apiCalls;
    const read = await client.readRecords!('contacts', many.map((c) => c.Id));
    expect(read.records).toHaveLength(450);
    expect(new Set(read.records.map((r) => r.email)).size).toBe(450);
    expect(client.stats().apiCalls - before).toBe(3);
  });

  it('keeps each query\'s URI far below the 16,384 bytes Salesforce accepts and its SOQL below 100,000 characters', () => {
    const ids = Array.from({ length: READ_BY_ID_BATCH }, (_, i) => `003${String(i).padStart(15, 'z')}`);
    for (const [sobject, fields] of [['Contact', CONTACT_FIELDS], ['Account', ACCOUNT_FIELDS]] as const) {
      const soql = readByIdQuery(sobject, fields, ids);
      const uri = `/services/data/v59.0/queryAll?q=${encodeURIComponent(soql)}`;
      expect(uri.length).toBeLessThan(8_000);
      expect(soql.length).toBeLessThan(100_000);
    }
  });

  it('refuses a value that is not a Salesforce id, naming it, before any query', async () => {
    const before = client.stats().apiCalls;
    await expect(client.readRecords!('contacts', [ANN, "x' OR Name != '"])).rejects.toThrow(/read Contact by id: "x' OR Name != '" is not a Salesforce id/);
    expect(client.stats().apiCalls).toBe(before);
  });
});
