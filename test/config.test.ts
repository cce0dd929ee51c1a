import { describe, expect, it } from 'vitest';
import { loadConfig, loadConnections, syncIntervalFromEnv } from '../config/environment.js';
import { ConfigError } from '../runtime/config-error.js';

const base = { DATABASE_URL: 'postgresql://vipsync@db:5432/vipsync' };

describe('loadConfig', () => {
  it('builds one connection per CRM from the shorthand variables, with defaults', () => {
    const config = loadConfig({
      ...base,
      HUBSPOT_ACCESS_TOKEN: 'pat-na1-x',
      SALESFORCE_CLIENT_ID: 'cid',
      SALESFORCE_CLIENT_SECRET: 'secret',
      VIPSYNC_SYNC_INTERVAL_SECONDS: '300',
    });
    expect(config.temporalAddress).toBe('localhost:7233');
    expect(config.connections).toEqual([
      {
        id: 'hubspot', system: 'hubspot', baseUrl: 'https://api.hubapi.com', accessToken: 'pat-na1-x', intervalSeconds: 300, maxApiUsagePercent: 90, vanishGuard: { maxShare: 0.05, maxRecords: 100 },
        rateLimit: { requestsPerTenSeconds: 190, searchRequestsPerSecond: 5 }, push: { enabled: false },
      },
      {
        id: 'salesforce', system: 'salesforce', loginUrl: 'https://login.salesforce.com', clientId: 'cid',
        clientSecret: 'secret', apiVersion: '59.0', intervalSeconds: 300, maxApiUsagePercent: 90, vanishGuard: { maxShare: 0.05, maxRecords: 100 },
        changeEvents: {
          enabled: false, pubSubEndpoint: 'https://api.pubsub.salesforce.com:7443', channels: ['/data/ContactChangeEvent', '/data/AccountChangeEvent'], batchSize: 100,
        },
        push: { enabled: false },
      },
    ]);
  });

  it('switches the Salesforce push path on with SALESFORCE_CHANGE_EVENTS, and names the variable when its value is not a boolean', () => {
    const sf = { ...base, SALESFORCE_CLIENT_ID: 'cid', SALESFORCE_CLIENT_SECRET: 'secret' };
    const config = loadConfig({ ...sf, SALESFORCE_CHANGE_EVENTS: 'true', SALESFORCE_PUBSUB_ENDPOINT: 'https://pubsub.example.com:7443' });
    expect(config.connections[0]).toMatchObject({ changeEvents: { enabled: true, pubSubEndpoint: 'https://pubsub.example.com:7443' } });
    expect(() => loadConfig({ ...sf, SALESFORCE_CHANGE_EVENTS: 'maybe' })).toThrow(/SALESFORCE_CHANGE_EVENTS: .*expected boolean/);
  });

  it('makes a Salesforce connection\'s push.enabled and changeEvents.enabled one switch: either turns both on', () => {
    const sf = { ...base, SALESFORCE_CLIENT_ID: 'cid', SALESFORCE_CLIENT_SECRET: 'secret' };
    expect(loadConfig({ ...sf, SALESFORCE_CHANGE_EVENTS: 'true' }).connections[0]).toMatchObject({ push: { enabled: true }, changeEvents: { enabled: true } });
    expect(loadConfig({ ...sf, SALESFORCE_CHANGE_EVENTS: 'false' }).connections[0]).toMatchObject({ push: { enabled: false }, changeEvents: { enabled: false } });
    const connection = (settings: string) => loadConnections({ VIPSYNC_CONNECTIONS: `[{"id":"s","system":"salesforce","clientId":"c","clientSecret":"x",${settings}}]` })[0];
    expect(connection('"push":{"enabled":true}')).toMatchObject({ push: { enabled: true }, changeEvents: { enabled: true, channels: ['/data/ContactChangeEvent', '/data/AccountChangeEvent'] } });
    expect(connection('"changeEvents":{"enabled":true,"batchSize":10}')).toMatchObject({ push: { enabled: true }, changeEvents: { enabled: true, batchSize: 10 } });
    expect(connection('"push":{"enabled":false},"changeEvents":{"enabled":false}')).toMatchObject({ push: { enabled: false }, changeEvents: { enabled: false } });
  });

  it('reads several connections from VIPSYNC_CONNECTIONS', () => {
    const config = loadConfig({
      ...base,
      VIPSYNC_CONNECTIONS: JSON.stringify([
        { id: 'hubspot-eu', system: 'hubspot', accessToken: 'a' },
        { id: 'hubspot-us', system: 'hubspot', accessToken: 'b', intervalSeconds: 600 },
      ]),
    });
    expect(config.connections.map((c) => [c.id, c.intervalSeconds])).toEqual([['hubspot-eu', 900], ['hubspot-us', 600]]);
  });

  it.each([
    [{}, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must be a postgresql:// URL'],
    [{ ...base, SALESFORCE_CLIENT_ID: 'cid' }, 'SALESFORCE_CLIENT_SECRET'],
    [{ ...base, VIPSYNC_CONNECTIONS: '{' }, 'VIPSYNC_CONNECTIONS is not a JSON array'],
    [{ ...base, VIPSYNC_CONNECTIONS: '[{"id":"Bad Id","system":"hubspot","accessToken":"a"}]' }, 'VIPSYNC_CONNECTIONS[0].id'],
    [{ ...base, VIPSYNC_CONNECTIONS: '[{"id":"a","system":"zoho"}]' }, 'VIPSYNC_CONNECTIONS[0].system'],
    [{ ...base, VIPSYNC_CONNECTIONS: '[{"id":"a","system":"hubspot","accessToken":"x"},{"id":"a","system":"hubspot","accessToken":"y"}]' }, 'used twice'],
    [{ ...base, HUBSPOT_ACCESS_TOKEN: 'x', VIPSYNC_SYNC_INTERVAL_SECONDS: '10' }, 'VIPSYNC_SYNC_INTERVAL_SECONDS'],
    [{ ...base, HUBSPOT_ACCESS_TOKEN: 'x', HUBSPOT_BASE_URL: 'not a url' }, 'HUBSPOT_BASE_URL'],
    [{ ...base, VIPSYNC_AUTO_MIGRATE: 'maybe' }, 'VIPSYNC_AUTO_MIGRATE'],
    [{ ...base, VIPSYNC_CONNECTIONS: '[{"id":"a","system":"hubspot","accessToken":"x","push":{"enabled":true}}]' }, 'VIPSYNC_CONNECTIONS[0].webhookSecret: push.enabled needs the HubSpot app\'s client secret'],
    [{ ...base, HUBSPOT_ACCESS_TOKEN: 'x', HUBSPOT_WEBHOOK_SECRET: 's', HUBSPOT_WEBHOOK_URL: 'nope' }, 'HUBSPOT_WEBHOOK_URL'],
  ])('rejects %j naming %s', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('HUBSPOT_WEBHOOK_SECRET turns the HubSpot connection\'s push path on; it is off otherwise', () => {
    const on = loadConfig({ ...base, HUBSPOT_ACCESS_TOKEN: 'x', HUBSPOT_WEBHOOK_SECRET: 'app-secret' }).connections[0]!;
    expect(on).toMatchObject({ push: { enabled: true }, webhookSecret: 'app-secret' });
    expect(loadConfig({ ...base, HUBSPOT_ACCESS_TOKEN: 'x' }).connections[0]!.push).toEqual({ enabled: false });
  });

  it('loadConnections reads the connections alone (vipsync serve), without DATABASE_URL', () => {
    expect(loadConnections({ HUBSPOT_ACCESS_TOKEN: 'x', HUBSPOT_WEBHOOK_SECRET: 's' }).map((c) => [c.id, c.push.enabled])).toEqual([['hubspot', true]]);
    expect(() => loadConnections({ VIPSYNC_CONNECTIONS: '[{"id":"a","system":"hubspot","accessToken":"x","push":{"enabled":true}}]' }))
      .toThrow('VIPSYNC_CONNECTIONS[0].webhookSecret');
  });

  it('insists on a connection when asked, saying which variables to set', () => {
    expect(() => loadConfig(base, { requireConnections: true })).toThrow(/HUBSPOT_ACCESS_TOKEN/);
  });
});

describe('syncIntervalFromEnv (what `vipsync dev up` reads)', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['60', 60],
    ['900', 900],
    [String(7 * 24 * 3600), 7 * 24 * 3600],
  ])('%j -> %j', (value, expected) => {
    expect(syncIntervalFromEnv({ VIPSYNC_SYNC_INTERVAL_SECONDS: value })).toBe(expected);
  });

  it.each([['59'], [String(7 * 24 * 3600 + 1)], ['abc'], ['1.5'], ['-5']])('rejects %j naming the variable', (value) => {
    expect(() => syncIntervalFromEnv({ VIPSYNC_SYNC_INTERVAL_SECONDS: value })).toThrow(ConfigError);
    expect(() => syncIntervalFromEnv({ VIPSYNC_SYNC_INTERVAL_SECONDS: value })).toThrow(/VIPSYNC_SYNC_INTERVAL_SECONDS/);
  });
});
