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
  /**
   * The app's client secret, which signs its webhook requests (X-HubSpot-Signature-v3). Needed
   * when `push.enabled`: POST /v1/webhooks/hubspot/<id> accepts only requests signed with it.
   */
  webhookSecret: z.string().min(1).optional(),
  /**
   * The URL HubSpot posts to, exactly as configured in the app (the v3 signature covers it). By
   * default the URL the request arrived at (its Host header), which differs behind a proxy.
   */
  webhookUrl: z.url().optional(),
}).superRefine((c, ctx) => {
  if (c.push.enabled && !c.webhookSecret) {
    ctx.addIssue({
      code: 'custom', path: ['webhookSecret'],
      message: 'push.enabled needs the HubSpot app\'s client secret (it signs the webhooks): set "webhookSecret" (or HUBSPOT_WEBHOOK_SECRET), or turn push off',
    });
  }
});

export type HubSpotConnectionConfig = z.infer<typeof hubspotConnectionSchema>;

/**
 * HUBSPOT_ACCESS_TOKEN (and HUBSPOT_BASE_URL) make connection "hubspot"; HUBSPOT_WEBHOOK_SECRET
 * (the app's client secret) turns its push path (webhooks) on.
 */
export function hubspotShorthand(env: Record<string, string | undefined>): ShorthandConnection | null {
  if (!env.HUBSPOT_ACCESS_TOKEN) return null;
  return {
    connection: {
      id: 'hubspot', system: 'hubspot', accessToken: env.HUBSPOT_ACCESS_TOKEN, baseUrl: env.HUBSPOT_BASE_URL || undefined,
      webhookSecret: env.HUBSPOT_WEBHOOK_SECRET || undefined, webhookUrl: env.HUBSPOT_WEBHOOK_URL || undefined,
      push: { enabled: Boolean(env.HUBSPOT_WEBHOOK_SECRET) },
    },
    fieldEnv: { accessToken: 'HUBSPOT_ACCESS_TOKEN', baseUrl: 'HUBSPOT_BASE_URL', webhookSecret: 'HUBSPOT_WEBHOOK_SECRET', webhookUrl: 'HUBSPOT_WEBHOOK_URL' },
  };
}
