// HubSpot through the official SDK (@hubspot/api-client), CRM v3 objects API.
import { Client } from '@hubspot/api-client';
import type { HubSpotConnectionConfig } from '../../../worker/config.js';
import { callWithRetry, type FailureVerdict } from '../retry.js';
import type { CrmCallStats, CrmClient, CrmCompanyRecord, CrmContactRecord, CrmPage } from '../types.js';

export const HUBSPOT_PAGE_SIZE = 100;

export const COMPANY_PROPERTIES = [
  'name', 'domain', 'industry', 'numberofemployees', 'annualrevenue', 'type', 'hubspot_owner_id',
  'hs_lastmodifieddate',
];

export const CONTACT_PROPERTIES = [
  'email', 'firstname', 'lastname', 'jobtitle', 'phone', 'mobilephone', 'hubspot_owner_id', 'vip_level',
  'lastmodifieddate', 'associatedcompanyid', 'hs_email_hard_bounce_reason_enum', 'hs_email_bad_address',
  'hs_merged_object_ids',
];

interface HubSpotObject {
  id: string;
  properties: Record<string, string | null>;
  updatedAt?: Date;
  associations?: Record<string, { results: { id: string }[] }>;
}

function text(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

function modifiedAt(object: HubSpotObject, property: string): Date | null {
  const raw = object.properties[property];
  if (raw) {
    const date = /^\d+$/.test(raw) ? new Date(Number(raw)) : new Date(raw);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return object.updatedAt ?? null;
}

/** The SDK's ApiException carries the HTTP status as `code`, the parsed body and the headers. */
export function classifyHubSpotFailure(error: unknown): FailureVerdict {
  const e = error as { code?: unknown; body?: { message?: string; category?: string }; headers?: Record<string, string> };
  const status = typeof e.code === 'number' ? e.code : undefined;
  const detail = e.body?.message ?? (error instanceof Error ? error.message : String(error));
  if (status === 401) {
    return { kind: 'configuration', message: `HubSpot rejected the access token (401: ${detail}); create a new private app token and set it for this connection` };
  }
  if (status === 403) {
    return { kind: 'configuration', message: `HubSpot denied access (403: ${detail}); give the private app the crm.objects.contacts.read and crm.objects.companies.read scopes` };
  }
  if (status === 429) {
    const retryAfter = Number(e.headers?.['retry-after']);
    return {
      kind: 'retry',
      rateLimited: true,
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000,
      message: `rate limited (429: ${detail})`,
    };
  }
  if (status === undefined || status >= 500) return { kind: 'retry', message: `HubSpot unavailable (${status ?? 'network'}: ${detail})` };
  return { kind: 'fatal', message: `HubSpot refused the request (${status}: ${detail})` };
}

export function createHubSpotClient(config: HubSpotConnectionConfig): CrmClient {
  // Retries and pacing are ours (callWithRetry), so the SDK's own are switched off.
  const sdk = new Client({ accessToken: config.accessToken, basePath: config.baseUrl, numberOfApiCallRetries: 0 });
  const stats: CrmCallStats = { apiCalls: 0, http429: 0, retries: 0 };
  const call = <T>(what: string, fn: () => Promise<T>) =>
    callWithRetry(fn, { connectionId: config.id, what, stats, classify: classifyHubSpotFailure });

  return {
    connectionId: config.id,
    system: 'hubspot',
    stats: () => ({ ...stats }),

    async fetchCompanies(cursor): Promise<CrmPage<CrmCompanyRecord>> {
      const page = await call('list companies', () =>
        sdk.crm.companies.basicApi.getPage(HUBSPOT_PAGE_SIZE, cursor ?? undefined, COMPANY_PROPERTIES),
      );
      return {
        records: (page.results as HubSpotObject[]).map((o) => ({
          crmId: o.id,
          name: text(o.properties.name),
          domain: text(o.properties.domain),
          modifiedAt: modifiedAt(o, 'hs_lastmodifieddate'),
          properties: o.properties,
        })),
        nextCursor: page.paging?.next?.after ?? null,
      };
    },

    async fetchContacts(cursor): Promise<CrmPage<CrmContactRecord>> {
      const page = await call('list contacts', () =>
        sdk.crm.contacts.basicApi.getPage(HUBSPOT_PAGE_SIZE, cursor ?? undefined, CONTACT_PROPERTIES, undefined, ['companies']),
      );
      return {
        records: (page.results as HubSpotObject[]).map((o) => {
          const p = o.properties;
          return {
            crmId: o.id,
            email: text(p.email),
            firstName: text(p.firstname),
            lastName: text(p.lastname),
            title: text(p.jobtitle),
            phone: text(p.phone) ?? text(p.mobilephone),
            companyCrmId: o.associations?.companies?.results[0]?.id ?? text(p.associatedcompanyid),
            ownerId: text(p.hubspot_owner_id),
            explicitVipLevel: p.vip_level ?? null,
            modifiedAt: modifiedAt(o, 'lastmodifieddate'),
            properties: p,
          };
        }),
        nextCursor: page.paging?.next?.after ?? null,
      };
    },
  };
}
