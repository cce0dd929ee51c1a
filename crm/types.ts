// The one shape every CRM integration has. A sync only ever talks to this interface; adding a CRM
// means adding a folder beside hubspot/ and salesforce/ and one line in registry.ts.

/** A connection's CRM, by the `system` of its provider (crm/registry.ts). */
export type CrmSystem = string;
export type CrmObjectType = 'companies' | 'contacts';

export interface CrmCompanyRecord {
  crmId: string;
  name: string | null;
  domain: string | null;
  modifiedAt: Date | null;
  /** Every property the CRM returned, as returned. */
  properties: Record<string, unknown>;
}

export interface CrmContactRecord {
  crmId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  phone: string | null;
  companyCrmId: string | null;
  ownerId: string | null;
  /** The CRM's explicit VIP level field, unparsed (HubSpot vip_level, Salesforce VIP_Level__c). */
  explicitVipLevel: unknown;
  modifiedAt: Date | null;
  properties: Record<string, unknown>;
}

export type CrmRecord<T extends CrmObjectType> = T extends 'companies' ? CrmCompanyRecord : CrmContactRecord;

/** A record the CRM reports gone: archived/deleted, or merged into another record. */
export interface CrmDeletion {
  crmId: string;
  kind: 'archived' | 'deleted' | 'merged';
  mergedIntoId?: string;
  at: Date | null;
}

/**
 * One step of a walk through a CRM's records. A walk is either full (every live record, so what
 * it does not see has vanished) or incremental (records modified since a watermark). Its position
 * is an opaque string the CRM client alone understands, stored with each page's writes.
 */
export interface CrmWalkPage<T extends CrmObjectType = CrmObjectType> {
  records: CrmRecord<T>[];
  deletions: CrmDeletion[];
  /** Where the walk goes on; null when it is complete. */
  next: string | null;
  /** Highest modification time among this page's records (for the next watermark). */
  highWater: Date | null;
}

/** Records read now by id (the push path re-reads what a CRM event names). */
export interface CrmRecordsById<T extends CrmObjectType = CrmObjectType> {
  /** The live records found, as a walk would read them. */
  records: CrmRecord<T>[];
  /** Ids the CRM reports gone: archived/deleted, or merged into another record. */
  deletions: CrmDeletion[];
  /** Ids the CRM does not know (purged, or never there): neither live nor archived. */
  missing: string[];
}

export interface CrmCallStats {
  /** Data API calls (token requests are counted apart). */
  apiCalls: number;
  tokenRequests: number;
  http429: number;
  retries: number;
}

export interface CrmClient {
  readonly connectionId: string;
  readonly system: CrmSystem;
  /** Where a walk starts: full when `since` is null, else incremental from `since`. */
  startWalk(objectType: CrmObjectType, since: Date | null): string;
  /** Reads one page at `position`. */
  fetchPage<T extends CrmObjectType>(objectType: T, position: string): Promise<CrmWalkPage<T>>;
  /** Live contacts whose email is `email` (the CRM's own case-insensitive match), read now. */
  findContactsByEmail(email: string): Promise<CrmContactRecord[]>;
  /** Calls made since the client was created. */
  stats(): CrmCallStats;
  /**
   * Reads these records now, by id, in the CRM's batches (the push path). A CRM without it has no
   * push path: its changes arrive through the scheduled sync only.
   */
  readRecords?<T extends CrmObjectType>(objectType: T, ids: string[]): Promise<CrmRecordsById<T>>;
}
