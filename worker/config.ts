// The one configuration loader. Everything comes from the environment, is validated here at
// start-up, and a bad value stops the process with a message naming the variable and the fix.
import { z } from 'zod';

export const DEFAULT_HUBSPOT_BASE_URL = 'https://api.hubapi.com';
export const DEFAULT_SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';

const connectionId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and dashes (e.g. "hubspot-eu")');
const intervalSeconds = z.number().int().min(60).max(7 * 24 * 3600).default(900);

const hubspotConnection = z.object({
  id: connectionId,
  system: z.literal('hubspot'),
  displayName: z.string().optional(),
  baseUrl: z.url().default(DEFAULT_HUBSPOT_BASE_URL),
  accessToken: z.string().min(1, 'a HubSpot private app access token is required'),
  intervalSeconds,
});

const salesforceConnection = z.object({
  id: connectionId,
  system: z.literal('salesforce'),
  displayName: z.string().optional(),
  loginUrl: z.url().default(DEFAULT_SALESFORCE_LOGIN_URL),
  clientId: z.string().min(1, 'the connected app consumer key is required'),
  clientSecret: z.string().min(1, 'the connected app consumer secret is required'),
  apiVersion: z.string().regex(/^\d{2,3}\.0$/, 'e.g. "59.0"').default('59.0'),
  intervalSeconds,
});

export const connectionConfig = z.discriminatedUnion('system', [hubspotConnection, salesforceConnection]);
export type ConnectionConfig = z.infer<typeof connectionConfig>;
export type HubSpotConnectionConfig = z.infer<typeof hubspotConnection>;
export type SalesforceConnectionConfig = z.infer<typeof salesforceConnection>;

export const TASK_QUEUE_DEFAULTS = { sync: 'vipsync-sync', lookup: 'vipsync-lookup' } as const;

