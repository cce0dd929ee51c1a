// The HTTP API (`vipsync serve`): lookup, VIP management, CSV import/export, syncs, validation and
// MCP over streamable HTTP, behind bearer tokens, documented by an OpenAPI document at
// /openapi.json. Every handler calls the same admin/lookup functions as the CLI.
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { AdminError } from '../admin/errors.js';
import { SCOPE_MEANINGS } from '../admin/tokens.js';
import type { VipView } from '../admin/vip-reads.js';
import { InvalidEmailError } from '../lookup/service.js';
import { InvalidLookupQueryError, InvalidPhoneError } from '../lookup/query.js';
import { logger } from '../runtime/logger.js';
import { canReadNotes, createAuthHook } from './auth.js';
import { describeValidationError, unexpectedFailure } from './errors.js';
import { JSON_BODY_LIMIT, sendError, type ApiDeps } from './routes/common.js';
import { lookupRoutes } from './routes/lookup.js';
import { mcpRoutes } from './routes/mcp.js';
import { operationsRoutes } from './routes/operations.js';
import { vipRoutes } from './routes/vips.js';
import { groupRoutes } from './routes/groups.js';
import { contactNoteRoutes } from './routes/contact-notes.js';
import { webhookRoutes } from './routes/webhooks.js';
import { consolePlugin } from './console/plugin.js';

/** What a caller without notes:read never sees: handling notes and contact notes. */
const NOTE_FIELDS = new Set(['notes', 'contactNotes']);

/** A copy of an answer without any `notes` (or `contactNotes`) field, however deep (a person, a list, a history). */
function withoutNotes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNotes);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !NOTE_FIELDS.has(key)).map(([key, v]) => [key, withoutNotes(v)]));
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
    // Webhook deliveries (routes marked `changesNoLookupData`) hand changes to the worker, whose
    // writes reach every cache through the change feed: emptying caches on each one would not.
    const changesData = request.method !== 'GET' && request.method !== 'HEAD' && request.routeOptions.config.scope !== 'lookup'
      && request.routeOptions.config.changesNoLookupData !== true;
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
    if (error instanceof InvalidPhoneError) return sendError(reply, 400, 'invalid_phone', error.message);
    if (error instanceof InvalidLookupQueryError) return sendError(reply, 400, 'bad_request', `querystring: ${error.message}`);
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

  // Liveness alone (the process answers), for an orchestrator's liveness probe: a database outage
  // should make the server unready (/health), not get it restarted. Also the lookup benchmark's
  // baseline: a route that does nothing but answer.
  app.get('/health/live', {
    schema: { summary: 'Liveness: the server process answers (the database is not asked)', response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } },
  }, async () => ({ status: 'ok' }));

  // The routes, a fastify plugin per part of the API; the hooks and handlers above apply to all.
  await app.register(lookupRoutes, { deps });
  await app.register(vipRoutes, { deps });
  await app.register(operationsRoutes, { deps });
  await app.register(mcpRoutes, { deps });
  await app.register(groupRoutes, { deps });
  await app.register(contactNoteRoutes, { deps });
  await app.register(webhookRoutes, { deps });
  // The browser console (server/console/): HTML pages under /console, signed in with a token.
  await app.register(consolePlugin, { deps, prefix: '/console' });
  return app;
}

export type { ApiDeps, VipView };
