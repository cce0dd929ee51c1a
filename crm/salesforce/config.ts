// A Salesforce connection: a connected app's client credentials, the org's login URL, the API version.
import { z } from 'zod';
import { connectionBase, type ShorthandConnection } from '../provider.js';

export const DEFAULT_SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';

/** Salesforce's one Pub/Sub API endpoint ("Pub/Sub API Endpoint", Pub/Sub API guide). */
export const DEFAULT_PUBSUB_ENDPOINT = 'https://api.pubsub.salesforce.com:7443';

/** The channels vipsync subscribes to: the standard per-object Change Data Capture channels. */
export const DEFAULT_CHANGE_EVENT_CHANNELS = ['/data/ContactChangeEvent', '/data/AccountChangeEvent'];

/**
 * The push path: Change Data Capture events of Contact and Account through the Pub/Sub API, handed
 * to the connection's push workflow. Off unless enabled here or by `push.enabled` (the org must have
 * Change Data Capture selected for Contact and Account).
 */
export const changeEventsSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** https://host:port (TLS) or, for a local emulator only, http://host:port (plaintext). */
    pubSubEndpoint: z.url({ protocol: /^https?$/, error: 'use https://host:port (e.g. https://api.pubsub.salesforce.com:7443)' }).default(DEFAULT_PUBSUB_ENDPOINT),
    /** Standard channels (/data/ContactChangeEvent, /data/AccountChangeEvent) or a custom channel (/data/Name__chn). */
    channels: z.array(z.string().regex(/^\/data\/\w+$/, 'a channel is /data/<Name>, e.g. /data/ContactChangeEvent')).min(1).default(DEFAULT_CHANGE_EVENT_CHANNELS),
    /** Events asked for at a time (num_requested, at most 100): also the most held in memory. */
    batchSize: z.number().int().min(1).max(100).default(100),
  })
  .default({ enabled: false, pubSubEndpoint: DEFAULT_PUBSUB_ENDPOINT, channels: DEFAULT_CHANGE_EVENT_CHANNELS, batchSize: 100 });

export type ChangeEventsConfig = z.infer<typeof changeEventsSchema>;

export const salesforceConnectionSchema = z.object({
  ...connectionBase,
  system: z.literal('salesforce'),
  loginUrl: z.url().default(DEFAULT_SALESFORCE_LOGIN_URL),
  clientId: z.string().min(1, 'the connected app consumer key is required'),
  clientSecret: z.string().min(1, 'the connected app consumer secret is required'),
  apiVersion: z.string().regex(/^\d{2,3}\.0$/, 'e.g. "59.0"').default('59.0'),
  changeEvents: changeEventsSchema,
}).transform((c) => {
  // Change Data Capture is Salesforce's push path: `push.enabled` and `changeEvents.enabled` are one
  // switch, so either turns both on (the worker subscribes, doctor reports the push path on).
  const enabled = c.push.enabled || c.changeEvents.enabled;
  return { ...c, push: { enabled }, changeEvents: { ...c.changeEvents, enabled } };
});

export type SalesforceConnectionConfig = z.infer<typeof salesforceConnectionSchema>;

/** SALESFORCE_CLIENT_ID and _SECRET (and SALESFORCE_LOGIN_URL, _API_VERSION) make connection "salesforce". */
export function salesforceShorthand(env: Record<string, string | undefined>): ShorthandConnection | null {
  if (!env.SALESFORCE_CLIENT_ID && !env.SALESFORCE_CLIENT_SECRET) return null;
  return {
    connection: {
      id: 'salesforce',
      system: 'salesforce',
      clientId: env.SALESFORCE_CLIENT_ID,
      clientSecret: env.SALESFORCE_CLIENT_SECRET,
      loginUrl: env.SALESFORCE_LOGIN_URL || undefined,
      apiVersion: env.SALESFORCE_API_VERSION || undefined,
      changeEvents: changeEventsFromEnv(env),
    },
    fieldEnv: {
      clientId: 'SALESFORCE_CLIENT_ID', clientSecret: 'SALESFORCE_CLIENT_SECRET', loginUrl: 'SALESFORCE_LOGIN_URL', apiVersion: 'SALESFORCE_API_VERSION', changeEvents: 'SALESFORCE_CHANGE_EVENTS',
    },
  };
}

/** SALESFORCE_CHANGE_EVENTS=true (and SALESFORCE_PUBSUB_ENDPOINT) switch the push path on for the shorthand connection. */
function changeEventsFromEnv(env: Record<string, string | undefined>): Record<string, unknown> | undefined {
  const enabled = env.SALESFORCE_CHANGE_EVENTS;
  if (!enabled && !env.SALESFORCE_PUBSUB_ENDPOINT) return undefined;
  return {
    enabled: enabled === undefined || enabled === '' ? false : /^(1|true|yes|on)$/i.test(enabled) ? true : /^(0|false|no|off)$/i.test(enabled) ? false : enabled,
    pubSubEndpoint: env.SALESFORCE_PUBSUB_ENDPOINT || undefined,
  };
}
