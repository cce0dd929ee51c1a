// How close the HubSpot client's full walks come to HubSpot's rate limits on their own, without a
// database or a worker: the benchmark's emulator processes with N generated contacts (about half
// of them in HubSpot) and their default limits; companies and contacts walked side by side as a
// sync does.
//   npx tsx bench/hubspot-walk.ts [--contacts 100000] [--list-only]
// --list-only walks contacts with the list API alone (the walk before both ends were read at once).
// Prints seconds, calls, and the fewest seconds the limits allow for those calls.
import { parseArgs } from 'node:util';
import { createHubSpotClient } from '../activities/crm/hubspot/client.js';
import type { CrmObjectType, CrmWalkPage } from '../activities/crm/types.js';
import { DEFAULT_EMULATOR_CREDENTIALS } from '../emulators/main.js';
import { connectionConfig, type HubSpotConnectionConfig } from '../worker/config.js';
import { startEmulatorProcess } from './sync.js';

const { values } = parseArgs({ options: { contacts: { type: 'string', default: '100000' }, 'list-only': { type: 'boolean', default: false } } });
const emulators = await startEmulatorProcess(Number(values.contacts), true, (m) => process.stderr.write(`${m}\n`));
try {
  const config = connectionConfig.parse({
    id: 'bench', system: 'hubspot', baseUrl: emulators.hubspotUrl, accessToken: DEFAULT_EMULATOR_CREDENTIALS.hubspotAccessToken,
  }) as HubSpotConnectionConfig;
  const client = createHubSpotClient(config);

  const walk = async (type: CrmObjectType) => {
    let records = 0;
    let position: string | null = values['list-only'] && type === 'contacts'
      ? JSON.stringify({ phase: 'list', after: null })
      : client.startWalk(type, null);
    while (position !== null) {
      const page: CrmWalkPage = await client.fetchPage(type, position);
      records += page.records.length;
      position = page.next;
    }
    return records;
  };
  const startedAt = Date.now();
  const [contactsRead, companiesRead] = await Promise.all([walk('contacts'), walk('companies')]);
  const seconds = (Date.now() - startedAt) / 1000;
  const stats = await emulators.hubspotStats();
  const dataCalls = stats.requests - stats.searchRequests;
  const boundSeconds = Math.max(dataCalls / (config.rateLimit.requestsPerTenSeconds / 10), stats.searchRequests / config.rateLimit.searchRequestsPerSecond);
  console.log(JSON.stringify({
    walk: values['list-only'] ? 'list-only' : 'both ends',
    contacts: contactsRead,
    companies: companiesRead,
    seconds,
    dataCalls,
    searchCalls: stats.searchRequests,
    http429: stats.http429,
    boundSeconds: Math.round(boundSeconds * 10) / 10,
    utilization: Math.round((boundSeconds / seconds) * 1000) / 1000,
  }));
} finally {
  await emulators.stop();
}
