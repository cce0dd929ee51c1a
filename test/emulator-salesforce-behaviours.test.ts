// The Salesforce emulator's answers in the shapes real orgs give and a sync must survive
// (/work/shared/crm-apis/salesforce.md, "Behaviours a sync must survive"), proven through jsforce
// talking to it unchanged.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFixtureJson, generateDemoFixture } from '../emulators/demo-data.js';
import type { SObject } from '../emulators/fixture.js';
import { DEFAULT_EMULATOR_CREDENTIALS } from '../emulators/main.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce.js';

// jsforce honours http(s)_proxy and ignores NO_PROXY: loopback calls would go to the proxy.
for (const name of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[name];

const clientId = 'behaviours-client';
const clientSecret = 'behaviours-secret';
const BASE_MS = Date.UTC(2025, 0, 1);

/** Contacts that share stamps ten at a time, as real orgs' do; every 50th deleted. */
function contacts(count: number): SObject[] {
  return Array.from({ length: count }, (_, i) => {
    const stamp = new Date(BASE_MS + Math.floor(i / 10) * 1000).toISOString();
    return { Id: `003${String(i).padStart(12, '0')}AAA`, LastName: `Last${i}`, IsDeleted: i % 50 === 49, LastModifiedDate: stamp, SystemModstamp: stamp };
  });
}

async function connect(emulator: SalesforceEmulator): Promise<jsforce.Connection> {
  const conn = new jsforce.Connection({ oauth2: { clientId, clientSecret, loginUrl: emulator.url }, version: '59.0' });
  await conn.authorize({ grant_type: 'client_credentials' });
  return conn;
}

interface Batch {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: { Id?: string }[];
}

/** Every batch of a query, following nextRecordsUrl with queryMore until done. */
async function batches(conn: jsforce.Connection, soql: string, opts: { batchSize?: number; scanAll?: boolean } = {}): Promise<Batch[]> {
  const headers = opts.batchSize ? { 'Sforce-Query-Options': `batchSize=${opts.batchSize}` } : {};
  const all: Batch[] = [(await conn.query(soql, { headers, scanAll: opts.scanAll } as object)) as Batch];
  while (!all.at(-1)!.done) {
    expect(all.at(-1)!.nextRecordsUrl).toMatch(/\/query\/01g\w+-\d+$/);
    all.push((await conn.queryMore(all.at(-1)!.nextRecordsUrl!)) as Batch);
  }
  expect(all.at(-1)!.nextRecordsUrl).toBeUndefined();
  return all;
}

const idsOf = (all: Batch[]) => all.flatMap((batch) => batch.records.map((record) => record.Id));
const sizesOf = (all: Batch[]) => all.map((batch) => batch.records.length);

describe('Salesforce emulator short batches', () => {
  const rows = contacts(2100);
  let emulator: SalesforceEmulator;
  let conn: jsforce.Connection;

  beforeAll(async () => {
    emulator = await startSalesforceEmulator({ data: { Account: [], Contact: rows }, clientId, clientSecret });
    conn = await connect(emulator);
  });
  afterAll(() => emulator.close());

  const KEYSET = 'SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp >= 2025-01-01T00:00:00Z ORDER BY SystemModstamp ASC, Id ASC LIMIT 2000';
  const ALL = 'SELECT Id FROM Contact ORDER BY Id';

  it('answers at most `rows` rows a batch with done:false, and queryMore reads every row exactly once', async () => {
    const reference = await batches(conn, ALL, { batchSize: 200 });
    expect(sizesOf(reference)).toEqual([...Array(10).fill(200), 58]);
    emulator.setQuirks({ shortBatches: { rows: 150 } });
    try {
      const short = await batches(conn, ALL, { batchSize: 200 });
      expect(short[0]).toMatchObject({ done: false, totalSize: 2058 });
      expect(short[0]!.records).toHaveLength(150);
      expect(sizesOf(short)).toEqual([...Array(13).fill(150), 108]);
      expect(idsOf(short)).toEqual(idsOf(reference));
      expect(new Set(idsOf(short)).size).toBe(2058);
      // queryAll too, deleted rows and all.
      const everything = await batches(conn, ALL, { batchSize: 200, scanAll: true });
      expect(everything.every((batch) => batch.totalSize === 2100 && batch.records.length <= 150)).toBe(true);
      expect(new Set(idsOf(everything)).size).toBe(2100);
    } finally {
      emulator.setQuirks({ shortBatches: null });
    }
    expect(sizesOf(await batches(conn, ALL, { batchSize: 200 }))).toEqual(sizesOf(reference));
  });

  it('splits a LIMIT 2000 keyset query into batches of 500 with done:false, totalSize the LIMIT', async () => {
    const reference = await batches(conn, KEYSET);
    expect(sizesOf(reference)).toEqual([2000]);
    emulator.setQuirks({ shortBatches: { rows: 500 } });
    try {
      const short = await batches(conn, KEYSET);
      expect(short.map((batch) => [batch.records.length, batch.done, batch.totalSize])).toEqual([
        [500, false, 2000], [500, false, 2000], [500, false, 2000], [500, true, 2000],
      ]);
      expect(idsOf(short)).toEqual(idsOf(reference));
    } finally {
      emulator.setQuirks({ shortBatches: undefined });
    }
  });

  it('answers a seeded random 1..batch size rows a batch: the same rows in the same order as without, the same sizes for the same seed', async () => {
    const reference = await batches(conn, KEYSET.replace('LIMIT 2000', 'LIMIT 600'), { batchSize: 200 });
    const run = async (seed: number) => {
      emulator.setQuirks({ shortBatches: { random: true, seed } });
      try {
        return await batches(conn, KEYSET.replace('LIMIT 2000', 'LIMIT 600'), { batchSize: 200 });
      } finally {
        emulator.setQuirks({ shortBatches: undefined });
      }
    };
    const first = await run(7);
    expect(idsOf(first)).toEqual(idsOf(reference));
    expect(first.every((batch) => batch.totalSize === 600)).toBe(true);
    const sizes = sizesOf(first);
    expect(sizes.slice(0, -1).every((size) => size >= 1 && size <= 200)).toBe(true);
    expect(sizes.slice(0, -1).some((size) => size < 200)).toBe(true);
    expect(sizesOf(await run(7))).toEqual(sizes);
    expect(sizesOf(await run(8))).not.toEqual(sizes);
  });

  it('takes short batches as a start-up option too', async () => {
    const started = await startSalesforceEmulator({ data: { Account: [], Contact: rows.slice(0, 30) }, clientId, clientSecret, shortBatches: { rows: 7 } });
    try {
      const all = await batches(await connect(started), 'SELECT Id FROM Contact');
      expect(sizesOf(all)).toEqual([7, 7, 7, 7, 2]);
    } finally {
      await started.close();
    }
  });
});

describe('Salesforce emulator audit stamps at whole seconds', () => {
  const withMilliseconds: SObject[] = [
    {
      Id: '003000000000001AAA', LastName: 'Ms',
      CreatedDate: '2025-03-01T10:00:00.999Z', LastModifiedDate: '2025-03-02T11:30:15.123Z', SystemModstamp: '2025-03-02T11:30:15.456+0000',
    },
    { Id: '003000000000002AAA', LastName: 'Other', CreatedDate: '2025-03-01T10:00:00.001Z' },
  ];
  let emulator: SalesforceEmulator;
  let conn: jsforce.Connection;

  beforeAll(async () => {
    emulator = await startSalesforceEmulator({ data: { Account: [], Contact: withMilliseconds }, clientId, clientSecret });
    conn = await connect(emulator);
  });
  afterAll(() => emulator.close());

  const stampsOf = async (id: string) =>
    (await conn.query(`SELECT CreatedDate, LastModifiedDate, SystemModstamp FROM Contact WHERE Id = '${id}'`, { scanAll: true } as object)).records[0]!;

  it('drops the milliseconds of stamps loaded from a fixture and answers them as Salesforce does', async () => {
    expect(await stampsOf('003000000000001AAA')).toMatchObject({
      CreatedDate: '2025-03-01T10:00:00.000+0000',
      LastModifiedDate: '2025-03-02T11:30:15.000+0000',
      SystemModstamp: '2025-03-02T11:30:15.000+0000',
    });
    // Stamps the emulator fills in itself (from CreatedDate here) are whole too.
    expect(await stampsOf('003000000000002AAA')).toMatchObject({
      CreatedDate: '2025-03-01T10:00:00.000+0000', LastModifiedDate: '2025-03-01T10:00:00.000+0000', SystemModstamp: '2025-03-01T10:00:00.000+0000',
    });
    // The same instant compares equal in a filter, as a client taking a cursor from an answer needs.
    const tied = await conn.query("SELECT Id FROM Contact WHERE SystemModstamp = 2025-03-02T11:30:15Z");
    expect(tied.records.map((record) => record.Id)).toEqual(['003000000000001AAA']);
  });

  it('stamps its own edits, deletions and reloads at whole seconds', async () => {
    const wholeSecond = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/;
    await conn.sobject('Contact').update({ Id: '003000000000001AAA', LastName: 'Edited' });
    const edited = await stampsOf('003000000000001AAA');
    expect(edited.LastModifiedDate).toMatch(wholeSecond);
    expect(edited.SystemModstamp).toMatch(wholeSecond);
    expect(Date.now() - Date.parse(String(edited.SystemModstamp).replace('+0000', 'Z'))).toBeLessThan(60_000);

    await conn.sobject('Contact').destroy('003000000000001AAA');
    expect((await stampsOf('003000000000001AAA')).SystemModstamp).toMatch(wholeSecond);
    const now = new Date();
    const deleted = (await conn.request(
      `/services/data/v59.0/sobjects/Contact/deleted/?start=${new Date(now.getTime() - 3600_000).toISOString()}&end=${new Date(now.getTime() + 60_000).toISOString()}`,
    )) as { deletedRecords: { id: string; deletedDate: string }[] };
    expect(deleted.deletedRecords.map((record) => record.deletedDate)).toEqual([expect.stringMatching(wholeSecond)]);

    emulator.load({ Account: [], Contact: [{ ...withMilliseconds[1]!, LastName: 'Reloaded' }] });
    expect((await stampsOf('003000000000002AAA')).SystemModstamp).toMatch(wholeSecond);
  });
});

describe('Salesforce emulator SOQL datetime literals (the documented forms only)', () => {
  let emulator: SalesforceEmulator;
  let conn: jsforce.Connection;

  beforeAll(async () => {
    emulator = await startSalesforceEmulator({ data: { Account: [], Contact: contacts(30) }, clientId, clientSecret });
    conn = await connect(emulator);
  });
  afterAll(() => emulator.close());

  const where = (literal: string) => `SELECT Id FROM Contact WHERE SystemModstamp >= ${literal} ORDER BY SystemModstamp ASC, Id ASC`;

  it('accepts whole seconds with Z, +hh:mm or -hh:mm, as the same instant', async () => {
    for (const literal of ['2025-01-01T00:00:02Z', '2025-01-01T01:00:02+01:00', '2024-12-31T23:30:02-00:30']) {
      const result = await conn.query(where(literal));
      expect(result.totalSize, literal).toBe(10);
    }
  });

  it.each([
    ['2025-01-01T00:00:02.000Z', 'milliseconds, as toISOString() writes them'],
    ['2025-01-01T00:00:02.5Z', 'a fraction of a second'],
    ['2025-01-01T00:00:02.000+0000', 'the answer format, milliseconds and a colon-less offset'],
    ['2025-01-01T00:00:02+0000', 'an offset without its colon'],
    ['2025-01-01T00:00:02', 'no zone'],
  ])('refuses %s (%s) with MALFORMED_QUERY naming the literal', async (literal) => {
    const error = await conn.query(where(literal)).then(() => undefined, (caught: unknown) => caught as { name: string; message: string });
    expect(error).toMatchObject({ name: 'MALFORMED_QUERY' });
    expect(error!.message).toContain(`Invalid datetime literal: ${literal}.`);
    const response = await fetch(`${emulator.url}/services/data/v59.0/query?q=${encodeURIComponent(where(literal))}`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual([{ errorCode: 'MALFORMED_QUERY', message: expect.stringContaining(literal) }]);
  });
});

describe('demo data with Salesforce records sharing seconds', () => {
  const stampCounts = (records: SObject[]) => {
    const counts = new Map<unknown, number>();
    for (const record of records) counts.set(record.SystemModstamp, (counts.get(record.SystemModstamp) ?? 0) + 1);
    return counts;
  };

  it('stamps Salesforce records at whole seconds by default, mostly one record a second', () => {
    const { salesforce } = generateDemoFixture({ contacts: 2000, seed: 5 });
    for (const record of [...salesforce.Account, ...salesforce.Contact]) {
      for (const name of ['CreatedDate', 'LastModifiedDate', 'SystemModstamp']) expect(record[name]).toMatch(/T\d{2}:\d{2}:\d{2}\.000\+0000$/);
    }
    expect(Math.max(...stampCounts(salesforce.Contact).values())).toBeLessThanOrEqual(2);
  });

  it('puts salesforceRecordsPerSecond records in each second, changing no other value', () => {
    const plain = generateDemoFixture({ contacts: 2000, seed: 5 });
    const tied = generateDemoFixture({ contacts: 2000, seed: 5, salesforceRecordsPerSecond: 13 });
    const contactsBySecond = stampCounts(tied.salesforce.Contact);
    expect(Math.max(...contactsBySecond.values())).toBeGreaterThanOrEqual(13);
    expect(contactsBySecond.size).toBe(Math.ceil(tied.salesforce.Contact.length / 13));
    expect(Math.max(...stampCounts(tied.salesforce.Account).values())).toBeGreaterThanOrEqual(13);
    for (const record of [...tied.salesforce.Account, ...tied.salesforce.Contact]) {
      expect(Date.parse(String(record.CreatedDate).replace('+0000', 'Z'))).toBeLessThanOrEqual(Date.parse(String(record.LastModifiedDate).replace('+0000', 'Z')));
    }
    const withoutStamps = (records: SObject[]) =>
      records.map(({ CreatedDate: _c, LastModifiedDate: _l, SystemModstamp: _s, EmailBouncedDate: _b, ...rest }) => rest);
    expect(withoutStamps(tied.salesforce.Contact)).toEqual(withoutStamps(plain.salesforce.Contact));
    expect(withoutStamps(tied.salesforce.Account)).toEqual(withoutStamps(plain.salesforce.Account));
    expect(tied.hubspot).toEqual(plain.hubspot);
    expect([...demoFixtureJson({ contacts: 2000, seed: 5, salesforceRecordsPerSecond: 13 })].join('')).toBe(JSON.stringify(tied));
  });

  it('takes --sf-records-per-second on the emulator command line', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'emulators/main.ts', '--demo', '400', '--sf-records-per-second', '9', '--only', 'salesforce'], {
      cwd: new URL('..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const { salesforce: url } = JSON.parse(line) as { salesforce: string };
      const conn = new jsforce.Connection({
        oauth2: { clientId: DEFAULT_EMULATOR_CREDENTIALS.salesforceClientId, clientSecret: DEFAULT_EMULATOR_CREDENTIALS.salesforceClientSecret, loginUrl: url },
        version: '59.0',
      });
      await conn.authorize({ grant_type: 'client_credentials' });
      const records = (await conn.query('SELECT Id, SystemModstamp FROM Contact ORDER BY SystemModstamp ASC, Id ASC')).records as SObject[];
      expect(Math.max(...stampCounts(records).values())).toBe(9);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
