// Admins and agents through the real things: `vipsync vip/token/audit/doctor` as processes against a
// synced database, manual levels surviving a sync, and the example triage workflow through Temporal.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editVip } from '../admin/vip-changes.js';
import { loadFixtureFile, type Fixture } from '../emulators/fixture.js';
import type { TriageDecision } from '../workflows/triage.js';
import { runVipsync } from './cli-process.js';
import { startHarness, type Harness } from './harness.js';

const FIXTURE = new URL('./fixtures/basic.json', import.meta.url).pathname;

// Each test runs several `vipsync` processes; a busy machine makes each take seconds.
describe('admins and agents end to end', { timeout: 300_000 }, () => {
  let h: Harness;
  let fixture: Fixture;
  let dir: string;

  const vipsync = (args: string[], env: Record<string, string> = {}) =>
    runVipsync(args, { DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.config.temporalAddress, VIPSYNC_HOME: dir, ...env }, 120_000);

  beforeAll(async () => {
    fixture = await loadFixtureFile(FIXTURE);
    h = await startHarness('admin_e2e', fixture);
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
    dir = await mkdtemp(join(tmpdir(), 'vipsync-admin-'));
  });
  afterAll(async () => {
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('imports a good seed CSV, reports a broken one row by row, re-imports idempotently, and export round-trips', async () => {
    const good = join(dir, 'seed.csv');
    await writeFile(good, [
      'email,name,company,privilege_level,notes',
      'grace@navy.example,Grace Hopper,US Navy,5,Invented the compiler',
      'ken@bell.example,Ken Thompson,Bell Labs,3,',
      'erin@globex.com,,,5,Upgraded by the CEO',
    ].join('\n'));
    const dry = await vipsync(['vip', 'import', good, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, created: 2, updated: 1, invalid: 0 });
    expect(await h.db.vip.count({ where: { email: 'grace@navy.example' } })).toBe(0);

    const imported = await vipsync(['vip', 'import', good]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('3 rows, 3 valid, 0 rejected; 2 were created, 1 were updated, 0 unchanged');
    const erin = await h.db.vip.findUniqueOrThrow({ where: { email: 'erin@globex.com' }, include: { levelChanges: { orderBy: { id: 'asc' } } } });
    expect(erin).toMatchObject({ level: 5, manualLevel: 5, crmLevel: 2, levelSource: 'csv', source: 'crm', notes: 'Upgraded by the CEO' });
    expect(erin.levelReason).toMatch(/^imported from seed\.csv by \S+ via cli \(row 4\)$/);
    expect(erin.levelChanges.at(-1)).toMatchObject({ oldLevel: 2, newLevel: 5, source: 'csv' });

    const again = await vipsync(['vip', 'import', good, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, updated: 0, unchanged: 3 });

    const broken = join(dir, 'broken.csv');
    await writeFile(broken, 'email,name,company,privilege_level,notes\nok@example.com,Ok,,2,\nnot-an-email,X,,3,\nbad@example.com,Y,,9,\nok@example.com,Dup,,2,\n');
    const rejected = await vipsync(['vip', 'import', broken]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('row 3 (not-an-email): email "not-an-email" has no @');
    expect(rejected.stderr).toContain('row 4 (bad@example.com): level 9 is outside 1-5');
    expect(rejected.stderr).toContain('row 5 (ok@example.com): duplicate of row 2');
    expect(await h.db.vip.findUnique({ where: { email: 'ok@example.com' } })).toMatchObject({ level: 2, source: 'csv' });
    const strict = await vipsync(['vip', 'import', broken, '--strict']);
    expect(strict.stderr).toContain('--strict: nothing imported');

    const exported = await vipsync(['vip', 'export']);
    expect(exported.code).toBe(0);
    expect(exported.stdout.split('\n')[0]).toBe('email,name,company,level,phone,notes,groups');
    const file = join(dir, 'export.csv');
    await writeFile(file, exported.stdout);
    const roundTrip = await vipsync(['vip', 'import', file, '--json']);
    const report = JSON.parse(roundTrip.stdout);
    expect(report).toMatchObject({ invalid: 0, created: 0, updated: 0 });
    expect(report.unchanged).toBe(exported.stdout.trim().split('\n').length - 1);
    const onlyFives = await vipsync(['vip', 'export', '--level', '5']);
    expect(onlyFives.stdout.trim().split('\n').slice(1).map((l) => l.split(',')[0]).sort()).toEqual(['ada@acme.com', 'erin@globex.com', 'grace@navy.example']);
  });

  it('adds, edits, lists, shows and removes VIPs from the CLI', async () => {
    const add = await vipsync(['vip', 'add', 'new@example.com', '--level', '4', '--name', 'New Person', '--company', 'Initech', '--json']);
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ email: 'new@example.com', level: 4, source: 'manual', levelSource: 'manual' });
    expect((await vipsync(['vip', 'add', 'new@example.com', '--level', '2'])).stderr).toContain('already a VIP');
    expect((await vipsync(['vip', 'add', 'x@example.com', '--level', '6'])).stderr).toContain('level 6 is outside 1-5');
    expect((await vipsync(['vip', 'add', 'x@example.com', '--level', '1', '--notes', 'n'.repeat(2001)])).stderr).toContain('at most 2000');

    const edit = await vipsync(['vip', 'edit', 'NEW@example.com', '--level', '2', '--notes', 'call first', '--json']);
    expect(JSON.parse(edit.stdout)).toMatchObject({ level: 2, manualLevel: 2, notes: 'call first' });

    const list = await vipsync(['vip', 'list', 'initech', '--json']);
    expect(JSON.parse(list.stdout).items.map((v: { email: string }) => v.email)).toEqual(['new@example.com']);
    const byLevel = await vipsync(['vip', 'list', '--level', '5', '--sort', 'added', '--json']);
    expect(JSON.parse(byLevel.stdout).items.map((v: { email: string }) => v.email)).toEqual(['ada@acme.com', 'erin@globex.com', 'grace@navy.example']);
    const paged = await vipsync(['vip', 'list', '--sort', 'level', '--limit', '2', '--page', '2', '--json']);
    expect(JSON.parse(paged.stdout)).toMatchObject({ page: 2, limit: 2 });
    expect(JSON.parse(paged.stdout).items).toHaveLength(2);

    const show = await vipsync(['vip', 'show', 'new@example.com']);
    expect(show.stdout).toContain('4 -> 2');

    expect((await vipsync(['vip', 'rm', 'new@example.com'])).stderr).toContain('--yes');
    const removed = await vipsync(['vip', 'rm', 'new@example.com', 'ada@acme.com', 'ghost@example.com', '--yes', '--json']);
    expect(removed.code).toBe(1);
    expect(JSON.parse(removed.stdout)).toMatchObject({ removed: ['new@example.com'], notFound: ['ghost@example.com'], refused: [{ email: 'ada@acme.com' }] });
  });

  it('keeps a manual level through a sync that changes the CRM level, with crm_level beside it', async () => {
    await editVip(h.db, 'ada@acme.com', { level: 2 }, { name: 'alice', surface: 'cli' });
    const changed = structuredClone(fixture);
    changed.salesforce.Contact.find((c) => c.Id === '003000000000001AAA')!.VIP_Level__c = 4;
    changed.hubspot.contacts.find((c) => c.properties.email === 'ada@acme.com')!.properties.vip_level = '4';
    h.hubspot.load(changed.hubspot);
    h.salesforce.load(changed.salesforce);
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
    const ada = await h.db.vip.findUniqueOrThrow({ where: { email: 'ada@acme.com' } });
    expect(ada).toMatchObject({ level: 2, manualLevel: 2, crmLevel: 4, levelSource: 'manual', levelReason: 'set by alice via cli' });
    await editVip(h.db, 'ada@acme.com', { clearOverride: true }, { name: 'alice', surface: 'cli' });
    expect(await h.db.vip.findUniqueOrThrow({ where: { email: 'ada@acme.com' } })).toMatchObject({ level: 4, manualLevel: null, levelSource: 'crm' });
  });

  it('creates, lists and revokes tokens (stored hashed), and shows the audit log and VIP activity', async () => {
    const created = await vipsync(['token', 'create', 'helpdesk', '--scope', 'lookup', '--scope', 'notes:read']);
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^vipsync_[A-Za-z0-9_-]{43}$/);
    const row = await h.db.apiToken.findUniqueOrThrow({ where: { name: 'helpdesk' } });
    expect(row.tokenHash).not.toContain(secret);
    expect(row.scopes).toEqual(['lookup', 'notes:read']);
    expect((await vipsync(['token', 'create', 'x', '--scope', 'superuser'])).stderr).toContain('unknown scope "superuser"');
    const list = await vipsync(['token', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'helpdesk', revokedAt: null })]);
    expect((await vipsync(['token', 'revoke', 'helpdesk'])).code).toBe(0);
    expect((await h.db.apiToken.findUniqueOrThrow({ where: { name: 'helpdesk' } })).revokedAt).toBeInstanceOf(Date);

    await vipsync(['lookup', 'erin@globex.com']);
    const audit = await vipsync(['audit', '--action', 'token.create', '--json']);
    expect(JSON.parse(audit.stdout)).toEqual([expect.objectContaining({ action: 'token.create', subject: 'token:helpdesk', surface: 'cli' })]);
    const activity = await vipsync(['audit', 'vips', '--json']);
    expect(JSON.parse(activity.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ email: 'erin@globex.com', lookups: 1 })]));
    const actions = new Set((await h.db.auditLog.findMany({ where: { surface: 'cli' } })).map((r) => r.action));
    for (const a of ['vip.import', 'vip.import.file', 'vip.export', 'vip.add', 'vip.edit', 'vip.list', 'vip.show', 'vip.remove', 'token.create', 'token.list', 'token.revoke', 'lookup']) {
      expect(actions).toContain(a);
    }
  });

  it('triages inbound emails through Temporal: priority, queue and account manager from the lookup', async () => {
    await editVip(h.db, 'erin@globex.com', { level: 4 }, { name: 'alice', surface: 'cli' });
    const triage = (from: string, subject: string) => h.client.workflow.execute('triageInboundEmailWorkflow', {
      taskQueue: h.config.syncTaskQueue,
      workflowId: `triage-${Math.random().toString(36).slice(2)}`,
      args: [{ from, subject, lookupTaskQueue: h.config.lookupTaskQueue }],
    }) as Promise<TriageDecision>;
    const [ada, erin, bob, stranger, broken] = await Promise.all([
      triage('ada@acme.com', 'Outage'),
      triage('erin@globex.com', 'Renewal'),
      triage('bob@acme.com', 'Question'),
      triage('someone@else.example', 'Hello'),
      triage('not an email', 'Spam?'),
    ]);
    expect(ada).toMatchObject({ priority: 'high', queue: 'account-management', respondWithinMinutes: 60, vipLevel: 4, assignTo: null });
    // erin's Salesforce owner has no entry in the (empty) owner directory: the owner id is not a name.
    expect(erin).toMatchObject({ priority: 'high', queue: 'account-management', vipLevel: 4 });
    expect(bob).toMatchObject({ priority: 'normal', queue: 'support', vipLevel: null, reasons: ['known contact (Bob Builder), not a VIP'] });
    expect(stranger).toMatchObject({ priority: 'normal', queue: 'support', vipLevel: null });
    expect(broken).toMatchObject({ priority: 'review', queue: 'manual-review' });
    expect(broken.reasons[0]).toContain('whitespace');
  });

  it('doctor checks the database, Temporal, the workers, each connection and its last sync', async () => {
    const doctor = await vipsync(['doctor', '--json'], {
      VIPSYNC_SYNC_TASK_QUEUE: h.config.syncTaskQueue,
      VIPSYNC_LOOKUP_TASK_QUEUE: h.config.lookupTaskQueue,
      VIPSYNC_CONNECTIONS: JSON.stringify(h.config.connections),
    });
    const checks = JSON.parse(doctor.stdout) as { check: string; verdict: string; detail: string }[];
    const verdicts = Object.fromEntries(checks.map((c) => [c.check, c.verdict]));
    expect(verdicts).toMatchObject({
      database: 'ok', 'database: migrations': 'ok', temporal: 'ok',
      'worker: sync workflows': 'ok', 'worker: sync activities': 'ok', 'worker: lookup activity': 'ok',
      [`connection ${h.hubspotId}: last sync`]: 'ok', [`connection ${h.salesforceId}: last sync`]: 'ok', 'vip list': 'ok',
    });
    expect(verdicts[`connection ${h.hubspotId}: credentials`], JSON.stringify(checks)).toBe('ok');
    expect(doctor.code).toBe(0);

    const wrongQueue = await vipsync(['doctor', '--json'], {
      VIPSYNC_LOOKUP_TASK_QUEUE: 'nobody-polls-this', VIPSYNC_CONNECTIONS: JSON.stringify(h.config.connections.map((c) => (c.system === 'hubspot' ? { ...c, accessToken: 'wrong' } : c))),
    });
    expect(wrongQueue.code).toBe(1);
    const bad = JSON.parse(wrongQueue.stdout) as { check: string; verdict: string; detail: string }[];
    expect(bad.find((c) => c.check === 'worker: lookup activity')).toMatchObject({ verdict: 'fail', detail: expect.stringContaining('nobody-polls-this') });
    expect(bad.find((c) => c.check === `connection ${h.hubspotId}: credentials`)).toMatchObject({ verdict: 'fail' });
  });
});
