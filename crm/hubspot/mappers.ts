// Between HubSpot's v3 objects and vipsync's records: the properties a walk asks for, an object read
// into a contact or a company (and the ids a merge took away), and the body of one search.
import type { CrmCompanyRecord, CrmContactRecord, CrmDeletion, CrmObjectType, CrmRecord } from '../types.js';

export const SEARCH_PAGE_SIZE = 200;
/**
 * How a v3 answer's inline associations label a contact's primary company. The answer lists a
 * company once per label: the primary as `contact_to_company` and again as
 * `contact_to_company_unlabeled`, other companies only unlabeled, in no documented order
 * (recorded real answers, NangoHQ/integration-templates).
 */
export const PRIMARY_COMPANY_LABEL = 'contact_to_company';

/**
 * The contact's primary company: the inline association labelled primary, else the
 * `associatedcompanyid` property (HubSpot keeps the primary company's id there), else the only
 * or first company linked.
 */
export function primaryCompanyId(o: HubSpotObject): string | null {
  const links = o.associations?.companies?.results ?? [];
  return links.find((link) => link.type === PRIMARY_COMPANY_LABEL)?.id ?? text(o.properties.associatedcompanyid) ?? links[0]?.id ?? null;
}

export const COMPANY_PROPERTIES = [
  'name', 'domain', 'industry', 'numberofemployees', 'annualrevenue', 'type', 'hubspot_owner_id',
  'hs_lastmodifieddate', 'hs_merged_object_ids',
];

export const CONTACT_PROPERTIES = [
  'email', 'firstname', 'lastname', 'jobtitle', 'phone', 'mobilephone', 'hubspot_owner_id', 'vip_level',
  'lastmodifieddate', 'associatedcompanyid', 'hs_email_hard_bounce_reason_enum', 'hs_email_bad_address',
  'hs_merged_object_ids',
  // VIP groups as a "multiple checkboxes" property (values separated by ";"), read by the rules'
  // groups section; a portal without the property answers null for it.
  'vip_groups',
];

export const PROPERTIES: Record<CrmObjectType, string[]> = { companies: COMPANY_PROPERTIES, contacts: CONTACT_PROPERTIES };
export const LAST_MODIFIED: Record<CrmObjectType, string> = { companies: 'hs_lastmodifieddate', contacts: 'lastmodifieddate' };

export interface SearchFilter {
  propertyName: string;
  operator: 'EQ' | 'GT' | 'GTE' | 'LT' | 'NOT_IN';
  value?: string;
  values?: string[];
}

export interface HubSpotObject {
  id: string;
  properties: Record<string, string | null>;
  updatedAt?: Date;
  archivedAt?: Date;
  associations?: Record<string, { results: { id: string; type?: string }[] }>;
}

/**
 * The body of one search. HubSpot's search reference (2026) allows at most 6 filters a group, 18
 * in all, one sort and 3,000 characters of body; the largest this client sends is the keyset
 * query that leaves out MAX_EXCLUDED_IDS ids already read at one instant (test/hubspot-search-body.test.ts).
 */
export function searchRequest(
  type: CrmObjectType, groups: SearchFilter[][], sortProperty: string, after: number, direction: 'ASCENDING' | 'DESCENDING' = 'ASCENDING',
) {
  return {
    filterGroups: groups.map((filters) => ({ filters })),
    // HubSpot takes sort objects; the SDK's type says string[].
    sorts: [{ propertyName: sortProperty, direction }] as unknown as string[],
    properties: PROPERTIES[type],
    limit: SEARCH_PAGE_SIZE,
    after: String(after),
  };
}

/** The keyset query's filter groups: after `from`, or at `from` but not one of `seen`. */
export function keysetGroups(lastModified: string, from: number, seen: string[] | undefined): SearchFilter[][] {
  return seen
    ? [
      [{ propertyName: lastModified, operator: 'GT', value: String(from) }],
      [
        { propertyName: lastModified, operator: 'EQ', value: String(from) },
        { propertyName: 'hs_object_id', operator: 'NOT_IN', values: seen },
      ],
    ]
    : [[{ propertyName: lastModified, operator: 'GTE', value: String(from) }]];
}

function text(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

export function modifiedAt(object: HubSpotObject, property: string): Date | null {
  const raw = object.properties[property];
  if (raw) {
    const date = /^\d+$/.test(raw) ? new Date(Number(raw)) : new Date(raw);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return object.updatedAt ?? null;
}

export function toCompany(o: HubSpotObject): CrmCompanyRecord {
  return {
    crmId: o.id,
    name: text(o.properties.name),
    domain: text(o.properties.domain),
    modifiedAt: modifiedAt(o, 'hs_lastmodifieddate'),
    properties: o.properties,
  };
}

export function toContact(o: HubSpotObject): CrmContactRecord {
  const p = o.properties;
  return {
    crmId: o.id,
    email: text(p.email),
    firstName: text(p.firstname),
    lastName: text(p.lastname),
    title: text(p.jobtitle),
    phone: text(p.phone) ?? text(p.mobilephone),
    companyCrmId: primaryCompanyId(o),
    ownerId: text(p.hubspot_owner_id),
    explicitVipLevel: p.vip_level ?? null,
    modifiedAt: modifiedAt(o, 'lastmodifieddate'),
    properties: p,
  };
}

export const toRecords = <T extends CrmObjectType>(type: T, objects: HubSpotObject[]) =>
  objects.map((o) => (type === 'contacts' ? toContact(o) : toCompany(o))) as CrmRecord<T>[];

/** A survivor of a merge names the records merged into it ("12;34"); those ids are gone. */
export function mergedAway(objects: HubSpotObject[], type: CrmObjectType): CrmDeletion[] {
  return objects.flatMap((o) =>
    (o.properties.hs_merged_object_ids ?? '')
      .split(';')
      .map((id) => id.trim())
      .filter((id) => id !== '' && id !== o.id)
      .map((id) => ({ crmId: id, kind: 'merged' as const, mergedIntoId: o.id, at: modifiedAt(o, LAST_MODIFIED[type]) })),
  );
}

export function highWater(records: { modifiedAt: Date | null }[]): Date | null {
  let max: Date | null = null;
  for (const r of records) if (r.modifiedAt && (!max || r.modifiedAt > max)) max = r.modifiedAt;
  return max;
}
