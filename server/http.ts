// The HTTP API (`vipsync serve`): lookup, VIP management, CSV import/export, syncs, validation and
// MCP over streamable HTTP, behind bearer tokens, documented by an OpenAPI document at
// /openapi.json. Every handler calls the same admin/lookup functions as the CLI.
import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { writeAudit } from '../db/audit-log.js';
import { parseColumnMap } from '../admin/csv-columns.js';
import { exportVipsCsv } from '../admin/csv-export.js';
import { importVips } from '../admin/csv-import.js';
import { readVipCsv } from '../admin/csv-reading.js';
import { AdminError } from '../admin/errors.js';
import { syncStatus, startSyncs, waitForSyncs } from '../admin/sync.js';
import { SCOPE_MEANINGS, type TokenVerifier } from '../admin/tokens.js';
import { listAudit, vipActivityReport } from '../admin/audit.js';
import { addVip, editVip, removeVips } from '../admin/vip-changes.js';
import { checkEmail } from '../admin/vip-fields.js';
import { listVips, MAX_OFFSET, MAX_PAGE_SIZE, showVip, type VipView } from '../admin/vip-reads.js';
import type { Db } from '../db/client.js';
import { lookupAnswerJsonSchema } from '../lookup/answer.js';
import { InvalidEmailError, type LookupService } from '../lookup/service.js';
import { VALIDATE_WORKFLOW_TYPE, validateWorkflowId } from '../workflows/contract.js';
import { logger } from '../runtime/logger.js';
import { canReadNotes, createAuthHook, requestActor } from './auth.js';
import { describeValidationError, unexpectedFailure } from './errors.js';
import { handleMcpHttp } from './mcp.js';

const VALIDATE_WAIT_MS = 60_000;
// Every route's body fits in 64 KB (a VIP's fields: notes are at most 2,000 characters of up to 4
// bytes; an MCP tool call is a few hundred bytes) except a CSV import, which may hold the whole list.
const JSON_BODY_LIMIT = 64 * 1024;
const CSV_BODY_LIMIT = 50 * 1024 * 1024;

export interface ApiDeps {
  db: Db;
  lookup: LookupService;
  tokens: TokenVerifier;
  /** Temporal, connected on first use so lookups work while Temporal is down. */
  temporal: () => Promise<{ client: Client; syncTaskQueue: string }>;
  /** Called after each write made through this server, before it is answered (serve --processes). */
  afterWrite?: () => Promise<void>;
  logger?: boolean;
}

const errorBody = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
} as const;

const email = { type: 'string', minLength: 1, maxLength: 320, description: 'an email address' } as const;
const nullableString = { type: ['string', 'null'] } as const;

const lookupAnswer = lookupAnswerJsonSchema();

const vipView = {
  type: 'object',
  additionalProperties: true,
  properties: {
    email: { type: 'string' }, level: { type: ['integer', 'null'] }, levelSource: nullableString, levelReason: nullableString,
    crmLevel: { type: ['integer', 'null'] }, manualLevel: { type: ['integer', 'null'] }, name: nullableString, company: nullableString,
    phone: nullableString, notes: { ...nullableString, description: 'only with the notes:read scope' }, source: { type: 'string' },
    validated: { type: 'boolean' }, validatedBy: { type: 'array', items: { type: 'string' } }, stale: { type: 'boolean' },
    staleReason: nullableString, createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const vipFields = {
  name: { type: ['string', 'null'], maxLength: 200 },
  company: { type: ['string', 'null'], maxLength: 200 },
  phone: { type: ['string', 'null'], maxLength: 200 },
  notes: { type: ['string', 'null'], maxLength: 2000 },
} as const;

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorBody]));
const secured = [{ bearer: [] }];

/** A copy of an answer without any `notes` field, however deep (a person, a list, a history). */
function withoutNotes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNotes);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'notes').map(([key, v]) => [key, withoutNotes(v)]));
}

/**
 * Query strings are text: a parameter its route declares an integer or a boolean is read from its
 * text here ("5", "true"/"false"), so the schema can check it. Bodies are JSON and are not coerced:
 * `"level": "3"` or `"name": false` are wrong types, answered 400.
 */
