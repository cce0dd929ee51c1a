// A Salesforce connection: a connected app's client credentials, the org's login URL, the API version.
import { z } from 'zod';
import { connectionBase, type ShorthandConnection } from '../provider.js';

export const DEFAULT_SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';

export const salesforceConnectionSchema = z.object({
  ...connectionBase,
  system: z.literal('salesforce'),
  loginUrl: z.url().default(DEFAULT_SALESFORCE_LOGIN_URL),
  clientId: z.string().min(1, 'the connected app consumer key is required'),
  clientSecret: z.string().min(1, 'the connected app consumer secret is required'),
  apiVersion: z.string().regex(/^\d{2,3}\.0$/, 'e.g. "59.0"').default('59.0'),
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
    },
    fieldEnv: {
      clientId: 'SALESFORCE_CLIENT_ID', clientSecret: 'SALESFORCE_CLIENT_SECRET', loginUrl: 'SALESFORCE_LOGIN_URL', apiVersion: 'SALESFORCE_API_VERSION',
    },
  };
}
