// Key-account coverage against a synced VIP list: `vipsync report coverage FILE` as a process and
// POST /v1/reports/coverage on a real server, over a real PostgreSQL.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../admin/tokens.js';
import { loadFixtureFile } from '../emulators/fixture.js';
import { DEFAULT_HANDLING } from '../lookup/config.js';
import { startApiServer, type ApiServer } from '../server/main.js';
import { runVipsync } from './cli-process.js';
import { startHarness, type Harness } from './harness.js';
import { request } from './http-test-client.js';

const FIXTURE = new URL('./fixtures/basic.json', import.meta.url).pathname;
const KEY_ACCOUNTS = 'name,domain\nAcme Corp,acme.com\nGlobex,globex.com\nHooli,hooli.com\n';

describe('key-account coverage', { timeout: 120_000 }, () => {
  let h: Harness;
  let api: ApiServer;
  let dir: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness('coverage', await loadFixtureFile(FIXTURE));
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
    dir = await mkdtemp(join(tmpdir(), 'vipsync-coverage-'));
    await writeFile(join(dir, 'key-accounts.csv'), KEY_ACCOUNTS);
    api = await startApiServer({
      databaseUrl: h.databaseUrl, temporalAddress: '127.0.0.1:1', temporalNamespace: 'default', syncTaskQueue: 'unused', port: 0,
      lookupConfig: { handling: DEFAULT_HANDLING, owners: {} },
    });
    const actor = { name: 'test-admin', surface: 'cli' as const };
    tokens.admin = (await createToken(api.db, { name: 'coverage-admin', scopes: ['admin'] }, actor)).token;
    tokens.lookup = (await createToken(api.db, { name: 'coverage-bot', scopes: ['lookup'] }, actor)).token;
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
  });

  it('vipsync report coverage names the accounts with no VIP, those below the level and the VIPs outside the list', async () => {
    const run = await runVipsync(['report', 'coverage', join(dir, 'key-accounts.csv'), '--json'], { DATABASE_URL: h.databaseUrl, VIPSYNC_HOME: dir });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      accountsWithoutVip: { name: string }[]; accountsBelowLevel: { account: { name: string }; bestLevel: number }[]; vipsOutsideList: { email: string }[];
    };
    expect(report.accountsWithoutVip.map((a) => a.name)).toEqual(['Hooli']);
    expect(report.accountsBelowLevel.map((b) => [b.account.name, b.bestLevel])).toEqual([['Globex', 2]]);
    expect(report.vipsOutsideList.map((v) => v.email)).not.toContain('ada@acme.com');

    const human = await runVipsync(['report', 'coverage', join(dir, 'key-accounts.csv'), '--min-level', '2'], { DATABASE_URL: h.databaseUrl, VIPSYNC_HOME: dir });
    expect(human.stdout).toContain('no VIP (1)');
    expect(human.stdout).toContain('best VIP below level 2 (0)');
  });

  it('POST /v1/reports/coverage answers the same for an admin, 403 for a lookup token, 400 naming the line of a bad file', async () => {
    const answer = await request(api.url, 'POST', '/v1/reports/coverage?minLevel=3', { token: tokens.admin, csv: KEY_ACCOUNTS });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toMatchObject({ accounts: 3, minLevel: 3, accountsWithoutVip: [{ name: 'Hooli', domain: 'hooli.com', row: 4 }] });
    expect((await request(api.url, 'POST', '/v1/reports/coverage', { token: tokens.lookup, csv: KEY_ACCOUNTS })).status).toBe(403);
    const bad = await request(api.url, 'POST', '/v1/reports/coverage', { token: tokens.admin, csv: 'name,domain\nAcme,not a domain\n' });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('line 2');
  });
});
