// VIP groups through the real things: groups from CRM facts synced from the emulators by the real
// worker, groups defined and members set by hand through `vipsync groups` (processes) and
// /v1/groups, a CSV import with a groups column, the lookup answer's groups, handling and reason
// on HTTP and MCP, and the example triage workflow routing by the winning handling through Temporal.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../admin/tokens.js';
import { loadFixtureFile, type Fixture } from '../emulators/fixture.js';
import { vipLookupResultSchema } from '../lookup/answer.js';
import { DEFAULT_HANDLING } from '../lookup/config.js';
import { startApiServer, type ApiServer } from '../server/main.js';
import type { TriageDecision } from '../workflows/triage.js';
import { runVipsync } from './cli-process.js';
import { startHarness, type Harness } from './harness.js';
import { request } from './http-test-client.js';

const FIXTURE = new URL('./fixtures/basic.json', import.meta.url).pathname;
const admin = { name: 'test-admin', surface: 'cli' as const };

describe('VIP groups end to end', { timeout: 300_000 }, () => {
  let h: Harness;
  let fixture: Fixture;
  let api: ApiServer;
  let dir: string;
  const tokens = { lookup: '', writer: '', admin: '' };

  const vipsync = (args: string[]) => runVipsync(args, { DATABASE_URL: h.databaseUrl, VIPSYNC_HOME: dir }, 120_000);
  const call = (method: string, path: string, opts: { token?: string; body?: unknown; csv?: string } = {}) => request(api.url, method, path, opts);
  const lookup = async (email: string) => (await call('GET', `/v1/lookup?email=${encodeURIComponent(email)}`, { token: tokens.lookup })).json;
  const groupsOf = (answer: Record<string, unknown>) => (answer.groups as { name: string; source: string }[]).map((g) => `${g.name}:${g.source}`);

  beforeAll(async () => {
    fixture = await loadFixtureFile(FIXTURE);
    // HubSpot multiple checkboxes and a Salesforce multi-select picklist, as the APIs answer them: ";"-separated.
    fixture.hubspot.contacts.find((c) => c.id === '201')!.properties.vip_groups = 'Press';
    fixture.hubspot.contacts.find((c) => c.id === '202')!.properties.vip_groups = 'board';
    fixture.salesforce.Contact.find((c) => c.Id === '003000000000002AAA')!.VIP_Group__c = 'Investors;Board';
    h = await startHarness('groups_e2e', fixture);
    dir = await mkdtemp(join(tmpdir(), 'vipsync-groups-'));
    api = await startApiServer({
      databaseUrl: h.databaseUrl, temporalAddress: h.config.temporalAddress, temporalNamespace: 'default',
      syncTaskQueue: h.config.syncTaskQueue, port: 0, lookupConfig: { handling: DEFAULT_HANDLING, owners: {} },
    });
    tokens.lookup = (await createToken(h.db, { name: 'bot', scopes: ['lookup'] }, admin)).token;
    tokens.writer = (await createToken(h.db, { name: 'writer', scopes: ['vips:write'] }, admin)).token;
    tokens.admin = (await createToken(h.db, { name: 'ops', scopes: ['admin'] }, admin)).token;

    // Board by the CLI, Press by the API; Investors stays undefined for now.
    const board = await vipsync(['groups', 'add', 'Board', '--priority', 'immediate', '--response-minutes', '15', '--team', 'board-relations', '--json']);
    expect(board.code, board.stderr).toBe(0);
    expect(JSON.parse(board.stdout)).toMatchObject({ name: 'Board', priority: 'immediate', responseTimeMinutes: 15, escalationTeam: 'board-relations' });
    const press = await call('POST', '/v1/groups', { token: tokens.admin, body: { name: 'Press', priority: 'high', responseTimeMinutes: 30, escalationTeam: 'communications', guidance: 'No comment on the record.' } });
    expect(press.status, press.text).toBe(201);
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('derives groups from CRM facts in a sync, and lists the ones no one defined', async () => {
    const bob = await h.db.vip.findUniqueOrThrow({ where: { email: 'bob@acme.com' } });
    expect(bob.crmGroups).toEqual([{ key: 'board', group: 'board', reason: `rule "crm-vip-groups": HubSpot vip_groups holds "board" on contact 202 (connection ${h.hubspotId})` }]);
    const erin = await h.db.vip.findUniqueOrThrow({ where: { email: 'erin@globex.com' } });
    expect((erin.crmGroups as { key: string }[]).map((g) => g.key)).toEqual(['board', 'investors']);
    // Ada: Press from HubSpot, Board from her Salesforce title "Board Member" (the board-by-title rule).
    const ada = await h.db.vip.findUniqueOrThrow({ where: { email: 'ada@acme.com' } });
    expect(ada.crmGroups).toEqual([
      { key: 'board', group: 'Board', reason: `rule "board-by-title" (Chairs and members of a board, by job title): title "Board Member" is board on contact 003000000000001AAA (connection ${h.salesforceId})` },
      { key: 'press', group: 'Press', reason: `rule "crm-vip-groups": HubSpot vip_groups holds "Press" on contact 201 (connection ${h.hubspotId})` },
    ]);
    const list = await call('GET', '/v1/groups', { token: tokens.lookup });
    expect(list.json.groups).toEqual([
      expect.objectContaining({ name: 'Board', members: { manual: 0, csv: 0, crm: 3 } }),
      expect.objectContaining({ name: 'Press', members: { manual: 0, csv: 0, crm: 1 } }),
    ]);
    expect(list.json.undefinedCrmGroups).toEqual([{ group: 'Investors', members: 1 }]);
    // An admin sees every membership, the undefined group too.
    const erinShown = await call('GET', '/v1/vips/erin@globex.com', { token: tokens.lookup });
    expect(erinShown.json.groups).toEqual([
      { name: 'Board', source: 'crm', reason: expect.stringContaining('Salesforce VIP_Group__c holds "Board"'), defined: true },
      { name: 'Investors', source: 'crm', reason: expect.stringContaining('Salesforce VIP_Group__c holds "Investors"'), defined: false },
    ]);
  });

  it('answers groups, the winning handling and why, on HTTP and MCP alike', async () => {
    // A non-VIP in a group: the group alone gives handling.
    expect(await lookup('bob@acme.com')).toMatchObject({
      isVip: false, level: null, groups: [{ name: 'Board', source: 'crm' }],
      handling: { priority: 'immediate', escalationTeam: 'board-relations', responseTimeMinutes: 15, guidance: "Member of the VIP group 'Board': handle as that group asks." },
      handlingReason: "group 'Board' (immediate, 15 min); no VIP level",
    });
    // Erin (Salesforce level 2): Board outranks her level; Investors is not defined, so not in the answer.
    const erin = await lookup('erin@globex.com');
    expect(erin).toMatchObject({ level: 2, handling: { priority: 'immediate', escalationTeam: 'board-relations' } });
    expect(groupsOf(erin)).toEqual(['Board:crm']);
    expect(erin.handlingReason).toBe("group 'Board' (immediate, 15 min) is more urgent than level 2 (normal, 480 min)");
    // Ada (level 5, immediate/15) ties with Board and beats Press: the level's handling stays.
    const ada = await lookup('ada@acme.com');
    expect(ada).toMatchObject({ level: 5, handling: DEFAULT_HANDLING[5] });
    expect(ada.handlingReason).toBe("level 5 (immediate, 15 min) is more urgent than group 'Press' (high, 30 min), ties with group 'Board' (immediate, 15 min) (the level wins a tie)");

    const client = new McpClient({ name: 'groups-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${tokens.lookup}` } } }));
    const mcp = await client.callTool({ name: 'lookup_vip', arguments: { email: 'erin@globex.com' } });
    // Without notes:read the answer has neither notes nor contact notes.
    const structured = vipLookupResultSchema.omit({ notes: true, contactNotes: true }).strict().parse(mcp.structuredContent);
    expect(structured).toMatchObject({ groups: [{ name: 'Board' }], handling: erin.handling, handlingReason: erin.handlingReason });
    await client.close();
  });

  it('a group defined later gives handling at once; an edit shows in the next lookup', async () => {
    const investors = await vipsync(['groups', 'add', 'investors', '--priority', 'urgent', '--response-minutes', '60']);
    expect(investors.code).toBe(2);
    expect(investors.stderr).toContain('priority "urgent" is not one vipsync ranks; use one of immediate, high, elevated, normal, low');
    expect((await vipsync(['groups', 'add', 'Investors', '--priority', 'high', '--response-minutes', '60'])).code).toBe(0);
    expect((await vipsync(['groups', 'add', 'INVESTORS', '--priority', 'high', '--response-minutes', '60'])).stderr).toContain('already exists');
    expect(groupsOf(await lookup('erin@globex.com'))).toEqual(['Board:crm', 'Investors:crm']);

    const edited = await call('PATCH', '/v1/groups/investors', { token: tokens.admin, body: { priority: 'immediate', responseTimeMinutes: 5, escalationTeam: 'ir-desk' } });
    expect(edited.status, edited.text).toBe(200);
    const erin = await lookup('erin@globex.com');
    expect(erin.handling).toMatchObject({ priority: 'immediate', responseTimeMinutes: 5, escalationTeam: 'ir-desk' });
    // The others in order of urgency.
    expect(erin.handlingReason).toBe("group 'Investors' (immediate, 5 min) is more urgent than group 'Board' (immediate, 15 min) and level 2 (normal, 480 min)");
    expect((await call('PATCH', '/v1/groups/investors', { token: tokens.writer, body: { priority: 'low' } })).status).toBe(403);
    expect((await call('POST', '/v1/groups', { token: tokens.admin, body: { name: 'A;B', priority: 'high', responseTimeMinutes: 5 } })).json.message).toContain('may hold only');
  });

  it('sets members by hand (CLI and API), keeps them through a sync, while CRM-derived groups follow the CRM', async () => {
    const added = await vipsync(['groups', 'add-member', 'Press', 'bob@acme.com', 'journalist@news.example', '--json']);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ group: 'Press', added: ['bob@acme.com', 'journalist@news.example'], created: ['journalist@news.example'] });
    const viaApi = await call('POST', '/v1/groups/board/members', { token: tokens.writer, body: { emails: ['frank@globex.com'] } });
    expect(viaApi.json).toMatchObject({ group: 'Board', added: ['frank@globex.com'] });
    expect(await lookup('journalist@news.example')).toMatchObject({ isVip: false, groups: [{ name: 'Press', source: 'manual', reason: expect.stringMatching(/^added by \S+ via cli$/) }], handling: { escalationTeam: 'communications', guidance: 'No comment on the record.' } });

    // The CRM takes bob out of Board; his Press membership, set by hand, stays.
    const changed = structuredClone(fixture);
    changed.hubspot.contacts.find((c) => c.id === '202')!.properties.vip_groups = '';
    changed.hubspot.contacts.find((c) => c.id === '202')!.properties.lastmodifieddate = '2026-04-01T00:00:00.000Z';
    changed.hubspot.contacts.find((c) => c.id === '202')!.updatedAt = '2026-04-01T00:00:00.000Z';
    h.hubspot.load(changed.hubspot);
    await h.sync(h.hubspotId);
    expect(groupsOf(await lookup('bob@acme.com'))).toEqual(['Press:manual']);
    expect((await vipsync(['vip', 'show', 'bob@acme.com'])).stdout).toMatch(/ {2}group: {6}Press \(manual: added by \S+ via cli\)\n/);

    // Only the rules put erin in Board: removing her by hand is refused, naming the CRM.
    const crmOnly = await call('DELETE', '/v1/groups/Board/members/erin@globex.com', { token: tokens.writer });
    expect(crmOnly.status).toBe(409);
    expect(crmOnly.json.message).toContain('by the rules from CRM facts');
    expect((await call('DELETE', '/v1/groups/Board/members/nobody@x.example', { token: tokens.writer })).status).toBe(404);
    const removed = await vipsync(['groups', 'remove-member', 'Board', 'frank@globex.com', '--json']);
    expect(JSON.parse(removed.stdout)).toMatchObject({ removed: ['frank@globex.com'], notMembers: [], stillByCrm: [] });
    const members = await vipsync(['groups', 'members', 'Press', '--json']);
    expect(JSON.parse(members.stdout).members.map((m: { email: string; source: string }) => `${m.email}:${m.source}`)).toEqual(['ada@acme.com:crm', 'bob@acme.com:manual', 'journalist@news.example:manual']);
  });

  it('imports groups from a CSV: unknown groups reject the row with its line, a cell sets the admin-set groups, export round-trips', async () => {
    const strictFile = join(dir, 'strict.csv');
    await writeFile(strictFile, 'email,level,groups\ngrace@navy.example,5,Board\nken@bell.example,3,Bord\n');
    const strict = await vipsync(['vip', 'import', strictFile, '--strict']);
    expect(strict.stderr).toContain('row 3 (ken@bell.example): groups: no VIP group "Bord" (defined: Board, Investors, Press)');
    expect(strict.stderr).toContain('--strict: nothing imported');
    expect(await h.db.vip.count({ where: { email: 'grace@navy.example' } })).toBe(0);

    const file = join(dir, 'groups.csv');
    await writeFile(file, [
      'email,name,level,groups',
      'grace@navy.example,Grace Hopper,5,Board; press',
      'ken@bell.example,Ken Thompson,3,Bord',
      'erin@globex.com,,2,Board;Press',
      'linus@kernel.example,Linus,2,Board;;-bad',
    ].join('\n'));
    const imported = await vipsync(['vip', 'import', file, '--json']);
    expect(imported.code).toBe(1);
    const report = JSON.parse(imported.stdout);
    expect(report).toMatchObject({ total: 4, valid: 2, invalid: 2, created: 1, updated: 1, unchanged: 0 });
    expect(report.errors).toEqual([
      { row: 3, email: 'ken@bell.example', message: 'groups: no VIP group "Bord" (defined: Board, Investors, Press); fix the name or define the group first with `vipsync groups add`' },
      { row: 5, email: 'linus@kernel.example', message: expect.stringMatching(/^groups: group name "-bad" may hold only letters/) },
    ]);
    expect(await h.db.vip.count({ where: { email: { in: ['ken@bell.example', 'linus@kernel.example'] } } })).toBe(0);
    expect(groupsOf(await lookup('grace@navy.example'))).toEqual(['Board:csv', 'Press:csv']);
    // Erin is in Board by the CRM already: only Press is added.
    expect(groupsOf(await lookup('erin@globex.com'))).toEqual(['Board:crm', 'Investors:crm', 'Press:csv']);
    const audit = await h.db.auditLog.findFirstOrThrow({ where: { action: 'vip.import', subject: 'erin@globex.com' }, orderBy: { id: 'desc' } });
    expect(audit.details).toMatchObject({ updated: ['groups'], groupsAdded: ['Press'], groupsRemoved: [] });

    const exported = await vipsync(['vip', 'export']);
    expect(exported.stdout.split('\n')[0]).toBe('email,name,company,level,phone,notes,groups');
    expect(exported.stdout).toContain('grace@navy.example,Grace Hopper,,5,,,Board;Press');
    const back = join(dir, 'export.csv');
    await writeFile(back, exported.stdout);
    expect(JSON.parse((await vipsync(['vip', 'import', back, '--json'])).stdout)).toMatchObject({ invalid: 0, created: 0, updated: 0 });

    // A cell is the whole set: Grace leaves Press.
    const http = await call('POST', '/v1/vips/import?file=less.csv', { token: tokens.writer, csv: 'email,level,groups\ngrace@navy.example,5,Board\n' });
    expect(http.json).toMatchObject({ updated: 1, invalid: 0 });
    expect(groupsOf(await lookup('grace@navy.example'))).toEqual(['Board:csv']);
  });

  it('routes the triage workflow by the winning handling through Temporal', async () => {
    const triage = (from: string) => h.client.workflow.execute('triageInboundEmailWorkflow', {
      taskQueue: h.config.syncTaskQueue, workflowId: `triage-groups-${Math.random().toString(36).slice(2)}`,
      args: [{ from, subject: 'Hello', lookupTaskQueue: h.config.lookupTaskQueue }],
    }) as Promise<TriageDecision>;
    const [journalist, erin, dave] = await Promise.all([triage('journalist@news.example'), triage('erin@globex.com'), triage('dave@initech.com')]);
    expect(journalist).toMatchObject({ priority: 'high', queue: 'communications', respondWithinMinutes: 30, vipLevel: null, groups: ['Press'] });
    expect(erin).toMatchObject({ priority: 'immediate', queue: 'ir-desk', respondWithinMinutes: 5, vipLevel: 2 });
    expect(erin.reasons[1]).toBe("handling: group 'Investors' (immediate, 5 min) is more urgent than group 'Board' (immediate, 15 min), group 'Press' (high, 30 min) and level 2 (normal, 480 min)");
    expect(dave).toMatchObject({ priority: 'normal', queue: 'support', groups: [] });
  });

  it('deletes a group with its admin-set memberships, and audits every group change', async () => {
    const deleted = await vipsync(['groups', 'delete', 'Press', '--yes', '--json']);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ name: 'Press', membersRemoved: 3, crmMembers: 1 });
    expect(await lookup('journalist@news.example')).toMatchObject({ groups: [], handling: null, handlingReason: null });
    const actions = new Set((await h.db.auditLog.findMany({ where: { action: { startsWith: 'group.' } } })).map((r) => r.action));
    expect([...actions].sort()).toEqual(['group.add', 'group.delete', 'group.edit', 'group.list', 'group.member.add', 'group.member.remove', 'group.members']);
    const edit = await h.db.auditLog.findFirstOrThrow({ where: { action: 'group.edit' } });
    expect(edit).toMatchObject({ actor: 'token:ops', surface: 'http', subject: 'Investors', details: { before: { priority: 'high', responseTimeMinutes: 60, escalationTeam: null }, after: { priority: 'immediate', responseTimeMinutes: 5, escalationTeam: 'ir-desk' } } });
  });
});
