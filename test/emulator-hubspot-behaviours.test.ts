// The HubSpot emulator's records, cursors and company links in the shapes real portals give and a
// sync must survive (/work/shared/crm-apis/hubspot.md, "Behaviours a sync must survive"), proven
// through @hubspot/api-client talking to it unchanged. Its limits and 429s: emulator-hubspot-limits.
import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot.js';
import { company, contact } from './hubspot-records.js';

const TOKEN = 'behaviours-token';

describe('HubSpot emulator records and cursors in real shapes', () => {
  let emulator: HubSpotEmulator;
  let client: Client;

  beforeAll(async () => {
    emulator = await startHubSpotEmulator({
      data: { companies: [company(9001), company(9002)], contacts: Array.from({ length: 25 }, (_, i) => contact(i + 1, [{ id: '9001' }])) },
      accessToken: TOKEN,
      rateLimits: false,
    });
    client = new Client({ accessToken: TOKEN, basePath: emulator.url });
  });
  afterAll(() => emulator.close());

  /** The raw JSON: the SDK's models drop fields they do not declare, `url` among them. */
  async function raw(method: 'GET' | 'POST', path: string, body?: object): Promise<any> {
    const response = await client.apiRequest({ method, path, body });
    expect(response.status).toBe(200);
    return response.json();
  }

  it('gives every object of list, get, search and batch answers its record URL', async () => {
    const contactUrl = (id: string) => `https://app.hubspot.com/contacts/24681357/record/0-1/${id}`;
    const list = await raw('GET', '/crm/v3/objects/contacts?limit=3');
    expect(list.results.map((o: { url: string }) => o.url)).toEqual(['1', '2', '3'].map(contactUrl));
    expect((await raw('GET', '/crm/v3/objects/contacts/7')).url).toBe(contactUrl('7'));
    const search = await raw('POST', '/crm/v3/objects/contacts/search', { filterGroups: [], sorts: [], properties: [], limit: 2, after: '0' });
    expect(search.results.map((o: { url: string }) => o.url)).toEqual(['1', '2'].map(contactUrl));
    const batch = await raw('POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: '4' }], properties: [] });
    expect(batch.results[0].url).toBe(contactUrl('4'));
    const companies = await raw('GET', '/crm/v3/objects/companies');
    expect(companies.results[0].url).toBe('https://app.hubspot.com/contacts/24681357/record/0-2/9001');
  });

  it('pages a list with numeric-looking cursors, and resumes from any cursor it gave', async () => {
    const cursors: string[] = [];
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await client.crm.contacts.basicApi.getPage(10, after);
      seen.push(...page.results.map((o) => o.id));
      after = page.paging?.next?.after;
      if (after) cursors.push(after);
    } while (after);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
    expect(cursors).toHaveLength(2);
    for (const cursor of cursors) expect(cursor).toMatch(/^\d+$/);
    // A cursor read earlier still leads to the same page (a client resuming after a crash).
    const again = await client.crm.contacts.basicApi.getPage(10, cursors[1]);
    expect(again.results.map((o) => o.id)).toEqual(seen.slice(20));
  });
});

