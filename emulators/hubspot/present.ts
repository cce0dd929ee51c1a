// Shapes stored records into HubSpot's response objects: the property selection rules and the
// inline associations the v3 endpoints return.
import { LAST_MODIFIED_PROPERTY, PRIMARY_COMPANY_LINK, type HubSpotStore, type ObjectType, type StoredObject } from './store.js';

/** What HubSpot returns when the caller names no properties. */
const DEFAULT_PROPERTIES: Record<ObjectType, string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
};

const ASSOCIATION_TYPE_LABEL: Record<ObjectType, Record<ObjectType, string>> = {
  contacts: { companies: 'contact_to_company_unlabeled', contacts: 'contact_to_contact' },
  companies: { contacts: 'company_to_contact', companies: 'company_to_company' },
};

/** The emulated portal's id: real answers link each record into the portal it belongs to. */
export const PORTAL_ID = '24681357';

/** HubSpot's object type ids, the form record URLs use. */
const OBJECT_TYPE_ID: Record<ObjectType, string> = { contacts: '0-1', companies: '0-2' };

export interface PresentOptions {
  properties: string[];
  associations: ObjectType[];
}

export interface PresentedObject {
  id: string;
  /** The record's page in HubSpot; real objects carry it (hubspot.md, "Behaviours a sync must survive"). */
  url: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  associations?: Partial<Record<ObjectType, { results: { id: string; type: string }[] }>>;
}

/** Requested properties plus the ones HubSpot always adds; unknown names come back as null. */
export function propertyNamesFor(type: ObjectType, requested: string[]): string[] {
  if (requested.length === 0) return DEFAULT_PROPERTIES[type];
  return [...new Set([...requested, 'hs_object_id', 'createdate', LAST_MODIFIED_PROPERTY[type]])];
}

export function presentObject(store: HubSpotStore, type: ObjectType, object: StoredObject, opts: PresentOptions): PresentedObject {
  const properties: Record<string, string | null> = {};
  for (const name of propertyNamesFor(type, opts.properties)) properties[name] = object.properties[name] ?? null;
  const presented: PresentedObject = {
    id: object.id,
    url: `https://app.hubspot.com/contacts/${PORTAL_ID}/record/${OBJECT_TYPE_ID[type]}/${object.id}`,
    properties,
    createdAt: object.createdAt,
    updatedAt: object.updatedAt,
    archived: object.archived,
  };
  if (object.archivedAt) presented.archivedAt = object.archivedAt;
  for (const toType of opts.associations) {
    const ids = store.associatedIds(type, object, toType);
    // HubSpot leaves the key out entirely for a record with no associations of that type.
    if (ids.length === 0) continue;
    presented.associations ??= {};
    presented.associations[toType] = {
      results: type === 'contacts' && toType === 'companies'
        ? companyLinks(object.id, ids, object.primaryCompanyId)
        : ids.map((id) => ({ id, type: ASSOCIATION_TYPE_LABEL[type][toType] })),
    };
  }
  return presented;
}

/**
 * A contact's companies as v3 lists them: once per association label, so the primary company
 * comes twice, labelled and unlabeled, the others once (recorded real answers in
 * NangoHQ/integration-templates; hubspot.md, "Behaviours a sync must survive"). HubSpot documents
 * no order, so about half the contacts (by a hash of the id: the same contact always reads the
 * same) list the primary last, its unlabeled copy before the labelled one: a client that takes
 * the first entry for the primary is wrong on those.
 */
function companyLinks(contactId: string, ids: string[], primaryId: string | undefined): { id: string; type: string }[] {
  const unlabeled = ASSOCIATION_TYPE_LABEL.contacts.companies;
  const others = ids.filter((id) => id !== primaryId).map((id) => ({ id, type: unlabeled }));
  if (primaryId === undefined) return others;
  const primary = [{ id: primaryId, type: PRIMARY_COMPANY_LINK }, { id: primaryId, type: unlabeled }];
  return listsPrimaryFirst(contactId) ? [...primary, ...others] : [...others, ...primary.reverse()];
}

function listsPrimaryFirst(id: string): boolean {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  // The top bit after a final mix: FNV-1a's low bit only follows the parity of the characters.
  return Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) >>> 31 === 0;
}
