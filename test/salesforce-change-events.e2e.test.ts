// Salesforce Change Data Capture through the real stack: the emulator's Pub/Sub API over gRPC, the
// subscriber (grpc-js, Avro), and the replay ids in a real PostgreSQL.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../db/client.js';
import { connectionConfig } from '../crm/registry.js';
import type { SalesforceConnectionConfig } from '../crm/salesforce/config.js';
import { ChangeEventSubscriber, type ChangeEventSubscriberOptions } from '../crm/salesforce/change-events/subscriber.js';
import { ReplayStore } from '../crm/salesforce/change-events/replay-store.js';
import { changeEventChecks } from '../cli/commands/doctor-change-events.js';
import type { PushedChange } from '../crm/salesforce/change-events/types.js';
import type { Fixture } from '../emulators/fixture.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce.js';
import { applyMigrations } from '../prisma/migrate.js';
import { registerConnections } from '../sync/connections.js';
import { freshDatabase } from './setup/database.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/basic.json', import.meta.url), 'utf8')) as Fixture;
const ADA = '003000000000001AAA';
const ERIN = '003000000000002AAA';
const GLOBEX = '001000000000001AAA';
const CHANNELS = ['/data/AccountChangeEvent', '/data/ContactChangeEvent'];

let db: Db;
let salesforce: SalesforceEmulator;
let config: SalesforceConnectionConfig;
const running: ChangeEventSubscriber[] = [];

interface Recorder {
  batches: PushedChange[][];
  reconciliations: string[];
  options: Pick<ChangeEventSubscriberOptions, 'handler' | 'requestReconciliation'>;
}

function recorder(fail: { times: number } = { times: 0 }): Recorder {
  const r: Recorder = {
    batches: [],
    reconciliations: [],
    options: {
      handler: async (connectionId, changes) => {
        expect(connectionId).toBe(config.id);
        r.batches.push(changes);
        if (fail.times > 0) {
          fail.times--;
          throw new Error('the push workflow could not be started');
        }
      },
      requestReconciliation: async (connectionId, reason) => {
        expect(connectionId).toBe(config.id);
        r.reconciliations.push(reason);
      },
    },
  };
  return r;
}

const seen = (r: Recorder) => r.batches.flat().map((c) => `${c.objectType} ${c.crmId} ${c.kind}`);

async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function subscribe(r: Recorder, overrides: Partial<ChangeEventSubscriberOptions> = {}): ChangeEventSubscriber {
  const subscriber = new ChangeEventSubscriber({ db, config, ...r.options, retry: { initialMs: 50, maxMs: 200 }, ...overrides });
  subscriber.start();
  running.push(subscriber);
  return subscriber;
}

async function stop(subscriber: ChangeEventSubscriber): Promise<void> {
  running.splice(running.indexOf(subscriber), 1);
  await subscriber.stop();
}

const subscribed = () => until('both channels subscribed', () => salesforce.changeEvents!.subscriptions() === 2);

/** Both channels hold a position (from an event or the server's keepalive), so nothing after it can be lost. */
const positioned = () => until('both channels positioned', async () => {
  const rows = await new ReplayStore(db).list(config.id);
  return rows.length === 2 && rows.every((row) => row.replayId !== null);
});

beforeAll(async () => {
  const databaseUrl = await freshDatabase('change_events');
  await applyMigrations(databaseUrl);
  db = createDb(databaseUrl);
  salesforce = await startSalesforceEmulator({ data: fixture.salesforce, clientId: 'cdc-client', clientSecret: 'cdc-secret', pubSub: { keepaliveMs: 300 } });
  config = connectionConfig.parse({
    id: 'sf-cdc', system: 'salesforce', loginUrl: salesforce.url, clientId: 'cdc-client', clientSecret: 'cdc-secret',
    changeEvents: { enabled: true, pubSubEndpoint: `http://${salesforce.changeEvents!.endpoint}`, channels: CHANNELS, batchSize: 5 },
  }) as SalesforceConnectionConfig;
  await registerConnections(db, [config]);
});

