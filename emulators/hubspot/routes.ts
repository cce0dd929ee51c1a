// The CRM object endpoints (v3 objects, search, merge, batch read, v4 association pages and batch reads).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hubSpotError } from './errors.js';
import { presentObject, type PresentOptions } from './present.js';
import { runSearch } from './search.js';
import { checkRequestBodyLength, SearchValidationError } from './search-request.js';
import { OBJECT_TYPES, type HubSpotStore, type ObjectType, type StoredObject } from './store.js';

const MAX_LIST_PAGE_SIZE = 100;
const DEFAULT_LIST_PAGE_SIZE = 10;
const MAX_BATCH_INPUTS = 100;
/** Association batch reads take up to 1,000 ids (HubSpot's limit since February 2025). */
const MAX_ASSOCIATION_BATCH_INPUTS = 1000;

type Query = Record<string, string | string[] | undefined>;

export interface RouteContext {
  store: HubSpotStore;
  baseUrl(): string;
  /** Route config flag the rate limiter reads to tell search apart. */
  searchRouteConfig: { search: true };
  /**
   * Asked once for each list or search answer about to be sent: true makes it an empty page whose
   * cursor points where the request started, so following it gives the page this one would have been.
   */
  answerEmptyPage(): boolean;
}

export function registerObjectRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { store } = ctx;

  app.get<{ Params: { objectType: string }; Querystring: Query }>('/crm/v3/objects/:objectType', async (request, reply) => {
    const type = objectTypeOrReply(request.params.objectType, reply);
    if (!type) return reply;
    const query = request.query;
    const limit = Math.min(MAX_LIST_PAGE_SIZE, positiveInt(first(query.limit)) ?? DEFAULT_LIST_PAGE_SIZE);
    // The cursor is the id of the next record to list: numeric-looking like real ones ("394"),
    // and a position that survives edits and archiving between pages.
    const startId = first(query.after) || undefined;
    const archived = first(query.archived) === 'true';
    const next = (after: string) => ({
      next: { after, link: `${ctx.baseUrl()}/crm/v3/objects/${type}?after=${encodeURIComponent(after)}&limit=${limit}` },
    });
    // "0" lists from the first record, as no cursor does: every id sorts after it.
    if (ctx.answerEmptyPage()) return { results: [], paging: next(startId ?? '0') };
    const page = store.listPage(type, { startId, limit, archived });
    const options = presentOptions(query);
    const body: Record<string, unknown> = { results: page.objects.map((object) => presentObject(store, type, object, options)) };
    if (page.nextStartId !== undefined) body.paging = next(page.nextStartId);
    return body;
  });

  app.get<{ Params: { objectType: string; id: string }; Querystring: Query }>('/crm/v3/objects/:objectType/:id', async (request, reply) => {
    const type = objectTypeOrReply(request.params.objectType, reply);
    if (!type) return reply;
    const object = store.get(type, request.params.id, { archived: first(request.query.archived) === 'true' });
    if (!object) return notFound(reply, type, request.params.id);
    return presentObject(store, type, object, presentOptions(request.query));
  });

  // The search body's limit counts its raw characters, which only the body parser sees; a parser
  // of this route's own keeps the other routes on fastify's default one.
  app.register(async (searchScope) => {
    const parseJson = searchScope.getDefaultJsonParser('error', 'ignore');
    const bodyChars = new WeakMap<FastifyRequest, number>();
    searchScope.removeContentTypeParser('application/json');
    searchScope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = String(body);
      bodyChars.set(request, text.length);
      parseJson(request, text, done);
    });
    searchScope.post<{ Params: { objectType: string } }>(
      '/crm/v3/objects/:objectType/search',
      { config: ctx.searchRouteConfig },
      async (request, reply) => {
        const type = objectTypeOrReply(request.params.objectType, reply);
        if (!type) return reply;
        try {
          checkRequestBodyLength(bodyChars.get(request) ?? 0);
          const result = runSearch(store, type, request.body);
          if (ctx.answerEmptyPage()) return { total: result.total, results: [], paging: { next: { after: String(result.offset) } } };
          const options: PresentOptions = { properties: result.properties, associations: [] };
          const body: Record<string, unknown> = {
            total: result.total,
            results: result.objects.map((object) => presentObject(store, type, object, options)),
          };
          if (result.nextAfter !== undefined) body.paging = { next: { after: result.nextAfter } };
          return body;
        } catch (error) {
          if (error instanceof SearchValidationError) return reply.code(400).send(hubSpotError('VALIDATION_ERROR', error.message));
          throw error;
        }
      },
    );
  });

  app.patch<{ Params: { objectType: string; id: string }; Body: { properties?: Record<string, unknown> } }>(
    '/crm/v3/objects/:objectType/:id',
    async (request, reply) => {
      const type = objectTypeOrReply(request.params.objectType, reply);
      if (!type) return reply;
      const properties = stringProperties(request.body?.properties);
      if (!properties) return reply.code(400).send(hubSpotError('VALIDATION_ERROR', 'Body must be {"properties": {...}}'));
      const object = store.update(type, request.params.id, properties);
      if (!object) return notFound(reply, type, request.params.id);
      return presentObject(store, type, object, { properties: Object.keys(properties), associations: [] });
    },
  );

  app.delete<{ Params: { objectType: string; id: string } }>('/crm/v3/objects/:objectType/:id', async (request, reply) => {
    const type = objectTypeOrReply(request.params.objectType, reply);
    if (!type) return reply;
    // HubSpot answers 204 whether or not the record existed.
    store.archive(type, request.params.id);
    return reply.code(204).send();
  });

  app.post<{ Params: { objectType: string }; Body: { primaryObjectId?: unknown; objectIdToMerge?: unknown } }>(
    '/crm/v3/objects/:objectType/merge',
    async (request, reply) => {
      const type = objectTypeOrReply(request.params.objectType, reply);
      if (!type) return reply;
      const primaryId = String(request.body?.primaryObjectId ?? '');
      const mergedId = String(request.body?.objectIdToMerge ?? '');
      const survivor = store.merge(type, primaryId, mergedId);
      if (!survivor) {
        return reply
          .code(400)
          .send(hubSpotError('VALIDATION_ERROR', `Cannot merge ${type} ${mergedId} into ${primaryId}: both must exist, differ and be unarchived.`));
      }
      return presentObject(store, type, survivor, { properties: ['hs_merged_object_ids'], associations: [] });
    },
  );

  app.post<{ Params: { objectType: string }; Querystring: Query; Body: { inputs?: { id?: unknown }[]; properties?: string[] } }>(
    '/crm/v3/objects/:objectType/batch/read',
    async (request, reply) => {
      const type = objectTypeOrReply(request.params.objectType, reply);
      if (!type) return reply;
      const inputs = request.body?.inputs ?? [];
      if (inputs.length > MAX_BATCH_INPUTS) {
        return reply.code(400).send(hubSpotError('VALIDATION_ERROR', `Batch size ${inputs.length} exceeds the maximum of ${MAX_BATCH_INPUTS}`));
      }
      const startedAt = new Date().toISOString();
      const archived = first(request.query.archived) === 'true';
      const options: PresentOptions = { properties: request.body?.properties ?? [], associations: [] };
      const results = [];
      const missing: string[] = [];
      for (const input of inputs) {
        const id = String(input.id ?? '');
        const object = store.get(type, id, { archived });
        if (object) results.push(presentObject(store, type, object, options));
        else missing.push(id);
      }
      const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
      if (missing.length === 0) return body;
      body.numErrors = 1;
      body.errors = [
        { status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some records.', context: { ids: missing } },
      ];
      return reply.code(207).send(body);
    },
  );

  // The associations of many records in one call: 200 (all found), or 207 with an error entry
  // per id that has none (or does not exist), as HubSpot answers.
  app.post<{ Params: { fromObjectType: string; toObjectType: string }; Body: { inputs?: { id?: unknown }[] } }>(
    '/crm/v4/associations/:fromObjectType/:toObjectType/batch/read',
    async (request, reply) => {
      const type = objectTypeOrReply(request.params.fromObjectType, reply);
      const toType = type && objectTypeOrReply(request.params.toObjectType, reply);
      if (!type || !toType) return reply;
      const inputs = request.body?.inputs;
      if (!Array.isArray(inputs)) return reply.code(400).send(hubSpotError('VALIDATION_ERROR', 'inputs: an array of { "id": ... } is required'));
      if (inputs.length > MAX_ASSOCIATION_BATCH_INPUTS) {
        return reply.code(400).send(hubSpotError(
          'VALIDATION_ERROR', `Batch size ${inputs.length} exceeds the maximum of ${MAX_ASSOCIATION_BATCH_INPUTS} inputs`,
        ));
      }
      const startedAt = new Date().toISOString();
      const results = [];
      const errors = [];
      for (const input of inputs) {
        const id = String(input?.id ?? '');
        const object = store.get(type, id, { archived: false });
        const to = object ? associationsOf(store, type, object, toType) : [];
        if (to.length > 0) {
          results.push({ from: { id }, to });
        } else {
          errors.push({
            status: 'error',
            category: 'OBJECT_NOT_FOUND',
            subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
            message: `No ${singular(toType)} is associated with ${singular(type)} ${id}.`,
            context: { fromObjectId: [id], fromObjectType: [singular(type)], toObjectType: [singular(toType)] },
          });
        }
      }
      const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
      if (errors.length === 0) return body;
      return reply.code(207).send({ ...body, numErrors: errors.length, errors });
    },
  );

  app.get<{ Params: { objectType: string; id: string; toObjectType: string } }>(
    '/crm/v4/objects/:objectType/:id/associations/:toObjectType',
    async (request, reply) => {
      const type = objectTypeOrReply(request.params.objectType, reply);
      const toType = type && objectTypeOrReply(request.params.toObjectType, reply);
      if (!type || !toType) return reply;
      const object = store.get(type, request.params.id, { archived: false });
      if (!object) return notFound(reply, type, request.params.id);
      return { results: associationsOf(store, type, object, toType) };
    },
  );
}

