// The REST data endpoints under /services/data/vNN.N: query, queryAll, query locators, sObject
// create/retrieve/update/delete, the replication endpoints and limits.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SalesforceApiError } from './errors.js';
import { executeSoql, type QueryResult } from './query-engine.js';
import type { QueryCursors } from './query-cursors.js';
import { serializeRecord } from './record-serializer.js';
import { formatDateTime, SOBJECT_NAMES, type SObjectName } from './schema.js';
import { toWireValue, type SalesforceStore } from './store.js';

export interface DataRouteContext {
  store: SalesforceStore;
  cursors: QueryCursors;
  defaultBatchSize: number;
  /** Rows to answer in the batch starting at `offset` when `batchSize` were asked for (short batches). */
  batchLength(batchSize: number, offset: number): number;
  limits(): { max: number; remaining: number };
  onQuery(kind: 'query' | 'queryMore'): void;
}

type VersionParams = { version: string };
type RecordParams = VersionParams & { sobject: string; id: string };

/** Salesforce's documented bounds for Sforce-Query-Options batchSize. */
const MIN_BATCH_SIZE = 200;
const MAX_BATCH_SIZE = 2000;

export function registerDataRoutes(app: FastifyInstance, ctx: DataRouteContext): void {
  const { store, cursors } = ctx;

  const runQuery = (request: FastifyRequest<{ Params: VersionParams; Querystring: { q?: string } }>, includeDeleted: boolean) => {
    const soql = request.query.q;
    if (!soql) throw new SalesforceApiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    ctx.onQuery('query');
    const result = executeSoql(store, soql, { includeDeleted });
    return queryPage(result, 0, batchSizeOf(request) ?? ctx.defaultBatchSize, request.params.version);
  };

  app.get<{ Params: VersionParams; Querystring: { q?: string } }>('/services/data/:version/query', async (request) => runQuery(request, false));
  app.get<{ Params: VersionParams; Querystring: { q?: string } }>('/services/data/:version/queryAll', async (request) => runQuery(request, true));

  app.get<{ Params: VersionParams & { locator: string } }>('/services/data/:version/query/:locator', async (request) => {
    ctx.onQuery('queryMore');
    const found = cursors.resolve(request.params.locator);
    if (!found) throw new SalesforceApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const batchSize = batchSizeOf(request) ?? found.cursor.batchSize;
    return queryPage(found.cursor.result, found.offset, batchSize, request.params.version, found.cursorId);
  });

  /** One batch of a result; opens a cursor the first time more batches follow. */
  function queryPage(result: QueryResult, offset: number, batchSize: number, version: string, cursorId?: string) {
    const end = Math.min(result.rows.length, offset + ctx.batchLength(batchSize, offset));
    const records = result.rows.slice(offset, end).map((record) => serializeRecord(store, record, result.select, version));
    const done = end >= result.rows.length;
    const body: Record<string, unknown> = { totalSize: result.rows.length, done };
    if (!done) body.nextRecordsUrl = `/services/data/${version}/query/${cursorId ?? cursors.open(result, batchSize)}-${end}`;
    body.records = records;
    return body;
  }

  app.get<{ Params: RecordParams; Querystring: { fields?: string } }>('/services/data/:version/sobjects/:sobject/:id', async (request) => {
    const type = sobjectOf(request.params.sobject);
    const record = store.get(type, request.params.id);
    if (!record || record.fields.IsDeleted === true) throw notFound();
    const schema = store.schemas[type];
    const wanted = request.query.fields ? request.query.fields.split(',').map((name) => name.trim()) : schema.fields().map((field) => field.name);
    const out: Record<string, unknown> = {
      attributes: { type, url: `/services/data/${request.params.version}/sobjects/${type}/${String(record.fields.Id)}` },
    };
    for (const name of wanted) {
      const field = schema.field(name);
      if (!field) throw new SalesforceApiError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${type}'.`);
      out[field.name] = toWireValue(field, record.fields[field.name]);
    }
    return out;
  });

  // Create: 201 {id, success, errors} (REST API Developer Guide, "Create a Record").
  app.post<{ Params: VersionParams & { sobject: string }; Body: unknown }>('/services/data/:version/sobjects/:sobject', async (request, reply) => {
    const body = request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object of field values');
    }
    const id = store.create(sobjectOf(request.params.sobject), body as Record<string, unknown>);
    return reply.code(201).send({ id, success: true, errors: [] });
  });

  app.patch<{ Params: RecordParams; Body: unknown }>('/services/data/:version/sobjects/:sobject/:id', async (request, reply) => {
    const body = request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object of field values');
    }
    store.update(sobjectOf(request.params.sobject), request.params.id, body as Record<string, unknown>);
    return reply.code(204).send();
  });

  app.delete<{ Params: RecordParams }>('/services/data/:version/sobjects/:sobject/:id', async (request, reply) => {
    store.delete(sobjectOf(request.params.sobject), request.params.id);
    return reply.code(204).send();
  });

  type WindowQuery = { start?: string; end?: string };

  app.get<{ Params: VersionParams & { sobject: string }; Querystring: WindowQuery }>(
    '/services/data/:version/sobjects/:sobject/updated',
    async (request) => {
      const type = sobjectOf(request.params.sobject);
      const { start, end } = timeWindow(request.query);
      const ids = store
        .all(type)
        .filter((record) => record.fields.IsDeleted !== true && inWindow(record.fields.SystemModstamp, start, end))
        .map((record) => String(record.fields.Id));
      return { ids, latestDateCovered: formatDateTime(end) };
    },
  );

  app.get<{ Params: VersionParams & { sobject: string }; Querystring: WindowQuery }>(
    '/services/data/:version/sobjects/:sobject/deleted',
    async (request) => {
      const type = sobjectOf(request.params.sobject);
      const { start, end } = timeWindow(request.query);
      const deleted = store.all(type).filter((record) => record.deletedAt !== undefined && inWindow(record.deletedAt, start, end));
      return {
        deletedRecords: deleted.map((record) => ({ id: String(record.fields.Id), deletedDate: formatDateTime(record.deletedAt!) })),
        earliestDateAvailable: formatDateTime(Math.min(start, ...deleted.map((record) => record.deletedAt!))),
        latestDateCovered: formatDateTime(end),
      };
    },
  );

  app.get('/services/data/:version/limits', async () => {
    const { max, remaining } = ctx.limits();
    return { DailyApiRequests: { Max: max, Remaining: remaining } };
  });
}

