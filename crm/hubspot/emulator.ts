// The HubSpot emulator (emulators/hubspot.ts) as the dev stack and the demo run it.
import type { Fixture } from '../../emulators/fixture.js';
import type { CrmEmulatorProvider } from '../provider.js';

/** The private app token the dev stack's emulator accepts; it guards nothing real. */
const DEV_ACCESS_TOKEN = 'dev-hubspot-private-app-token';

type Section = Fixture['hubspot'];

export const hubspotEmulator: CrmEmulatorProvider = {
  async start(data) {
    const { startHubSpotEmulator } = await import('../../emulators/hubspot.js');
    return startHubSpotEmulator({ data: data as Section, accessToken: DEV_ACCESS_TOKEN });
  },
  devConnection: (url) => ({ id: 'hubspot', system: 'hubspot', displayName: 'HubSpot (emulator)', baseUrl: url, accessToken: DEV_ACCESS_TOKEN }),
  describe: (data) => `${(data as Section).companies.length} companies, ${(data as Section).contacts.length} contacts`,
};
