// The one shape every CRM integration has. A sync only ever talks to this interface; adding a CRM
// means adding a folder beside hubspot/ and salesforce/ and one line in registry.ts.

export type CrmSystem = 'hubspot' | 'salesforce';
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

export interface CrmPage<T> {
  records: T[];
  /** Where the next page starts; null when this was the last page. */
  nextCursor: string | null;
}

export interface CrmCallStats {
  apiCalls: number;
  http429: number;
  retries: number;
}

export interface CrmClient {
  readonly connectionId: string;
  readonly system: CrmSystem;
  fetchCompanies(cursor: string | null): Promise<CrmPage<CrmCompanyRecord>>;
  fetchContacts(cursor: string | null): Promise<CrmPage<CrmContactRecord>>;
  /** Calls made since the client was created. */
  stats(): CrmCallStats;
}
