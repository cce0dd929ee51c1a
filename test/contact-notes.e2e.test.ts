// Contact notes through the real things: a real Postgres, the HTTP API on loopback (and MCP over it
// with the SDK's client), `vipsync vip notes` as processes, and the lookupVip activity through a
// real Temporal server. Add, list newest first, edit, delete, the audit with the old text, scopes,
// the 2,000-character limit, and the latest N in every lookup answer.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addContactNote } from '../admin/contact-notes.js';
import { createToken } from '../admin/tokens.js';
import { addVip } from '../admin/vip-changes.js';
import { DEFAULT_HANDLING } from '../lookup/config.js';
import { startApiServer, type ApiServer } from '../server/main.js';
import type { VipLookupResult } from '../workflows/contract.js';
import { runVipsync, type CliResult } from './cli-process.js';
import { startHarness, type Harness } from './harness.js';
import { request } from './http-test-client.js';

const admin = { name: 'test-admin', surface: 'cli' as const };
const BIN = new URL('../bin/vipsync.js', import.meta.url).pathname;
type Note = { id: string; email: string; author: string; at: string; text?: string; editedAt: string | null; editedBy: string | null };

describe('contact notes end to end', { timeout: 300_000 }, () => {
  let h: Harness;
  let api: ApiServer;
  let dir: string;
  const tokens = { lookup: '', notes: '', writer: '', desk: '', admin: '' };

  const call = (method: string, path: string, opts: { token?: string; body?: unknown; raw?: string } = {}) => request(api.url, method, path, opts);
  const vipsync = (args: string[]) => runVipsync(args, { DATABASE_URL: h.databaseUrl, VIPSYNC_HOME: dir }, 120_000);
  const notesOf = async (email: string) =>
    h.db.vipContactNote.findMany({ where: { vip: { email } }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  const audits = (action: string, subject: string) => h.db.auditLog.findMany({ where: { action, subject }, orderBy: { id: 'asc' } });
  const post = async (email: string, text: string, token = tokens.desk) => {
    const answer = await call('POST', `/v1/vips/${email}/notes`, { token, body: { text } });
    expect(answer.status, answer.text).toBe(201);
    return answer.json as unknown as Note;
  };

  beforeAll(async () => {
    h = await startHarness('contact_notes_e2e', { hubspot: { companies: [], contacts: [] }, salesforce: { Account: [], Contact: [] } });
    dir = await mkdtemp(join(tmpdir(), 'vipsync-notes-'));
    for (const email of ['ada@acme.com', 'grace@navy.example', 'ken@bell.example', 'linus@kernel.example']) {
      await addVip(h.db, { email, level: 4, name: email.split('@')[0], notes: `Handling notes for ${email}` }, admin);
    }
    api = await startApiServer({
      databaseUrl: h.databaseUrl, temporalAddress: h.config.temporalAddress, temporalNamespace: 'default', syncTaskQueue: h.config.syncTaskQueue, port: 0,
      lookupConfig: { handling: DEFAULT_HANDLING, owners: {}, contactNotesLimit: 3 },
    });
    tokens.lookup = (await createToken(h.db, { name: 'bot-lookup', scopes: ['lookup'] }, admin)).token;
    tokens.notes = (await createToken(h.db, { name: 'bot-notes', scopes: ['lookup', 'notes:read'] }, admin)).token;
    tokens.writer = (await createToken(h.db, { name: 'crm-admin', scopes: ['vips:write'] }, admin)).token;
    tokens.desk = (await createToken(h.db, { name: 'desk', scopes: ['vips:write', 'notes:read'] }, admin)).token;
    tokens.admin = (await createToken(h.db, { name: 'ops', scopes: ['admin'] }, admin)).token;
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('adds, lists newest first, edits and deletes over HTTP; every change is audited with the old text', async () => {
    const first = await post('ada@acme.com', 'Called about the invoice.');
    expect(first).toMatchObject({ email: 'ada@acme.com', author: 'token:desk', text: 'Called about the invoice.', editedAt: null, editedBy: null });
    expect(first.id).toMatch(/^\d+$/);
    const second = await post('ADA@acme.com', 'Prefers calls after 3pm.\nNever on Fridays.');
    const third = await post('ada@acme.com', 'Renewal due in March.');

    const list = await call('GET', '/v1/vips/ada@acme.com/notes', { token: tokens.notes });
    expect(list.status, list.text).toBe(200);
    expect(list.json.total).toBe(3);
    expect((list.json.contactNotes as Note[]).map((n) => n.id)).toEqual([third.id, second.id, first.id]);
    expect((list.json.contactNotes as Note[])[1]).toMatchObject({ text: 'Prefers calls after 3pm.\nNever on Fridays.', author: 'token:desk' });
    const paged = await call('GET', '/v1/vips/ada@acme.com/notes?limit=1&offset=1', { token: tokens.notes });
    expect((paged.json.contactNotes as Note[]).map((n) => n.id)).toEqual([second.id]);

    // Any writer may edit anyone's note; one without notes:read gets it back without the text.
    const edited = await call('PATCH', `/v1/vips/ada@acme.com/notes/${first.id}`, { token: tokens.writer, body: { text: 'Called about invoice 1234.' } });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.json).toMatchObject({ id: first.id, author: 'token:desk', editedBy: 'token:crm-admin' });
    expect(edited.json).not.toHaveProperty('text');
    const stored = await h.db.vipContactNote.findUniqueOrThrow({ where: { id: BigInt(first.id) } });
    expect(stored).toMatchObject({ text: 'Called about invoice 1234.', author: 'token:desk', editedBy: 'token:crm-admin' });
    expect(stored.createdAt.toISOString()).toBe(first.at);
    const [editAudit] = await audits('vip.note.edit', 'ada@acme.com');
    expect(editAudit).toMatchObject({ actor: 'token:crm-admin', surface: 'http', details: { noteId: first.id, author: 'token:desk', oldText: 'Called about the invoice.', characters: 26 } });

    expect((await call('DELETE', `/v1/vips/ada@acme.com/notes/${second.id}`, { token: tokens.writer })).status).toBe(204);
    const [deleteAudit] = await audits('vip.note.delete', 'ada@acme.com');
    expect(deleteAudit).toMatchObject({ actor: 'token:crm-admin', details: { noteId: second.id, author: 'token:desk', oldText: 'Prefers calls after 3pm.\nNever on Fridays.', at: second.at } });
    expect((await notesOf('ada@acme.com')).map((n) => n.id.toString())).toEqual([third.id, first.id]);
    expect((await audits('vip.note.add', 'ada@acme.com')).map((a) => (a.details as { noteId: string }).noteId)).toEqual([first.id, second.id, third.id]);
    expect(await audits('vip.note.list', 'ada@acme.com')).toHaveLength(2);

    // A note of another person, an unknown note, a person not on the list, a malformed id.
    const elsewhere = await call('PATCH', `/v1/vips/grace@navy.example/notes/${first.id}`, { token: tokens.writer, body: { text: 'x' } });
    expect(elsewhere).toMatchObject({ status: 404, json: { error: 'not_found', message: expect.stringContaining(`no contact note ${first.id} of grace@navy.example`) } });
    expect((await call('DELETE', '/v1/vips/ada@acme.com/notes/999999', { token: tokens.writer })).status).toBe(404);
    expect((await call('POST', '/v1/vips/nobody@nowhere.example/notes', { token: tokens.writer, body: { text: 'x' } })).json).toMatchObject({ error: 'not_found' });
    expect((await call('GET', '/v1/vips/nobody@nowhere.example/notes', { token: tokens.notes })).status).toBe(404);
    const badId = await call('DELETE', '/v1/vips/ada@acme.com/notes/abc', { token: tokens.writer });
    expect(badId).toMatchObject({ status: 400, json: { message: expect.stringContaining('note id "abc" is not a note id') } });
    expect((await notesOf('ada@acme.com')).map((n) => n.text)).toEqual(['Renewal due in March.', 'Called about invoice 1234.']);
  });

  it('needs notes:read to read notes and vips:write to change them', async () => {
    const [note] = await notesOf('ada@acme.com');
    const before = await h.db.vipContactNote.count();
    const paths = { list: '/v1/vips/ada@acme.com/notes', one: `/v1/vips/ada@acme.com/notes/${note!.id}` };
    for (const token of [tokens.lookup, tokens.writer]) {
      const refused = await call('GET', paths.list, { token });
      expect(refused.status).toBe(403);
      expect(refused.json.message).toContain('"notes:read"');
    }
    for (const [method, path, body] of [['POST', paths.list, { text: 'x' }], ['PATCH', paths.one, { text: 'x' }], ['DELETE', paths.one, undefined]] as const) {
      expect((await call(method, path, { body })).status).toBe(401);
      for (const token of [tokens.lookup, tokens.notes]) {
        const refused = await call(method, path, { token, body });
        expect(refused.status).toBe(403);
        expect(refused.json.message).toContain('"vips:write"');
      }
    }
    expect(await h.db.vipContactNote.count()).toBe(before);
    expect((await h.db.vipContactNote.findUniqueOrThrow({ where: { id: note!.id } })).text).toBe(note!.text);
    expect((await call('GET', paths.list, { token: tokens.admin })).status).toBe(200);
  });

  it('takes 2,000 characters and refuses 2,001 (or a control character) naming the field; nothing is written', async () => {
    const before = await h.db.vipContactNote.count();
    const longest = await post('ken@bell.example', '😀'.repeat(1999) + 'a');
    expect([...longest.text!]).toHaveLength(2000);
    for (const text of ['a'.repeat(2001), '😀'.repeat(2001)]) {
      const refused = await call('POST', '/v1/vips/ken@bell.example/notes', { token: tokens.desk, body: { text } });
      expect(refused.status).toBe(400);
      expect(refused.json.message).toMatch(/\btext\b.*2000/);
      const edit = await call('PATCH', `/v1/vips/ken@bell.example/notes/${longest.id}`, { token: tokens.desk, body: { text } });
      expect(edit.status).toBe(400);
      expect(edit.json.message).toMatch(/\btext\b.*2000/);
    }
    const nul = await call('POST', '/v1/vips/ken@bell.example/notes', { token: tokens.desk, body: { text: 'a\u0000b' } });
    expect(nul).toMatchObject({ status: 400, json: { message: 'text contains a control character (U+0000); remove it' } });
    const escape = await call('POST', '/v1/vips/ken@bell.example/notes', { token: tokens.desk, body: { text: '\u001B[2J' } });
    expect(escape.json.message).toBe('text contains a control character (U+001B); remove it');
    const lone = await call('POST', '/v1/vips/ken@bell.example/notes', { token: tokens.desk, raw: '{"text": "ok\\ud800"}' });
    expect(lone).toMatchObject({ status: 400, json: { message: expect.stringContaining('unpaired surrogate') } });
    expect((await call('POST', '/v1/vips/ken@bell.example/notes', { token: tokens.desk, body: { text: '  ' } })).json.message).toContain('text is empty');
    expect((await call('POST', '/v1/vips/ken@bell.example/notes', { token: tokens.desk, body: {} })).json.message).toContain('"text" is required');
    expect((await call('POST', '/v1/vips/ken@bell.example/notes', { token: tokens.desk, body: { text: 'x', author: 'me' } })).json.message).toContain('unknown field "author"');
    expect(await h.db.vipContactNote.count()).toBe(before + 1);
    expect((await h.db.vipContactNote.findUniqueOrThrow({ where: { id: BigInt(longest.id) } })).text).toBe(longest.text);
  });

  it('answers lookups with the handling notes and the latest 3 contact notes for notes:read, none without (HTTP and MCP)', async () => {
    const written: Note[] = [];
    for (const n of [1, 2, 3, 4, 5]) written.push(await post('grace@navy.example', `Grace note ${n}`));
    const latest = written.slice(-3).reverse().map((n) => ({ id: n.id, author: 'token:desk', at: n.at, text: n.text }));

    const withNotes = await call('GET', '/v1/lookup?email=grace@navy.example', { token: tokens.notes });
    expect(withNotes.json).toMatchObject({ notes: 'Handling notes for grace@navy.example', contactNotes: latest });
    const without = await call('GET', '/v1/lookup?email=grace@navy.example', { token: tokens.lookup });
    expect(without.json).toMatchObject({ level: 4 });
    expect(without.json).not.toHaveProperty('notes');
    expect(without.json).not.toHaveProperty('contactNotes');
    expect((await call('GET', '/v1/lookup?email=nobody@nowhere.example', { token: tokens.notes })).json).toMatchObject({ isVip: false, contactNotes: [] });
    expect((await call('GET', '/v1/lookup?email=linus@kernel.example', { token: tokens.notes })).json).toMatchObject({ isVip: true, contactNotes: [] });

    const mcp = async (token: string) => {
      const client = new McpClient({ name: 'notes-agent', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      const result = await client.callTool({ name: 'lookup_vip', arguments: { email: 'grace@navy.example' } });
      await client.close();
      return result;
    };
    const mcpWithout = await mcp(tokens.lookup);
    expect(mcpWithout.structuredContent).toMatchObject({ email: 'grace@navy.example', level: 4 });
    expect(mcpWithout.structuredContent).not.toHaveProperty('contactNotes');
    expect(mcpWithout.structuredContent).not.toHaveProperty('notes');
    expect(JSON.stringify(mcpWithout.content)).not.toContain('Grace note');
    expect((await mcp(tokens.notes)).structuredContent).toMatchObject({ contactNotes: latest });

    // The answer is cached; a note written elsewhere (not through this server) reaches it through
    // the database's change feed, an edit through this server at once.
    expect((await call('GET', '/v1/lookup?email=grace@navy.example', { token: tokens.notes })).json.contactNotes).toEqual(latest);
    const direct = await addContactNote(h.db, 'grace@navy.example', 'Written by another process', { name: 'someone', surface: 'cli' });
    await expect.poll(async () => ((await call('GET', '/v1/lookup?email=grace@navy.example', { token: tokens.notes })).json.contactNotes as Note[])[0]?.text, { timeout: 3000 })
      .toBe('Written by another process');
    await call('PATCH', `/v1/vips/grace@navy.example/notes/${direct.id}`, { token: tokens.writer, body: { text: 'Edited here' } });
    expect(((await call('GET', '/v1/lookup?email=grace@navy.example', { token: tokens.notes })).json.contactNotes as Note[]).map((n) => n.text))
      .toEqual(['Edited here', 'Grace note 5', 'Grace note 4']);
  });

  it('gives agents\' workflows the latest notes through the lookupVip activity on Temporal', async () => {
    const answer = (await h.client.workflow.execute('lookupProbeWorkflow', {
      taskQueue: h.config.syncTaskQueue, workflowId: `notes-probe-${Date.now()}`, args: ['Grace@Navy.example', h.config.lookupTaskQueue],
    })) as VipLookupResult;
    expect(answer.notes).toBe('Handling notes for grace@navy.example');
    expect(answer.contactNotes.map((n) => [n.author, n.text])).toEqual([['someone', 'Edited here'], ['token:desk', 'Grace note 5'], ['token:desk', 'Grace note 4']]);
    expect(answer.contactNotes[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('works from the command line: add (argument, --file, stdin), list newest first, edit, delete, the limit', async () => {
    const me = userInfo().username;
    const added = await vipsync(['vip', 'notes', 'add', 'linus@kernel.example', 'First, from the argument', '--json']);
    expect(added.code, added.stderr).toBe(0);
    const first = JSON.parse(added.stdout) as Note;
    expect(first).toMatchObject({ email: 'linus@kernel.example', author: me, text: 'First, from the argument' });
    const file = join(dir, 'note.txt');
    await writeFile(file, 'Second,\nfrom a file\n');
    expect((await vipsync(['vip', 'notes', 'add', 'linus@kernel.example', '--file', file])).stdout).toMatch(/^added note #\d+ about linus@kernel\.example\n$/);
    const piped = await withStdin(['vip', 'notes', 'add', 'linus@kernel.example', '-'], 'Third, from stdin\n', { DATABASE_URL: h.databaseUrl, VIPSYNC_HOME: dir });
    expect(piped.code, piped.stderr).toBe(0);

    const listed = await vipsync(['vip', 'notes', 'linus@kernel.example', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const page = JSON.parse(listed.stdout) as { total: number; contactNotes: Note[] };
    expect(page.contactNotes.map((n) => n.text)).toEqual(['Third, from stdin', 'Second,\nfrom a file', 'First, from the argument']);
    const human = await vipsync(['vip', 'notes', 'list', 'linus@kernel.example']);
    expect(human.stdout).toContain('linus@kernel.example: 3 contact note(s), newest first');
    expect(human.stdout).toContain(`#${first.id}`);

    const edited = await vipsync(['vip', 'notes', 'edit', first.id, 'First, edited', '--json']);
    expect(JSON.parse(edited.stdout)).toMatchObject({ id: first.id, text: 'First, edited', author: me, editedBy: me });
    const deleted = await vipsync(['vip', 'notes', 'delete', page.contactNotes[1]!.id]);
    expect(deleted.stdout).toMatch(/^deleted note #\d+ about linus@kernel\.example\n$/);
    expect((await audits('vip.note.edit', 'linus@kernel.example'))[0]).toMatchObject({ actor: me, surface: 'cli', details: { oldText: 'First, from the argument' } });
    expect((await audits('vip.note.delete', 'linus@kernel.example'))[0]).toMatchObject({ actor: me, details: { oldText: 'Second,\nfrom a file' } });

    const tooLong = await vipsync(['vip', 'notes', 'add', 'linus@kernel.example', 'x'.repeat(2001)]);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('text is 2001 characters; a contact note holds at most 2000');
    const missing = await vipsync(['vip', 'notes', 'edit', '999999', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('there is no contact note 999999');
    expect((await vipsync(['vip', 'notes', 'add', 'linus@kernel.example'])).stderr).toContain("give the note's text");
    expect((await notesOf('linus@kernel.example')).map((n) => n.text)).toEqual(['Third, from stdin', 'First, edited']);

    const lookup = await vipsync(['lookup', 'linus@kernel.example']);
    expect(lookup.stdout).toContain('contact notes (latest first):');
    expect(lookup.stdout.indexOf('Third, from stdin')).toBeLessThan(lookup.stdout.indexOf('First, edited'));
  });

  it('removing a person removes their notes, and the removal\'s audit entry holds them', async () => {
    const before = (await notesOf('grace@navy.example')).map((n) => ({ noteId: n.id.toString(), author: n.author, at: n.createdAt.toISOString(), oldText: n.text }));
    expect(before).toHaveLength(6);
    expect((await call('DELETE', '/v1/vips/grace@navy.example', { token: tokens.writer })).status).toBe(204);
    expect(await h.db.vipContactNote.count({ where: { id: { in: before.map((n) => BigInt(n.noteId)) } } })).toBe(0);
    const [removal] = await audits('vip.remove', 'grace@navy.example');
    expect((removal!.details as { contactNotes: unknown[] }).contactNotes).toEqual(before);
    expect((await call('GET', '/v1/lookup?email=grace@navy.example', { token: tokens.notes })).json).toMatchObject({ isVip: false, contactNotes: [] });
  });

  it('documents the routes in the OpenAPI document', async () => {
    const paths = (await call('GET', '/openapi.json')).json.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/v1/vips/{email}/notes']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(paths['/v1/vips/{email}/notes/{id}']!).sort()).toEqual(['delete', 'patch']);
  });
});

/** `vipsync ARGS` with TEXT on its stdin. */
function withStdin(args: string[], text: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(text);
  });
}