describe('HubSpot emulator company links with labels', () => {
  // Contacts 1-12 link to 9001, 9002 and 9003 with 9002 typed as the primary; 13-16 link to 9003
  // and 9001 untyped, so the first listed (9003) is theirs; 17 has no company.
  const contacts = [
    ...Array.from({ length: 12 }, (_, i) => contact(i + 1, [{ id: '9001' }, { id: '9002', type: 'contact_to_company' }, { id: '9003' }])),
    ...Array.from({ length: 4 }, (_, i) => contact(i + 13, [{ id: '9003' }, { id: '9001' }])),
    contact(17),
  ];
  const primaryOf = (id: string) => (Number(id) <= 12 ? '9002' : '9003');
  let emulator: HubSpotEmulator;
  let client: Client;

  beforeAll(async () => {
    emulator = await startHubSpotEmulator({
      data: { companies: [company(9001), company(9002), company(9003)], contacts },
      accessToken: TOKEN,
      rateLimits: false,
    });
    client = new Client({ accessToken: TOKEN, basePath: emulator.url });
  });
  afterAll(() => emulator.close());

  it('lists the primary company once labelled and once unlabeled, the others unlabeled, and the primary not always first', async () => {
    const page = await client.crm.contacts.basicApi.getPage(100, undefined, ['associatedcompanyid'], undefined, ['companies']);
    expect(page.results).toHaveLength(17);
    let primaryLast = 0;
    let primaryFirst = 0;
    for (const record of page.results) {
      if (record.id === '17') {
        expect(record.associations).toBeUndefined();
        continue;
      }
      const links = record.associations!.companies!.results.map((link) => `${link.id}:${link.type}`);
      const primary = primaryOf(record.id);
      const others = (Number(record.id) <= 12 ? ['9001', '9002', '9003'] : ['9001', '9003']).filter((id) => id !== primary);
      expect([...links].sort()).toEqual([
        `${primary}:contact_to_company`, `${primary}:contact_to_company_unlabeled`, ...others.map((id) => `${id}:contact_to_company_unlabeled`),
      ].sort());
      expect(record.properties.associatedcompanyid).toBe(primary);
      if (links[0] === `${primary}:contact_to_company`) primaryFirst++;
      // Last: every other company before it, and its unlabeled copy before the labelled one.
      if (links.at(-1) === `${primary}:contact_to_company` && links.at(-2) === `${primary}:contact_to_company_unlabeled`) primaryLast++;
    }
    expect(primaryLast).toBeGreaterThan(0);
    expect(primaryFirst).toBeGreaterThan(0);
    expect(primaryLast + primaryFirst).toBe(16);
    // The same contact always reads the same.
    const again = await client.crm.contacts.basicApi.getPage(100, undefined, undefined, undefined, ['companies']);
    expect(again.results.map((r) => r.associations)).toEqual(page.results.map((r) => r.associations));
  });

  it('gives the primary company typeIds 1 (Primary) and 279 in v4 answers, the others only 279', async () => {
    const primaryTypes = [{ category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' }, { category: 'HUBSPOT_DEFINED', typeId: 279, label: null }];
    const unlabeled = [{ category: 'HUBSPOT_DEFINED', typeId: 279, label: null }];
    const batch = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: [{ id: '1' }, { id: '13' }] });
    const byContact = new Map(batch.results.map((r) => [r._from.id, new Map(r.to.map((to) => [to.toObjectId, to.associationTypes]))]));
    expect(byContact.get('1')).toEqual(new Map([['9001', unlabeled], ['9002', primaryTypes], ['9003', unlabeled]]));
    expect(byContact.get('13')).toEqual(new Map([['9003', primaryTypes], ['9001', unlabeled]]));
    const perObject = await client.crm.associations.v4.basicApi.getPage('contacts', '2', 'companies');
    expect(new Map(perObject.results.map((to) => [to.toObjectId, to.associationTypes]))).toEqual(
      new Map([['9001', unlabeled], ['9002', primaryTypes], ['9003', unlabeled]]),
    );
  });

  it('reads a fixture copied from a real answer (the primary listed under both labels) as one link per company', async () => {
    const copied = await startHubSpotEmulator({
      data: {
        companies: [company(9001), company(9002)],
        contacts: [contact(1, [
          { id: '9001', type: 'contact_to_company_unlabeled' }, { id: '9002', type: 'contact_to_company_unlabeled' }, { id: '9002', type: 'contact_to_company' },
        ])],
      },
      accessToken: TOKEN,
      rateLimits: false,
    });
    try {
      const copiedClient = new Client({ accessToken: TOKEN, basePath: copied.url });
      const record = await copiedClient.crm.contacts.basicApi.getById('1', ['associatedcompanyid'], undefined, ['companies']);
      expect(record.properties.associatedcompanyid).toBe('9002');
      expect(record.associations!.companies!.results).toHaveLength(3);
      expect(record.associations!.companies!.results.filter((link) => link.type === 'contact_to_company')).toEqual([{ id: '9002', type: 'contact_to_company' }]);
    } finally {
      await copied.close();
    }
  });
});

