// A Change Data Capture subscriber in a process of its own, for the kill test
// (salesforce-change-events-kill.e2e.test.ts): hands each batch to a handler that appends its
// record ids to a file, one line per batch, then (slowly) resolves. Configured by environment.
import { appendFileSync } from 'node:fs';
import { createDb } from '../db/client.js';
import { ChangeEventSubscriber } from '../crm/salesforce/change-events/subscriber.js';
import type { SalesforceConnectionConfig } from '../crm/salesforce/config.js';

const config = JSON.parse(process.env.CHANGE_EVENTS_CONFIG!) as SalesforceConnectionConfig;
const out = process.env.CHANGE_EVENTS_OUT!;
const db = createDb(process.env.DATABASE_URL!);
const subscriber = new ChangeEventSubscriber({
  db,
  config,
  retry: { initialMs: 50, maxMs: 500 },
  handler: async (_connectionId, changes) => {
    appendFileSync(out, `${JSON.stringify(changes.map((c) => c.crmId))}\n`);
    // Handling takes a while, so a kill often lands between the handler and the replay id's write.
    await new Promise((resolve) => setTimeout(resolve, 40));
  },
  requestReconciliation: async (_connectionId, reason) => {
    appendFileSync(out, `${JSON.stringify({ reconcile: reason })}\n`);
  },
});
subscriber.start();
process.stdout.write('started\n');
