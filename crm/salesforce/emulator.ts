// The Salesforce emulator (emulators/salesforce.ts) as the dev stack and the demo run it: the REST
// API, and the Pub/Sub API on a port of its own, whose Change Data Capture the dev connection
// subscribes to (on in the dev stack; off by default for a real org).
import type { Fixture } from '../../emulators/fixture.js';
import type { CrmEmulatorProvider } from '../provider.js';

/** The connected app the dev stack's emulator accepts; it guards nothing real. */
export const DEV_CLIENT = { clientId: 'dev-salesforce-client-id', clientSecret: 'dev-salesforce-client-secret' };

type Section = Fixture['salesforce'];

export const salesforceEmulator: CrmEmulatorProvider = {
  async start(data) {
    const { startSalesforceEmulator } = await import('../../emulators/salesforce.js');
    const emulator = await startSalesforceEmulator({ data: data as Section, ...DEV_CLIENT });
    const endpoint = emulator.changeEvents?.endpoint;
    return {
      url: emulator.url,
      close: () => emulator.close(),
      connectionSettings: endpoint ? { changeEvents: { enabled: true, pubSubEndpoint: `http://${endpoint}` } } : undefined,
    };
  },
  devConnection: (url) => ({
    id: 'salesforce', system: 'salesforce', displayName: 'Salesforce (emulator)', loginUrl: url, apiVersion: '59.0', ...DEV_CLIENT,
  }),
  describe: (data) => `${(data as Section).Account.length} accounts, ${(data as Section).Contact.length} contacts`,
};
