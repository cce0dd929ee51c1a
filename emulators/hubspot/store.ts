// The emulated HubSpot portal's records: what the v3 object endpoints read and change.
import type { Fixture, HubSpotObject } from '../fixture.js';

export type ObjectType = 'companies' | 'contacts';
export const OBJECT_TYPES: readonly ObjectType[] = ['companies', 'contacts'];

/** HubSpot names the "last modified" property differently per object type. */
export const LAST_MODIFIED_PROPERTY: Record<ObjectType, string> = {
  contacts: 'lastmodifieddate',
  companies: 'hs_lastmodifieddate',
};

export interface StoredObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  /** contact -> company links; the reverse direction is derived. */
  companyIds: string[];
  /** The contact's primary company, one of companyIds (undefined when it has none). */
  primaryCompanyId?: string;
}

/** A change to a record, as a webhook subscription reports it (subscriptionType without the object prefix). */
export interface StoreChange {
  type: ObjectType;
  action: 'creation' | 'propertyChange' | 'deletion' | 'merge' | 'restore' | 'associationChange';
  objectId: string;
  fields?: Record<string, unknown>;
}

export class HubSpotStore {
  /** Told of every change made through the API or the emulator's record commands (webhooks). */
  onChange: ((change: StoreChange) => void) | undefined;

  /**
   * The portal's clock, for what the store stamps itself (edits, archiving, reloads): the worker's
   * plus `clockOffsetMs`, so a test can run a CRM whose clock differs from the worker's.
   */
  constructor(private readonly clockOffsetMs = 0) {}

  private now(): string {
    return new Date(Date.now() + this.clockOffsetMs).toISOString();
  }

  private byId: Record<ObjectType, Map<string, StoredObject>> = { companies: new Map(), contacts: new Map() };
  // Ids in HubSpot's list order (numeric), so a list cursor is a position that survives edits.
  private orderedIds: Record<ObjectType, string[]> = { companies: [], contacts: [] };
  // merged-away id -> survivor id: the old id still resolves on GET, as in HubSpot.
  private mergedInto = new Map<string, string>();
  private contactIdsByCompany: Map<string, string[]> | undefined;

  private loads = 0;
  /** Grows with every change to the records, so what is derived from them knows when to rebuild. */
  private changes = 0;

  get version(): number {
    return this.changes;
  }

  /**
   * Replaces the portal's records. On every load after the first, a record that is new or whose
   * properties or company links changed is touched (last-modified now), as if edited in HubSpot,
   * unless the fixture itself dates it later than before; a newly archived one gets archivedAt now
   * and keeps its last-modified date, as HubSpot does.
   */
  load(data: Fixture['hubspot']): void {
    const reload = this.loads++ > 0;
    this.changes++;
    // Everything a reload changes is touched at one instant, like a bulk import.
    const loadedAt = this.now();
    for (const type of OBJECT_TYPES) {
      const objects = new Map<string, StoredObject>();
      for (const raw of data[type]) {
        const object = toStored(type, raw);
        if (reload) touchIfChanged(type, object, this.byId[type].get(raw.id), loadedAt);
        objects.set(raw.id, object);
      }
      this.byId[type] = objects;
      this.orderedIds[type] = [...objects.keys()].sort(compareIds);
    }
    this.mergedInto.clear();
    this.contactIdsByCompany = undefined;
  }

  count(type: ObjectType): number {
    return this.byId[type].size;
  }

  /** One page in id order starting at the first id >= startId. */
  listPage(type: ObjectType, opts: { startId?: string; limit: number; archived: boolean }): { objects: StoredObject[]; nextStartId?: string } {
    const ids = this.orderedIds[type];
    const objects: StoredObject[] = [];
    let index = opts.startId === undefined ? 0 : lowerBound(ids, opts.startId);
    for (; index < ids.length && objects.length < opts.limit; index++) {
      const object = this.byId[type].get(ids[index]!)!;
      if (object.archived === opts.archived) objects.push(object);
    }
    // The cursor points at the next matching record; no cursor on the last page.
    for (; index < ids.length; index++) {
      if (this.byId[type].get(ids[index]!)!.archived === opts.archived) return { objects, nextStartId: ids[index] };
    }
    return { objects };
  }

  get(type: ObjectType, id: string, opts: { archived: boolean }): StoredObject | undefined {
    const object = this.byId[type].get(this.mergedInto.get(id) ?? id);
    return object && object.archived === opts.archived ? object : undefined;
  }

