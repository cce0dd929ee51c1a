// What the Change Data Capture subscriber hands on, in terms that name no CRM: the records a push
// path learnt changed, for a per-connection workflow to re-read by id and re-derive their people.

export interface PushedChange {
  objectType: 'contact' | 'company';
  crmId: string;
  /** When the CRM committed the change (Salesforce: the header's commitTimestamp). */
  changedAt: Date;
  /**
   * change: created or updated; delete / undelete; gap: the CRM could not say what changed
   * (Salesforce gap events): re-read the record, and a full reconciliation is requested too.
   */
  kind: 'change' | 'delete' | 'undelete' | 'gap';
}

/**
 * Takes a batch of changes of one connection. The subscriber stores the batch's replay id only after
 * this resolved, so a batch whose handling failed (or whose worker died) is handed over again:
 * at least once, never lost. It must therefore be idempotent.
 */
export type PushedChangesHandler = (connectionId: string, changes: PushedChange[]) => Promise<void>;

/**
 * Asks for a full walk of the connection (the reconciliation that catches what a push path missed):
 * when the stored replay id fell out of the CRM's retention window, or the CRM sent a gap event.
 */
export type ReconciliationRequester = (connectionId: string, reason: string) => Promise<void>;
