// How close the HubSpot client's full walks come to HubSpot's rate limits on their own, without a
// database or a worker: an emulator process with N generated contacts (about half of them in
// HubSpot) and its default limits; companies and contacts walked side by side as a sync does.
//   npx tsx bench/hubspot-walk.ts [--contacts 100000] [--list-only]
// --list-only walks contacts with the list API alone (the walk before both ends were read at once).
// Prints seconds, calls, and the fewest seconds the limits allow for those calls.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createHubSpotClient } from '../activities/crm/hubspot/client.js';
import type { CrmObjectType, CrmWalkPage } from '../activities/crm/types.js';
import { connectionConfig, type HubSpotConnectionConfig } from '../worker/config.js';

const { values } = parseArgs({ options: { contacts: { type: 'string', default: '100000' }, 'list-only': { type: 'boolean', default: false } } });
const contacts = Number(values.contacts);
const TOKEN = 'emulator-hubspot-token';

const emulator = spawn(
  process.execPath,
  ['--max-old-space-size=8192', '--import', 'tsx', new URL('../emulators/main.ts', import.meta.url).pathname, '--demo', String(contacts), '--only', 'hubspot', '--hubspot-token', TOKEN],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
try {
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: emulator.stdout! }).on('line', (line) => {
      try {
        const ready = JSON.parse(line) as { hubspot?: string };
        if (ready.hubspot) resolve(ready.hubspot);
      } catch {
        // not the readiness line
      }
    });
    emulator.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before it was ready`)));
  });
  const config = connectionConfig.parse({ id: 'bench', system: 'hubspot', baseUrl: url, accessToken: TOKEN }) as HubSpotConnectionConfig;
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
  const stats = await (await fetch(`${url}/__emulator/stats`)).json() as { requests: number; searchRequests: number; http429: number };
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
  emulator.kill();
}
