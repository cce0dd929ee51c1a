// Runs both emulators as one process (demo stack, manual testing) or in-process via startEmulators.
//   tsx emulators/main.ts --hubspot-port P --salesforce-port Q [--fixture FILE | --demo N [--sf-records-per-second K]]
//     [--only hubspot|salesforce] [--hubspot-token T] [--salesforce-client-id ID --salesforce-client-secret S] [--no-rate-limits]
// --sf-records-per-second K: the demo's Salesforce records share their stamps K to a second, as a real org's do.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateDemoFixture } from './demo-data.js';
import { loadFixtureFile, type Fixture } from './fixture.js';
import { startHubSpotEmulator, type HubSpotEmulator, type HubSpotEmulatorOptions } from './hubspot.js';
import { startSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from './salesforce.js';

/** Credentials the emulators accept when none are given; the dev stack uses the same ones. */
export const DEFAULT_EMULATOR_CREDENTIALS = {
  hubspotAccessToken: 'emulator-hubspot-token',
  salesforceClientId: 'emulator-client-id',
  salesforceClientSecret: 'emulator-client-secret',
} as const;

export interface StartEmulatorsOptions {
  fixture?: Fixture;
  host?: string;
  hubspotPort?: number;
  salesforcePort?: number;
  hubspotToken?: string;
  salesforceClientId?: string;
  salesforceClientSecret?: string;
  /** false switches HubSpot's rate limiting off (bulk demos, benchmarks). */
  rateLimits?: boolean;
}

export interface RunningEmulators {
  hubspot: HubSpotEmulator;
  salesforce: SalesforceEmulator;
  close(): Promise<void>;
}

export function emptyFixture(): Fixture {
  return { hubspot: { companies: [], contacts: [] }, salesforce: { Account: [], Contact: [] } };
}

function hubspotOptions(opts: StartEmulatorsOptions): HubSpotEmulatorOptions {
  return {
    data: (opts.fixture ?? emptyFixture()).hubspot,
    accessToken: opts.hubspotToken ?? DEFAULT_EMULATOR_CREDENTIALS.hubspotAccessToken,
    host: opts.host,
    port: opts.hubspotPort,
    rateLimits: opts.rateLimits === false ? false : undefined,
  };
}

function salesforceOptions(opts: StartEmulatorsOptions): SalesforceEmulatorOptions {
  return {
    data: (opts.fixture ?? emptyFixture()).salesforce,
    clientId: opts.salesforceClientId ?? DEFAULT_EMULATOR_CREDENTIALS.salesforceClientId,
    clientSecret: opts.salesforceClientSecret ?? DEFAULT_EMULATOR_CREDENTIALS.salesforceClientSecret,
    host: opts.host,
    port: opts.salesforcePort,
  };
}

export async function startEmulators(opts: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const hubspot = await startHubSpotEmulator(hubspotOptions(opts));
  try {
    const salesforce = await startSalesforceEmulator(salesforceOptions(opts));
    return { hubspot, salesforce, close: async () => void (await Promise.all([hubspot.close(), salesforce.close()])) };
  } catch (error) {
    await hubspot.close();
    throw error;
  }
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'hubspot-port': { type: 'string' },
      'salesforce-port': { type: 'string' },
      host: { type: 'string' },
      fixture: { type: 'string' },
      demo: { type: 'string' },
      seed: { type: 'string' },
      'sf-records-per-second': { type: 'string' },
      'hubspot-token': { type: 'string' },
      'salesforce-client-id': { type: 'string' },
      'salesforce-client-secret': { type: 'string' },
      'no-rate-limits': { type: 'boolean' },
      only: { type: 'string' },
    },
    strict: true,
  });
  const only = values.only;
  if (only !== undefined && only !== 'hubspot' && only !== 'salesforce') throw new Error(`--only expects hubspot or salesforce, got '${only}'`);
  if (values.fixture && values.demo) throw new Error('give either --fixture FILE or --demo N, not both');
  const perSecond = values['sf-records-per-second'];
  if (perSecond !== undefined && !values.demo) throw new Error('--sf-records-per-second shapes demo data: give it with --demo N');
  const fixture = values.fixture
    ? await loadFixtureFile(values.fixture)
    : values.demo
      ? generateDemoFixture({
        contacts: wholeNumber('--demo', values.demo),
        seed: values.seed ? wholeNumber('--seed', values.seed) : undefined,
        salesforceRecordsPerSecond: perSecond === undefined ? undefined : wholeNumber('--sf-records-per-second', perSecond),
      })
      : emptyFixture();
  const options: StartEmulatorsOptions = {
    fixture,
    host: values.host,
    hubspotPort: values['hubspot-port'] ? wholeNumber('--hubspot-port', values['hubspot-port']) : undefined,
    salesforcePort: values['salesforce-port'] ? wholeNumber('--salesforce-port', values['salesforce-port']) : undefined,
    hubspotToken: values['hubspot-token'],
    salesforceClientId: values['salesforce-client-id'],
    salesforceClientSecret: values['salesforce-client-secret'],
    rateLimits: !values['no-rate-limits'],
  };
  // --only: one CRM per process, so each has a CPU of its own like the real services (benchmarks).
  const emulators: { urls: { hubspot?: string; salesforce?: string }; close(): Promise<void> } =
    only === 'hubspot'
      ? await startHubSpotOnly(options)
      : only === 'salesforce'
        ? await startSalesforceOnly(options)
        : await startEmulators(options).then((both) => ({ urls: { hubspot: both.hubspot.url, salesforce: both.salesforce.url }, close: () => both.close() }));
  // One JSON line on stdout is the readiness signal parent processes wait for.
  process.stdout.write(`${JSON.stringify(emulators.urls)}\n`);
  const stop = () => {
    emulators.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('emulators: error while stopping', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function startHubSpotOnly(opts: StartEmulatorsOptions) {
  const hubspot = await startHubSpotEmulator(hubspotOptions(opts));
  return { urls: { hubspot: hubspot.url }, close: () => hubspot.close() };
}

async function startSalesforceOnly(opts: StartEmulatorsOptions) {
  const salesforce = await startSalesforceEmulator(salesforceOptions(opts));
  return { urls: { salesforce: salesforce.url }, close: () => salesforce.close() };
}

function wholeNumber(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${flag} expects a whole number, got '${text}'`);
  return Number(text);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`emulators: ${(error as Error).message}`);
    process.exit(1);
  });
}