function batchSizeOf(request: FastifyRequest): number | undefined {
  const header = request.headers['sforce-query-options'];
  const match = /batchSize\s*=\s*(\d+)/i.exec(Array.isArray(header) ? header.join(',') : (header ?? ''));
  if (!match) return undefined;
  return Math.min(MAX_BATCH_SIZE, Math.max(MIN_BATCH_SIZE, Number(match[1])));
}

function sobjectOf(name: string): SObjectName {
  const type = SOBJECT_NAMES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (!type) throw new SalesforceApiError(404, 'NOT_FOUND', `The requested resource does not exist`);
  return type;
}

function notFound(): SalesforceApiError {
  return new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

function timeWindow(query: { start?: string; end?: string }): { start: number; end: number } {
  // A '+' in an unencoded offset arrives as a space.
  const start = Date.parse((query.start ?? '').replace(' ', '+'));
  const end = Date.parse((query.end ?? '').replace(' ', '+'));
  if (Number.isNaN(start) || Number.isNaN(end)) {
    throw new SalesforceApiError(400, 'INVALID_REPLICATION_DATE', 'start and end must be ISO 8601 datetimes');
  }
  if (end < start) throw new SalesforceApiError(400, 'INVALID_REPLICATION_DATE', 'end must be after start');
  return { start, end };
}

function inWindow(value: unknown, start: number, end: number): boolean {
  return typeof value === 'number' && value >= start && value <= end;
}
