// Records read by id, for the push path: a webhook names records, not their new state, so the
// named records are read again through the batch read API (up to 100 ids a call,
// POST /crm/v3/objects/{type}/batch/read) and stored as a walk would store them.
import type { CrmObjectType, CrmRecord, CrmRecordsById } from '../types.js';
import { LAST_MODIFIED, mergedAway, modifiedAt, toCompany, toContact, type HubSpotObject } from './mappers.js';
import { BATCH_READ_SIZE, type HubSpotTransport } from './transport.js';

function toRecords<T extends CrmObjectType>(type: T, objects: HubSpotObject[]): CrmRecord<T>[] {
  return (type === 'contacts' ? objects.map(toContact) : objects.map(toCompany)) as CrmRecord<T>[];
}

/**
 * The records now. A merged-away id resolves to the record it was merged into (HubSpot answers
 * the survivor, whose hs_merged_object_ids lists it); an id not live is looked for among archived
 * records; an id in neither is `missing`.
 */
export async function readRecordsById<T extends CrmObjectType>(transport: HubSpotTransport, type: T, ids: string[]): Promise<CrmRecordsById<T>> {
  const wanted = [...new Set(ids)];
  const live: HubSpotObject[] = [];
  for (let i = 0; i < wanted.length; i += BATCH_READ_SIZE) {
    live.push(...(await transport.batchRead(type, wanted.slice(i, i + BATCH_READ_SIZE), false)));
  }
  // The batch read carries no associations: a contact's primary company is its
  // `associatedcompanyid` property, which HubSpot keeps to the primary company (mappers.ts,
  // primaryCompanyId). One call per 100 records instead of two keeps a burst of webhooks well
  // within the ten-second limit the sync's walks share (bench/README.md, "The push path").
  const unique = [...new Map(live.map((o) => [o.id, o])).values()];
  const merged = mergedAway(unique, type).filter((d) => wanted.includes(d.crmId));
  const found = new Set([...unique.map((o) => o.id), ...merged.map((d) => d.crmId)]);
  const notLive = wanted.filter((id) => !found.has(id));
  const archived: HubSpotObject[] = [];
  for (let i = 0; i < notLive.length; i += BATCH_READ_SIZE) {
    archived.push(...(await transport.batchRead(type, notLive.slice(i, i + BATCH_READ_SIZE), true)));
  }
  const archivedIds = new Set(archived.map((o) => o.id));
  return {
    records: toRecords(type, unique),
    deletions: [
      ...merged,
      ...archived.map((o) => ({ crmId: o.id, kind: 'archived' as const, at: o.archivedAt ? new Date(o.archivedAt) : modifiedAt(o, LAST_MODIFIED[type]) })),
    ],
    missing: notLive.filter((id) => !archivedIds.has(id)),
  };
}
