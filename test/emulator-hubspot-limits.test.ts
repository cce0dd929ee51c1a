// The HubSpot emulator's search limits and 429 answers in the shapes real portals give and a sync must
// survive (/work/shared/crm-apis/hubspot.md), proven through @hubspot/api-client talking to it unchanged.
import { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSpotEmulator, type HubSpotEmulator } from '../emulators/hubspot.js';
import { contact } from './hubspot-records.js';

const TOKEN = 'behaviours-token';

async function failure(promise: Promise<unknown>): Promise<{ code: number; body: any; headers: Record<string, string> }> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error, 'the call should have failed').toBeDefined();
  return error as { code: number; body: any; headers: Record<string, string> };
}

describe('HubSpot emulator search limits (the current "Search the CRM" reference)', () => {
  let emulator: HubSpotEmulator;
  let client: Client;

  beforeAll(async () => {
    emulator = await startHubSpotEmulator({
      data: { companies: [], contacts: Array.from({ length: 30 }, (_, i) => contact(i + 1)) },
      accessToken: TOKEN,
      rateLimits: false,
    });
    client = new Client({ accessToken: TOKEN, basePath: emulator.url });
  });
  afterAll(() => emulator.close());

  const filter = (i: number) => ({ propertyName: 'hs_object_id', operator: FilterOperatorEnum.Neq, value: String(1000 + i) });
  const filters = (count: number, from = 0) => Array.from({ length: count }, (_, i) => filter(from + i));
  const search = (request: { filterGroups: { filters: ReturnType<typeof filter>[] }[]; sorts?: unknown[]; properties?: string[] }) =>
    client.crm.contacts.searchApi.doSearch({ sorts: [], properties: [], limit: 100, after: '0', ...request } as never);

  async function expectRefused(promise: Promise<unknown>, limit: RegExp): Promise<void> {
    const error = await failure(promise);
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(error.body.correlationId).toEqual(expect.any(String));
    expect(error.body.message).toMatch(limit);
  }

  it('accepts 6 filters in a group and refuses 7, naming the per-group maximum', async () => {
    expect((await search({ filterGroups: [{ filters: filters(6) }] })).total).toBe(30);
    await expectRefused(search({ filterGroups: [{ filters: filters(7) }] }), /maximum is 6 filters per filter group/);
  });

  it('accepts 18 filters across groups and refuses 19, naming the total maximum', async () => {
    const groups = (sizes: number[]) => sizes.map((size, g) => ({ filters: filters(size, g * 10) }));
    expect((await search({ filterGroups: groups([6, 6, 6]) })).total).toBe(30);
    await expectRefused(search({ filterGroups: groups([6, 6, 6, 1]) }), /maximum is 18 filters across all filter groups/);
  });

  it('still refuses a sixth filter group', async () => {
    await expectRefused(search({ filterGroups: Array.from({ length: 6 }, (_, g) => ({ filters: [filter(g)] })) }), /maximum is 5 filter groups/);
  });

  it('accepts one sort rule and refuses two', async () => {
    const byId = { propertyName: 'hs_object_id', direction: 'DESCENDING' };
    const one = await search({ filterGroups: [], sorts: [byId] });
    expect(one.results[0]!.id).toBe('30');
    await expectRefused(search({ filterGroups: [], sorts: [byId, { propertyName: 'email', direction: 'ASCENDING' }] }), /maximum is 1 sort rule/);
  });

  it('accepts a body of 3,000 characters and refuses one of 3,001, counting the raw JSON', async () => {
    // Padded with a property name whose length sets the body's to the character.
    const bodyOf = (chars: number) => {
      const base = JSON.stringify({ filterGroups: [], sorts: [], properties: [''], limit: 10, after: '0' });
      return JSON.stringify({ filterGroups: [], sorts: [], properties: ['x'.repeat(chars - base.length)], limit: 10, after: '0' });
    };
    const post = (body: string) =>
      fetch(`${emulator.url}/crm/v3/objects/contacts/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body,
      });
    expect(bodyOf(3000)).toHaveLength(3000);
    expect((await post(bodyOf(3000))).status).toBe(200);
    const refused = await post(bodyOf(3001));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ category: 'VALIDATION_ERROR', message: expect.stringMatching(/maximum is 3000 characters/) });
    // The SDK sends the same JSON text, so it meets the same limit.
    const properties = JSON.parse(bodyOf(3001)).properties as string[];
    await expectRefused(client.crm.contacts.searchApi.doSearch({ filterGroups: [], sorts: [], properties, limit: 10, after: '0' }), /3000 characters/);
  });
});

describe('HubSpot emulator 429 answers', () => {
  let emulator: HubSpotEmulator;
  let client: Client;

  beforeAll(async () => {
    emulator = await startHubSpotEmulator({
      data: { companies: [], contacts: [contact(1)] },
      accessToken: TOKEN,
      rateLimits: { perTenSeconds: 2, searchPerSecond: 1 },
    });
    client = new Client({ accessToken: TOKEN, basePath: emulator.url });
  });
  afterAll(() => emulator.close());

  const search = () => client.crm.contacts.searchApi.doSearch({ filterGroups: [], sorts: [], properties: [], limit: 1, after: '0' });

  it('answers the ten-secondly limit bare, as real 429s often come: no Retry-After, no policyName, rate-limit headers kept', async () => {
    await client.crm.contacts.basicApi.getPage(1);
    await client.crm.contacts.basicApi.getPage(1);
    const error = await failure(client.crm.contacts.basicApi.getPage(1));
    expect(error.code).toBe(429);
    expect(error.headers['retry-after']).toBeUndefined();
    expect(error.body).not.toHaveProperty('policyName');
    expect(error.body).toMatchObject({ status: 'error', category: 'RATE_LIMITS', message: 'You have reached your ten_secondly_rolling limit.' });
    expect(error.headers['x-hubspot-ratelimit-max']).toBe('2');
    expect(error.headers['x-hubspot-ratelimit-remaining']).toBe('0');
  });

  it('answers the secondly search limit and injected 429s bare too', async () => {
    await search();
    const secondly = await failure(search());
    expect(secondly.code).toBe(429);
    expect(secondly.headers['retry-after']).toBeUndefined();
    expect(secondly.body).not.toHaveProperty('policyName');
    expect(secondly.body.message).toBe('You have reached your secondly limit.');

    emulator.faults({ status429Next: 1 });
    const injected = await failure(search());
    expect(injected.code).toBe(429);
    expect(injected.headers['retry-after']).toBeUndefined();
    expect(injected.body).not.toHaveProperty('policyName');
  });

  it('puts Retry-After and policyName back when asked (setQuirks at run time)', async () => {
    emulator.setQuirks({ rateLimitAnswerDetail: true });
    try {
      emulator.faults({ status429Next: 1 });
      const injected = await failure(client.crm.contacts.basicApi.getPage(1));
      expect(Number(injected.headers['retry-after'])).toBeGreaterThan(0);
      expect(injected.body.policyName).toBe('TEN_SECONDLY_ROLLING');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await search();
      const secondly = await failure(search());
      expect(Number(secondly.headers['retry-after'])).toBeGreaterThan(0);
      expect(secondly.body.policyName).toBe('SECONDLY');
    } finally {
      emulator.setQuirks({ rateLimitAnswerDetail: false });
    }
  });

  it('always names the DAILY policy: a client needs it to tell that the day is used up', async () => {
    const daily = await startHubSpotEmulator({ data: { companies: [], contacts: [contact(1)] }, accessToken: TOKEN, rateLimits: { perDay: 1 } });
    try {
      const dailyClient = new Client({ accessToken: TOKEN, basePath: daily.url });
      await dailyClient.crm.contacts.basicApi.getPage(1);
      const error = await failure(dailyClient.crm.contacts.basicApi.getPage(1));
      expect(error.code).toBe(429);
      expect(error.body).toMatchObject({ policyName: 'DAILY', message: 'You have reached your daily limit.' });
    } finally {
      await daily.close();
    }
  });
});
