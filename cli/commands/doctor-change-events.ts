// `vipsync doctor`'s lines for the push paths: each Salesforce Change Data Capture subscription's
// state (from change_event_subscriptions, which the worker's subscriber keeps), its last error, and
// its lag: when the last event was committed in Salesforce, how long after that it was handed on,
// and when the position (replay id) was last stored.
import type { ConnectionConfig } from '../../crm/registry.js';
import type { SalesforceConnectionConfig } from '../../crm/salesforce/config.js';
import { ReplayStore } from '../../crm/salesforce/change-events/replay-store.js';
import type { Db } from '../../db/client.js';
import type { Check } from './doctor.js';

/**
 * A live subscription hears from the Pub/Sub API at least every 270 s (an empty FetchResponse when
 * there is nothing to deliver), and stores its position each time: silence well past that means the
 * worker holding it is gone, whatever state it last wrote.
 */
const SILENT_AFTER_MS = 10 * 60_000;

export async function changeEventChecks(
  db: Db, connectionIds: string[], configs: ConnectionConfig[] | null, ago: (at: Date) => string,
): Promise<Check[]> {
  const checks: Check[] = [];
  const rows = await new ReplayStore(db).list();
  for (const id of connectionIds) {
    const subscriptions = rows.filter((row) => row.connectionId === id);
    const config = configs?.find((c) => c.id === id) as SalesforceConnectionConfig | undefined;
    if (subscriptions.length === 0) {
      if (config?.changeEvents?.enabled) {
        checks.push({ check: `connection ${id}: change events`, verdict: 'warn', detail: 'enabled, but no subscription has started yet: is the worker running?' });
      }
      continue;
    }
    for (const row of subscriptions) {
      const name = `connection ${id}: change events ${row.channel}`;
      const lag = row.lastEventAt && row.lastHandledAt
        ? `last event committed ${ago(row.lastEventAt)}, handed on ${((row.lastHandledAt.getTime() - row.lastEventAt.getTime()) / 1000).toFixed(1)} s after its commit`
        : 'no event yet';
      const position = row.replayStoredAt ? `; replay id stored ${ago(row.replayStoredAt)}` : '; no replay id stored yet';
      const reconciliation = row.reconciliationAt ? `; full reconciliation asked ${ago(row.reconciliationAt)}: ${row.reconciliationReason}` : '';
      const detail = `${lag}${position}${reconciliation}`;
      const heard = row.replayStoredAt ?? row.updatedAt;
      if (row.state === 'subscribed' && Date.now() - heard.getTime() > SILENT_AFTER_MS) {
        checks.push({ check: name, verdict: 'warn', detail: `subscribed, but nothing heard since ${ago(heard)}: is the worker running? (${detail})` });
      } else if (row.state === 'subscribed') checks.push({ check: name, verdict: 'ok', detail: `subscribed; ${detail}` });
      else if (row.state === 'failed') checks.push({ check: name, verdict: 'fail', detail: `${row.lastError ?? 'failed'} (${detail})` });
      else if (row.state === 'stopped') {
        checks.push({ check: name, verdict: 'warn', detail: `not subscribed since ${ago(row.updatedAt)} (worker stopped?); the scheduled sync still runs; ${detail}` });
      } else {
        checks.push({ check: name, verdict: 'warn', detail: `${row.state} since ${ago(row.updatedAt)}${row.lastError ? `: ${row.lastError}` : ''}; ${detail}` });
      }
    }
  }
  return checks;
}
