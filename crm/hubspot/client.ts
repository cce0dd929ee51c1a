// HubSpot through the official SDK (@hubspot/api-client), CRM v3 objects API: the CrmClient, wired
// from a connection's configuration. transport.ts makes the calls under HubSpot's limits, walks.ts
// reads a walk page by page (how each walk goes, and why), mappers.ts turns objects into records.
import { Client } from '@hubspot/api-client';
import { ApiBudget } from '../budget.js';
import { Pacer } from '../pacer.js';
import type { CrmClient, CrmContactRecord } from '../types.js';
import type { HubSpotConnectionConfig } from './config.js';
import { toContact } from './mappers.js';
import { readRecordsById } from './read-by-id.js';
import { createHubSpotTransport } from './transport.js';
import { fetchWalkPage, startWalk } from './walks.js';

export function createHubSpotClient(config: HubSpotConnectionConfig): CrmClient {
  const transport = createHubSpotTransport({
    connectionId: config.id,
    // Retries and pacing are ours, so the SDK's own are switched off.
    sdk: new Client({ accessToken: config.accessToken, basePath: config.baseUrl, numberOfApiCallRetries: 0 }),
    dataPacer: new Pacer({ limit: config.rateLimit.requestsPerTenSeconds, windowMs: 10_000 }),
    searchPacer: new Pacer({ limit: config.rateLimit.searchRequestsPerSecond, windowMs: 1_000 }),
    budget: new ApiBudget(config.id, 'HubSpot account', config.maxApiUsagePercent),
  });

  async function findContactsByEmail(email: string): Promise<CrmContactRecord[]> {
    const page = await transport.search('contacts', [[{ propertyName: 'email', operator: 'EQ', value: email }]], 'hs_object_id', 0);
    return page.results.map(toContact);
  }

  return {
    connectionId: config.id,
    system: 'hubspot',
    stats: () => ({ ...transport.stats }),
    findContactsByEmail,
    startWalk,
    fetchPage: (type, position) => fetchWalkPage(transport, type, position),
    readRecords: (type, ids) => readRecordsById(transport, type, ids),
  };
}