describe('HubSpot emulator empty pages that carry a cursor', () => {
  // 45 live contacts and 3 archived ones.
  const contacts = [
    ...Array.from({ length: 45 }, (_, i) => contact(i + 1)),
    ...[46, 47, 48].map((n) => ({ ...contact(n), archived: true })),
  ];
  let emulator: HubSpotEmulator;
  let client: Client;

  beforeAll(async () => {
    emulator = await startHubSpotEmulator({ data: { companies: [], contacts }, accessToken: TOKEN, rateLimits: false });
    client = new Client({ accessToken: TOKEN, basePath: emulator.url });
  });
  afterAll(() => emulator.close());

  const list = (after?: string, archived = false) => client.crm.contacts.basicApi.getPage(10, after, undefined, undefined, undefined, archived);
  const search = (after: string) =>
    client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: FilterOperatorEnum.HasProperty }] }],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' } as unknown as string],
      properties: [],
      limit: 10,
      after,
    });
  const ids = (page: { results: { id: string }[] }) => page.results.map((o) => o.id);

  /** Follows cursors until there is none, as a walk must: an empty page is not the end. */
  async function walk(read: (after: string | undefined) => Promise<{ results: { id: string }[]; paging?: { next?: { after: string } } }>) {
    const seen: string[] = [];
    let empty = 0;
    let after: string | undefined;
    do {
      const page = await read(after);
      if (page.results.length === 0) empty++;
      seen.push(...ids(page));
      after = page.paging?.next?.after;
    } while (after !== undefined);
    return { seen, empty };
  }

  it('answers the next N list pages empty with a cursor that gives the page the client would have had', async () => {
    const firstPage = await list();
    const secondPage = await list(firstPage.paging!.next!.after);
    emulator.faults({ emptyPagesNext: 2 });
    const empty = await list();
    expect(empty.results).toEqual([]);
    const cursor = empty.paging!.next!.after;
    expect(cursor).toMatch(/^\d+$/);
    const stillEmpty = await list(cursor);
    expect(stillEmpty.results).toEqual([]);
    expect(ids(await list(stillEmpty.paging!.next!.after))).toEqual(ids(firstPage));
    // With a cursor, the empty page hands the same cursor back.
    emulator.faults({ emptyPagesNext: 1 });
    const emptyLater = await list(firstPage.paging!.next!.after);
    expect(emptyLater.results).toEqual([]);
    expect(emptyLater.paging!.next!.after).toBe(firstPage.paging!.next!.after);
    expect(ids(await list(emptyLater.paging!.next!.after))).toEqual(ids(secondPage));
  });

  it('does so for archived lists and searches too, keeping the search total, and counts them as requests', async () => {
    const archived = await list(undefined, true);
    const searched = await search('20');
    const before = emulator.stats().requests;
    emulator.faults({ emptyPagesNext: 1 });
    const emptyArchived = await list(undefined, true);
    expect(emptyArchived.results).toEqual([]);
    expect(ids(await list(emptyArchived.paging!.next!.after, true))).toEqual(ids(archived));
    emulator.faults({ emptyPagesNext: 1 });
    const emptySearch = await search('20');
    expect(emptySearch.results).toEqual([]);
    expect(emptySearch.total).toBe(45);
    expect(emptySearch.paging!.next!.after).toBe('20');
    expect(ids(await search(emptySearch.paging!.next!.after))).toEqual(ids(searched));
    expect(emulator.stats().requests - before).toBe(4);
    // A get by id is no list: it never comes back empty.
    emulator.faults({ emptyPagesNext: 1 });
    expect((await client.crm.contacts.basicApi.getById('5')).id).toBe('5');
    expect((await list(undefined, true)).results).toEqual([]);
    expect(ids(await list(undefined, true))).toEqual(ids(archived));
  });

  it('with emptyPageEvery, walks that follow every cursor read each record exactly once', async () => {
    const reference = await walk((after) => list(after));
    expect(reference.empty).toBe(0);
    emulator.setQuirks({ emptyPageEvery: 3 });
    try {
      const listed = await walk((after) => list(after));
      expect(listed.seen).toEqual(reference.seen);
      expect(listed.seen).toEqual(Array.from({ length: 45 }, (_, i) => String(i + 1)));
      expect(listed.empty).toBeGreaterThan(0);
      const searched = await walk((after) => search(after ?? '0'));
      expect(searched.seen).toEqual(reference.seen);
      expect(searched.empty).toBeGreaterThan(0);
    } finally {
      emulator.setQuirks({ emptyPageEvery: undefined });
    }
    expect((await walk((after) => list(after))).empty).toBe(0);
  });

  it('makes every Nth answer empty when started with emptyPageEvery, and refuses an N that would empty every page', async () => {
    const every = await startHubSpotEmulator({ data: { companies: [], contacts }, accessToken: TOKEN, rateLimits: false, emptyPageEvery: 2 });
    try {
      const everyClient = new Client({ accessToken: TOKEN, basePath: every.url });
      const sizes: number[] = [];
      for (let i = 0; i < 4; i++) sizes.push((await everyClient.crm.contacts.basicApi.getPage(10)).results.length);
      expect(sizes).toEqual([10, 0, 10, 0]);
      expect(() => every.setQuirks({ emptyPageEvery: 1 })).toThrow(/at least 2/);
    } finally {
      await every.close();
    }
  });
});