function readQueryText(request: FastifyRequest): void {
  const properties = (request.routeOptions.schema?.querystring as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  const query = request.query as Record<string, unknown> | undefined;
  if (!properties || !query) return;
  for (const [name, value] of Object.entries(query)) {
    if (typeof value !== 'string') continue;
    const type = properties[name]?.type;
    if (type === 'integer' && /^-?\d{1,30}$/.test(value)) query[name] = Number(value);
    else if (type === 'boolean' && (value === 'true' || value === 'false')) query[name] = value === 'true';
  }
}

function sendError(reply: FastifyReply, status: number, error: string, message: string) {
  return reply.code(status).send({ error, message });
}

export async function buildHttpServer(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    routerOptions: { maxParamLength: 400 },
    bodyLimit: JSON_BODY_LIMIT,
    // Reject what the schemas do not describe instead of silently dropping it; never coerce a
    // wrong type into a right one (query strings: readQueryText).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'vipsync API',
        version: '1',
        description: `Is this sender a VIP? Bearer tokens (vipsync token create) carry scopes: ${Object.entries(SCOPE_MEANINGS).map(([s, m]) => `${s} (${m})`).join('; ')}.`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  // CSV arrives as bytes and stays bytes: the import reads them as it checks the rows (strictly
  // UTF-8: a file that is not is refused, 400, with the lines at fault, not stored with U+FFFD),
  // a slice at a time, so a big file never holds up the lookups this process serves.
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', createAuthHook(deps.tokens));
  app.addHook('preValidation', async (request) => readQueryText(request));
  // The notes rule for every answer of every route: without notes:read, no `notes` field leaves
  // the server (routes need not remember it). Public routes (/health, /openapi.json) hold none.
  app.addHook('preSerialization', async (request, _reply, payload: unknown) =>
    request.routeOptions.config.scope === undefined || canReadNotes(request) ? payload : withoutNotes(payload));
  // A change made through this server is seen by its very next lookup, before the database's
  // notification of it has arrived. Routes the read-only `lookup` scope opens (POST /mcp: every MCP
  // tool call) change nothing, and must not empty the cache on each call.
  app.addHook('onSend', async (request, reply, payload) => {
    const changesData = request.method !== 'GET' && request.method !== 'HEAD' && request.routeOptions.config.scope !== 'lookup';
    if (changesData && reply.statusCode < 300) {
      deps.lookup.invalidate();
      await deps.afterWrite?.();
    }
    return payload;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) return sendError(reply, 400, 'bad_request', describeValidationError(error.validationContext, error.validation));
    if (error instanceof AdminError) {
      return sendError(reply, error.kind === 'invalid' ? 400 : error.kind === 'not_found' ? 404 : 409, error.kind, error.message);
    }
    if (error instanceof InvalidEmailError) return sendError(reply, 400, 'invalid_email', error.message);
    if (error.statusCode === 413) return sendError(reply, 413, 'too_large', `the body is larger than this route takes (${request.routeOptions.bodyLimit ?? JSON_BODY_LIMIT} bytes)`);
    if (error.statusCode && error.statusCode < 500) return sendError(reply, error.statusCode, 'bad_request', error.message);
    // Whatever else failed: the details (query text, source lines, database address) go to the
    // log with the request id; the caller gets the id and what to do.
    const answer = unexpectedFailure(error, request.id);
    logger.error({ err: error, requestId: request.id, method: request.method, route: request.routeOptions.url, status: answer.status }, `${request.method} ${request.routeOptions.url ?? ''}: ${answer.error}`);
    return sendError(reply, answer.status, answer.error, answer.message);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json`));

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/health', {
    schema: {
      summary: 'Health: the server answers and its database does (503 when the database does not answer within a second)',
      response: {
        200: { type: 'object', properties: { status: { type: 'string' } } },
        503: { type: 'object', properties: { status: { type: 'string' }, message: { type: 'string' } } },
      },
    },
  }, async (_request, reply) => {
    // Every lookup needs the database: a server that cannot reach it is not healthy, however fast it answers.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('no answer within 1 s')), 1_000);
    });
    try {
      await Promise.race([deps.db.$queryRaw`SELECT 1`, timeout]);
      return { status: 'ok' };
    } catch (error) {
      const reason = ((error as Error).message.split('\n').find((line) => line.trim()) ?? 'unknown error').trim().slice(0, 120);
      return reply.code(503).send({ status: 'unavailable', message: `the database does not answer: ${reason}` });
    } finally {
      clearTimeout(timer);
    }
  });

  app.get<{ Querystring: { email: string } }>('/v1/lookup', {
    config: { scope: 'lookup' },
    schema: {
      summary: 'Look up a sender (the answer agents get)', security: secured,
      querystring: { type: 'object', additionalProperties: false, required: ['email'], properties: { email } },
      response: { 200: lookupAnswer, ...errors(400, 401, 403) },
    },
  }, async (request) => deps.lookup.lookup(request.query.email, requestActor(request)));

  // ---- VIP management ----------------------------------------------------------------------

  app.get<{ Querystring: { search?: string; level?: number; all?: boolean; sort?: 'name' | 'level' | 'added'; desc?: boolean; limit?: number; offset?: number } }>('/v1/vips', {
    config: { scope: 'lookup' },
    schema: {
      summary: 'List VIPs: search by name/email/company, filter by level, sort, page', security: secured,
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          search: { type: 'string', maxLength: 200 }, level: { type: 'integer', minimum: 1, maximum: 5 },
          all: { type: 'boolean', description: 'also people without a level' },
          sort: { type: 'string', enum: ['name', 'level', 'added'] }, desc: { type: 'boolean' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE }, offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET },
        },
      },
      response: { 200: { type: 'object', properties: { total: { type: 'integer' }, items: { type: 'array', items: vipView } } }, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    return listVips(deps.db, request.query, requestActor(request));
  });

  app.get<{ Querystring: { level?: number } }>('/v1/vips/export', {
    config: { scope: 'admin' },
    schema: {
      summary: 'The VIP list as CSV (re-importable with POST /v1/vips/import)', security: secured,
      querystring: { type: 'object', additionalProperties: false, properties: { level: { type: 'integer', minimum: 1, maximum: 5 } } },
      response: { 200: { type: 'string', description: 'text/csv' }, ...errors(400, 401, 403) },
    },
  }, async (request, reply) => {
    const { csv } = await exportVipsCsv(deps.db, { level: request.query.level }, requestActor(request));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="vips.csv"').send(csv);
  });

  app.get<{ Params: { email: string } }>('/v1/vips/:email', {
    config: { scope: 'lookup' },
    schema: {
      summary: 'One person on the list, with their level history', security: secured,
      params: { type: 'object', properties: { email } },
      response: { 200: { ...vipView, properties: { ...vipView.properties, levelChanges: { type: 'array', items: { type: 'object', additionalProperties: true } } } }, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => showVip(deps.db, request.params.email, requestActor(request)));

  app.post<{ Body: { email: string; level: number } & Record<string, string | null> }>('/v1/vips', {
    config: { scope: 'vips:write' },
    schema: {
      summary: 'Add a VIP (a manual level)', security: secured,
      body: { type: 'object', additionalProperties: false, required: ['email', 'level'], properties: { email, level: { type: 'integer', minimum: 1, maximum: 5 }, ...vipFields } },
      response: { 201: vipView, ...errors(400, 401, 403, 409) },
    },
  }, async (request, reply) => reply.code(201).send(await addVip(deps.db, request.body, requestActor(request))));

  app.patch<{ Params: { email: string }; Body: { level?: number; clearOverride?: boolean } & Record<string, unknown> }>('/v1/vips/:email', {
    config: { scope: 'vips:write' },
    schema: {
      summary: 'Edit a VIP: level (a manual override), name, company, phone, notes; or clear the override', security: secured,
      params: { type: 'object', properties: { email } },
      body: {
        type: 'object', additionalProperties: false, minProperties: 1,
        properties: { level: { type: 'integer', minimum: 1, maximum: 5 }, clearOverride: { type: 'boolean' }, ...vipFields },
      },
      response: { 200: vipView, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => editVip(deps.db, request.params.email, request.body as never, requestActor(request)));

  app.delete<{ Params: { email: string } }>('/v1/vips/:email', {
    config: { scope: 'vips:write' },
    schema: {
      summary: 'Remove a VIP an admin added (CRM people are changed in the CRM)', security: secured,
      params: { type: 'object', properties: { email } },
      response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const result = await removeVips(deps.db, [request.params.email], requestActor(request));
    if (result.notFound.length) throw new AdminError('not_found', `${result.notFound[0]} is not on the VIP list`);
    if (result.refused.length) throw new AdminError('conflict', `${result.refused[0]!.email} ${result.refused[0]!.reason}`);
    return reply.code(204).send();
  });

  app.post<{ Querystring: { dryRun?: boolean; map?: string | string[]; file?: string }; Body: Buffer | undefined }>('/v1/vips/import', {
    config: { scope: 'vips:write' },
    bodyLimit: CSV_BODY_LIMIT,
    schema: {
      summary: 'Import a CSV (text/csv body): valid rows in one transaction, errors per row', security: secured,
      consumes: ['text/csv'],
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          dryRun: { type: 'boolean' }, file: { type: 'string', maxLength: 200 },
          map: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 20 }], description: 'column=field, repeatable' },
        },
      },
      // The bytes as sent (checked as UTF-8 row by row by the import), so no JSON Schema type.
      body: { description: 'the CSV file: UTF-8, a header row first' },
      response: { 200: { type: 'object', additionalProperties: true }, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const map = request.query.map === undefined ? [] : ([] as string[]).concat(request.query.map);
    const parsed = await readVipCsv(request.body ?? Buffer.alloc(0), { map: parseColumnMap(map) });
    return importVips(deps.db, parsed, { actor: requestActor(request), dryRun: request.query.dryRun, file: request.query.file });
  });

  // ---- syncs, validation, audit ------------------------------------------------------------

  app.get('/v1/sync', {
    config: { scope: 'admin' },
    schema: { summary: 'The latest sync run of each connection', security: secured, response: { 200: { type: 'array', items: { type: 'object', additionalProperties: true } }, ...errors(401, 403) } },
  }, async (request) => syncStatus(deps.db, requestActor(request)));

  app.post<{ Querystring: { connection?: string; wait?: boolean; full?: boolean; acceptVanished?: boolean } }>('/v1/sync', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Start the sync of every connection (or one) now; with wait=true, return their counts; full=true walks every record, acceptVanished=true (with full) marks what it does not see vanished past the vanish guard', security: secured,
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { connection: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }, wait: { type: 'boolean' }, full: { type: 'boolean' }, acceptVanished: { type: 'boolean' } },
      },
      response: { 202: { type: 'array', items: { type: 'object', additionalProperties: true } }, 200: { type: 'array', items: { type: 'object', additionalProperties: true } }, ...errors(400, 401, 403, 404, 503) },
    },
  }, async (request, reply) => {
    const temporal = await connectTemporal(deps, reply);
    if (!temporal) return reply;
    const { connection, full, acceptVanished } = request.query;
    const started = await startSyncs(deps.db, temporal.client, requestActor(request), connection, { full, acceptVanished });
    if (!request.query.wait) return reply.code(202).send(started);
    return waitForSyncs(temporal.client, started);
  });

  app.post<{ Body: { email: string } }>('/v1/validate', {
    config: { scope: 'vips:write' },
    schema: {
      summary: 'Check one person against every connected CRM now (runs the validateEmailWorkflow)', security: secured,
      body: { type: 'object', additionalProperties: false, required: ['email'], properties: { email } },
      response: { 200: { type: 'object', additionalProperties: true }, ...errors(400, 401, 403, 503, 504) },
    },
  }, async (request, reply) => {
    const address = checkEmail(request.body.email);
    const temporal = await connectTemporal(deps, reply);
    if (!temporal) return reply;
    const actor = requestActor(request);
    // The same workflow id as `vipsync validate`: concurrent callers share one run.
    const handle = await temporal.client.workflow.start(VALIDATE_WORKFLOW_TYPE, {
      taskQueue: temporal.syncTaskQueue,
      workflowId: validateWorkflowId(address),
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowExecutionTimeout: '1 minute',
      args: [address],
    });
    await writeAudit(deps.db, { actor: { ...actor, workflowId: handle.workflowId }, action: 'validate', subject: address });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), VALIDATE_WAIT_MS);
    });
    try {
      const result = await Promise.race([handle.result(), timeout]);
      if (result === 'timeout') {
        return sendError(reply, 504, 'timeout', `validation workflow ${handle.workflowId} did not finish within ${VALIDATE_WAIT_MS / 1000} s; is a worker with ${VALIDATE_WORKFLOW_TYPE} running on ${temporal.syncTaskQueue}?`);
      }
      return result as Record<string, unknown>;
    } finally {
      clearTimeout(timer);
    }
  });

  app.get<{ Querystring: { actor?: string; action?: string; subject?: string; surface?: string; since?: string; limit?: number } }>('/v1/audit', {
    config: { scope: 'admin' },
    schema: {
      summary: 'The audit log, newest first', security: secured,
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          actor: { type: 'string', maxLength: 200 }, action: { type: 'string', maxLength: 100 }, subject: { type: 'string', maxLength: 320 },
          surface: { type: 'string', enum: ['activity', 'cli', 'http', 'mcp'] }, since: { type: 'string', format: 'date-time' },
          limit: { type: 'integer', minimum: 1, maximum: 1000 },
        },
      },
      response: { 200: { type: 'array', items: { type: 'object', additionalProperties: true } }, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const { since, ...rest } = request.query;
    await writeAudit(deps.db, { actor: requestActor(request), action: 'audit.read' });
    return listAudit(deps.db, { ...rest, since: since ? new Date(since) : undefined });
  });

  app.get<{ Querystring: { since?: string; limit?: number } }>('/v1/audit/vips', {
    config: { scope: 'admin' },
    schema: {
      summary: 'VIP activity: lookups per VIP and when each was last looked up', security: secured,
      querystring: { type: 'object', additionalProperties: false, properties: { since: { type: 'string', format: 'date-time' }, limit: { type: 'integer', minimum: 1, maximum: 1000 } } },
      response: { 200: { type: 'array', items: { type: 'object', additionalProperties: true } }, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    await writeAudit(deps.db, { actor: requestActor(request), action: 'audit.report' });
    return vipActivityReport(deps.db, { since: request.query.since ? new Date(request.query.since) : undefined, limit: request.query.limit });
  });

  // ---- MCP over streamable HTTP ------------------------------------------------------------

  app.post('/mcp', {
    config: { scope: 'lookup', surface: 'mcp' },
    schema: { summary: 'MCP (streamable HTTP, stateless): tool lookup_vip', security: secured, body: {} },
  }, async (request, reply) => {
    reply.hijack();
    await handleMcpHttp({ lookup: deps.lookup, actor: requestActor(request), includeNotes: canReadNotes(request) }, request.raw, reply.raw, request.body);
  });
  const mcpMethodNotAllowed = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.code(405).header('allow', 'POST').send({ jsonrpc: '2.0', error: { code: -32000, message: 'this MCP endpoint is stateless: POST only' }, id: null });
  app.get('/mcp', { config: { scope: 'lookup', surface: 'mcp' }, schema: { hide: true } }, mcpMethodNotAllowed);
  app.delete('/mcp', { config: { scope: 'lookup', surface: 'mcp' }, schema: { hide: true } }, mcpMethodNotAllowed);

  return app;
}

async function connectTemporal(deps: ApiDeps, reply: FastifyReply) {
  try {
    return await deps.temporal();
  } catch (error) {
    logger.error({ err: error }, 'cannot reach Temporal');
    await sendError(reply, 503, 'temporal_unavailable', 'cannot reach Temporal right now (lookups and the VIP list keep working); try again shortly');
    return null;
  }
}

export type { VipView };