  /** Records search can see: never archived ones. */
  *live(type: ObjectType): Iterable<StoredObject> {
    for (const id of this.orderedIds[type]) {
      const object = this.byId[type].get(id)!;
      if (!object.archived) yield object;
    }
  }

  update(type: ObjectType, id: string, properties: Record<string, string | null>): StoredObject | undefined {
    const object = this.get(type, id, { archived: false });
    if (!object) return undefined;
    this.changes++;
    const changed = Object.entries(properties).filter(([name, value]) => object.properties[name] !== value);
    Object.assign(object.properties, properties);
    touch(type, object, this.now());
    for (const [propertyName, propertyValue] of changed) {
      this.onChange?.({ type, action: 'propertyChange', objectId: object.id, fields: { propertyName, propertyValue } });
    }
    return object;
  }

  /** A new record (POST /crm/v3/objects/{type}), its id the next free one. */
  create(type: ObjectType, properties: Record<string, string | null>, companyIds: string[] = []): StoredObject {
    this.changes++;
    const ids = this.orderedIds[type];
    const last = ids.at(-1);
    const id = String((last && /^\d+$/.test(last) ? Number(last) : 0) + 1);
    const now = this.now();
    const object = toStored(type, { id, properties, createdAt: now, updatedAt: now, archived: false,
      associations: companyIds.length > 0 ? { companies: { results: companyIds.map((c) => ({ id: c })) } } : undefined } as HubSpotObject);
    this.byId[type].set(id, object);
    ids.push(id);
    this.contactIdsByCompany = undefined;
    this.onChange?.({ type, action: 'creation', objectId: id });
    return object;
  }

  /** Brings an archived record back (HubSpot's restore), touched now. */
  restore(type: ObjectType, id: string): StoredObject | undefined {
    const object = this.get(type, id, { archived: true });
    if (!object) return undefined;
    this.changes++;
    object.archived = false;
    delete object.archivedAt;
    touch(type, object, this.now());
    this.contactIdsByCompany = undefined;
    this.onChange?.({ type, action: 'restore', objectId: id });
    return object;
  }

  /** Makes `companyId` the contact's primary company (HubSpot moves associatedcompanyid with it). */
  associate(contactId: string, companyId: string): StoredObject | undefined {
    const contact = this.get('contacts', contactId, { archived: false });
    if (!contact || !this.get('companies', companyId, { archived: false })) return undefined;
    this.changes++;
    contact.companyIds = [...new Set([companyId, ...contact.companyIds])];
    contact.primaryCompanyId = companyId;
    contact.properties.associatedcompanyid = companyId;
    touch('contacts', contact, this.now());
    this.contactIdsByCompany = undefined;
    this.onChange?.({
      type: 'contacts', action: 'associationChange', objectId: contactId,
      fields: { fromObjectId: Number(contactId), toObjectId: Number(companyId), associationType: 'CONTACT_TO_COMPANY', associationRemoved: false, isPrimaryAssociation: true },
    });
    return contact;
  }

  /** DELETE in HubSpot archives; it deliberately leaves the last-modified date alone. */
  archive(type: ObjectType, id: string): boolean {
    const object = this.get(type, id, { archived: false });
    if (!object) return false;
    this.changes++;
    object.archived = true;
    object.archivedAt = this.now();
    this.onChange?.({ type, action: 'deletion', objectId: id });
    return true;
  }

  merge(type: ObjectType, primaryId: string, mergedId: string): StoredObject | undefined {
    const primary = this.get(type, primaryId, { archived: false });
    const merged = this.get(type, mergedId, { archived: false });
    if (!primary || !merged || primary === merged) return undefined;
    this.changes++;
    const previouslyMerged = primary.properties.hs_merged_object_ids?.split(';').filter(Boolean) ?? [];
    primary.properties.hs_merged_object_ids = [...previouslyMerged, merged.id].join(';');
    primary.companyIds = [...new Set([...primary.companyIds, ...merged.companyIds])];
    primary.primaryCompanyId ??= merged.primaryCompanyId;
    for (const [from, to] of this.mergedInto) if (to === merged.id) this.mergedInto.set(from, primary.id);
    this.mergedInto.set(merged.id, primary.id);
    this.byId[type].delete(merged.id);
    this.orderedIds[type].splice(lowerBound(this.orderedIds[type], merged.id), 1);
    this.contactIdsByCompany = undefined;
    touch(type, primary, this.now());
    this.onChange?.({
      type, action: 'merge', objectId: primary.id,
      fields: { primaryObjectId: Number(primary.id), mergedObjectIds: [Number(merged.id)], newObjectId: Number(primary.id) },
    });
    return primary;
  }

