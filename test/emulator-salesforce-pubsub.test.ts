// The Salesforce emulator's Pub/Sub API as a raw gRPC client sees it (no vipsync code between):
// auth metadata, topics and schemas, replay presets, flow control, keepalives, retention errors.
import * as grpc from '@grpc/grpc-js';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pubSubService, type FetchRequest, type FetchResponse } from '../crm/salesforce/pubsub/proto.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../emulators/salesforce.js';

const ADA = '003000000000001AAA';
let salesforce: SalesforceEmulator;
let client: grpc.Client & Record<string, (...args: unknown[]) => unknown>;
let token: string;

function auth(overrides: Partial<Record<'accesstoken' | 'instanceurl' | 'tenantid', string>> = {}): grpc.Metadata {
  const metadata = new grpc.Metadata();
  const values = { accesstoken: token, instanceurl: salesforce.url, tenantid: salesforce.changeEvents!.orgId, ...overrides };
  for (const [key, value] of Object.entries(values)) if (value !== '') metadata.set(key, value);
  return metadata;
}

function unary<T>(method: string, request: object, metadata = auth()): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method]!(request, metadata, (error: grpc.ServiceError | null, response: T) => (error ? reject(error) : resolve(response)));
  });
}

/** A Subscribe stream that records what it receives and how it ended. */
function subscribe(first: FetchRequest, metadata = auth()) {
  const call = client.Subscribe!(metadata) as grpc.ClientDuplexStream<FetchRequest, FetchResponse>;
  const responses: FetchResponse[] = [];
  const ended = new Promise<grpc.ServiceError | null>((resolve) => {
    call.on('data', (response: FetchResponse) => responses.push(response));
    call.on('error', (error: grpc.ServiceError) => resolve(error));
    call.on('end', () => resolve(null));
  });
  call.write(first);
  return { call, responses, ended, events: () => responses.flatMap((r) => r.events) };
}

