// vipsync as an MCP server (official SDK): one tool, `lookup_vip`, with the same answer as the
// lookupVip activity. Served over stdio (`vipsync mcp`, as the OS user) and over streamable HTTP at
// /mcp of `vipsync serve` (stateless, bearer token with the "lookup" scope).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Actor } from '../db/audit-log.js';
import { InvalidEmailError, type LookupService } from '../lookup/service.js';
import { MAX_LOOKUP_PHONE_LENGTH } from '../lookup/phone.js';
import { InvalidLookupQueryError, InvalidPhoneError, lookupQueryFrom } from '../lookup/query.js';
import { shownLookupResultSchema } from '../lookup/answer.js';
import { logger } from '../runtime/logger.js';
import { isDatabaseUnavailable } from './errors.js';

export const LOOKUP_TOOL = 'lookup_vip';

export interface McpDeps {
  lookup: LookupService;
  actor: Actor;
  includeNotes: boolean;
  version?: string;
}

export function createMcpServer(deps: McpDeps): McpServer {
  const server = new McpServer({ name: 'vipsync', version: deps.version ?? '0.1.0' });
  server.registerTool(
    LOOKUP_TOOL,
    {
      title: 'Look up a sender in the VIP list',
      description:
        'Is this sender a VIP? Give their email or their phone (exactly one). Returns isVip, level (1-5, 5 most important) and why (levelReason), name, company, notes (if permitted), ' +
        'the latest contact notes agents wrote about them (contactNotes: author, at, text; if permitted), ' +
        'whether a CRM validates them, whether they probably left their company (stale), their account manager (owner) and ' +
        'how to handle them (priority, escalation team, response-time target). Unknown senders answer isVip false. ' +
        'A phone several people share answers ambiguous: true with the people as candidates (ask who is calling). ' +
        'asOf says when the data was last confirmed by a CRM sync, sources which CRM records it comes from.',
      inputSchema: {
        email: z.string().max(320).optional().describe('the sender email address, e.g. ceo@example.com'),
        phone: z.string().max(MAX_LOOKUP_PHONE_LENGTH).optional()
          .describe('or the caller\'s phone: E.164 (+14155552671) or national, read in the server\'s default country'),
      },
      outputSchema: shownLookupResultSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (input) => {
      try {
        const answer = await deps.lookup.lookupBy(lookupQueryFrom(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined))), deps.actor);
        const shown: Record<string, unknown> = { ...answer };
        if (!deps.includeNotes) delete shown.notes;
        if (!deps.includeNotes) delete shown.contactNotes;
        return { content: [{ type: 'text', text: JSON.stringify(shown) }], structuredContent: shown };
      } catch (error) {
        if (error instanceof InvalidEmailError || error instanceof InvalidPhoneError || error instanceof InvalidLookupQueryError) {
          return { isError: true, content: [{ type: 'text', text: error.message }] };
        }
        // The SDK would hand the error's own text (query text, database address) to the client.
        logger.error({ err: error }, `MCP ${LOOKUP_TOOL} failed`);
        const text = isDatabaseUnavailable(error) ? 'the VIP list cannot be reached right now; try again shortly' : 'the lookup failed on the server; its log has the details';
        return { isError: true, content: [{ type: 'text', text }] };
      }
    },
  );
  return server;
}

/** `vipsync mcp`: serves on stdin/stdout until the client disconnects. */
export async function runMcpStdio(deps: McpDeps): Promise<void> {
  const server = createMcpServer(deps);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}

/** One stateless streamable-HTTP exchange (a fresh server per request, as the SDK recommends). */
export async function handleMcpHttp(deps: McpDeps, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const server = createMcpServer(deps);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}