  associatedIds(type: ObjectType, object: StoredObject, toType: ObjectType): string[] {
    if (type === 'contacts' && toType === 'companies') return object.companyIds;
    if (type === 'companies' && toType === 'contacts') return this.reverseIndex().get(object.id) ?? [];
    return [];
  }

  private reverseIndex(): Map<string, string[]> {
    if (!this.contactIdsByCompany) {
      const index = new Map<string, string[]>();
      for (const contact of this.byId.contacts.values()) {
        if (contact.archived) continue;
        for (const companyId of contact.companyIds) {
          const list = index.get(companyId) ?? [];
          list.push(contact.id);
          index.set(companyId, list);
        }
      }
      this.contactIdsByCompany = index;
    }
    return this.contactIdsByCompany;
  }
}

/** The label of a contact's primary company link in v3 answers; every other link is unlabeled. */
export const PRIMARY_COMPANY_LINK = 'contact_to_company';

/** Fills in the properties HubSpot always maintains, so fixtures may leave them out. */
function toStored(type: ObjectType, raw: HubSpotObject): StoredObject {
  const properties: Record<string, string | null> = { ...raw.properties };
  properties.hs_object_id = raw.id;
  properties.createdate ??= raw.createdAt;
  properties[LAST_MODIFIED_PROPERTY[type]] ??= raw.updatedAt;
  // A fixture copied from a real answer lists the primary company twice (once per label).
  const links = raw.associations?.companies?.results ?? [];
  const companyIds = [...new Set(links.map((link) => link.id))];
  // Fixtures written before labels name no primary: their first company is, as it always was.
  const primaryCompanyId = links.find((link) => link.type === PRIMARY_COMPANY_LINK)?.id ?? companyIds[0];
  // HubSpot keeps a contact's primary company id in this property, so search results carry it.
  if (type === 'contacts') properties.associatedcompanyid ??= primaryCompanyId ?? null;
  const stored: StoredObject = {
    id: raw.id,
    properties,
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
    archived: raw.archived ?? false,
    companyIds,
  };
  if (primaryCompanyId !== undefined) stored.primaryCompanyId = primaryCompanyId;
  if (stored.archived) stored.archivedAt = raw.archivedAt ?? raw.updatedAt;
  return stored;
}

function withoutStamps(type: ObjectType, object: StoredObject): string {
  const { [LAST_MODIFIED_PROPERTY[type]]: _stamp, lastmodifieddate: _a, hs_lastmodifieddate: _b, ...rest } = object.properties;
  return JSON.stringify([Object.entries(rest).sort(), object.companyIds, object.primaryCompanyId ?? null]);
}

function touchIfChanged(type: ObjectType, object: StoredObject, before: StoredObject | undefined, now: string): void {
  if (before && object.archived && !before.archived) {
    object.archivedAt = now;
    return;
  }
  if (before && object.archived === before.archived && withoutStamps(type, object) === withoutStamps(type, before)) {
    // Unchanged: it keeps the modification time it had, whatever the fixture says.
    object.updatedAt = before.updatedAt;
    object.properties[LAST_MODIFIED_PROPERTY[type]] = before.properties[LAST_MODIFIED_PROPERTY[type]] ?? null;
    return;
  }
  const stamp = (o: StoredObject) => Date.parse(o.properties[LAST_MODIFIED_PROPERTY[type]] ?? o.updatedAt);
  if (before && stamp(object) > stamp(before)) return;
  touch(type, object, now);
}

function touch(type: ObjectType, object: StoredObject, now: string): void {
  object.updatedAt = now;
  object.properties[LAST_MODIFIED_PROPERTY[type]] = now;
  // Contacts carry both spellings in real portals; keep whichever the record has in step.
  if ('hs_lastmodifieddate' in object.properties) object.properties.hs_lastmodifieddate = now;
  if ('lastmodifieddate' in object.properties) object.properties.lastmodifieddate = now;
}

const NUMERIC = /^\d+$/;

/** HubSpot ids are numbers in strings: order by value, not by text. */
export function compareIds(a: string, b: string): number {
  if (NUMERIC.test(a) && NUMERIC.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(ids: string[], id: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareIds(ids[mid]!, id) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
