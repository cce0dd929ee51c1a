// The HTTP API and MCP as other systems use them: a real server on loopback over a synced database,
// real Temporal behind the sync routes, bearer tokens created the way `vipsync token create` does,
// and MCP called by the SDK's own client (streamable HTTP and stdio).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '../db/audit-log.js';
import { createToken, revokeToken } from '../admin/tokens.js';
import { loadFixtureFile, type Fixture } from '../emulators/fixture.js';
import { vipLookupResultSchema } from '../lookup/answer.js';
import { startApiServer, type ApiServer } from '../server/main.js';
import { startHarness, type Harness } from './harness.js';
import { request } from './http-test-client.js';

const FIXTURE = new URL('./fixtures/basic.json', import.meta.url).pathname;
const BIN = new URL('../bin/vipsync.js', import.meta.url).pathname;
const admin = { name: 'test-admin', surface: 'cli' as const };

describe('HTTP API and MCP', () => {
  let h: Harness;
  let fixture: Fixture;
  let api: ApiServer;
  const tokens: Record<'lookup' | 'notes' | 'writer' | 'admin' | 'revoked', string> = { lookup: '', notes: '', writer: '', admin: '', revoked: '' };

  const call = (method: string, path: string, opts: { token?: string; body?: unknown; csv?: string } = {}) => request(api.url, method, path, opts);

  beforeAll(async () => {
    fixture = await loadFixtureFile(FIXTURE);
    h = await startHarness('api_e2e', fixture);
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
    await h.db.vip.update({ where: { email: 'ada@acme.com' }, data: { notes: 'Prefers phone calls; renewal in March.' } });
    api = await startApiServer({
      databaseUrl: h.databaseUrl, temporalAddress: h.config.temporalAddress, temporalNamespace: 'default',
      syncTaskQueue: h.config.syncTaskQueue, port: 0,
      lookupConfig: {
        handling: (await import('../lookup/config.js')).DEFAULT_HANDLING,
        owners: { '005000000000001AAA': { name: 'Dana Scully', email: 'dana@example.com' } },
      },
    });
    tokens.lookup = (await createToken(h.db, { name: 'bot-lookup', scopes: ['lookup'] }, admin)).token;
    tokens.notes = (await createToken(h.db, { name: 'bot-notes', scopes: ['lookup', 'notes:read'] }, admin)).token;
    tokens.writer = (await createToken(h.db, { name: 'crm-admin', scopes: ['vips:write'] }, admin)).token;
    tokens.admin = (await createToken(h.db, { name: 'ops', scopes: ['admin'] }, admin)).token;
    tokens.revoked = (await createToken(h.db, { name: 'old', scopes: ['admin'] }, admin)).token;
    await revokeToken(h.db, 'old', admin);
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  // Every route, the scope it needs, a token that lacks it, and a request that passes auth.
  const ROUTES: { method: string; path: string; scope: string; wrong: keyof typeof tokens; right: keyof typeof tokens; body?: unknown; csv?: string; expect: number }[] = [
    { method: 'GET', path: '/v1/lookup?email=ada@acme.com', scope: 'lookup', wrong: 'writer', right: 'lookup', expect: 200 },
    { method: 'GET', path: '/v1/vips', scope: 'lookup', wrong: 'writer', right: 'lookup', expect: 200 },
    { method: 'GET', path: '/v1/vips/ada@acme.com', scope: 'lookup', wrong: 'writer', right: 'lookup', expect: 200 },
    { method: 'POST', path: '/v1/vips', scope: 'vips:write', wrong: 'notes', right: 'writer', body: { email: 'matrix@example.com', level: 2 }, expect: 201 },
    { method: 'PATCH', path: '/v1/vips/matrix@example.com', scope: 'vips:write', wrong: 'notes', right: 'writer', body: { level: 3 }, expect: 200 },
    { method: 'DELETE', path: '/v1/vips/matrix@example.com', scope: 'vips:write', wrong: 'notes', right: 'writer', expect: 204 },
    { method: 'POST', path: '/v1/vips/import?dryRun=true', scope: 'vips:write', wrong: 'lookup', right: 'writer', csv: 'email,level\nx@example.com,1\n', expect: 200 },
    { method: 'GET', path: '/v1/vips/export', scope: 'admin', wrong: 'writer', right: 'admin', expect: 200 },
    { method: 'GET', path: '/v1/sync', scope: 'admin', wrong: 'writer', right: 'admin', expect: 200 },
    { method: 'POST', path: '/v1/sync?connection=no-such-connection', scope: 'admin', wrong: 'writer', right: 'admin', expect: 404 },
    { method: 'POST', path: '/v1/validate', scope: 'vips:write', wrong: 'lookup', right: 'writer', body: { email: 'ADA@acme.com' }, expect: 200 },
    { method: 'GET', path: '/v1/audit', scope: 'admin', wrong: 'writer', right: 'admin', expect: 200 },
    { method: 'GET', path: '/v1/audit/vips', scope: 'admin', wrong: 'notes', right: 'admin', expect: 200 },
    { method: 'POST', path: '/v1/reports/coverage', scope: 'admin', wrong: 'writer', right: 'admin', csv: 'name\nAcme Corp\n', expect: 200 },
    { method: 'GET', path: '/v1/groups', scope: 'lookup', wrong: 'writer', right: 'lookup', expect: 200 },
    { method: 'POST', path: '/v1/groups', scope: 'admin', wrong: 'writer', right: 'admin', body: { name: 'Matrix', priority: 'high', responseTimeMinutes: 30 }, expect: 201 },
    { method: 'PATCH', path: '/v1/groups/matrix', scope: 'admin', wrong: 'writer', right: 'admin', body: { escalationTeam: 'matrix-desk' }, expect: 200 },
    { method: 'POST', path: '/v1/groups/Matrix/members', scope: 'vips:write', wrong: 'notes', right: 'writer', body: { emails: ['ada@acme.com'] }, expect: 200 },
    { method: 'GET', path: '/v1/groups/Matrix/members', scope: 'lookup', wrong: 'writer', right: 'lookup', expect: 200 },
    { method: 'DELETE', path: '/v1/groups/Matrix/members/ada@acme.com', scope: 'vips:write', wrong: 'notes', right: 'writer', expect: 200 },
    { method: 'DELETE', path: '/v1/groups/Matrix', scope: 'admin', wrong: 'writer', right: 'admin', expect: 200 },
    { method: 'GET', path: '/v1/vips/ada@acme.com/notes', scope: 'notes:read', wrong: 'writer', right: 'notes', expect: 200 },
    { method: 'POST', path: '/v1/vips/ada@acme.com/notes', scope: 'vips:write', wrong: 'notes', right: 'writer', body: { text: 'matrix' }, expect: 201 },
    { method: 'PATCH', path: '/v1/vips/ada@acme.com/notes/999999999', scope: 'vips:write', wrong: 'notes', right: 'writer', body: { text: 'x' }, expect: 404 },
    { method: 'DELETE', path: '/v1/vips/ada@acme.com/notes/999999999', scope: 'vips:write', wrong: 'lookup', right: 'writer', expect: 404 },
    {
      method: 'POST', path: '/mcp', scope: 'lookup', wrong: 'writer', right: 'lookup', expect: 200,
      body: { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'matrix', version: '1' } } },
    },
  ];

  it.each(ROUTES)('$method $path: 401 without a token, 403 without "$scope", $expect with it', async (route) => {
    const mcpHeaders = route.path === '/mcp';
    const send = async (token?: string) => {
      if (!mcpHeaders) return call(route.method, route.path, { token, body: route.body, csv: route.csv });
      const response = await fetch(`${api.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(route.body),
      });
      return { status: response.status, json: (await response.json().catch(() => null)) as Record<string, unknown> };
    };
    const anonymous = await send();
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toMatchObject({ error: 'unauthorized' });
    expect((await send('vipsync_not-a-real-token')).status).toBe(401);
    expect((await send(tokens.revoked)).status).toBe(401);
    const wrong = await send(tokens[route.wrong]);
    expect(wrong.status).toBe(403);
    expect(wrong.json.message).toContain(`"${route.scope}"`);
    const right = await send(tokens[route.right]);
    expect(right.status, JSON.stringify(right.json)).toBe(route.expect);
    if (route.scope !== 'admin') expect((await send(tokens.admin)).status).not.toBe(403);
  });

  it('validates one email live against the CRMs through the validate workflow', async () => {
    const result = await call('POST', '/v1/validate', { token: tokens.writer, body: { email: 'erin@globex.com' } });
    expect(result.status, result.text).toBe(200);
    expect(result.json).toMatchObject({ email: 'erin@globex.com', known: true, validated: true });
    expect((await call('POST', '/v1/validate', { token: tokens.writer, body: { email: 'not an email' } })).status).toBe(400);
    expect((await call('POST', '/v1/validate', { token: tokens.writer, body: { email: 'a@b.co', extra: 1 } })).status).toBe(400);
  });

  it('revoking a token takes effect at once (the token cache hears the revocation)', async () => {
    const { token } = await createToken(h.db, { name: 'short-lived', scopes: ['lookup'] }, admin);
    expect((await call('GET', '/v1/lookup?email=ada@acme.com', { token })).status).toBe(200);
    await revokeToken(h.db, 'short-lived', admin);
    await expect.poll(async () => (await call('GET', '/v1/lookup?email=ada@acme.com', { token })).status, { timeout: 2000 }).toBe(401);
  });

  it('answers a lookup with owner and handling, and notes only for notes:read', async () => {
    const withNotes = await call('GET', '/v1/lookup?email=%20ADA@acme.com', { token: tokens.notes });
    expect(withNotes.json).toMatchObject({
      email: 'ada@acme.com', isVip: true, level: 5, name: 'Ada Lovelace', company: 'Acme Corp', validated: true,
      notes: 'Prefers phone calls; renewal in March.',
      owner: { id: '005000000000001AAA', connectionId: h.salesforceId, name: 'Dana Scully', email: 'dana@example.com' },
      handling: { priority: 'immediate', escalationTeam: 'vip-escalations', responseTimeMinutes: 15 },
    });
    const withoutNotes = await call('GET', '/v1/lookup?email=ada@acme.com', { token: tokens.lookup });
    expect(withoutNotes.json).not.toHaveProperty('notes');
    expect(withoutNotes.json).toMatchObject({ level: 5, owner: { name: 'Dana Scully' } });
    const vip = await call('GET', '/v1/vips/ada@acme.com', { token: tokens.lookup });
    expect(vip.json).not.toHaveProperty('notes');
    const list = await call('GET', '/v1/vips?search=acme', { token: tokens.lookup });
    expect((list.json.items as object[]).every((v) => !('notes' in v))).toBe(true);
    expect(await call('GET', '/v1/lookup?email=nobody@nowhere.example', { token: tokens.lookup })).toMatchObject({
      status: 200, json: { isVip: false, level: null, owner: null, handling: null },
    });
  });

  it.each([
    ['no email', '/v1/lookup'],
    ['an empty email', '/v1/lookup?email='],
    ['an invalid email', '/v1/lookup?email=not%20an%20email'],
    ['the email twice', '/v1/lookup?email=a@b.co&email=c@d.co'],
    ['an unknown parameter', '/v1/lookup?email=a@b.co&debug=1'],
    ['a prototype-polluting key', '/v1/lookup?email=a@b.co&__proto__[admin]=1'],
    ['an overlong email', `/v1/lookup?email=${'a'.repeat(5000)}@b.co`],
    ['a NUL byte', '/v1/lookup?email=a%00@b.co'],
    ['a header injection attempt', '/v1/lookup?email=a@b.co%0d%0aX-Admin:%201'],
    ['a level outside 1-5', '/v1/vips?level=9'],
    ['a non-numeric limit', '/v1/vips?limit=abc'],
    ['an unknown sort', '/v1/vips?sort=salary'],
  ])('rejects a query string with %s with 400 and a clear error', async (_what, path) => {
    const response = await call('GET', path, { token: tokens.admin });
    expect(response.status, response.text).toBe(400);
    expect(response.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    expect((response.json.message as string).length).toBeGreaterThan(5);
  });

  it('serves an OpenAPI document describing every route and the bearer scheme', async () => {
    const doc = await call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.json.paths as object);
    for (const p of ['/v1/lookup', '/v1/vips', '/v1/vips/{email}', '/v1/vips/import', '/v1/vips/export', '/v1/sync', '/v1/validate', '/health', '/mcp']) {
      expect(paths).toContain(p);
    }
    expect(JSON.stringify(doc.json.components)).toContain('bearer');
    expect((await call('GET', '/health')).json).toEqual({ status: 'ok' });
  });

  it('describes the lookup answer the same way on every surface: one schema, the same fields', async () => {
    const fields = Object.keys(vipLookupResultSchema.shape).sort();
    const doc = await call('GET', '/openapi.json');
    const paths = doc.json.paths as Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { properties: object } }> }> } }>;
    const http = paths['/v1/lookup']!.get.responses['200']!.content['application/json']!.schema;
    expect(Object.keys(http.properties).sort()).toEqual(fields);

    const client = new McpClient({ name: 'test-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${tokens.notes}` } } }));
    const { tools } = await client.listTools();
    expect(Object.keys((tools[0]!.outputSchema as { properties: object }).properties).sort()).toEqual(fields);
    const answer = await client.callTool({ name: 'lookup_vip', arguments: { email: 'ada@acme.com' } });
    // The answer itself holds exactly those fields, as the schema types them.
    expect(vipLookupResultSchema.strict().parse(answer.structuredContent)).toMatchObject({ levelReason: expect.any(String) });
    await client.close();
  });

  it('imports the seed CSV over HTTP, reports broken rows with their row numbers, and exports what it imported', async () => {
    const csv = [
      'email,name,company,privilege_level,notes',
      'grace@navy.example,Grace Hopper,US Navy,5,Invented the compiler',
      'bad-address,Nobody,Nowhere,3,',
      'linus@kernel.example,Linus,Kernel,7,',
      'grace@navy.example,Grace Again,US Navy,4,',
      'ken@bell.example,Ken Thompson,Bell Labs,2,"Unix, B"',
    ].join('\n');
    const report = await call('POST', '/v1/vips/import?file=seed.csv', { token: tokens.writer, csv });
    expect(report.status).toBe(200);
    expect(report.json).toMatchObject({ total: 5, valid: 2, invalid: 3, created: 2, updated: 0, dryRun: false });
    expect((report.json.errors as { row: number; message: string }[]).map((e) => [e.row, e.message])).toEqual([
      [3, 'email "bad-address" has no @'],
      [4, 'level 7 is outside 1-5'],
      [5, 'duplicate of row 2 (same email); only the first is imported'],
    ]);
    const again = await call('POST', '/v1/vips/import', { token: tokens.writer, csv });
    expect(again.json).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    const exported = await call('GET', '/v1/vips/export?level=5', { token: tokens.admin });
    expect(exported.headers.get('content-type')).toContain('text/csv');
    expect(exported.text).toContain('grace@navy.example,Grace Hopper,US Navy,5,,Invented the compiler');
    expect(exported.text).toContain('ada@acme.com');
    expect(exported.text).not.toContain('ken@bell.example');
    const grace = await h.db.vip.findUniqueOrThrow({ where: { email: 'grace@navy.example' } });
    expect(grace).toMatchObject({ level: 5, manualLevel: 5, levelSource: 'csv', source: 'csv' });
    expect(grace.levelReason).toContain('imported from seed.csv by token:crm-admin via http');
  });

  it('answers fresh after a sync changes a level (the cache is invalidated by the database)', async () => {
    const before = await call('GET', '/v1/lookup?email=erin@globex.com', { token: tokens.lookup });
    expect(before.json).toMatchObject({ level: 2 });
    expect((await call('GET', '/v1/lookup?email=erin@globex.com', { token: tokens.lookup })).json).toMatchObject({ level: 2 });
    const changed = structuredClone(fixture);
    changed.salesforce.Contact.find((c) => c.Email === 'erin@globex.com')!.VIP_Level__c = 4;
    h.salesforce.load(changed.salesforce);
    const synced = await call('POST', `/v1/sync?connection=${h.salesforceId}&wait=true`, { token: tokens.admin });
    expect(synced.status, synced.text).toBe(200);
    // NOTIFY is delivered at commit, before the sync workflow even returns; no waiting here.
    expect((await call('GET', '/v1/lookup?email=erin@globex.com', { token: tokens.lookup })).json).toMatchObject({ level: 4, handling: { priority: 'high' } });
    // An admin's change is seen at once too.
    expect((await call('PATCH', '/v1/vips/erin@globex.com', { token: tokens.writer, body: { level: 1 } })).status).toBe(200);
    expect((await call('GET', '/v1/lookup?email=erin@globex.com', { token: tokens.lookup })).json).toMatchObject({ level: 1 });
    const status = await call('GET', '/v1/sync', { token: tokens.admin });
    expect((status.json as unknown as { connection: string; status: string }[]).find((s) => s.connection === h.salesforceId)).toMatchObject({ status: 'succeeded' });
  });

  it('answers lookup_vip to a real MCP client over streamable HTTP, without notes unless allowed', async () => {
    const connect = async (token: string) => {
      const client = new McpClient({ name: 'test-agent', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      return client;
    };
    const client = await connect(tokens.lookup);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['lookup_vip']);
    const result = await client.callTool({ name: 'lookup_vip', arguments: { email: 'ada@acme.com' } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ email: 'ada@acme.com', isVip: true, level: 5, owner: { name: 'Dana Scully' } });
    expect(result.structuredContent).not.toHaveProperty('notes');
    const invalid = await client.callTool({ name: 'lookup_vip', arguments: { email: 'nope' } });
    expect(invalid.isError).toBe(true);
    expect(JSON.stringify(invalid.content)).toContain('has no @');
    await client.close();

    const noteReader = await connect(tokens.notes);
    const withNotes = await noteReader.callTool({ name: 'lookup_vip', arguments: { email: 'ada@acme.com' } });
    expect(withNotes.structuredContent).toMatchObject({ notes: 'Prefers phone calls; renewal in March.' });
    await noteReader.close();
  });

  it('answers lookup_vip to a real MCP client over stdio (`vipsync mcp`)', async () => {
    const client = new McpClient({ name: 'stdio-agent', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp'],
      env: { ...(process.env as Record<string, string>), DATABASE_URL: h.databaseUrl, VIPSYNC_LOG_LEVEL: 'warn' },
      stderr: 'pipe',
    });
    await client.connect(transport);
    const result = await client.callTool({ name: 'lookup_vip', arguments: { email: 'ada@acme.com' } });
    expect(result.structuredContent).toMatchObject({ email: 'ada@acme.com', level: 5, notes: 'Prefers phone calls; renewal in March.' });
    await client.close();
  });

  it('audits hostile strings (NUL bytes, a literal \\u0000, quotes, emoji) in batched and single writes without dropping any', async () => {
    const hostile = ['a\u0000b@x.co', 'lit\\u0000eral@x.co', 'slash\\\u0000@x.co', '"quoted" \\ back', '\u{1F600}@x.co'];
    const tag = `hostile-${Date.now()}`;
    for (const subject of hostile) api.audit.record({ actor: { name: `${tag}\u0000`, surface: 'http' }, action: tag, subject, details: { error: subject } });
    await api.audit.flush();
    await writeAudit(h.db, { actor: { name: tag, surface: 'cli' }, action: `${tag}-single`, subject: hostile[0], details: { error: hostile[1], nested: [hostile[0]] } });
    const rows = await h.db.auditLog.findMany({ where: { action: { startsWith: tag } }, orderBy: { id: 'asc' } });
    const clean = (s: string) => s.replace(/\u0000/g, '\uFFFD');
    expect(rows.map((r) => [r.subject, (r.details as { error: string }).error])).toEqual([
      ...hostile.map((s) => [clean(s), clean(s)]),
      [clean(hostile[0]!), hostile[1]],
    ]);
    expect(rows[0]!.actor).toBe(`${tag}\uFFFD`);
    expect(rows.at(-1)!.details).toMatchObject({ nested: [clean(hostile[0]!)] });
  });

  it('writes an audit row for every surface: HTTP, MCP (HTTP and stdio), CLI and the activity', async () => {
    await call('GET', '/v1/lookup?email=frank@globex.com', { token: tokens.lookup });
    const cli = await promisify(execFile)(process.execPath, [BIN, 'lookup', 'erin@globex.com', '--json'], {
      env: { ...process.env, DATABASE_URL: h.databaseUrl },
    });
    expect(JSON.parse(cli.stdout)).toMatchObject({ email: 'erin@globex.com' });
    const decision = await h.client.workflow.execute('triageInboundEmailWorkflow', {
      taskQueue: h.config.syncTaskQueue, workflowId: `triage-audit-${Date.now()}`,
      args: [{ from: 'ada@acme.com', subject: 'Invoice question', lookupTaskQueue: h.config.lookupTaskQueue }],
    });
    expect(decision).toMatchObject({ priority: 'immediate' });
    await api.audit.flush();
    await expect.poll(async () => {
      const rows = await h.db.auditLog.findMany({ where: { action: 'lookup' }, orderBy: { id: 'asc' } });
      return [...new Set(rows.map((r) => `${r.surface} ${r.actor}`))].sort();
    }, { timeout: 5000 }).toEqual(expect.arrayContaining([
      'activity workflow:triageInboundEmailWorkflow',
      'http token:bot-lookup',
      'mcp token:bot-lookup',
      expect.stringMatching(/^mcp \S+$/), // stdio: the OS user
      expect.stringMatching(/^cli \S+$/),
    ]));
    const activityRow = await h.db.auditLog.findFirstOrThrow({ where: { surface: 'activity', action: 'lookup' } });
    expect(activityRow).toMatchObject({ subject: 'ada@acme.com', workflowId: expect.stringMatching(/^triage-audit-/), runId: expect.any(String) });
    const changes = await h.db.auditLog.findMany({ where: { surface: 'http', action: { in: ['vip.add', 'vip.edit', 'vip.remove', 'vip.import.file', 'sync.trigger'] } } });
    expect(new Set(changes.map((c) => c.action))).toEqual(new Set(['vip.add', 'vip.edit', 'vip.remove', 'vip.import.file', 'sync.trigger']));
    const report = await call('GET', '/v1/audit/vips', { token: tokens.admin });
    expect((report.json as unknown as { email: string; lookups: number }[]).find((r) => r.email === 'ada@acme.com')?.lookups).toBeGreaterThan(3);
  });
});
