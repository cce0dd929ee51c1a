// `vipsync doctor`'s line for a connection's push path (webhooks, Change Data Capture): whether it
// is on, when the last event came and was applied, the lag, and what to do when it looks stuck.
import type { PushStateView } from '../../sync/push-store.js';

export interface PushCheck {
  check: string;
  verdict: 'ok' | 'warn' | 'fail';
  detail: string;
}

/** Received but not applied for longer than this: the push workflow is not keeping up (or no worker runs). */
export const APPLY_OVERDUE_MS = 60_000;

function agoText(at: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

/**
 * The check, or null when there is nothing to say (push off and never used). `enabled` is
 * undefined when this environment does not hold the connection's configuration.
 */
export function pushCheck(connectionId: string, enabled: boolean | undefined, state: PushStateView | undefined, now = new Date(), system?: string): PushCheck | null {
  // Salesforce's receiver is the worker's Change Data Capture subscriber, HubSpot's `vipsync serve`.
  const salesforce = system === 'salesforce';
  const check = `connection ${connectionId}: push`;
  if (enabled === false && !state) return { check, verdict: 'ok', detail: 'off: changes arrive with the scheduled sync (turn on with "push": {"enabled": true})' };
  if (!state) {
    if (enabled === undefined) return null;
    return {
      check, verdict: 'warn',
      detail: salesforce
        ? 'on, but no change event handed on yet: is the worker running and subscribed (see the change events lines)?'
        : `on, but no event received yet: point the CRM's webhooks at vipsync serve's /v1/webhooks/<crm>/${connectionId}`,
    };
  }
  const received = state.lastReceivedAt ? `last event received ${agoText(state.lastReceivedAt, now)}` : 'no event received yet';
  const applied = state.lastAppliedAt ? `last applied ${agoText(state.lastAppliedAt, now)}` : 'none applied yet';
  const lag = state.lastLagMs !== null ? `; lag ${state.lastLagMs} ms (the CRM's change to applied)` : '';
  const counts = `; ${state.eventsReceived} events, ${state.duplicatesReceived} duplicates, ${state.rejectedRequests} refused requests, ${state.staleReadsSkipped} older reads left alone`;
  const detail = `${enabled === false ? 'off (events received earlier)' : 'on'}; ${received}, ${applied}${lag}${counts}`;
  if (state.notHandedOff > 0) {
    const whatToDo = salesforce
      ? 'can the worker reach Temporal? (its subscriber hands them on again from the stored replay id)'
      : 'can vipsync serve reach Temporal? (the CRM delivers them again)';
    return { check, verdict: 'warn', detail: `${detail}; ${state.notHandedOff} events not handed to Temporal yet: ${whatToDo}` };
  }
  const overdue = state.lastReceivedAt && (!state.lastAppliedAt || state.lastReceivedAt.getTime() - state.lastAppliedAt.getTime() > APPLY_OVERDUE_MS)
    && now.getTime() - state.lastReceivedAt.getTime() > APPLY_OVERDUE_MS;
  if (overdue) return { check, verdict: 'warn', detail: `${detail}; events received more than a minute ago are not applied: is a worker running?` };
  return { check, verdict: 'ok', detail };
}
