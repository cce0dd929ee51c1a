// The HubSpot emulator (emulators/hubspot.ts) as the dev stack and the demo run it: its push path
// on, its webhooks signed with a dev client secret and sent where `vipsync serve` listens by default
// (VIPSYNC_HTTP_PORT, else 3000; `vipsync emulator webhooks --target URL` points them elsewhere).
import type { Fixture } from '../../emulators/fixture.js';
import type { CrmEmulatorProvider } from '../provider.js';

/** The private app token the dev stack's emulator accepts; it guards nothing real. */
const DEV_ACCESS_TOKEN = 'dev-hubspot-private-app-token';
/** The dev app's client secret, which signs the emulator's webhooks; it guards nothing real. */
export const DEV_WEBHOOK_SECRET = 'dev-hubspot-app-client-secret';

type Section = Fixture['hubspot'];

export const hubspotEmulator: CrmEmulatorProvider = {
  async start(data) {
    const { startHubSpotEmulator } = await import('../../emulators/hubspot.js');
    const port = process.env.VIPSYNC_HTTP_PORT ?? '3000';
    return startHubSpotEmulator({
      data: data as Section, accessToken: DEV_ACCESS_TOKEN,
      webhooks: { targetUrl: `http://127.0.0.1:${port}/v1/webhooks/hubspot/hubspot`, clientSecret: DEV_WEBHOOK_SECRET },
    });
  },
  devConnection: (url) => ({
    id: 'hubspot', system: 'hubspot', displayName: 'HubSpot (emulator)', baseUrl: url, accessToken: DEV_ACCESS_TOKEN,
    push: { enabled: true }, webhookSecret: DEV_WEBHOOK_SECRET,
  }),
  describe: (data) => `${(data as Section).companies.length} companies, ${(data as Section).contacts.length} contacts`,
};
