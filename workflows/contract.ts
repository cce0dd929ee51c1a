// Names and types that the worker, the CLI and other teams' workflows agree on. Deterministic code
// only: workflows import this file.

export const SYNC_WORKFLOW_TYPE = 'syncConnectionWorkflow';
export const LOOKUP_ACTIVITY_TYPE = 'lookupVip';

export type SyncTrigger = 'schedule' | 'manual';

export interface SyncConnectionInput {
  connectionId: string;
  trigger: SyncTrigger;
}

export interface SyncCounts {
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: number;
  apiCalls: number;
  http429: number;
  retries: number;
}

export interface SyncSummary extends SyncCounts {
  connectionId: string;
  syncRunId: string;
  vipsChanged: number;
}

/** What an agent gets back for an email. Unknown emails answer isVip false with nulls. */
export interface VipLookupResult {
  email: string;
  isVip: boolean;
  level: number | null;
  name: string | null;
  company: string | null;
  notes: string | null;
  validated: boolean;
  stale: boolean;
  staleReason: string | null;
}

/** The one id each connection's sync runs under: at most one sync per connection at a time. */
export function syncWorkflowId(connectionId: string): string {
  return `vipsync-sync-${connectionId}`;
}

export function syncScheduleId(connectionId: string): string {
  return `vipsync-sync-schedule-${connectionId}`;
}

export function emptyCounts(): SyncCounts {
  return { fetched: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, quarantined: 0, apiCalls: 0, http429: 0, retries: 0 };
}

export function addCounts(total: SyncCounts, part: Partial<SyncCounts>): SyncCounts {
  const sum = { ...total };
  for (const key of Object.keys(sum) as (keyof SyncCounts)[]) sum[key] += part[key] ?? 0;
  return sum;
}
