// VIP intelligence end to end: CRM data in the emulators -> syncs through a real Temporal server
// -> people in a real Postgres with levels, reasons, validated and stale; CRM changes between two
// syncs change exactly the expected people; on-demand validation asks the CRMs live.
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSalesforceClient } from '../crm/salesforce/client.js';
import { lookupVipByEmail } from '../lookup/service.js';
import { deriveVips } from '../vip/derive.js';
import { parseRules } from '../vip/rules.js';
import { resolveVipSettings } from '../vip/settings.js';
import type { Fixture, HubSpotObject, SObject } from '../emulators/fixture.js';
import type { SalesforceConnectionConfig } from '../crm/salesforce/config.js';
import { runCli } from '../cli/main.js';
import { validateWorkflowId, type EmailValidationResult } from '../workflows/contract.js';
import { startHarness, type Harness } from './harness.js';


/** Runs `vipsync ...args` in this process against the harness database; returns what it printed. */
async function vipsync(databaseUrl: string, ...args: string[]): Promise<string> {
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = databaseUrl;
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await runCli(['node', 'vipsync', ...args]);
  } finally {
    write.mockRestore();
    process.env.DATABASE_URL = saved;
  }
  expect(process.exitCode ?? 0).toBe(0);
  return out;
}
const STAMP = '2026-03-01T10:00:00.000Z';
const SF_STAMP = '2026-03-02T09:00:00.000+0000';

function hsCompany(id: string, name: string, domain: string): HubSpotObject {
  return { id, properties: { name, domain, hs_lastmodifieddate: STAMP }, createdAt: STAMP, updatedAt: STAMP, archived: false };
}

function hsContact(id: string, email: string, props: Record<string, string | null>, companyId?: string): HubSpotObject {
  return {
    id,
    properties: { email, firstname: email.split('@')[0]!, lastname: 'Test', lastmodifieddate: STAMP, ...props },
    createdAt: STAMP,
    updatedAt: STAMP,
    archived: false,
    ...(companyId ? { associations: { companies: { results: [{ id: companyId, type: 'contact_to_company' }] } } } : {}),
  };
}

function sfContact(n: number, email: string, fields: Record<string, unknown>): SObject {
  return {
    Id: `003000000000${String(n).padStart(3, '0')}AAA`, IsDeleted: false, SystemModstamp: SF_STAMP, LastModifiedDate: SF_STAMP,
    OwnerId: '005000000000001AAA', Email: email, FirstName: email.split('@')[0], LastName: 'Test', AccountId: null, VIP_Level__c: null, ...fields,
  };
}

const GLOBEX = '001000000000001AAA';

function fixture(): Fixture {
  return {
    hubspot: {
      companies: [hsCompany('101', 'Acme Corp', 'acme.com'), hsCompany('102', 'Initech', 'initech.com')],
      contacts: [
        hsContact('201', 'ada@acme.com', { jobtitle: 'CEO', vip_level: '5' }, '101'),
        hsContact('202', 'bob@acme.com', { jobtitle: 'VP Sales' }, '101'),
        hsContact('203', 'carl@acme.com', { jobtitle: 'Director of IT' }, '101'),
        hsContact('204', 'dora@initech.com', { jobtitle: 'Engineer' }, '102'),
      ],
    },
    salesforce: {
      Account: [{ Id: GLOBEX, IsDeleted: false, SystemModstamp: SF_STAMP, Name: 'Globex', Website: 'https://www.globex.com', AnnualRevenue: 2_000_000_000, NumberOfEmployees: 9000, Type: 'Customer', OwnerId: '005000000000001AAA' }],
      Contact: [
        sfContact(1, 'Ada@ACME.com', { Title: 'Board Member', VIP_Level__c: 3, Phone: '(415) 555-2671' }),
        sfContact(2, 'erin@globex.com', { Title: 'CFO', AccountId: GLOBEX }),
        sfContact(3, "o'brien@acme.com", { Title: 'Engineer' }),
      ],
    },
  };
}

