// MCP over streamable HTTP (stateless): POST /mcp, the tool lookup_vip.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canReadNotes, requestActor } from '../auth.js';
import { handleMcpHttp } from '../mcp.js';
import { secured, type ApiDeps } from './common.js';

export async function mcpRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
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
}
