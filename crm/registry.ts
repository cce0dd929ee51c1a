// Every CRM vipsync syncs, by the `system` of its connections: the one place that lists them.
// Everything else (configuration, clients, the dev stack, the VIP rules' facts) loops over it.
import { z } from 'zod';
import { hubspotProvider } from './hubspot/provider.js';
import type { BaseConnectionConfig, CrmProvider } from './provider.js';
import { salesforceProvider } from './salesforce/provider.js';
import type { CrmClient } from './types.js';

export const CRM_PROVIDERS = {
  hubspot: hubspotProvider,
  salesforce: salesforceProvider,
} as const;

export type CrmSystem = keyof typeof CRM_PROVIDERS;
type ConfigOf<P> = P extends CrmProvider<infer C> ? C : never;
/** A connection to any CRM in the registry. */
export type ConnectionConfig = { [K in CrmSystem]: ConfigOf<(typeof CRM_PROVIDERS)[K]> }[CrmSystem];
/** A connection as a user writes it (VIPSYNC_CONNECTIONS): defaults left out. */
export type ConnectionInput = Partial<ConnectionConfig> & Pick<ConnectionConfig, 'id' | 'system'>;

const registered = new Map<string, CrmProvider>(Object.entries(CRM_PROVIDERS) as [string, CrmProvider][]);

/**
 * Adds a CRM at run time: what a line in CRM_PROVIDERS does, for a provider outside this folder
 * (a test's fake CRM). Its connections are typed as the base configuration only.
 */
export function registerCrmProvider(provider: CrmProvider): void {
  registered.set(provider.system, provider);
}

/** The providers, in registry order. */
export function crmProviders(): CrmProvider[] {
  return [...registered.values()];
}

export function providerFor(system: string): CrmProvider {
  const provider = registered.get(system);
  if (!provider) throw new Error(`unknown CRM system "${system}"; known: ${[...registered.keys()].join(', ')}`);
  return provider;
}

/**
 * A connection's configuration: its `system` picks the provider whose schema checks the rest, and
 * each problem is reported at its own field (connections[0].accessToken), not as a failed union.
 */
export const connectionConfig = z
  .looseObject({ system: z.string().refine((s) => registered.has(s), { error: () => `must be one of: ${[...registered.keys()].join(', ')}` }) })
  .transform((value, ctx) => {
    const result = providerFor(value.system).connectionSchema.safeParse(value);
    if (result.success) return result.data as ConnectionConfig;
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
    return z.NEVER;
  });

export async function createCrmClient(config: BaseConnectionConfig): Promise<CrmClient> {
  return providerFor(config.system).createClient(config);
}

/** The URL a connection talks to, as recorded in crm_connections. */
export function connectionBaseUrl(config: BaseConnectionConfig): string {
  return providerFor(config.system).baseUrl(config);
}
