// A HubSpot connection: a private app's access token, the API's base URL and the app's limits.
import { z } from 'zod';
import { connectionBase, type ShorthandConnection } from '../provider.js';

export const DEFAULT_HUBSPOT_BASE_URL = 'https://api.hubapi.com';

export const hubspotConnectionSchema = z.object({
  ...connectionBase,
  system: z.literal('hubspot'),
  baseUrl: z.url().default(DEFAULT_HUBSPOT_BASE_URL),
  accessToken: z.string().min(1, 'a HubSpot private app access token is required'),
  /** The app's API limits (defaults: a Professional private app). */
  rateLimit: z
    .object({
      requestsPerTenSeconds: z.number().int().min(1).max(10_000).default(190),
      searchRequestsPerSecond: z.number().int().min(1).max(100).default(5),
    })
    .default({ requestsPerTenSeconds: 190, searchRequestsPerSecond: 5 }),
});

export type HubSpotConnectionConfig = z.infer<typeof hubspotConnectionSchema>;

/** HUBSPOT_ACCESS_TOKEN (and HUBSPOT_BASE_URL) make connection "hubspot". */
export function hubspotShorthand(env: Record<string, string | undefined>): ShorthandConnection | null {
  if (!env.HUBSPOT_ACCESS_TOKEN) return null;
  return {
    connection: { id: 'hubspot', system: 'hubspot', accessToken: env.HUBSPOT_ACCESS_TOKEN, baseUrl: env.HUBSPOT_BASE_URL || undefined },
    fieldEnv: { accessToken: 'HUBSPOT_ACCESS_TOKEN', baseUrl: 'HUBSPOT_BASE_URL' },
  };
}
