// The Salesforce emulator (emulators/salesforce.ts) as the dev stack and the demo run it.
import type { Fixture } from '../../emulators/fixture.js';
import type { CrmEmulatorProvider } from '../provider.js';

/** The connected app the dev stack's emulator accepts; it guards nothing real. */
const DEV_CLIENT = { clientId: 'dev-salesforce-client-id', clientSecret: 'dev-salesforce-client-secret' };

type Section = Fixture['salesforce'];

export const salesforceEmulator: CrmEmulatorProvider = {
  async start(data) {
    const { startSalesforceEmulator } = await import('../../emulators/salesforce.js');
    return startSalesforceEmulator({ data: data as Section, ...DEV_CLIENT });
  },
  devConnection: (url) => ({
    id: 'salesforce', system: 'salesforce', displayName: 'Salesforce (emulator)', loginUrl: url, apiVersion: '59.0', ...DEV_CLIENT,
  }),
  describe: (data) => `${(data as Section).Account.length} accounts, ${(data as Section).Contact.length} contacts`,
};
