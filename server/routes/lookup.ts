// The agents' answer: GET /v1/lookup.
import type { FastifyInstance } from 'fastify';
import { requestActor } from '../auth.js';
import { email, errors, lookupAnswer, secured, type ApiDeps } from './common.js';

export async function lookupRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.get<{ Querystring: { email: string } }>('/v1/lookup', {
    config: { scope: 'lookup' },
    schema: {
      summary: 'Look up a sender (the answer agents get)', security: secured,
      querystring: { type: 'object', additionalProperties: false, required: ['email'], properties: { email } },
      response: { 200: lookupAnswer, ...errors(400, 401, 403) },
    },
  }, async (request) => deps.lookup.lookup(request.query.email, requestActor(request)));
}
