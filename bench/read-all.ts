// The CRM clients' full walks alone: companies and contacts of both CRMs walked side by side as a
// sync walks them, each page fetched and parsed by the real SDK and dropped. No database, no
// worker: what reading the emulators costs by itself, in seconds and CPU.
import { createHubSpotClient } from '../crm/hubspot/client.js';
import { createSalesforceClient } from '../crm/salesforce/client.js';
import type { CrmClient, CrmObjectType, CrmWalkPage } from '../crm/types.js';
import { DEFAULT_EMULATOR_CREDENTIALS } from '../emulators/main.js';
import type { HubSpotConnectionConfig } from '../crm/hubspot/config.js';
import { connectionConfig } from '../crm/registry.js';
import type { SalesforceConnectionConfig } from '../crm/salesforce/config.js';
import { processCpuSeconds, type EmulatorProcess } from './processes.js';

/** The highest limits the pacer's configuration accepts: what "limits off" gives a HubSpot connection. */
export const UNLIMITED_HUBSPOT_RATE = { requestsPerTenSeconds: 10_000, searchRequestsPerSecond: 100 } as const;

export interface ReadAllOptions {
  /** The emulators run without limits: give the pacer the highest limits too. */
  limitsOff: boolean;
  /** Walk the Salesforce org beside HubSpot. */
  salesforce: boolean;
  /** Walk HubSpot contacts with the list API alone. */
  listOnly?: boolean;
}

export interface ReadAllResult {
  seconds: number;
  hubspotContacts: number;
  hubspotCompanies: number;
  salesforceContacts: number;
  salesforceAccounts: number;
  hubspotConfig: HubSpotConnectionConfig;
  /** CPU seconds (user + system) over the walk: this process and each emulator process. */
  cpuSeconds: { reader: number; hubspotEmulator: number; salesforceEmulator: number };
}

async function walk(client: CrmClient, type: CrmObjectType, firstPosition?: string): Promise<number> {
  let records = 0;
  let position: string | null = firstPosition ?? client.startWalk(type, null);
  while (position !== null) {
    const page: CrmWalkPage = await client.fetchPage(type, position);
    records += page.records.length;
    position = page.next;
  }
  return records;
}

export async function readAll(emulators: EmulatorProcess, opts: ReadAllOptions): Promise<ReadAllResult> {
  const hubspotConfig = connectionConfig.parse({
    id: 'bench-read-hubspot', system: 'hubspot', baseUrl: emulators.hubspotUrl, accessToken: DEFAULT_EMULATOR_CREDENTIALS.hubspotAccessToken,
    ...(opts.limitsOff ? { rateLimit: UNLIMITED_HUBSPOT_RATE } : {}),
  }) as HubSpotConnectionConfig;
  const hubspot = createHubSpotClient(hubspotConfig);
  const salesforce = opts.salesforce
    ? createSalesforceClient(connectionConfig.parse({
      id: 'bench-read-salesforce', system: 'salesforce', loginUrl: emulators.salesforceUrl, apiVersion: '59.0',
      clientId: DEFAULT_EMULATOR_CREDENTIALS.salesforceClientId, clientSecret: DEFAULT_EMULATOR_CREDENTIALS.salesforceClientSecret,
    }) as SalesforceConnectionConfig)
    : null;

  const selfBefore = process.cpuUsage();
  const hubspotBefore = processCpuSeconds(emulators.pids.hubspot);
  const salesforceBefore = processCpuSeconds(emulators.pids.salesforce);
  const startedAt = Date.now();
  const [hubspotContacts, hubspotCompanies, salesforceContacts, salesforceAccounts] = await Promise.all([
    walk(hubspot, 'contacts', opts.listOnly ? JSON.stringify({ phase: 'list', after: null }) : undefined),
    walk(hubspot, 'companies'),
    salesforce ? walk(salesforce, 'contacts') : 0,
    salesforce ? walk(salesforce, 'companies') : 0,
  ]);
  const seconds = (Date.now() - startedAt) / 1000;
  const self = process.cpuUsage(selfBefore);
  return {
    seconds,
    hubspotContacts,
    hubspotCompanies,
    salesforceContacts,
    salesforceAccounts,
    hubspotConfig,
    cpuSeconds: {
      reader: (self.user + self.system) / 1e6,
      hubspotEmulator: processCpuSeconds(emulators.pids.hubspot) - hubspotBefore,
      salesforceEmulator: processCpuSeconds(emulators.pids.salesforce) - salesforceBefore,
    },
  };
}
