// Shapes stored records into HubSpot's response objects: the property selection rules and the
// inline associations the v3 endpoints return.
import { LAST_MODIFIED_PROPERTY, type HubSpotStore, type ObjectType, type StoredObject } from './store.js';

/** What HubSpot returns when the caller names no properties. */
const DEFAULT_PROPERTIES: Record<ObjectType, string[]> = {
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
};

const ASSOCIATION_TYPE_LABEL: Record<ObjectType, Record<ObjectType, string>> = {
  contacts: { companies: 'contact_to_company', contacts: 'contact_to_contact' },
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
    presented.associations[toType] = { results: ids.map((id) => ({ id, type: ASSOCIATION_TYPE_LABEL[type][toType] })) };
  }
  return presented;
}
