// Syncs, on-demand validation and the audit log (admin and vips:write).
import type { FastifyInstance } from 'fastify';
import { coverageReport } from '../../admin/coverage.js';
import { decodeCsv } from '../../admin/csv-encoding.js';
import { AdminError } from '../../admin/errors.js';
import { writeAudit } from '../../db/audit-log.js';
import { syncStatus, startSyncs, waitForSyncs } from '../../admin/sync.js';
import { listAudit, vipActivityReport } from '../../admin/audit.js';
import { checkEmail } from '../../admin/vip-fields.js';
import { VALIDATE_WORKFLOW_TYPE } from '../../workflows/contract.js';
import { VALIDATE_WAIT_MS, validateNow } from '../validation.js';
import { requestActor } from '../auth.js';
import { connectTemporal, email, errors, secured, sendError, type ApiDeps } from './common.js';

/** A list of key accounts: thousands of lines at most. */
const KEY_ACCOUNTS_BODY_LIMIT = 1024 * 1024;

export async function operationsRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
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
    const outcome = await validateNow(deps.db, temporal, address, requestActor(request));
    if ('timeout' in outcome) {
      return sendError(reply, 504, 'timeout', `validation workflow ${outcome.timeout} did not finish within ${VALIDATE_WAIT_MS / 1000} s; is a worker with ${VALIDATE_WORKFLOW_TYPE} running on ${temporal.syncTaskQueue}?`);
    }
    return outcome.result as unknown as Record<string, unknown>;
  });

  app.get<{ Querystring: { actor?: string; action?: string; subject?: string; surface?: string; since?: string; limit?: number } }>('/v1/audit', {
    config: { scope: 'admin' },
    schema: {
      summary: 'The audit log, newest first', security: secured,
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          actor: { type: 'string', maxLength: 200 }, action: { type: 'string', maxLength: 100 }, subject: { type: 'string', maxLength: 320 },
          surface: { type: 'string', enum: ['activity', 'cli', 'http', 'mcp', 'console'] }, since: { type: 'string', format: 'date-time' },
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

  app.post<{ Querystring: { minLevel?: number }; Body: Buffer | undefined }>('/v1/reports/coverage', {
    config: { scope: 'admin' },
    bodyLimit: KEY_ACCOUNTS_BODY_LIMIT,
    schema: {
      summary: 'Key accounts (text/csv body, a "name" and/or a "domain" column) against the VIP list: accounts with no VIP or none reaching minLevel, VIPs at accounts not on the list, stale VIPs at key accounts',
      security: secured, consumes: ['text/csv'],
      querystring: { type: 'object', additionalProperties: false, properties: { minLevel: { type: 'integer', minimum: 1, maximum: 5, default: 3 } } },
      response: { 200: { type: 'object', additionalProperties: true }, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    if (!request.body || request.body.length === 0) throw new AdminError('invalid', 'send the key accounts as a text/csv body');
    await writeAudit(deps.db, { actor: requestActor(request), action: 'report.coverage' });
    return coverageReport(deps.db, decodeCsv(request.body), request.query.minLevel ?? 3);
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
}
