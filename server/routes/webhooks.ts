// POST /v1/webhooks/hubspot/{connection}: HubSpot's webhook deliveries for a connection whose push
// path is on. No bearer token: the v3 signature (the app's client secret) is the authentication;
// a forged or stale one is answered 401 and audited. The events are recorded in Postgres (a
// delivery HubSpot retries or duplicates is recognised there by eventId) and handed to the
// connection's push workflow; only then is the delivery acknowledged, well within HubSpot's 5 s
// (a delivery not acknowledged in time, or answered 4xx/5xx, is retried up to 10 times over
// 24 hours: https://developers.hubspot.com/docs/api/webhooks, "Retries").
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { changesOfEvent, webhookBodyProblem, type HubSpotWebhookEvent } from '../../crm/hubspot/webhook-events.js';
import { verifyHubSpotSignature } from '../../crm/hubspot/webhook-signature.js';
import type { HubSpotConnectionConfig } from '../../crm/hubspot/config.js';
import { writeAudit } from '../../db/audit-log.js';
import { logger } from '../../runtime/logger.js';
import { countRejectedRequest, markHandedOff, recordPushEvents } from '../../sync/push-store.js';
import { pushChanges } from '../../sync/push.js';
import { connectTemporal, errors, sendError, type ApiDeps } from './common.js';

/** HubSpot sends up to 100 events a request; a few hundred bytes each. */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/** The URL the request was sent to, as HubSpot signed it (unless the connection names it). */
function requestUrl(request: FastifyRequest, configured: string | undefined): string {
  if (configured) return configured;
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim() || request.protocol;
  return `${proto}://${request.headers.host ?? ''}${request.url}`;
}

export async function webhookRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  // The signature covers the body as sent: it is kept as text and parsed here.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post<{ Params: { connection: string }; Body: string }>('/v1/webhooks/hubspot/:connection', {
    bodyLimit: WEBHOOK_BODY_LIMIT,
    config: { changesNoLookupData: true },
    schema: {
      summary: 'HubSpot webhook deliveries for a connection whose push path is on (signed with the app\'s client secret, X-HubSpot-Signature-v3)',
      params: { type: 'object', properties: { connection: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } }, required: ['connection'] },
      response: { 200: { type: 'object', properties: { received: { type: 'integer' }, duplicates: { type: 'integer' } } }, ...errors(400, 401, 404, 503) },
    },
  }, async (request, reply) => {
    const connectionId = request.params.connection;
    const connection = deps.connections?.find((c) => c.id === connectionId && c.system === 'hubspot') as HubSpotConnectionConfig | undefined;
    if (!connection?.push.enabled || !connection.webhookSecret) {
      return sendError(reply, 404, 'not_found', `no HubSpot connection "${connectionId}" with its push path on (set "push": {"enabled": true} and "webhookSecret" on it)`);
    }
    const body = typeof request.body === 'string' ? request.body : '';
    const verdict = verifyHubSpotSignature({
      method: request.method, url: requestUrl(request, connection.webhookUrl), body,
      signature: request.headers['x-hubspot-signature-v3'] as string | undefined,
      timestamp: request.headers['x-hubspot-request-timestamp'] as string | undefined,
    }, connection.webhookSecret);
    if (!verdict.ok) {
      await writeAudit(deps.db, {
        actor: { name: `webhook:${connectionId}`, surface: 'http' }, action: 'webhook.rejected', subject: connectionId,
        details: { reason: verdict.reason, remoteAddress: request.ip, bytes: body.length },
      });
      await countRejectedRequest(deps.db, connectionId);
      logger.warn({ connectionId, reason: verdict.reason, remoteAddress: request.ip }, 'HubSpot webhook refused');
      return sendError(reply, 401, 'unauthorized', `webhook signature refused: ${verdict.reason}`);
    }
    let events: unknown;
    try {
      events = JSON.parse(body);
    } catch {
      return sendError(reply, 400, 'bad_request', 'the body is not JSON');
    }
    const problem = webhookBodyProblem(events);
    if (problem) return sendError(reply, 400, 'bad_request', problem);
    const changes = (events as HubSpotWebhookEvent[]).flatMap(changesOfEvent);
    const { toHandOff, duplicates } = await recordPushEvents(deps.db, connectionId, changes);
    if (toHandOff.length > 0) {
      const temporal = await connectTemporal(deps, reply);
      // Not acknowledged: HubSpot delivers again, and the recorded events are handed off then.
      if (!temporal) return reply;
      await pushChanges(temporal.client, connectionId, toHandOff, { taskQueue: temporal.syncTaskQueue });
      await markHandedOff(deps.db, connectionId, toHandOff.map((e) => e.eventId));
    }
    return { received: toHandOff.length, duplicates };
  });
}
