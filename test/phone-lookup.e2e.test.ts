// Lookup by phone through the real path: phones and mobiles synced from both emulators by the real
// SDKs into Postgres, indexed by the derivation, answered by the lookup activities through a real
// Temporal server (as an agent's workflow calls them), with ambiguity, invalid input and how fresh
// each answer is; and the lookup cache kept correct by the database's change notifications.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVip, editVip } from '../admin/vip-changes.js';
import { createAuditWriter } from '../db/audit-log.js';
import { listenForChanges, type ChangeFeed } from '../db/change-feed.js';
import type { Fixture } from '../emulators/fixture.js';
import { vipLookupResultSchema } from '../lookup/answer.js';
import { createLookupService, LookupCache, type LookupService } from '../lookup/service.js';
import { validateWorkflowId, type EmailValidationResult, type VipLookupResult } from '../workflows/contract.js';
import { PHONES, phoneFixture } from './fixtures/phones.js';
import { sfStamp } from './fixtures/build.js';
import { startHarness, type Harness } from './harness.js';

const admin = { name: 'test-admin', surface: 'cli' as const };

describe('lookup by phone, end to end', () => {
  let h: Harness;
  let fixture: Fixture;
  let feed: ChangeFeed;
  let audit: ReturnType<typeof createAuditWriter>;
  let cached: LookupService;
  let syncedFrom: number;
  let syncedUntil: number;

  const lookupBy = (query: { email: string } | { phone: string } | string) =>
    h.client.workflow.execute('lookupByProbeWorkflow', {
      taskQueue: h.config.syncTaskQueue,
      workflowId: `phone-probe-${Math.random().toString(36).slice(2)}`,
      args: [query, h.config.lookupTaskQueue],
    }) as Promise<VipLookupResult>;
  const lookupByEmail = (email: string) =>
    h.client.workflow.execute('lookupProbeWorkflow', {
      taskQueue: h.config.syncTaskQueue, workflowId: `email-probe-${Math.random().toString(36).slice(2)}`, args: [email, h.config.lookupTaskQueue],
    }) as Promise<VipLookupResult>;
  const failureOf = async (query: Parameters<typeof lookupBy>[0]) => {
    const error = await lookupBy(query).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    return (error as WorkflowFailedError).cause?.cause as ApplicationFailure;
  };

  beforeAll(async () => {
    fixture = phoneFixture();
    h = await startHarness('phone_lookup', fixture);
    syncedFrom = Date.now();
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
    syncedUntil = Date.now();
    feed = await listenForChanges(h.databaseUrl);
    audit = createAuditWriter(h.db);
    cached = createLookupService({ db: h.db, audit, cache: new LookupCache(feed), defaultCountry: 'US' });
  });
  afterAll(async () => {
    await audit?.close();
    await feed?.close();
    await h?.close();
  });

  it('indexes every phone and mobile of the live CRM records, in E.164, and no number that is not one', async () => {
    const people = await h.db.vip.findMany({ orderBy: { email: 'asc' }, select: { email: true, phone: true, phones: true } });
    expect(people).toEqual([
      { email: 'ada@acme.com', phone: PHONES.ada, phones: [PHONES.ada, PHONES.adaMobile] },
      { email: 'bob@acme.com', phone: PHONES.switchboard, phones: [PHONES.switchboard] },
      { email: 'carl@acme.com', phone: null, phones: [] },
      { email: 'erin@globex.com', phone: PHONES.switchboard, phones: [PHONES.switchboard] },
      // Salesforce MobilePhone is her only number: the emulator serves it and the sync keeps it.
      { email: 'grace@navy.example', phone: PHONES.graceMobile, phones: [PHONES.graceMobile] },
    ]);
  });

  it('answers a phone through the activity as the person, typed any way, with the phone looked up', async () => {
    for (const typed of ['+1 (415) 555-2671', '415.555.2671', 'tel:+14155552671', '٤١٥٥٥٥٢٦٧١']) {
      expect(await lookupBy({ phone: typed })).toMatchObject({
        email: 'ada@acme.com', phone: PHONES.ada, isVip: true, level: 5, name: 'Ada Lovelace', ambiguous: false, candidates: [],
      });
    }
    // A mobile only one CRM holds finds the person too; lookupVipByPhone answers the same.
    expect(await lookupBy({ phone: '650-555-0100' })).toMatchObject({ email: 'ada@acme.com', phone: PHONES.adaMobile, level: 5 });
    expect(await lookupBy('(650) 555-0199')).toMatchObject({ email: 'grace@navy.example', phone: PHONES.graceMobile, level: 4 });
    expect(await lookupBy({ email: 'GRACE@navy.example' })).toMatchObject({ email: 'grace@navy.example', phone: null, level: 4 });
  });

  it('answers a phone two people share with both candidates and ambiguous: true, never a guess', async () => {
    const answer = await lookupBy({ phone: '212 555 0000' });
    expect(vipLookupResultSchema.parse(answer)).toEqual(answer);
    expect(answer).toMatchObject({
      email: null, phone: PHONES.switchboard, ambiguous: true, isVip: false, level: null, name: null, company: null,
      handling: null, owner: null,
      candidates: [
        { email: 'bob@acme.com', name: 'Bob Builder', company: null, level: null },
        { email: 'erin@globex.com', name: 'Erin Brockovich', company: null, level: 2 },
      ],
    });
    expect(answer.levelReason).toContain('belongs to 2 people');
    expect(answer.sources.map((s) => s.crmId).sort()).toEqual(['003000000000002AAA', '302']);
  });

  it('names at most 20 candidates of a number more people share, and says there are more', async () => {
    await h.db.$executeRawUnsafe(`INSERT INTO vips (email, source, phone) SELECT 'desk' || lpad(i::text, 2, '0') || '@bigco.example', 'manual', '+13125550100' FROM generate_series(1, 22) AS i`);
    const answer = await cached.lookupByPhone('312-555-0100', admin);
    expect(answer).toMatchObject({ ambiguous: true, email: null });
    expect(answer.candidates.map((c) => c.email)).toEqual(Array.from({ length: 20 }, (_, i) => `desk${String(i + 1).padStart(2, '0')}@bigco.example`));
    expect(answer.levelReason).toContain('belongs to more than 20 people');
    await h.db.$executeRawUnsafe(`DELETE FROM vips WHERE email LIKE '%@bigco.example'`);
  });

  it('answers a phone nobody has with no person and no asOf', async () => {
    expect(await lookupBy({ phone: PHONES.nobody })).toMatchObject({
      email: null, phone: PHONES.nobody, isVip: false, level: null, ambiguous: false, candidates: [], asOf: null, sources: [],
    });
  });

  it('fails an invalid phone at once, non-retryable, saying what is wrong', async () => {
    for (const [phone, reason] of [['1-800-FLOWERS', 'contains letters'], ['123', 'not a possible number'], ['', 'empty']] as const) {
      const failure = await failureOf({ phone });
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'InvalidPhone', nonRetryable: true });
      expect(failure.message).toContain(reason);
    }
    expect(await failureOf({ email: 'a@b.co', phone: PHONES.ada } as never)).toMatchObject({ type: 'InvalidLookupQuery', nonRetryable: true });
    expect(await failureOf({} as never)).toMatchObject({ type: 'InvalidLookupQuery', nonRetryable: true });
  });

  it('says how fresh every answer is: asOf from the last sync, and the CRM records behind it', async () => {
    const ada = await lookupByEmail('ada@acme.com');
    expect(ada.sources).toEqual([
      { system: 'hubspot', connectionId: h.hubspotId, crmId: '301', objectType: 'contact', modifiedAt: '2026-03-01T10:00:00.000Z', confirmedAt: expect.any(String) },
      { system: 'salesforce', connectionId: h.salesforceId, crmId: '003000000000001AAA', objectType: 'contact', modifiedAt: '2026-03-01T10:00:00.000Z', confirmedAt: expect.any(String) },
    ].sort((a, b) => a.connectionId.localeCompare(b.connectionId)));
    const asOf = Date.parse(ada.asOf!);
    expect(asOf).toBeGreaterThanOrEqual(syncedFrom - 1000);
    expect(asOf).toBeLessThanOrEqual(syncedUntil + 1000);
    expect(ada.asOf).toBe([...ada.sources.map((s) => s.confirmedAt)].sort().at(-1));
    expect((await lookupByEmail('stranger@nowhere.example'))).toMatchObject({ asOf: null, sources: [] });
  });

  it('a live validation confirms the records it found: their confirmedAt and the answer\'s asOf are its time', async () => {
    const before = await lookupByEmail('ada@acme.com');
    const validation = await h.client.workflow.execute('validateEmailWorkflow', {
      taskQueue: h.config.syncTaskQueue, workflowId: validateWorkflowId('ada@acme.com'), args: ['ada@acme.com'],
    }) as EmailValidationResult;
    expect(validation.validatedBy).toEqual([h.hubspotId, h.salesforceId].sort());
    const after = await lookupByEmail('ada@acme.com');
    expect(after.asOf).toBe(validation.checkedAt);
    expect(after.asOf! > before.asOf!).toBe(true);
    expect(after.sources.map((s) => s.confirmedAt)).toEqual([validation.checkedAt, validation.checkedAt]);
  });

  it('finds a VIP an admin added by the phone the admin gave, as of that edit', async () => {
    const before = Date.now();
    await addVip(h.db, { email: 'hopper@navy.example', level: 5, phone: '+44 20 7946 0958' }, admin);
    await expect.poll(() => cached.lookupByPhone('+44 20 7946 0958', admin), { timeout: 5000 })
      .toMatchObject({ email: 'hopper@navy.example', level: 5, sources: [] });
    const answer = await cached.lookupByPhone('+442079460958', admin);
    expect(Date.parse(answer.asOf!)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('keeps cached phone answers correct when an admin edits a phone, a CRM changes a mobile, or a sync confirms the data', async () => {
    // Cached first, so each step below must get past the cache.
    expect(await cached.lookupByPhone(PHONES.graceMobile, admin)).toMatchObject({ email: 'grace@navy.example' });
    expect(await cached.lookupByPhone('+1 212 555 0001', admin)).toMatchObject({ email: null });

    await editVip(h.db, 'bob@acme.com', { phone: '(212) 555-0001' }, admin);
    await expect.poll(() => cached.lookupByPhone('+1 212 555 0001', admin), { timeout: 5000 }).toMatchObject({ email: 'bob@acme.com' });
    // Bob's CRM phone still finds him, with Erin.
    expect(await cached.lookupByPhone(PHONES.switchboard, admin)).toMatchObject({ ambiguous: true });

    const changed = structuredClone(fixture);
    const grace = changed.salesforce.Contact.find((c) => c.Email === 'grace@navy.example')!;
    Object.assign(grace, { MobilePhone: '+1 650 555 0142', SystemModstamp: sfStamp('2026-03-02T10:00:00.000Z'), LastModifiedDate: sfStamp('2026-03-02T10:00:00.000Z') });
    h.salesforce.load(changed.salesforce);
    await h.sync(h.salesforceId);
    await expect.poll(() => cached.lookupByPhone(PHONES.graceMobile, admin), { timeout: 5000 }).toMatchObject({ email: null, asOf: null });
    expect(await cached.lookupByPhone('650 555 0142', admin)).toMatchObject({ email: 'grace@navy.example', level: 4 });

    // A sync that changes nothing writes no person and no record, and still moves asOf.
    const adaBefore = await cached.lookupByPhone(PHONES.adaMobile, admin);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await h.sync(h.hubspotId);
    await expect.poll(async () => (await cached.lookupByPhone(PHONES.adaMobile, admin)).asOf! > adaBefore.asOf!, { timeout: 5000 }).toBe(true);

    // A sync that read no record at all (nothing in its window) writes only its run: finishing it
    // is notified, and the cached answer moves on (as finishSyncRun ends a run).
    const adaNow = await cached.lookupByPhone(PHONES.adaMobile, admin);
    const run = await h.db.syncRun.create({ data: { connectionId: h.hubspotId, workflowId: 'quiet-sync', runId: 'r1', mode: 'contacts:incremental' } });
    await h.db.syncRun.update({ where: { id: run.id }, data: { status: 'succeeded', finishedAt: new Date(), durationMs: 1 } });
    await expect.poll(async () => (await cached.lookupByPhone(PHONES.adaMobile, admin)).asOf, { timeout: 5000 }).toBe(run.startedAt.toISOString());
    expect(run.startedAt.toISOString() > adaNow.asOf!).toBe(true);
  });

  it('audits a lookup by phone with the phone as subject, and the person it found', async () => {
    await cached.lookupByPhone('(650) 555-0100', { name: 'auditor', surface: 'http' });
    await cached.lookupByPhone('call me', { name: 'auditor', surface: 'http' }).catch(() => {});
    await audit.flush();
    const rows = await h.db.auditLog.findMany({ where: { actor: 'auditor' }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.action, r.subject, r.details])).toEqual([
      ['lookup', PHONES.adaMobile, { by: 'phone', email: 'ada@acme.com', isVip: true, level: 5, ambiguous: false, candidates: [] }],
      ['lookup', 'call me', { by: 'phone', error: 'phone "call me" contains letters' }],
    ]);
    const activityRows = await h.db.auditLog.findMany({ where: { surface: 'activity', subject: PHONES.switchboard } });
    expect(activityRows[0]).toMatchObject({
      actor: 'workflow:lookupByProbeWorkflow', workflowId: expect.stringMatching(/^phone-probe-/),
      details: { by: 'phone', ambiguous: true, candidates: ['bob@acme.com', 'erin@globex.com'] },
    });
  });
});
