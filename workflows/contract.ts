// Names and types that the worker, the CLI and other teams' workflows agree on. Deterministic code
// only: workflows import this file.

export const SYNC_WORKFLOW_TYPE = 'syncConnectionWorkflow';
export const TRIAGE_WORKFLOW_TYPE = 'triageInboundEmailWorkflow';
export const VALIDATE_WORKFLOW_TYPE = 'validateEmailWorkflow';

export type SyncTrigger = 'schedule' | 'manual';

export interface SyncConnectionInput {
  connectionId: string;
  trigger: SyncTrigger;
  /** Set when the workflow continued as new: the run it carries on. */
  syncRunId?: string;
  /** Object types already walked to completion by this run. */
  completed?: ('companies' | 'contacts')[];
  modes?: string[];
  /** syncObjects calls per workflow run before it continues as new (default 200). */
  callsPerRun?: number;
}

export interface SyncCounts {
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  quarantined: number;
  apiCalls: number;
  tokenRequests: number;
  http429: number;
  retries: number;
  /** Records full walks did not see but held back from marking vanished (more than the vanish guard allows). */
  vanishedHeld: number;
}

export interface SyncSummary extends SyncCounts {
  connectionId: string;
  syncRunId: string;
  /** "full", "incremental" or both (per object type), e.g. "companies:full contacts:incremental". */
  mode: string;
  /** needs-review: a full walk held vanished records back (vanishedHeld); everything else was synced. */
  status: 'succeeded' | 'needs-review';
  durationMs: number;
  vipsChanged: number;
}

// The lookup answer's one definition is a schema (lookup/answer.ts); workflows see its types only.
export type { VipHandling, VipLookupResult, VipOwner } from '../lookup/answer.js';
export type { EmailLookupResult, LookupCandidate, LookupSource } from '../lookup/answer.js';

/** The one id each connection's sync runs under: at most one sync per connection at a time. */
export function syncWorkflowId(connectionId: string): string {
  return `vipsync-sync-${connectionId}`;
}

export function syncScheduleId(connectionId: string): string {
  return `vipsync-sync-schedule-${connectionId}`;
}

/** One CRM's live answer for an email (on-demand validation). */
export interface CrmCheck {
  connectionId: string;
  /** The CRM's system, e.g. "hubspot". */
  system: string;
  /** Live contacts with exactly this email. */
  crmIds: string[];
  /** Why the CRM could not be asked; its previous say is kept. */
  error: string | null;
}

/** What `validateEmailWorkflow` returns: the email checked live against every connected CRM. */
export interface EmailValidationResult {
  email: string;
  /** The person is in vipsync's list (now). */
  known: boolean;
  validated: boolean;
  validatedBy: string[];
  validatedAt: string | null;
  wasValidated: boolean;
  level: number | null;
  stale: boolean;
  staleReason: string | null;
  checkedAt: string;
  checks: CrmCheck[];
}

/** Validations of one email share a workflow id: concurrent callers get the same run. */
export function validateWorkflowId(email: string): string {
  return `vipsync-validate-${email}`;
}

// The push path (issue 23): CRM change events (HubSpot webhooks, Salesforce Change Data Capture)
// go to one long-lived workflow per connection, which re-reads the named records by id in batches
// and re-derives those people. Clients start it and hand it changes with `pushChanges`
// (sync/push.ts): signal-with-start, so the first change starts it and later ones join it.

export const PUSH_WORKFLOW_TYPE = 'pushChangesWorkflow';
export const PUSH_CHANGES_SIGNAL = 'pushChanges';

/** One record a CRM says changed. The record itself is read again: the event only names it. */
export interface PushChange {
  objectType: 'contact' | 'company';
  /** The CRM's id of the record (HubSpot objectId, Salesforce record id). */
  crmId: string;
  /** When the CRM says the change happened (ISO 8601): the lag `vipsync doctor` reports runs from it. */
  changedAt: string;
  /** A record the CRM does not know any more is marked deleted only when its event said 'delete'. */
  kind: 'change' | 'delete' | 'merge' | 'restore' | 'association';
}

export interface PushWorkflowInput {
  connectionId: string;
  /** Set when the workflow continued as new: the changes not applied yet. */
  pending?: PushChange[];
  /** Signals and activity calls a run takes before it continues as new (defaults 2,000 and 500). */
  runLimits?: { signals: number; applies: number };
}

/** One push workflow per connection, at most: changes for a connection all go to it. */
export function pushWorkflowId(connectionId: string): string {
  return `vipsync-push-${connectionId}`;
}
