// Salesforce as vipsync knows it: see crm/provider.ts.
import type { CrmProvider } from '../provider.js';
import { salesforceConnectionSchema, salesforceShorthand, type SalesforceConnectionConfig } from './config.js';
import { salesforceEmulator } from './emulator.js';
import { salesforceFacts } from './facts.js';

export const salesforceProvider: CrmProvider<SalesforceConnectionConfig> = {
  system: 'salesforce',
  label: 'Salesforce',
  connectionSchema: salesforceConnectionSchema,
  shorthandFromEnv: salesforceShorthand,
  shorthandHint: 'SALESFORCE_CLIENT_ID + SALESFORCE_CLIENT_SECRET',
  baseUrl: (config) => config.loginUrl,
  createClient: async (config) => (await import('./client.js')).createSalesforceClient(config),
  facts: salesforceFacts,
  emulator: salesforceEmulator,
};
