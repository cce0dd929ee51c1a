// The CRM clients' full walks alone against the benchmark's emulator processes with N generated
// contacts (about half of them in each CRM), without a database or a worker (bench/read-all.ts).
//   npx tsx bench/crm-walk.ts [--contacts 100000] [--list-only] [--limits-off] [--salesforce]
// With the default limits it shows how close HubSpot's walks come to the rate limits on their own
// (the fewest seconds the limits allow for the calls made). --limits-off: the emulators refuse
// nothing and the pacer gets the highest limits its configuration accepts, so the figure is how
// fast this machine reads the CRMs at all. --salesforce walks the Salesforce org beside HubSpot.
// --list-only walks HubSpot contacts with the list API alone (the walk before both ends were read
// at once). Prints one JSON line: seconds, records, calls, CPU seconds of each process.
import { parseArgs } from 'node:util';
import { startEmulatorProcess } from './processes.js';
import { readAll } from './read-all.js';
import { round } from './reporting.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    'list-only': { type: 'boolean', default: false },
    'limits-off': { type: 'boolean', default: false },
    salesforce: { type: 'boolean', default: false },
  },
});
const limitsOff = values['limits-off'];
const emulators = await startEmulatorProcess(Number(values.contacts), !limitsOff, (m) => process.stderr.write(`${m}\n`));
try {
  const read = await readAll(emulators, { limitsOff, salesforce: values.salesforce, listOnly: values['list-only'] });
  const stats = await emulators.hubspotStats();
  const dataCalls = stats.requests - stats.searchRequests;
  const { rateLimit } = read.hubspotConfig;
  const boundSeconds = Math.max(dataCalls / (rateLimit.requestsPerTenSeconds / 10), stats.searchRequests / rateLimit.searchRequestsPerSecond);
  const contacts = read.hubspotContacts + read.salesforceContacts;
  console.log(JSON.stringify({
    walk: values['list-only'] ? 'list-only' : 'both ends',
    limits: limitsOff ? 'off' : 'on',
    hubspotContacts: read.hubspotContacts,
    hubspotCompanies: read.hubspotCompanies,
    salesforceContacts: read.salesforceContacts,
    salesforceAccounts: read.salesforceAccounts,
    seconds: read.seconds,
    contactsPerSec: round(contacts / read.seconds, 0),
    hubspotDataCalls: dataCalls,
    hubspotSearchCalls: stats.searchRequests,
    http429: stats.http429,
    ...(limitsOff ? {} : { boundSeconds: round(boundSeconds, 1), utilization: round(boundSeconds / read.seconds, 3) }),
    cpuSeconds: {
      reader: round(read.cpuSeconds.reader, 1),
      hubspotEmulator: round(read.cpuSeconds.hubspotEmulator, 1),
      salesforceEmulator: round(read.cpuSeconds.salesforceEmulator, 1),
    },
  }));
} finally {
  await emulators.stop();
}