describe('VIP levels, validation and stale VIPs across HubSpot and Salesforce', () => {
  let h: Harness;
  let data: Fixture;
  const vip = (email: string) => h.db.vip.findUniqueOrThrow({ where: { email } });
  const history = async (email: string) =>
    (await h.db.vipLevelChange.findMany({ where: { vip: { email } }, orderBy: { id: 'asc' } })).map((c) => [c.oldLevel, c.newLevel]);
  const allVips = () => h.db.vip.findMany({ orderBy: { email: 'asc' } });
  const changedBetween = (before: Awaited<ReturnType<typeof allVips>>, after: Awaited<ReturnType<typeof allVips>>) =>
    after.filter((v) => !isDeepStrictEqual(v, before.find((b) => b.email === v.email))).map((v) => v.email);
  const validate = (email: string) =>
    h.client.workflow.execute('validateEmailWorkflow', {
      taskQueue: h.config.syncTaskQueue,
      workflowId: validateWorkflowId(email),
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [email],
    }) as Promise<EmailValidationResult>;

  beforeAll(async () => {
    data = fixture();
    h = await startHarness('vip_e2e', data);
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('derives one person per email with a level and a reason from explicit values or the rules', async () => {
    const people = await allVips();
    expect(people.map((v) => [v.email, v.level, v.levelSource, v.validated, v.stale])).toEqual([
      ['ada@acme.com', 5, 'crm', true, false],
      ['bob@acme.com', 3, 'crm', true, false],
      ['carl@acme.com', 2, 'crm', true, false],
      ['dora@initech.com', null, null, true, false],
      ['erin@globex.com', 5, 'crm', true, false],
      ["o'brien@acme.com", null, null, true, false],
    ]);
    const ada = await vip('ada@acme.com');
    expect(ada).toMatchObject({ validatedBy: [h.hubspotId, h.salesforceId], phone: '+14155552671', company: 'Acme Corp', crmLevel: 5 });
    expect(ada.levelReason).toBe(
      `HubSpot vip_level = 5 on contact 201 (connection ${h.hubspotId}); the highest explicit level wins over Salesforce VIP_Level__c = 3 on contact 003000000000001AAA (connection ${h.salesforceId})`,
    );
    // Salesforce's record is newer: its title wins; the phone only Salesforce has comes from there too.
    expect(ada.title).toBe('Board Member');
    expect(ada.fieldSources).toMatchObject({ title: { connectionId: h.salesforceId }, company: { connectionId: h.hubspotId }, phone: { connectionId: h.salesforceId } });
    const refs = await h.db.vipCrmRef.findMany({ where: { vipId: ada.id }, orderBy: { connectionId: 'asc' } });
    expect(refs.map((r) => [r.connectionId, r.system, r.crmId, r.status, r.baselineCompanyCrmId])).toEqual([
      [h.hubspotId, 'hubspot', '201', 'live', '101'],
      [h.salesforceId, 'salesforce', '003000000000001AAA', 'live', null],
    ]);
    expect((await vip('bob@acme.com')).levelReason).toBe(`rule "vp" (Vice president): title "VP Sales" is vp on contact 202 (connection ${h.hubspotId})`);
    expect((await vip('erin@globex.com')).levelReason).toContain('rule "strategic-executive"');
    expect(await history('bob@acme.com')).toEqual([[null, 3]]);
    expect(await h.db.vipDeriveState.findUnique({ where: { id: 1 } })).toMatchObject({ rulesHash: resolveVipSettings().rules.hash });
  });

  it('a derivation reads its people through a cursor, batch by batch: everyone exactly once, and again on the next run', async () => {
    const before = await allVips();
    // Batches of 4 over 6 people: two fetches, the second one short; twice, as the first run's
    // cursor must be gone from the connection it leaves in the pool; then six batches of one.
    for (const batchSize of [4, 4, 1]) {
      const result = await deriveVips(h.db, resolveVipSettings(), { full: true, batchSize });
      expect(result).toMatchObject({ full: true, people: before.length, changed: 0, levelChanges: 0 });
    }
    expect(await allVips()).toEqual(before);
  });

  it('the lookup answers level, reason, validated and stale', async () => {
    expect(await lookupVipByEmail(h.db, 'BOB@acme.com')).toMatchObject({
      isVip: true, level: 3, levelReason: expect.stringContaining('rule "vp"'), validated: true, stale: false, staleReason: null,
    });
  });

  it("a person whose derivation never happened is derived by their connection's next sync, even with no CRM change", async () => {
    const email = "o'brien@acme.com";
    const before = await vip(email);
    await h.db.vip.delete({ where: { email } }); // as if the run that wrote them had died before deriving
    const summary = await h.sync(h.salesforceId);
    expect(summary).toMatchObject({ created: 0, updated: 0 });
    const after = await vip(email);
    const comparable = ({ id: _id, createdAt: _c, updatedAt: _u, validatedAt: _v, ...rest }: typeof before) => rest;
    expect(comparable(after)).toEqual(comparable(before));
  });

  it('CRM changes between two syncs change exactly the expected people: departed title, moved company, hard bounce', async () => {
    const changed = structuredClone(data);
    const contact = (id: string) => changed.hubspot.contacts.find((c) => c.id === id)!;
    contact('202').properties.jobtitle = 'Former VP Sales';
    contact('203').associations = { companies: { results: [{ id: '102', type: 'contact_to_company' }] } };
    contact('204').properties.hs_email_hard_bounce_reason_enum = 'BAD_EMAIL';
    h.hubspot.load(changed.hubspot);
    data = changed;
    const before = await allVips();

    await h.sync(h.hubspotId);
    const after = await allVips();
    expect(changedBetween(before, after)).toEqual(['bob@acme.com', 'carl@acme.com', 'dora@initech.com']);

    const bob = after.find((v) => v.email === 'bob@acme.com')!;
    expect(bob).toMatchObject({ level: null, stale: true, validated: true, staleConfirmedAt: null });
    expect(bob.staleReason).toBe(`title "Former VP Sales" says they left [title-departed, connection ${h.hubspotId}]`);
    expect(await history('bob@acme.com')).toEqual([[null, 3], [3, null]]);

    const carl = after.find((v) => v.email === 'carl@acme.com')!;
    expect(carl).toMatchObject({ level: 2, stale: true, company: 'Initech' });
    expect((carl.staleEvidence as { kind: string }[]).map((s) => s.kind)).toEqual(['company-changed', 'domain-mismatch']);
    expect(carl.staleReason).toContain('moved from company 101 to "Initech" (102)');
    expect(await history('carl@acme.com')).toEqual([[null, 2]]);

    const dora = after.find((v) => v.email === 'dora@initech.com')!;
    expect(dora).toMatchObject({ level: null, stale: true });
    expect(dora.staleReason).toContain('HubSpot hard bounce (BAD_EMAIL)');

    // A sync that brings nothing new changes nobody, and the stale flags stay with their first date.
    await h.sync(h.hubspotId);
    expect(changedBetween(after, await allVips())).toEqual([]);
  });

  it('a stale VIP nobody confirms is demoted after the grace period; `vipsync stale confirm` brings them back', async () => {
    await h.db.$executeRawUnsafe(`UPDATE vips SET stale_since = now() - interval '31 days' WHERE email = 'carl@acme.com'`);
    const before = await allVips();
    await h.sync(h.hubspotId);
    expect(changedBetween(before, await allVips())).toEqual(['carl@acme.com']);
    const carl = await vip('carl@acme.com');
    expect(carl).toMatchObject({ level: null, crmLevel: 2, stale: true });
    expect(carl.levelReason).toMatch(/^demoted: stale since \d{4}-\d\d-\d\d, more than 30 days without an admin confirming/);
    expect(await history('carl@acme.com')).toEqual([[null, 2], [2, null]]);

    const list = JSON.parse(await vipsync(h.databaseUrl, 'stale', '--json')) as { items: { email: string; status: string; evidence: unknown[] }[] };
    // Bob and Dora are stale too but never were VIPs by the CRM data (a departed title earns no rule).
    expect(list.items.map((i) => [i.email, i.status])).toEqual([['carl@acme.com', 'demoted']]);
    expect(list.items[0]!.evidence).toHaveLength(2);

    expect(await vipsync(h.databaseUrl, 'stale', 'confirm', 'Carl@acme.com')).toContain('carl@acme.com: confirmed as still a VIP (level 2)');
    expect(await vip('carl@acme.com')).toMatchObject({ level: 2, stale: true, staleConfirmedAt: expect.any(Date) });
    expect(await history('carl@acme.com')).toEqual([[null, 2], [2, null], [null, 2]]);
    await h.sync(h.hubspotId);
    expect(await vip('carl@acme.com')).toMatchObject({ level: 2, stale: true });
  });

  it('a contact archived in the CRM (through the emulator and the sync) makes the person stale there and loses that validation', async () => {
    const archived = await fetch(`${h.hubspot.url}/crm/v3/objects/contacts/201`, { method: 'DELETE', headers: { authorization: 'Bearer test-hubspot-token' } });
    expect(archived.status).toBe(204);
    const before = await allVips();
    await h.sync(h.hubspotId);
    expect(changedBetween(before, await allVips())).toEqual(['ada@acme.com']);
    const ada = await vip('ada@acme.com');
    expect(ada).toMatchObject({ level: 3, stale: true, validated: true, validatedBy: [h.salesforceId] });
    expect(ada.staleReason).toBe(`contact 201 was archived in the CRM [archived, connection ${h.hubspotId}]`);
    expect(await history('ada@acme.com')).toEqual([[null, 5], [5, 3]]);
    const refs = await h.db.vipCrmRef.findMany({ where: { vipId: ada.id }, orderBy: { connectionId: 'asc' } });
    expect(refs.map((r) => r.status)).toEqual(['archived', 'live']);
  });

  it('deletion marks the sync engine sets (vanished here) make the person stale and unvalidated', async () => {
    await h.db.$executeRawUnsafe(
      `UPDATE crm_contacts SET deleted_at = now(), deletion_kind = 'vanished', updated_at = now() WHERE email_normalized = 'erin@globex.com'`,
    );
    const result = await deriveVips(h.db, resolveVipSettings(), { emails: ['erin@globex.com'] });
    expect(result).toMatchObject({ people: 1, changed: 1, levelChanges: 1 });
    expect(await vip('erin@globex.com')).toMatchObject({
      level: null, validated: false, validatedBy: [], validatedAt: null, stale: true,
      staleReason: `contact 003000000000002AAA disappeared from the CRM's full listing without a deletion record [vanished, connection ${h.salesforceId}]`,
    });
  });

  it('validates one email live against every CRM within seconds and updates the record', async () => {
    const report = JSON.parse(await vipsync(h.databaseUrl, 'report', 'levels', '--json')) as { vips: number; levels: { level: number; count: number }[]; warnings: string[] };
    expect(report.levels.map((l) => [l.level, l.count])).toEqual([[5, 0], [4, 0], [3, 1], [2, 1], [1, 0]]);
    expect(report.warnings).toEqual([]); // too few VIPs to judge (minVips)

    const started = Date.now();
    const ada = await validate('  ADA@acme.com ');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(ada).toMatchObject({
      email: 'ada@acme.com', known: true, validated: true, validatedBy: [h.salesforceId], level: 3, stale: true,
      checks: [
        { connectionId: h.hubspotId, system: 'hubspot', crmIds: [], error: null },
        { connectionId: h.salesforceId, system: 'salesforce', crmIds: ['003000000000001AAA'], error: null },
      ],
    });

    // Created in HubSpot after the last sync: live validation knows before the next sync does.
    const withNew = structuredClone(data);
    withNew.hubspot.contacts = withNew.hubspot.contacts.filter((c) => c.id !== '201');
    withNew.hubspot.contacts.push(hsContact('299', 'new.person@acme.com', { jobtitle: 'CTO' }, '101'));
    h.hubspot.load(withNew.hubspot);
    expect(await validate('new.person@acme.com')).toMatchObject({ known: true, validated: true, validatedBy: [h.hubspotId], wasValidated: false });
    expect(await vip('new.person@acme.com')).toMatchObject({ validated: true, validatedBy: [h.hubspotId], level: null });

    expect(await validate('nobody@acme.com')).toMatchObject({ known: false, validated: false, validatedBy: [] });
    expect(await h.db.vip.findUnique({ where: { email: 'nobody@acme.com' } })).toBeNull();
    expect(await h.db.auditLog.count({ where: { action: 'validate' } })).toBe(3);
  });

  it('a hostile email cannot change the SOQL query', async () => {
    const config = h.config.connections.find((c) => c.id === h.salesforceId) as SalesforceConnectionConfig;
    const salesforce = createSalesforceClient(config);
    expect((await salesforce.findContactsByEmail("o'brien@acme.com")).map((c) => c.email)).toEqual(["o'brien@acme.com"]);
    for (const hostile of ["x' OR Email != '", "x\\' OR Email != \\'", "' OR Id != '", "x\\", "o'brien@acme.com' OR Email LIKE '%", 'erin@globex.com\\']) {
      expect(await salesforce.findContactsByEmail(hostile)).toEqual([]);
    }
    // The same through the workflow, with an address that is valid and full of quotes.
    expect(await validate("o'brien'or'x'='x@acme.com")).toMatchObject({ validated: false, checks: [{ crmIds: [] }, { crmIds: [], error: null }] });
    expect(await validate("O'Brien@acme.com")).toMatchObject({ validated: true, validatedBy: [h.salesforceId] });
  });

  it('rejects an invalid email at once', async () => {
    await expect(validate('not an email')).rejects.toThrow();
  });

  it("a rules file's contact flags are read from the stored CRM record's properties", async () => {
    const rules = parseRules([
      'version: 1',
      'rules:',
      '  - { id: key-contact, level: 4, description: Key contact, when: { contactFlags: [key_contact, Key_Contact__c] } }',
    ].join('\n'), 'test-rules.yaml');
    const settings = { ...resolveVipSettings(), rules };
    const email = "o'brien@acme.com";
    await deriveVips(h.db, settings, { emails: [email] });
    expect(await vip(email)).toMatchObject({ level: null });

    await h.db.$executeRawUnsafe(
      `UPDATE crm_contacts SET properties = properties || '{"Key_Contact__c": "true"}'::jsonb, updated_at = now() WHERE email_normalized = $1`, email,
    );
    expect(await deriveVips(h.db, settings, { emails: [email] })).toMatchObject({ changed: 1, levelChanges: 1 });
    expect(await vip(email)).toMatchObject({ level: 4, levelReason: expect.stringContaining('contact flag Key_Contact__c is set') });
  });
});