/** HubSpot-defined association type ids (SDK enum AssociationTypes): unlabeled, and primary. */
const ASSOCIATION_TYPE_ID: Partial<Record<ObjectType, Partial<Record<ObjectType, number>>>> = {
  contacts: { companies: 279 },
  companies: { contacts: 280 },
};
const PRIMARY_TYPE_ID: Partial<Record<ObjectType, Partial<Record<ObjectType, number>>>> = {
  contacts: { companies: 1 },
  companies: { contacts: 2 },
};

/**
 * v4's shape: each associated record with its types. A contact's primary company has the Primary
 * type (typeId 1) besides the unlabeled one (279), as hubspot.md's recorded answer shows; its
 * other companies only the unlabeled one.
 */
function associationsOf(store: HubSpotStore, type: ObjectType, object: StoredObject, toType: ObjectType) {
  const typeId = ASSOCIATION_TYPE_ID[type]?.[toType];
  const primaryTypeId = PRIMARY_TYPE_ID[type]?.[toType];
  return store.associatedIds(type, object, toType).map((toObjectId) => ({
    toObjectId,
    associationTypes: [
      ...(type === 'contacts' && toObjectId === object.primaryCompanyId && primaryTypeId !== undefined
        ? [{ category: 'HUBSPOT_DEFINED', typeId: primaryTypeId, label: 'Primary' }]
        : []),
      { category: 'HUBSPOT_DEFINED', typeId, label: null },
    ],
  }));
}