async function until(what: string, condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const errorCode = (error: grpc.ServiceError | null) => error?.metadata.get('error-code')[0];

beforeAll(async () => {
  salesforce = await startSalesforceEmulator({
    data: { Account: [], Contact: [{ Id: ADA, LastName: 'Lovelace', Email: 'ada@acme.com' }] },
    clientId: 'id', clientSecret: 'secret', pubSub: { keepaliveMs: 200 },
  });
  client = new (pubSubService())(salesforce.changeEvents!.endpoint, grpc.credentials.createInsecure()) as typeof client;
  const response = await fetch(`${salesforce.url}/services/oauth2/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=id&client_secret=secret',
  });
  token = ((await response.json()) as { access_token: string }).access_token;
});

afterAll(async () => {
  client?.close();
  await salesforce?.close();
});

describe('the emulator\'s Pub/Sub API', () => {
  it.each([
    [{ accesstoken: '' }, 'no accesstoken header'],
    [{ accesstoken: 'forged' }, 'the access token is invalid or expired'],
    [{ instanceurl: 'https://other.my.salesforce.com' }, 'instanceurl "https://other.my.salesforce.com" is not this org\'s instance'],
    [{ tenantid: '00D000000000009AAA' }, 'tenantid "00D000000000009AAA" is not this org'],
  ])('refuses a call whose %j, UNAUTHENTICATED with the auth error code', async (overrides, problem) => {
    const error = await unary('GetTopic', { topic_name: '/data/ContactChangeEvent' }, auth(overrides)).catch((e: grpc.ServiceError) => e);
    expect((error as grpc.ServiceError).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((error as grpc.ServiceError).details).toContain(problem);
    expect(errorCode(error as grpc.ServiceError)).toBe('sfdc.platform.eventbus.grpc.service.auth.error');
  });

  it('takes the org id in its core/<subdomain>/<org id> form too', async () => {
    await expect(unary('GetTopic', { topic_name: '/data/ContactChangeEvent' }, auth({ tenantid: `core/acme/${salesforce.changeEvents!.orgId}` }))).resolves.toMatchObject({ can_subscribe: true });
  });

  it('names a topic\'s schema, whose Avro JSON GetSchema returns; an unknown topic is NOT_FOUND', async () => {
    const topic = await unary<{ schema_id: string; can_subscribe: boolean }>('GetTopic', { topic_name: '/data/ContactChangeEvent' });
    const schema = await unary<{ schema_json: string }>('GetSchema', { schema_id: topic.schema_id });
    const parsed = JSON.parse(schema.schema_json) as { name: string; namespace: string; fields: { name: string }[] };
    expect([parsed.namespace, parsed.name, parsed.fields[0]!.name]).toEqual(['com.sforce.eventbus', 'ContactChangeEvent', 'ChangeEventHeader']);
    const error = await unary('GetTopic', { topic_name: '/data/NoSuchChangeEvent' }).catch((e: grpc.ServiceError) => e);
    expect((error as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
  });

  it('delivers no more events than asked for, the rest when asked again, in order, each decodable with its schema', async () => {
    const stream = subscribe({ topic_name: '/data/ContactChangeEvent', replay_preset: 'LATEST', num_requested: 2 });
    await until('the subscription', () => salesforce.changeEvents!.subscriptions() === 1);
    for (const title of ['a', 'b', 'c', 'd', 'e']) salesforce.records.update('Contact', ADA, { Title: title });
    await until('two events', () => stream.events().length === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stream.events().length).toBe(2);
    stream.call.write({ num_requested: 10 });
    await until('all five', () => stream.events().length === 5);
    const schema = await unary<{ schema_json: string }>('GetSchema', { schema_id: stream.events()[0]!.event.schema_id });
    const type = avro.Type.forSchema(JSON.parse(schema.schema_json) as avro.Schema);
    const decoded = stream.events().map((e) => type.fromBuffer(e.event.payload) as { Title: string; ChangeEventHeader: { changeType: string; recordIds: string[] } });
    expect(decoded.map((d) => [d.ChangeEventHeader.changeType, d.ChangeEventHeader.recordIds[0], d.Title])).toEqual(
      ['a', 'b', 'c', 'd', 'e'].map((title) => ['UPDATE', ADA, title]),
    );
    const last = stream.responses.at(-1)!;
    expect(last.latest_replay_id).toEqual(stream.events().at(-1)!.replay_id);
    expect(last.pending_num_requested).toBe(7);
    stream.call.end();
    await stream.ended;
  });

  it('replays from EARLIEST and after a CUSTOM replay id; sends an empty response with the latest replay id when idle', async () => {
    const all = subscribe({ topic_name: '/data/ContactChangeEvent', replay_preset: 'EARLIEST', num_requested: 100 });
    await until('the retained events', () => all.events().length >= 5);
    const third = all.events()[2]!;
    const custom = subscribe({ topic_name: '/data/ContactChangeEvent', replay_preset: 'CUSTOM', replay_id: third.replay_id, num_requested: 100 });
    await until('the events after it', () => custom.events().length === all.events().length - 3);
    await until('a keepalive', () => custom.responses.some((r) => r.events.length === 0));
    const keepalive = custom.responses.find((r) => r.events.length === 0)!;
    expect(keepalive.latest_replay_id).toEqual(all.events().at(-1)!.replay_id);
    all.call.end();
    custom.call.end();
    await Promise.all([all.ended, custom.ended]);
  });

  it('answers a replay id outside the retention window INVALID_ARGUMENT with replayid.corrupted, and bad requests likewise', async () => {
    const first = subscribe({ topic_name: '/data/ContactChangeEvent', replay_preset: 'EARLIEST', num_requested: 1 });
    await until('one event', () => first.events().length === 1);
    first.call.end();
    await first.ended;
    salesforce.records.update('Contact', ADA, { Title: 'later' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    salesforce.changeEvents!.setRetention(5);
    const expired = subscribe({ topic_name: '/data/ContactChangeEvent', replay_preset: 'CUSTOM', replay_id: first.events()[0]!.replay_id, num_requested: 1 });
    const error = await expired.ended;
    expect([error?.code, errorCode(error)]).toEqual([grpc.status.INVALID_ARGUMENT, 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted']);
    salesforce.changeEvents!.setRetention(72 * 3600 * 1000);
    const noCount = await subscribe({ topic_name: '/data/ContactChangeEvent', num_requested: 0 }).ended;
    expect(noCount?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const noId = await subscribe({ topic_name: '/data/ContactChangeEvent', replay_preset: 'CUSTOM', num_requested: 1 }).ended;
    expect(errorCode(noId)).toBe('sfdc.platform.eventbus.grpc.subscription.fetch.replayid.validation.failed');
  });

  it('feeds creations and deletions through the REST API to the account and contact channels', async () => {
    const contacts = subscribe({ topic_name: '/data/ContactChangeEvent', replay_preset: 'LATEST', num_requested: 10 });
    const accounts = subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'LATEST', num_requested: 10 });
    await until('both subscriptions', () => salesforce.changeEvents!.subscriptions() === 2);
    const rest = (method: string, path: string, body?: unknown) => fetch(`${salesforce.url}/services/data/v59.0/sobjects/${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const created = await rest('POST', 'Account', { Name: 'Initech' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(id).toMatch(/^001[a-zA-Z0-9]{15}$/);
    expect((await rest('DELETE', `Contact/${ADA}`)).status).toBe(204);
    await until('one event on each', () => contacts.events().length === 1 && accounts.events().length === 1);
    const header = async (e: FetchResponse['events'][number]) => {
      const schema = await unary<{ schema_json: string }>('GetSchema', { schema_id: e.event.schema_id });
      return (avro.Type.forSchema(JSON.parse(schema.schema_json) as avro.Schema).fromBuffer(e.event.payload) as { ChangeEventHeader: { changeType: string; recordIds: string[] } }).ChangeEventHeader;
    };
    expect(await header(accounts.events()[0]!)).toMatchObject({ changeType: 'CREATE', recordIds: [id] });
    expect(await header(contacts.events()[0]!)).toMatchObject({ changeType: 'DELETE', recordIds: [ADA] });
    contacts.call.end();
    accounts.call.end();
  });
});
