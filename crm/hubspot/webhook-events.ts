// HubSpot webhook events (the legacy CRM object subscriptions, `contact.propertyChange` etc., and
// the newer generic `object.*` ones) read into the push path's changes. Pure functions.
// Shapes: https://developers.hubspot.com/docs/api/webhooks ("Webhook payloads"): each request is a
// JSON array of up to 100 events, each with eventId, subscriptionId, portalId, occurredAt (epoch
// ms), subscriptionType, attemptNumber, objectId, and per type propertyName/propertyValue
// (propertyChange), primaryObjectId/mergedObjectIds/newObjectId (merge), fromObjectId/toObjectId/
// associationType/associationRemoved (associationChange).
import { COMPANY_PROPERTIES, CONTACT_PROPERTIES } from './mappers.js';

export interface HubSpotWebhookEvent {
  eventId?: number | string;
  subscriptionId?: number | string;
  occurredAt?: number;
  subscriptionType?: string;
  objectTypeId?: string;
  objectId?: number | string;
  propertyName?: string;
  primaryObjectId?: number | string;
  mergedObjectIds?: (number | string)[];
  newObjectId?: number | string;
  fromObjectId?: number | string;
  toObjectId?: number | string;
  associationType?: string;
}

export interface WebhookChange {
  /** Unique per change: the event's own id (scoped by its subscription), plus a suffix when one event names several records. */
  eventId: string;
  objectType: 'contact' | 'company';
  crmId: string;
  changedAt: string;
  kind: 'change' | 'delete' | 'merge' | 'restore' | 'association';
}

/** HubSpot's object type ids in `object.*` subscriptions. */
const OBJECT_TYPE_IDS: Record<string, 'contact' | 'company'> = { '0-1': 'contact', '0-2': 'company' };
const READ_PROPERTIES = { contact: new Set(CONTACT_PROPERTIES), company: new Set(COMPANY_PROPERTIES) };

const KIND_OF_ACTION: Record<string, WebhookChange['kind'] | undefined> = {
  creation: 'change', propertyChange: 'change', deletion: 'delete', privacyDeletion: 'delete', merge: 'merge', restore: 'restore',
  associationChange: 'association',
};

/** A JSON body that is not an array of events: what is wrong with it. */
export function webhookBodyProblem(body: unknown): string | null {
  if (!Array.isArray(body)) return 'the body must be a JSON array of webhook events';
  const bad = body.findIndex((e) => typeof e !== 'object' || e === null || (e as HubSpotWebhookEvent).eventId === undefined || typeof (e as HubSpotWebhookEvent).subscriptionType !== 'string');
  return bad === -1 ? null : `event ${bad} has no eventId or subscriptionType`;
}

const idText = (id: number | string | undefined) => (id === undefined || id === null ? null : String(id));

/**
 * The changes an event means for vipsync: none for objects it does not sync (deals, tickets),
 * for properties it does not read, or for associations between other objects.
 */
export function changesOfEvent(event: HubSpotWebhookEvent): WebhookChange[] {
  const [prefix, action = ''] = (event.subscriptionType ?? '').split('.');
  const objectType = prefix === 'object' ? OBJECT_TYPE_IDS[event.objectTypeId ?? ''] : prefix === 'contact' || prefix === 'company' ? prefix : undefined;
  const kind = KIND_OF_ACTION[action];
  if (!objectType || !kind) return [];
  if (action === 'propertyChange' && event.propertyName && !READ_PROPERTIES[objectType].has(event.propertyName)) return [];
  const baseId = `${idText(event.subscriptionId) ?? ''}:${idText(event.eventId)}`;
  const changedAt = new Date(typeof event.occurredAt === 'number' ? event.occurredAt : Date.now()).toISOString();
  const change = (type: 'contact' | 'company', crmId: string | null, n: number): WebhookChange[] =>
    crmId ? [{ eventId: n === 0 ? baseId : `${baseId}#${n}`, objectType: type, crmId, changedAt, kind }] : [];

  if (kind === 'merge') {
    // The survivor is read again; the merged-away ids resolve to it there (hs_merged_object_ids).
    const ids = [...new Set([event.primaryObjectId, event.newObjectId, event.objectId, ...(event.mergedObjectIds ?? [])].map(idText).filter((id): id is string => id !== null))];
    return ids.flatMap((id, n) => change(objectType, id, n));
  }
  if (kind === 'association') {
    // A contact's company is read from the contact's side; other associations are not synced.
    const type = (event.associationType ?? '').toUpperCase();
    if (type.startsWith('CONTACT_TO_COMPANY')) return change('contact', idText(event.fromObjectId), 0);
    if (type.startsWith('COMPANY_TO_CONTACT')) return change('contact', idText(event.toObjectId), 0);
    return [];
  }
  return change(objectType, idText(event.objectId), 0);
}
