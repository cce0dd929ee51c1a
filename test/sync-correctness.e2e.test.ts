// What the real CRMs do that a sync must not mistake for "nothing more" or "gone": clocks that
// differ from the worker's, listings that come back short. Through a real Temporal server, a real
// PostgreSQL and the real SDKs against the emulators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fixture } from '../emulators/fixture.js';
import { validateWorkflowId, type EmailValidationResult } from '../workflows/contract.js';
import { runVipsync } from './cli-process.js';
import { emptyFixture, hubspotContact, salesforceContact, sfStamp } from './fixtures/build.js';
import { startHarness, type Harness } from './harness.js';

const HOUR = 3600_000;

/** `count` instants, one a second, ending `secondsBeforeNow` seconds before now, at whole seconds. */
function timesEndingBefore(secondsBeforeNow: number, count: number): string[] {
  const end = Math.floor(Date.now() / 1000) * 1000 - secondsBeforeNow * 1000;
  return Array.from({ length: count }, (_, i) => new Date(end - (count - 1 - i) * 1000).toISOString());
}

describe("watermarks on the CRM's own clock", () => {
  let h: Harness;
  let data: Fixture;
  const PER_CRM = 30;

  beforeAll(async () => {
    // Both CRMs' clocks an hour behind the worker's: what they stamp is an hour old to the worker.
    data = emptyFixture();
    const times = timesEndingBefore(3600 + 600, PER_CRM);
    data.hubspot.contacts = times.map((t, i) => hubspotContact(7000 + i, t));
    data.salesforce.Contact = times.map((t, i) => salesforceContact(i + 1, sfStamp(t)));
    h = await startHarness('sync_clock', data, { hubspotEmulator: { clockOffsetMs: -HOUR }, salesforceEmulator: { clockOffsetMs: -HOUR } });
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('finds every change made after the first sync when the CRM clock is an hour behind the worker\'s', async () => {
    // Edited and added now: the emulators stamp them with their own clock, ~60 minutes before the
    // worker's now, far outside a 5-minute overlap taken from the worker's clock.
    const now = structuredClone(data);
    now.hubspot.contacts[3]!.properties.jobtitle = 'Chief Executive Officer';
    now.hubspot.contacts.push(hubspotContact(7999, data.hubspot.contacts[0]!.updatedAt));
    now.salesforce.Contact[4]!.Title = 'VP Sales';
    now.salesforce.Contact.push(salesforceContact(999, String(data.salesforce.Contact[0]!.SystemModstamp)));
    h.hubspot.load(now.hubspot);
    h.salesforce.load(now.salesforce);

    expect(await h.sync(h.hubspotId)).toMatchObject({ mode: 'companies:incremental contacts:incremental', created: 1, updated: 1 });
    expect(await h.sync(h.salesforceId)).toMatchObject({ mode: 'companies:incremental contacts:incremental', created: 1, updated: 1 });
    const contact = (connectionId: string, crmId: string) =>
      h.db.crmContact.findUniqueOrThrow({ where: { connectionId_crmId: { connectionId, crmId } } });
    expect((await contact(h.hubspotId, '7003')).title).toBe('Chief Executive Officer');
    expect((await contact(h.salesforceId, data.salesforce.Contact[4]!.Id)).title).toBe('VP Sales');
    const added = await contact(h.hubspotId, '7999');
    // The CRM's stamp, an hour behind the worker's clock.
    expect(Date.now() - added.crmModifiedAt!.getTime()).toBeGreaterThan(HOUR - 60_000);

    // The watermark is the CRM's time, not the worker's.
    const states = await h.db.syncState.findMany({ where: { objectType: 'contacts' } });
    for (const state of states) expect(state.watermark!.getTime(), state.connectionId).toBeLessThanOrEqual(Date.now() - HOUR + 60_000);
  });

  it('an object type with no records yet is walked incrementally from the start of time, and finds the first one', async () => {
    // The fixture has no companies: the full walk of them read nothing, and set no clock of its own.
    const state = await h.db.syncState.findUniqueOrThrow({
      where: { connectionId_objectType: { connectionId: h.hubspotId, objectType: 'companies' } },
    });
    expect(state.watermark?.getTime()).toBe(0);
    const now = structuredClone(data);
    const stamp = new Date(Date.now() - 2 * HOUR).toISOString();
    now.hubspot.companies = [{ id: '900', properties: { name: 'Late Corp', domain: 'late.example', hs_lastmodifieddate: stamp }, createdAt: stamp, updatedAt: stamp, archived: false }];
    h.hubspot.load(now.hubspot);
    expect(await h.sync(h.hubspotId)).toMatchObject({ mode: 'companies:incremental contacts:incremental' });
    expect(await h.db.crmCompany.count({ where: { connectionId: h.hubspotId, crmId: '900' } })).toBe(1);
  });
});

describe('vanishing is a claim that needs evidence', { timeout: 300_000 }, () => {
  let h: Harness;
  let data: Fixture;
  const PER_CRM = 120;
  const live = (connectionId: string) => h.db.crmContact.count({ where: { connectionId, deletedAt: null } });
  const vipsync = (args: string[]) => runVipsync(args, {
    DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: h.config.temporalAddress,
    VIPSYNC_SYNC_TASK_QUEUE: h.config.syncTaskQueue, VIPSYNC_LOOKUP_TASK_QUEUE: h.config.lookupTaskQueue,
    VIPSYNC_CONNECTIONS: JSON.stringify(h.config.connections),
  }, 120_000);

  beforeAll(async () => {
    data = emptyFixture();
    const times = timesEndingBefore(600, PER_CRM);
    data.hubspot.contacts = times.map((t, i) => hubspotContact(8000 + i, t));
    data.salesforce.Contact = times.map((t, i) => salesforceContact(i + 1, sfStamp(t)));
    h = await startHarness('sync_vanish', data);
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a full walk that would mark more than the guard allows marks nobody: needs-review, with the count', async () => {
    // The CRM lists 12 fewer contacts (10%) without a deletion record for any: lost permissions look like this.
    const short = structuredClone(data);
    short.hubspot.contacts = short.hubspot.contacts.slice(12);
    h.hubspot.load(short.hubspot);
    const summary = await h.sync(h.hubspotId, { full: true });
    expect(summary).toMatchObject({ status: 'needs-review', vanishedHeld: 12, deleted: 0 });
    expect(await live(h.hubspotId)).toBe(PER_CRM);
    const run = await h.db.syncRun.findUniqueOrThrow({ where: { id: BigInt(summary.syncRunId) } });
    expect(run).toMatchObject({ status: 'needs_review', vanishedHeld: 12, error: null });
  });

  it('sync status and doctor say so, and name the command that applies it', async () => {
    const status = await vipsync(['sync', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const row = (JSON.parse(status.stdout) as { connection: string; status: string; vanishedHeld: number; error: string }[])
      .find((r) => r.connection === h.hubspotId)!;
    expect(row).toMatchObject({ status: 'needs-review', vanishedHeld: 12 });
    expect(row.error).toContain(`vipsync sync now --connection ${h.hubspotId} --full --accept-vanished`);

    const doctor = await vipsync(['doctor', '--json']);
    const check = (JSON.parse(doctor.stdout) as { check: string; verdict: string; detail: string }[])
      .find((c) => c.check === `connection ${h.hubspotId}: last sync`)!;
    expect(check).toMatchObject({ verdict: 'warn' });
    expect(check.detail).toContain('did not see 12 live records');
  });

  it('sync now --full --accept-vanished marks them vanished (nothing is deleted), and the next walk is guarded again', async () => {
    const accepted = await vipsync(['sync', 'now', '--connection', h.hubspotId, '--full', '--accept-vanished', '--wait', '--json']);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject([{ connectionId: h.hubspotId, status: 'succeeded', deleted: 12, vanishedHeld: 0 }]);
    expect(await live(h.hubspotId)).toBe(PER_CRM - 12);
    const gone = await h.db.crmContact.findMany({ where: { connectionId: h.hubspotId, deletedAt: { not: null } } });
    expect(gone.map((c) => c.deletionKind)).toEqual(Array(12).fill('vanished'));

    // The acceptance was for that walk only.
    h.hubspot.load({ ...data.hubspot, contacts: data.hubspot.contacts.slice(24) });
    expect(await h.sync(h.hubspotId, { full: true })).toMatchObject({ status: 'needs-review', vanishedHeld: 12 });
  });

  it('--accept-vanished without --full is refused, saying what to add', async () => {
    const refused = await vipsync(['sync', 'now', '--connection', h.hubspotId, '--accept-vanished']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--full');
  });

  it('a full walk that reads nothing (a restart on an empty or older CRM) marks nobody vanished', async () => {
    h.salesforce.load({ Account: [], Contact: [] });
    const summary = await h.sync(h.salesforceId, { full: true });
    expect(summary).toMatchObject({ status: 'needs-review', vanishedHeld: PER_CRM, deleted: 0, fetched: 0 });
    expect(await live(h.salesforceId)).toBe(PER_CRM);
    // Their people stay validated: nobody became "gone" on that evidence.
    expect(await h.db.vip.count({ where: { validatedBy: { has: h.salesforceId } } })).toBe(PER_CRM);
  });

  it('a few vanished records, within the guard, are marked without review', async () => {
    h.salesforce.load({ ...data.salesforce, Contact: data.salesforce.Contact.slice(1) });
    expect(await h.sync(h.salesforceId, { full: true })).toMatchObject({ status: 'succeeded', deleted: 1, vanishedHeld: 0 });
  });
});

describe('one pacer per connection in a worker', () => {
  let h: Harness;

  beforeAll(async () => {
    // Enough companies that their walk alone searches for ~4 s at HubSpot's 5 searches a second.
    const data = emptyFixture();
    const times = timesEndingBefore(3600, 4_000);
    data.hubspot.companies = times.map((t, i) => ({
      id: String(100_000 + i), properties: { name: `Company ${i}`, domain: `c${i}.example`, hs_lastmodifieddate: t },
      createdAt: t, updatedAt: t, archived: false,
    }));
    data.hubspot.contacts = times.slice(0, 1_000).map((t, i) => hubspotContact(9000 + i, t));
    // The emulators enforce HubSpot's limits (a Professional app's, the harness's default).
    h = await startHarness('sync_pacer', data);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('validations during a rate-limited sync wait their turn in the sync\'s search pacer: no 429 for anyone', async () => {
    const before = h.hubspot.stats();
    const sync = h.sync(h.hubspotId);
    const validations: Promise<EmailValidationResult>[] = [];
    for (let i = 0; i < 12; i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const email = `person${9000 + i}@example.com`;
      validations.push(h.client.workflow.execute('validateEmailWorkflow', {
        taskQueue: h.config.syncTaskQueue, workflowId: `${validateWorkflowId(email)}-${h.hubspotId}`, args: [email],
      }) as Promise<EmailValidationResult>);
    }
    const results = await Promise.all(validations);
    const summary = await sync;
    const after = h.hubspot.stats();
    // The validations' searches ran while the sync searched (it was not over before they were).
    expect(after.searchRequests - before.searchRequests).toBeGreaterThanOrEqual(20 + 12);
    expect(summary).toMatchObject({ http429: 0, created: 5_000 });
    expect(after.http429 - before.http429).toBe(0);
    for (const [i, result] of results.entries()) {
      expect(result.checks.find((c) => c.connectionId === h.hubspotId)).toMatchObject({ crmIds: [String(9000 + i)], error: null });
    }
  });
});
