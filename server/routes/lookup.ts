// The agents' answer: GET /v1/lookup?email= or ?phone= (exactly one).
import type { FastifyInstance } from 'fastify';
import { requestActor } from '../auth.js';
import { MAX_LOOKUP_PHONE_LENGTH } from '../../lookup/phone.js';
import { InvalidPhoneError, lookupQueryFrom } from '../../lookup/query.js';
import { email, errors, lookupAnswer, secured, type ApiDeps } from './common.js';

const phone = {
  type: 'string', minLength: 1, maxLength: MAX_LOOKUP_PHONE_LENGTH,
  description: 'a phone number: E.164 (+14155552671) or national, read in VIPSYNC_DEFAULT_COUNTRY',
} as const;

export async function lookupRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.get<{ Querystring: { email?: string; phone?: string } }>('/v1/lookup', {
    config: { scope: 'lookup' },
    schema: {
      summary: 'Look up a sender by email or phone, exactly one (the answer agents get)', security: secured,
      querystring: { type: 'object', additionalProperties: false, properties: { email, phone } },
      response: { 200: lookupAnswer, ...errors(400, 401, 403) },
    },
  }, async (request) => {
    try {
      return await deps.lookup.lookupBy(lookupQueryFrom(request.query), requestActor(request));
    } catch (error) {
      // "?phone=+44..." arrives as " 44...": a bare + in a query string is a space.
      if (error instanceof InvalidPhoneError && /^ \d/.test(request.query.phone ?? '')) {
        throw new InvalidPhoneError(`${error.message} (a "+" in a query string must be written %2B)`);
      }
      throw error;
    }
  });
}
