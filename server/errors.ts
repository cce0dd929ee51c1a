// What a failed request tells its caller. The caller learns what to do (fix the request, try again
// later) and a request id; how the server is built (query text, source paths, where the database
// is) goes to the server's log only.
import type { FastifySchemaValidationError } from 'fastify';

export interface FailureAnswer {
  status: number;
  error: string;
  message: string;
}

// Node's socket errors, Postgres's "cannot serve you now" states (connection exceptions, shutting
// down, too many connections) and Prisma's "cannot reach / pool exhausted / transaction could not
// start in time" codes: all mean "try again later", not "your request is wrong".
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE',
  '57P01', '57P02', '57P03', '53300', 'P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028',
]);
const UNAVAILABLE_MESSAGE = /can't reach database server|connection terminated|timeout exceeded when trying to connect|server closed the connection|connection (?:is )?closed|unable to start a transaction/i;
// Postgres class 22 (data exception: a NUL in text, a number out of range) is a value in the request
// the database cannot take; the routes check their input so this is a last line, not the rule.
const BAD_VALUE_MESSAGE = /\bCode: `22[0-9A-Z]{3}`|unable to fit value/i;

/** The codes and messages of an error and of the errors that caused it. */
function* chain(error: unknown): Generator<{ code: string; message: string }> {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message, originalCode } = e as { code?: unknown; message?: unknown; originalCode?: unknown };
    yield { code: typeof code === 'string' ? code : '', message: typeof message === 'string' ? message : '' };
    if (typeof originalCode === 'string') yield { code: originalCode, message: '' };
  }
}

export function isDatabaseUnavailable(error: unknown): boolean {
  for (const { code, message } of chain(error)) {
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || UNAVAILABLE_MESSAGE.test(message)) return true;
  }
  return false;
}

/** The answer for an error no route turned into one of its own (4xx): a short message and the request id. */
export function unexpectedFailure(error: unknown, requestId: string): FailureAnswer {
  if (isDatabaseUnavailable(error)) {
    return { status: 503, error: 'database_unavailable', message: `the database cannot be reached right now; try again shortly (request ${requestId})` };
  }
  if ([...chain(error)].some(({ code, message }) => code.startsWith('22') || BAD_VALUE_MESSAGE.test(message))) {
    return { status: 400, error: 'bad_request', message: `the request holds a value that cannot be stored or compared (request ${requestId})` };
  }
  return { status: 500, error: 'internal', message: `the server failed on this request (request ${requestId}); its log has the details` };
}

/** "body: level must be integer", "body: unknown field "salary"", "querystring: offset must be <= 2147483647". */
export function describeValidationError(context: string | undefined, errors: FastifySchemaValidationError[]): string {
  const first = errors[0];
  const where = context ?? 'request';
  if (!first) return `${where} is invalid`;
  const params = first.params as { additionalProperty?: string; missingProperty?: string };
  const field = first.instancePath.split('/').filter(Boolean).join('.');
  if (params.additionalProperty !== undefined) return `${where}: unknown field "${[field, params.additionalProperty].filter(Boolean).join('.')}"`;
  if (params.missingProperty !== undefined) return `${where}: field "${[field, params.missingProperty].filter(Boolean).join('.')}" is required`;
  return `${where}: ${field ? `${field} ` : ''}${first.message ?? 'is invalid'}`;
}
