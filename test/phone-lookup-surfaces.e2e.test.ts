// Lookup by phone and the answer's freshness on the surfaces other systems use: GET /v1/lookup on a
// real server (bearer tokens, exactly one of email and phone, hostile query strings), MCP lookup_vip
// through the SDK's own client (streamable HTTP and stdio), and the `vipsync lookup` command as a
// process; all over a database synced from the emulators through Temporal.
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../admin/tokens.js';
import { shownLookupResultSchema, vipLookupResultSchema } from '../lookup/answer.js';
import { startApiServer, type ApiServer } from '../server/main.js';
import { runVipsync } from './cli-process.js';
import { PHONES, phoneFixture } from './fixtures/phones.js';
import { startHarness, type Harness } from './harness.js';
import { request, startTcpProxy } from './http-test-client.js';

const BIN = new URL('../bin/vipsync.js', import.meta.url).pathname;
const admin = { name: 'test-admin', surface: 'cli' as const };

describe('lookup by phone on every surface', () => {
  let h: Harness;
  let api: ApiServer;
  let lookupToken = '';
  let notesToken = '';
  const get = (query: string, token = lookupToken) => request(api.url, 'GET', `/v1/lookup${query}`, { token });

  beforeAll(async () => {
    h = await startHarness('phone_surfaces', phoneFixture());
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
    await h.db.vip.update({ where: { email: 'ada@acme.com' }, data: { notes: 'Calls from her mobile.' } });
    api = await startApiServer({
      databaseUrl: h.databaseUrl, temporalAddress: h.config.temporalAddress, temporalNamespace: 'default', syncTaskQueue: h.config.syncTaskQueue, port: 0,
    });
    lookupToken = (await createToken(h.db, { name: 'phone-bot', scopes: ['lookup'] }, admin)).token;
    notesToken = (await createToken(h.db, { name: 'phone-bot-notes', scopes: ['lookup', 'notes:read'] }, admin)).token;
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  describe('GET /v1/lookup', () => {
    it('answers ?phone= (E.164 with %2B, or national) as the person, with asOf and sources, notes only with notes:read', async () => {
      for (const query of ['?phone=%2B14155552671', '?phone=(415)%20555-2671', '?phone=%2B1%20650%20555%200100']) {
        const answer = await get(query);
        expect(answer.status).toBe(200);
        expect(answer.json).toMatchObject({ email: 'ada@acme.com', isVip: true, level: 5, ambiguous: false, candidates: [], asOf: expect.any(String) });
        expect(answer.json).not.toHaveProperty('notes');
        expect((answer.json.sources as { system: string }[]).map((s) => s.system).sort()).toEqual(['hubspot', 'salesforce']);
      }
      expect((await get('?phone=%2B14155552671', notesToken)).json).toMatchObject({ notes: 'Calls from her mobile.', phone: PHONES.ada });
      expect((await get('?email=ada@acme.com')).json).toMatchObject({ email: 'ada@acme.com', phone: null, asOf: expect.any(String) });
    });

    it('answers a shared phone as ambiguous with the candidates, and an unknown one with nobody', async () => {
      const shared = await get('?phone=212-555-0000');
      expect(shared.status).toBe(200);
      expect(shownLookupResultSchema.strict().parse(shared.json)).toMatchObject({
        email: null, ambiguous: true, isVip: false,
        candidates: [{ email: 'bob@acme.com', level: null }, { email: 'erin@globex.com', level: 2 }],
      });
      expect((await get(`?phone=${encodeURIComponent(PHONES.nobody)}`)).json).toMatchObject({ email: null, ambiguous: false, asOf: null, sources: [] });
    });

    it.each([
      ['?email=ada@acme.com&phone=%2B14155552671', 'bad_request', 'either email or phone, not both'],
      ['', 'bad_request', "give the sender's email or phone"],
      ['?phone=', 'bad_request', 'querystring: phone must NOT have fewer than 1 characters'],
      ['?phone=1&phone=2', 'bad_request', 'querystring: phone must be string'],
      [`?phone=${'9'.repeat(65)}`, 'bad_request', 'querystring: phone must NOT have more than 64 characters'],
      ['?mobile=%2B14155552671', 'bad_request', 'unknown field "mobile"'],
      ['?phone=1-800-FLOWERS', 'invalid_phone', 'phone "1-800-FLOWERS" contains letters'],
      ['?phone=123', 'invalid_phone', 'phone "123" is not a possible number (default country US)'],
      ['?phone=%2B1%00415%20555%202671', 'invalid_phone', 'phone contains a control character'],
      ['?phone=%27%3B%20DROP%20TABLE%20vips%3B--', 'invalid_phone', 'contains letters'],
      ['?email=not-an-email', 'invalid_email', 'has no @'],
      ['?phone=+44%2020%207946%200958', 'invalid_phone', 'a "+" in a query string must be written %2B'],
    ])('answers %s with 400 naming the field', async (query, error, message) => {
      const answer = await get(query);
      expect(answer.status).toBe(400);
      expect(answer.json.error).toBe(error);
      expect(answer.json.message).toContain(message);
    });

    it('documents phone in the OpenAPI document, with asOf, sources and candidates in the answer', async () => {
      const doc = await request(api.url, 'GET', '/openapi.json');
      const lookup = (doc.json.paths as Record<string, { get: { parameters: { name: string }[]; responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> } }>)['/v1/lookup']!.get;
      expect(lookup.parameters.map((p) => p.name).sort()).toEqual(['email', 'phone']);
      const answer = lookup.responses['200']!.content['application/json']!.schema.properties;
      expect(Object.keys(answer).sort()).toEqual(Object.keys(vipLookupResultSchema.shape).sort());
      expect(answer).toHaveProperty('asOf');
      expect(answer).toHaveProperty('sources');
    });

    it('answers GET /health/live (the benchmark\'s baseline) without a token, and without the database', async () => {
      expect(await request(api.url, 'GET', '/health/live')).toMatchObject({ status: 200, json: { status: 'ok' } });
      const proxy = await startTcpProxy(h.databaseUrl);
      const viaProxy = await startApiServer({
        databaseUrl: proxy.databaseUrl, temporalAddress: h.config.temporalAddress, temporalNamespace: 'default', syncTaskQueue: h.config.syncTaskQueue, port: 0,
      });
      try {
        await proxy.stop();
        expect((await request(viaProxy.url, 'GET', '/health')).status).toBe(503);
        expect(await request(viaProxy.url, 'GET', '/health/live')).toMatchObject({ status: 200, json: { status: 'ok' } });
      } finally {
        await viaProxy.close().catch(() => {});
      }
    });
  });

  describe('MCP lookup_vip', () => {
    it('takes a phone over streamable HTTP: the person, the ambiguous answer, and errors for bad input', async () => {
      const client = new McpClient({ name: 'phone-agent', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${lookupToken}` } } }));
      const { tools } = await client.listTools();
      expect(Object.keys((tools[0]!.inputSchema as { properties: object }).properties).sort()).toEqual(['email', 'phone']);
      const ada = await client.callTool({ name: 'lookup_vip', arguments: { phone: '+1 650 555 0100' } });
      expect(ada.isError).toBeFalsy();
      expect(ada.structuredContent).toMatchObject({ email: 'ada@acme.com', level: 5, phone: PHONES.adaMobile, asOf: expect.any(String) });
      expect(ada.structuredContent).not.toHaveProperty('notes');
      const shared = await client.callTool({ name: 'lookup_vip', arguments: { phone: '(212) 555-0000' } });
      expect(shared.structuredContent).toMatchObject({ ambiguous: true, candidates: [{ email: 'bob@acme.com' }, { email: 'erin@globex.com' }] });
      for (const [args, message] of [
        [{ phone: 'call me' }, 'contains letters'],
        [{ email: 'ada@acme.com', phone: PHONES.ada }, 'not both'],
        [{}, "give the sender's email or phone"],
      ] as const) {
        const failed = await client.callTool({ name: 'lookup_vip', arguments: args });
        expect(failed.isError).toBe(true);
        expect(JSON.stringify(failed.content)).toContain(message);
      }
      await client.close();
    });

    it('takes a phone over stdio (vipsync mcp)', async () => {
      const client = new McpClient({ name: 'stdio-phone-agent', version: '1.0.0' });
      await client.connect(new StdioClientTransport({
        command: process.execPath, args: [BIN, 'mcp'],
        env: { ...(process.env as Record<string, string>), DATABASE_URL: h.databaseUrl, VIPSYNC_LOG_LEVEL: 'warn' }, stderr: 'pipe',
      }));
      const result = await client.callTool({ name: 'lookup_vip', arguments: { phone: '650.555.0199' } });
      expect(result.structuredContent).toMatchObject({ email: 'grace@navy.example', level: 4, phone: PHONES.graceMobile });
      await client.close();
    });
  });

  describe('vipsync lookup', () => {
    const env = () => ({ DATABASE_URL: h.databaseUrl, VIPSYNC_LOG_LEVEL: 'warn' });

    it('looks up a phone given instead of an email, as JSON and as text with how fresh it is', async () => {
      const json = await runVipsync(['lookup', '+1 (415) 555-2671', '--json'], env());
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ email: 'ada@acme.com', phone: PHONES.ada, level: 5, asOf: expect.any(String) });
      const text = await runVipsync(['lookup', '650 555 0199'], env());
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^\+16505550199: grace@navy\.example: VIP level 4$/m);
      expect(text.stdout).toMatch(/^ {2}as of: {5}\d+ (s|min) ago \(\S+Z\), per salesforce contact 003000000000003AAA \(connection salesforce-\w+\)$/m);
    });

    it('lists the candidates of a shared phone and says to ask who is calling', async () => {
      const text = await runVipsync(['lookup', '212-555-0000'], env());
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('+12125550000: ambiguous, 2 people have this phone; ask who is calling');
      expect(text.stdout).toContain('  - bob@acme.com: not a VIP (Bob Builder)');
      expect(text.stdout).toContain('  - erin@globex.com: VIP level 2 (Erin Brockovich)');
    });

    it('refuses an invalid phone with exit code 2 and what is wrong; an email still goes by email', async () => {
      const bad = await runVipsync(['lookup', '555-12'], env());
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('cannot look up: phone "555-12" is not a possible number (default country US)');
      const gb = await runVipsync(['lookup', '020 7946 0958'], { ...env(), VIPSYNC_DEFAULT_COUNTRY: 'GB' });
      expect(JSON.stringify(gb)).toContain('+442079460958: not a VIP (no one on the list has this phone)');
      const help = await runVipsync(['lookup', '--help'], env());
      expect(help.stdout).toContain('<email-or-phone>');
    });
  });
});