const workerConfig = z.object({
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  temporalAddress: z.string().min(1).default('localhost:7233'),
  temporalNamespace: z.string().min(1).default('default'),
  syncTaskQueue: z.string().min(1).default(TASK_QUEUE_DEFAULTS.sync),
  lookupTaskQueue: z.string().min(1).default(TASK_QUEUE_DEFAULTS.lookup),
  autoMigrate: z.boolean().default(true),
  connections: z.array(connectionConfig).superRefine((list, ctx) => {
    const seen = new Set<string>();
    for (const [i, c] of list.entries()) {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `connection id "${c.id}" is used twice` });
      seen.add(c.id);
    }
  }),
});
export type WorkerConfig = z.infer<typeof workerConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function parseBoolean(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name}="${value}" is not a boolean: use true or false`);
}

function parseInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ConfigError(`${name}="${value}" is not a whole number of seconds`);
  return n;
}

/**
 * CRM connections: either VIPSYNC_CONNECTIONS (a JSON array, for several portals/orgs) or the
 * single-connection shorthands HUBSPOT_ACCESS_TOKEN and SALESFORCE_CLIENT_ID/SECRET.
 */
function connectionsFromEnv(env: Env): { list: unknown[]; fieldEnv: Record<string, string>[] | null } {
  if (env.VIPSYNC_CONNECTIONS) {
    try {
      const parsed: unknown = JSON.parse(env.VIPSYNC_CONNECTIONS);
      if (!Array.isArray(parsed)) throw new Error('not a JSON array');
      return { list: parsed, fieldEnv: null };
    } catch (error) {
      throw new ConfigError(`VIPSYNC_CONNECTIONS is not a JSON array of connections: ${(error as Error).message}`);
    }
  }
  const interval = parseInteger('VIPSYNC_SYNC_INTERVAL_SECONDS', env.VIPSYNC_SYNC_INTERVAL_SECONDS);
  const list: unknown[] = [];
  const fieldEnv: Record<string, string>[] = [];
  if (env.HUBSPOT_ACCESS_TOKEN) {
    fieldEnv.push({ accessToken: 'HUBSPOT_ACCESS_TOKEN', baseUrl: 'HUBSPOT_BASE_URL', intervalSeconds: 'VIPSYNC_SYNC_INTERVAL_SECONDS' });
    list.push({
      id: 'hubspot',
      system: 'hubspot',
      accessToken: env.HUBSPOT_ACCESS_TOKEN,
      baseUrl: env.HUBSPOT_BASE_URL || undefined,
      intervalSeconds: interval,
    });
  }
  if (env.SALESFORCE_CLIENT_ID || env.SALESFORCE_CLIENT_SECRET) {
    fieldEnv.push({
      clientId: 'SALESFORCE_CLIENT_ID',
      clientSecret: 'SALESFORCE_CLIENT_SECRET',
      loginUrl: 'SALESFORCE_LOGIN_URL',
      apiVersion: 'SALESFORCE_API_VERSION',
      intervalSeconds: 'VIPSYNC_SYNC_INTERVAL_SECONDS',
    });
    list.push({
      id: 'salesforce',
      system: 'salesforce',
      clientId: env.SALESFORCE_CLIENT_ID,
      clientSecret: env.SALESFORCE_CLIENT_SECRET,
      loginUrl: env.SALESFORCE_LOGIN_URL || undefined,
      apiVersion: env.SALESFORCE_API_VERSION || undefined,
      intervalSeconds: interval,
    });
  }
  return { list, fieldEnv };
}

const ENV_NAMES: Record<string, string> = {
  databaseUrl: 'DATABASE_URL',
  temporalAddress: 'TEMPORAL_ADDRESS',
  temporalNamespace: 'TEMPORAL_NAMESPACE',
  syncTaskQueue: 'VIPSYNC_SYNC_TASK_QUEUE',
  lookupTaskQueue: 'VIPSYNC_LOOKUP_TASK_QUEUE',
  autoMigrate: 'VIPSYNC_AUTO_MIGRATE',
  connections: 'VIPSYNC_CONNECTIONS',
};

function describeIssue(issue: z.core.$ZodIssue, fieldEnv: Record<string, string>[] | null): string {
  const [head, ...rest] = issue.path;
  let where = (ENV_NAMES[String(head)] ?? String(head)) +
    rest.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const shorthand = head === 'connections' && fieldEnv ? fieldEnv[Number(rest[0])]?.[String(rest[1])] : undefined;
  if (shorthand) where = shorthand;
  const fix = head === 'databaseUrl' && issue.code === 'invalid_type'
    ? ' (set DATABASE_URL=postgresql://user:password@host:5432/vipsync)'
    : '';
  return `${where}: ${issue.message}${fix}`;
}

/** Loads and validates the worker's configuration; throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env, opts: { requireConnections?: boolean } = {}): WorkerConfig {
  const connections = connectionsFromEnv(env);
  const raw = {
    databaseUrl: env.DATABASE_URL,
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalNamespace: env.TEMPORAL_NAMESPACE || undefined,
    syncTaskQueue: env.VIPSYNC_SYNC_TASK_QUEUE || undefined,
    lookupTaskQueue: env.VIPSYNC_LOOKUP_TASK_QUEUE || undefined,
    autoMigrate: parseBoolean('VIPSYNC_AUTO_MIGRATE', env.VIPSYNC_AUTO_MIGRATE),
    connections: connections.list,
  };
  const result = workerConfig.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n  - ${result.error.issues.map((i) => describeIssue(i, connections.fieldEnv)).join('\n  - ')}`);
  }
  if (opts.requireConnections && result.data.connections.length === 0) {
    throw new ConfigError(
      'no CRM connection is configured: set HUBSPOT_ACCESS_TOKEN and/or SALESFORCE_CLIENT_ID + SALESFORCE_CLIENT_SECRET, ' +
        'or VIPSYNC_CONNECTIONS to a JSON array of connections (see README, "Configuration")',
    );
  }
  return result.data;
}
