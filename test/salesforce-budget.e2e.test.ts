// The Salesforce client keeps to a share of the org's daily API limit, as the org reports it in
// every answer (Sforce-Limit-Info), through jsforce against the emulator.
import jsforce from 'jsforce';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_BUDGET_RECHECK_MS } from '../crm/budget.js';
import { createSalesforceClient } from '../crm/salesforce/client.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce.js';
import { connectionConfig } from '../crm/registry.js';
import type { SalesforceConnectionConfig } from '../crm/salesforce/config.js';
import { emptyFixture, salesforceContact } from './fixtures/build.js';

// jsforce honours http(s)_proxy and ignores NO_PROXY: loopback calls would go to the proxy.
for (const name of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[name];

const clientId = 'budget-client';
const clientSecret = 'budget-secret';

describe('Salesforce daily API budget', () => {
  let emulator: SalesforceEmulator;

  beforeAll(async () => {
    const data = emptyFixture().salesforce;
    data.Contact = [salesforceContact(1, '2026-03-01T00:00:00.000Z')];
    emulator = await startSalesforceEmulator({ data, clientId, clientSecret, dailyApiLimit: 100 });
    // Another integration of the org has spent 84 of the day's 100 calls.
    const other = new jsforce.Connection({ oauth2: { clientId, clientSecret, loginUrl: emulator.url }, version: '59.0' });
    await other.authorize({ grant_type: 'client_credentials' });
    for (let i = 0; i < 84; i += 1) await other.query('SELECT Id FROM Contact');
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('stops calling at the configured share of the org\'s limit, with an error that says why, and looks again later', async () => {
    const config = connectionConfig.parse({
      id: 'budget', system: 'salesforce', loginUrl: emulator.url, clientId, clientSecret, maxApiUsagePercent: 90,
    }) as SalesforceConnectionConfig;
    const client = createSalesforceClient(config);

    // Under the budget every call is made: calls 85 to 90 of the day.
    for (let i = 0; i < 6; i += 1) expect(await client.findContactsByEmail('sf1@example.com')).toHaveLength(1);
    expect(emulator.stats().apiUsage).toBe(90);

    // At 90 of 100 no call leaves, for a lookup or a walk.
    const refusal = /connection "budget": the Salesforce org has used 90 of its 100 daily API calls, at or over the 90% vipsync may use \(maxApiUsagePercent/;
    await expect(client.findContactsByEmail('sf1@example.com')).rejects.toMatchObject({ name: 'CrmUnavailableError', message: expect.stringMatching(refusal) });
    await expect(client.fetchPage('contacts', client.startWalk('contacts', null))).rejects.toMatchObject({ name: 'CrmUnavailableError' });
    expect(emulator.stats().apiUsage).toBe(90);

    // After the recheck interval one call reads the usage again; still over, so the next is refused.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + API_BUDGET_RECHECK_MS });
    expect(await client.findContactsByEmail('sf1@example.com')).toHaveLength(1);
    await expect(client.findContactsByEmail('sf1@example.com')).rejects.toMatchObject({ name: 'CrmUnavailableError' });
    expect(emulator.stats().apiUsage).toBe(91);
    // The emulator never had to refuse a call: the org's own limit was not reached.
    expect(emulator.stats().apiUsage).toBeLessThan(100);
  });
});