afterEach(async () => {
  for (const subscriber of running.splice(0)) await subscriber.stop();
  salesforce.load(fixture.salesforce);
  await db.changeEventSubscription.deleteMany({});
  salesforce.changeEvents!.setRetention(72 * 3600 * 1000);
});

afterAll(async () => {
  await salesforce?.close();
  await db?.$disconnect();
});

describe('Salesforce change events through the Pub/Sub API', () => {
  it('hands edits, creations and deletions of contacts and accounts to the handler with their ids, and stores each channel\'s replay id', async () => {
    const r = recorder();
    subscribe(r);
    await subscribed();
    salesforce.records.update('Contact', ADA, { Title: 'CEO' });
    const created = salesforce.records.create('Contact', { Email: 'new@globex.com', LastName: 'New', AccountId: GLOBEX });
    salesforce.records.update('Account', GLOBEX, { Type: 'Strategic' });
    salesforce.records.delete('Contact', ERIN);
    await until('four changes', () => r.batches.flat().length >= 4);
    expect(seen(r).sort()).toEqual([`company ${GLOBEX} change`, `contact ${ADA} change`, `contact ${created} change`, `contact ${ERIN} delete`].sort());
    for (const change of r.batches.flat()) expect(Date.now() - change.changedAt.getTime()).toBeLessThan(10_000);
    expect(r.reconciliations).toEqual([]);
    await until('replay ids stored', async () => (await new ReplayStore(db).list(config.id)).filter((s) => s.replayId && s.lastEventAt).length === 2);
    const stored = await new ReplayStore(db).list(config.id);
    expect(stored.map((s) => [s.channel, s.state])).toEqual([['/data/AccountChangeEvent', 'subscribed'], ['/data/ContactChangeEvent', 'subscribed']]);
  });

  it('resumes after a restart from the stored replay id: what changed while it was down arrives, nothing handled before comes again', async () => {
    const first = recorder();
    const subscriber = subscribe(first);
    await positioned();
    salesforce.records.update('Contact', ADA, { Title: 'Chair' });
    await until('the first edit', () => first.batches.length > 0);
    await stop(subscriber);
    await until('the streams closed', () => salesforce.changeEvents!.subscriptions() === 0);
    const missed = Array.from({ length: 12 }, (_, i) => `Title ${i}`);
    for (const title of missed) salesforce.records.update('Contact', '003000000000004AAA', { Title: title });
    salesforce.records.update('Account', GLOBEX, { Industry: 'Utilities' });

    const second = recorder();
    subscribe(second);
    await until('the missed changes', () => second.batches.flat().length >= 2 && seen(second).includes(`company ${GLOBEX} change`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Twelve events of one contact in batches of at most 5: every batch names it once, none names Ada again.
    expect(seen(second).filter((s) => s.includes(ADA))).toEqual([]);
    expect(second.batches.every((batch) => batch.length <= 5)).toBe(true);
    expect(new Set(seen(second))).toEqual(new Set([`contact 003000000000004AAA change`, `company ${GLOBEX} change`]));
    expect(second.batches.filter((b) => b.some((c) => c.objectType === 'contact')).length).toBe(3);
  });

  it('hands a batch over again when the handler failed: the replay id is stored only after it resolved', async () => {
    const r = recorder({ times: 1 });
    subscribe(r);
    await positioned();
    const before = await new ReplayStore(db).load(config.id, '/data/ContactChangeEvent');
    salesforce.records.update('Contact', ADA, { Title: 'Founder' });
    await until('the retried batch', () => r.batches.length >= 2);
    expect(r.batches[0]).toEqual(r.batches[1]);
    expect(seen(r)).toEqual([`contact ${ADA} change`, `contact ${ADA} change`]);
    await until('the replay id stored', async () => !!(await new ReplayStore(db).load(config.id, '/data/ContactChangeEvent'))?.lastEventAt);
    expect(before?.lastEventAt ?? null).toBeNull();
    expect(r.reconciliations).toEqual([]);
  });

  it('asks for a reconciliation when a batch failed before the channel had any position to resume from', async () => {
    const r = recorder({ times: 1 });
    subscribe(r, { idleTimeoutMs: 60_000 });
    await subscribed();
    salesforce.records.update('Contact', ADA, { Title: 'Founder' });
    await until('the reconciliation', () => r.reconciliations.length === 1);
    expect(r.reconciliations[0]).toMatch(/no position to resume from.*could not be started/);
    expect(seen(r)).toEqual([`contact ${ADA} change`]);
  });

  it('asks for a full reconciliation when the stored replay id fell out of the retention window, then goes on from the latest event', async () => {
    const first = recorder();
    const subscriber = subscribe(first);
    await subscribed();
    salesforce.records.update('Contact', ADA, { Title: 'Chair' });
    salesforce.records.update('Account', GLOBEX, { Industry: 'Power' });
    await until('both edits', () => first.batches.flat().length >= 2);
    await stop(subscriber);
    salesforce.records.update('Contact', ADA, { Title: 'lost while down' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    salesforce.changeEvents!.setRetention(10); // everything so far is purged

    const second = recorder();
    subscribe(second);
    await until('two reconciliations', () => second.reconciliations.length === 2);
    expect(second.reconciliations.every((reason) => /replay id .* no longer in Salesforce's event bus.*replayid\.corrupted/.test(reason))).toBe(true);
    await subscribed();
    salesforce.changeEvents!.setRetention(72 * 3600 * 1000);
    salesforce.records.update('Contact', ERIN, { Title: 'after' });
    await until('the edit after', () => seen(second).includes(`contact ${ERIN} change`));
    expect(seen(second)).toEqual([`contact ${ERIN} change`]);
    const row = await new ReplayStore(db).load(config.id, '/data/AccountChangeEvent');
    expect(row?.reconciliationReason).toMatch(/retention/);
  });

  it('hands a gap event\'s record on as a gap and asks for a reconciliation; an overflow event only asks for one', async () => {
    const r = recorder();
    subscribe(r);
    await subscribed();
    salesforce.changeEvents!.publishGap('Contact', ADA, 'GAP_UPDATE');
    await until('the gap', () => r.batches.length === 1 && r.reconciliations.length === 1);
    expect(seen(r)).toEqual([`contact ${ADA} gap`]);
    expect(r.reconciliations[0]).toMatch(/gap event \(GAP_UPDATE on Contact, 003000000000001AAA\)/);
    salesforce.changeEvents!.publishGap('Account', GLOBEX, 'GAP_OVERFLOW');
    await until('the overflow', () => r.reconciliations.length === 2);
    expect(r.reconciliations[1]).toMatch(/overflow event/);
    expect(r.batches.length).toBe(1);
    await until('the reason stored', async () => !!(await new ReplayStore(db).load(config.id, '/data/AccountChangeEvent'))?.reconciliationReason);
  });

  it('reconnects after the server dropped the stream, without losing what changed meanwhile', async () => {
    const r = recorder();
    subscribe(r);
    await subscribed();
    salesforce.records.update('Contact', ADA, { Title: 'one' });
    await until('the first edit', () => r.batches.length === 1);
    salesforce.changeEvents!.dropSubscriptions();
    salesforce.records.update('Contact', ERIN, { Title: 'two' });
    await until('the edit made while reconnecting', () => seen(r).includes(`contact ${ERIN} change`));
    expect(seen(r)).toEqual([`contact ${ADA} change`, `contact ${ERIN} change`]);
  });

  it('gets a new token when the session expired (the next connection is refused) and goes on where it was', async () => {
    const r = recorder();
    subscribe(r);
    await positioned();
    salesforce.expireTokens();
    salesforce.changeEvents!.dropSubscriptions();
    salesforce.records.update('Contact', ADA, { Title: 'after the session expired' });
    await until('the edit', () => seen(r).includes(`contact ${ADA} change`));
    const rows = await new ReplayStore(db).list(config.id);
    expect(rows.map((row) => row.state)).toEqual(['subscribed', 'subscribed']);
  });

  it('stores the latest replay id of the server\'s keepalive on a quiet channel', async () => {
    subscribe(recorder());
    await positioned();
  });

  it('doctor: a subscription that has not been heard from in 10 minutes is a warning, whatever state it last wrote', async () => {
    const long = new Date(Date.now() - 11 * 60_000);
    await db.changeEventSubscription.create({
      data: { connectionId: config.id, channel: '/data/ContactChangeEvent', state: 'subscribed', replayId: new Uint8Array([1]), replayStoredAt: long, updatedAt: long },
    });
    await db.changeEventSubscription.create({
      data: { connectionId: config.id, channel: '/data/AccountChangeEvent', state: 'subscribed', replayId: new Uint8Array([1]), replayStoredAt: new Date() },
    });
    const checks = await changeEventChecks(db, [config.id], [config], () => 'then');
    expect(checks.map((c) => [c.check, c.verdict, c.detail])).toEqual([
      ['connection sf-cdc: change events /data/AccountChangeEvent', 'ok', 'subscribed; no event yet; replay id stored then'],
      ['connection sf-cdc: change events /data/ContactChangeEvent', 'warn', 'subscribed, but nothing heard since then: is the worker running? (no event yet; replay id stored then)'],
    ]);
    await db.changeEventSubscription.deleteMany({});
    expect(await changeEventChecks(db, [config.id], [config], () => 'then')).toEqual([
      { check: 'connection sf-cdc: change events', verdict: 'warn', detail: 'enabled, but no subscription has started yet: is the worker running?' },
    ]);
  });

  it('fails with a clear error, naming the connection and what to check, when Salesforce refuses the session', async () => {
    subscribe(recorder(), {
      session: async () => ({ accessToken: 'not-a-token', instanceUrl: salesforce.url, tenantId: salesforce.changeEvents!.orgId }),
    });
    await until('the failure recorded', async () => (await new ReplayStore(db).list(config.id)).some((row) => row.state === 'failed'));
    const row = (await new ReplayStore(db).list(config.id)).find((s) => s.state === 'failed')!;
    expect(row.lastError).toMatch(/Salesforce Pub\/Sub API refused connection "sf-cdc" \(An authentication exception occurred \(the access token is invalid or expired\).*service\.auth\.error\)\); check the connected app's credentials/);
    expect(salesforce.changeEvents!.subscriptions()).toBe(0);
  });

  it('fails with a clear error when the connected app\'s client credentials are wrong', async () => {
    const wrong = { ...config, clientSecret: 'wrong' };
    subscribe(recorder(), { config: wrong });
    await until('the failure recorded', async () => (await new ReplayStore(db).list(config.id)).some((row) => row.state === 'failed'));
    const row = (await new ReplayStore(db).list(config.id)).find((s) => s.state === 'failed')!;
    expect(row.lastError).toMatch(/refused the client credentials of connection "sf-cdc" \(invalid_client/);
  });

  it('fails with a clear error when a channel does not exist', async () => {
    subscribe(recorder(), { config: { ...config, changeEvents: { ...config.changeEvents, channels: ['/data/LeadChangeEvent'] } } });
    await until('the failure recorded', async () => (await new ReplayStore(db).list(config.id)).some((row) => row.state === 'failed'));
    const row = (await new ReplayStore(db).list(config.id)).find((s) => s.state === 'failed')!;
    expect(row.lastError).toMatch(/^the Pub\/Sub API of connection "sf-cdc" has no channel \/data\/LeadChangeEvent \(Topic \/data\/LeadChangeEvent not found.*\); check changeEvents.channels/);
  });

  it('refuses a session for another org (tenantid) or another instance (instanceurl)', async () => {
    const store = new ReplayStore(db);
    const token = await (await fetch(`${salesforce.url}/services/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=cdc-client&client_secret=cdc-secret',
    })).json() as { access_token: string };
    subscribe(recorder(), { session: async () => ({ accessToken: token.access_token, instanceUrl: salesforce.url, tenantId: '00D000000000001AAA' }) });
    await until('the failure recorded', async () => (await store.list(config.id)).some((row) => row.state === 'failed'));
    expect((await store.list(config.id)).find((s) => s.state === 'failed')!.lastError).toMatch(/tenantid "00D000000000001AAA" is not this org/);
  });
});
