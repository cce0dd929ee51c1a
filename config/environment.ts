// The one configuration loader. Everything comes from the environment, is validated here at
// start-up, and a bad value stops the process with a message naming the variable and the fix.
import { z } from 'zod';
import { intervalSeconds } from '../crm/provider.js';
import { connectionConfig, crmProviders, type ConnectionConfig } from '../crm/registry.js';
import { ConfigError } from '../runtime/config-error.js';
import { isPhoneCountry } from '../vip/phone.js';

/** VIPSYNC_SYNC_INTERVAL_SECONDS read and range-checked as the worker does; undefined when unset. */
export function syncIntervalFromEnv(env: Env = process.env): number | undefined {
  const value = parseInteger('VIPSYNC_SYNC_INTERVAL_SECONDS', env.VIPSYNC_SYNC_INTERVAL_SECONDS);
  if (value === undefined) return undefined;
  const checked = intervalSeconds.safeParse(value);
  if (!checked.success) throw new ConfigError(`VIPSYNC_SYNC_INTERVAL_SECONDS: ${checked.error.issues[0]!.message} (60 s to 7 days)`);
  return checked.data;
}

export const TASK_QUEUE_DEFAULTS = { sync: 'vipsync-sync', lookup: 'vipsync-lookup' } as const;

const workerConfig = z.object({
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  temporalAddress: z.string().min(1).default('localhost:7233'),
  temporalNamespace: z.string().min(1).default('default'),
  syncTaskQueue: z.string().min(1).default(TASK_QUEUE_DEFAULTS.sync),
  lookupTaskQueue: z.string().min(1).default(TASK_QUEUE_DEFAULTS.lookup),
  autoMigrate: z.boolean().default(true),
  // VIP derivation (defaults applied in vip/settings.ts, so tests may leave them out).
  rulesFile: z.string().min(1).optional(),
  defaultCountry: z.string().refine(isPhoneCountry, 'use an ISO 3166 alpha-2 country code such as US, GB or DE').optional(),
  staleGraceDays: z.number().int().min(0).max(3650).optional(),
  connections: z.array(connectionConfig).superRefine((list, ctx) => {
    const seen = new Set<string>();
    for (const [i, c] of list.entries()) {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `connection id "${c.id}" is used twice` });
      seen.add(c.id);
    }
  }),
});
export type WorkerConfig = z.infer<typeof workerConfig>;


type Env = Record<string, string | undefined>;

function parseBoolean(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name}="${value}" is not a boolean: use true or false`);
}

function parseInteger(name: string, value: string | undefined, unit = 'seconds'): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ConfigError(`${name}="${value}" is not a whole number of ${unit}`);
  return n;
}

/**
 * CRM connections: either VIPSYNC_CONNECTIONS (a JSON array, for several portals/orgs) or each
 * CRM's single-connection shorthand (HUBSPOT_ACCESS_TOKEN, SALESFORCE_CLIENT_ID/SECRET, ...).
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
  for (const provider of crmProviders()) {
    const shorthand = provider.shorthandFromEnv(env);
    if (!shorthand) continue;
    list.push({ ...shorthand.connection, intervalSeconds: interval });
    fieldEnv.push({ ...shorthand.fieldEnv, intervalSeconds: 'VIPSYNC_SYNC_INTERVAL_SECONDS' });
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
  rulesFile: 'VIPSYNC_RULES_FILE',
  defaultCountry: 'VIPSYNC_DEFAULT_COUNTRY',
  staleGraceDays: 'VIPSYNC_STALE_GRACE_DAYS',
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

/**
 * The CRM connections alone (for `vipsync serve`'s webhook receivers, which need no more of the
 * worker's configuration), validated as the worker validates them.
 */
export function loadConnections(env: Env = process.env): ConnectionConfig[] {
  const connections = connectionsFromEnv(env);
  const result = workerConfig.shape.connections.safeParse(connections.list);
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n  - ${result.error.issues.map((i) => describeIssue({ ...i, path: ['connections', ...i.path] }, connections.fieldEnv)).join('\n  - ')}`);
  }
  return result.data;
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
    rulesFile: env.VIPSYNC_RULES_FILE || undefined,
    defaultCountry: env.VIPSYNC_DEFAULT_COUNTRY?.toUpperCase() || undefined,
    staleGraceDays: parseInteger('VIPSYNC_STALE_GRACE_DAYS', env.VIPSYNC_STALE_GRACE_DAYS, 'days'),
    connections: connections.list,
  };
  const result = workerConfig.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n  - ${result.error.issues.map((i) => describeIssue(i, connections.fieldEnv)).join('\n  - ')}`);
  }
  if (opts.requireConnections && result.data.connections.length === 0) {
    throw new ConfigError(
      `no CRM connection is configured: set ${crmProviders().map((p) => p.shorthandHint).join(' and/or ')}, ` +
        'or VIPSYNC_CONNECTIONS to a JSON array of connections (see README, "Configuration")',
    );
  }
  return result.data;
}
