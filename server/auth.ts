// Bearer-token access control for the HTTP API and MCP over HTTP. Each route declares the scope it
// needs in its config; no or unknown token is 401, a token without the scope is 403.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { tokenActor, type Actor, type Surface } from '../db/audit-log.js';
import { hasScope, type Scope, type TokenVerifier, type VerifiedToken } from '../admin/tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public (/health, /openapi.json). */
    scope?: Scope;
    surface?: Surface;
    // Other servers in this process (the CRM emulators) keep their own config keys.
    [key: string]: unknown;
  }
  interface FastifyRequest {
    token?: VerifiedToken;
  }
}

export function bearerSecret(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

export function createAuthHook(tokens: TokenVerifier) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const scope = request.routeOptions.config.scope;
    if (!scope) return;
    const secret = bearerSecret(request.headers.authorization);
    const token = secret ? await tokens.verify(secret) : null;
    if (!token) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="vipsync"')
        .send({ error: 'unauthorized', message: secret ? 'the bearer token is unknown or revoked' : 'send an API token: Authorization: Bearer <token> (create one with `vipsync token create`)' });
      return;
    }
    if (!hasScope(token.scopes, scope)) {
      await reply.code(403).send({ error: 'forbidden', message: `token "${token.name}" lacks the "${scope}" scope (it has: ${token.scopes.join(', ')})` });
      return;
    }
    request.token = token;
  };
}

export function requestActor(request: FastifyRequest): Actor {
  return tokenActor(request.token?.name ?? 'anonymous', request.routeOptions.config.surface ?? 'http');
}

export function canReadNotes(request: FastifyRequest): boolean {
  return request.token !== undefined && hasScope(request.token.scopes, 'notes:read');
}
