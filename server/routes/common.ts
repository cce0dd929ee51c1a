// What the HTTP API's route modules share: the server's dependencies, the pieces of the OpenAPI
// document's JSON Schemas, and how an error is answered.
import type { FastifyReply } from 'fastify';
import type { Client } from '@temporalio/client';
import type { TokenVerifier } from '../../admin/tokens.js';
import type { ConnectionConfig } from '../../crm/registry.js';
import type { Db } from '../../db/client.js';
import { lookupAnswerJsonSchema } from '../../lookup/answer.js';
import type { LookupService } from '../../lookup/service.js';
import { logger } from '../../runtime/logger.js';

// Every route's body fits in 64 KB (a VIP's fields: notes are at most 2,000 characters of up to 4
// bytes; an MCP tool call is a few hundred bytes) except a CSV import, which may hold the whole list.
export const JSON_BODY_LIMIT = 64 * 1024;
export const CSV_BODY_LIMIT = 50 * 1024 * 1024;

export interface ApiDeps {
  db: Db;
  lookup: LookupService;
  tokens: TokenVerifier;
  /** Temporal, connected on first use so lookups work while Temporal is down. */
  temporal: () => Promise<{ client: Client; syncTaskQueue: string }>;
  /** Called after each write made through this server, before it is answered (serve --processes). */
  afterWrite?: () => Promise<void>;
  logger?: boolean;
  /** The CRM connections, for the push path's receivers (webhooks); none: every webhook is 404. */
  connections?: ConnectionConfig[];
}

export const errorBody = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
} as const;

export const email = { type: 'string', minLength: 1, maxLength: 320, description: 'an email address' } as const;
export const nullableString = { type: ['string', 'null'] } as const;

export const lookupAnswer = lookupAnswerJsonSchema();

export const vipView = {
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

export const vipFields = {
  name: { type: ['string', 'null'], maxLength: 200 },
  company: { type: ['string', 'null'], maxLength: 200 },
  phone: { type: ['string', 'null'], maxLength: 200 },
  notes: { type: ['string', 'null'], maxLength: 2000 },
} as const;

export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorBody]));
export const secured = [{ bearer: [] }];

export function sendError(reply: FastifyReply, status: number, error: string, message: string) {
  return reply.code(status).send({ error, message });
}

/** Temporal for a route that needs it; without it, answers 503 and returns null (lookups keep working). */
export async function connectTemporal(deps: ApiDeps, reply: FastifyReply) {
  try {
    return await deps.temporal();
  } catch (error) {
    logger.error({ err: error }, 'cannot reach Temporal');
    await sendError(reply, 503, 'temporal_unavailable', 'cannot reach Temporal right now (lookups and the VIP list keep working); try again shortly');
    return null;
  }
}
