// HubSpot as vipsync knows it: see crm/provider.ts.
import type { CrmProvider } from '../provider.js';
import { hubspotConnectionSchema, hubspotShorthand, type HubSpotConnectionConfig } from './config.js';
import { hubspotEmulator } from './emulator.js';
import { hubspotFacts } from './facts.js';

export const hubspotProvider: CrmProvider<HubSpotConnectionConfig> = {
  system: 'hubspot',
  label: 'HubSpot',
  connectionSchema: hubspotConnectionSchema,
  shorthandFromEnv: hubspotShorthand,
  shorthandHint: 'HUBSPOT_ACCESS_TOKEN',
  baseUrl: (config) => config.baseUrl,
  createClient: async (config) => (await import('./client.js')).createHubSpotClient(config),
  facts: hubspotFacts,
  emulator: hubspotEmulator,
};