function singular(type: ObjectType): string {
  return type === 'companies' ? 'company' : 'contact';
}

function objectTypeOrReply(raw: string, reply: FastifyReply): ObjectType | undefined {
  const type = toObjectType(raw);
  if (!type) reply.code(400).send(hubSpotError('VALIDATION_ERROR', `Unable to infer object type from: ${raw}`));
  return type;
}

function toObjectType(raw: string): ObjectType | undefined {
  const name = raw.toLowerCase();
  if (name === 'contact' || name === '0-1') return 'contacts';
  if (name === 'company' || name === '0-2') return 'companies';
  return (OBJECT_TYPES as readonly string[]).includes(name) ? (name as ObjectType) : undefined;
}

function notFound(reply: FastifyReply, type: ObjectType, id: string): FastifyReply {
  return reply.code(404).send(hubSpotError('OBJECT_NOT_FOUND', `Object not found. objectId are usually numeric. (${type} ${id})`));
}

/** The SDK repeats array params (?properties=a&properties=b); people type them comma-separated. */
function listParam(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.flatMap((item) => item.split(',')).map((item) => item.trim()).filter(Boolean);
}

function presentOptions(query: Query): PresentOptions {
  const associations = listParam(query.associations)
    .map(toObjectType)
    .filter((type): type is ObjectType => type !== undefined);
  return { properties: listParam(query.properties), associations };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const parsed = Number(value);
  return parsed > 0 ? parsed : undefined;
}

function stringProperties(raw: Record<string, unknown> | undefined): Record<string, string | null> | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const out: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(raw)) out[name] = value === null || value === undefined ? null : String(value);
  return out;
}
