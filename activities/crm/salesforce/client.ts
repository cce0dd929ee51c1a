// Salesforce through the official SDK (jsforce), REST query API, OAuth 2.0 client credentials.
import jsforce from 'jsforce';
import type { SalesforceConnectionConfig } from '../../../worker/config.js';
import { callWithRetry, type FailureVerdict } from '../retry.js';
import type { CrmCallStats, CrmClient, CrmCompanyRecord, CrmContactRecord, CrmPage } from '../types.js';

export const ACCOUNT_FIELDS = [
  'Id', 'Name', 'Website', 'Industry', 'Type', 'AnnualRevenue', 'NumberOfEmployees', 'OwnerId', 'SystemModstamp',
];

export const CONTACT_FIELDS = [
  'Id', 'Email', 'FirstName', 'LastName', 'Title', 'Phone', 'MobilePhone', 'AccountId', 'OwnerId', 'VIP_Level__c',
  'EmailBouncedReason', 'EmailBouncedDate', 'IsEmailBounced', 'SystemModstamp',
];

type SObjectRow = { Id: string; attributes?: unknown; [field: string]: unknown };

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function timestamp(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  // Salesforce writes "2024-05-20T20:49:32.000+0000": insert the colon JavaScript wants in the offset.
  const date = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "https://www.Example.com/about" -> "example.com". */
export function domainFromWebsite(website: unknown): string | null {
  const raw = text(website);
  if (!raw) return null;
  try {
    const url = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`);
    return url.hostname.toLowerCase().replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}

function fieldsOf(row: SObjectRow): Record<string, unknown> {
  const { attributes: _attributes, ...fields } = row;
  return fields;
}

/** jsforce raises errors named after Salesforce's errorCode, with the HTTP status in `data`/`statusCode`. */
export function classifySalesforceFailure(error: unknown): FailureVerdict {
  const e = error as { name?: string; errorCode?: string; message?: string; statusCode?: number };
  const code = e.errorCode ?? e.name ?? '';
  const message = e.message ?? String(error);
  if (code === 'invalid_client' || code === 'invalid_client_id' || code === 'invalid_grant' || code === 'unsupported_grant_type') {
    return { kind: 'configuration', message: `Salesforce refused the client credentials (${code}: ${message}); check the connected app's consumer key and secret and that the client credentials flow is enabled with a run-as user` };
  }
  if (code === 'INVALID_SESSION_ID') {
    return { kind: 'configuration', message: `Salesforce keeps rejecting fresh sessions (${message}); check the connected app's run-as user and API access` };
  }
  if (code === 'INVALID_FIELD' || code === 'INVALID_TYPE' || code === 'MALFORMED_QUERY') {
    return { kind: 'configuration', message: `the org does not accept vipsync's query (${code}: ${message}); create the missing field or give the integration user access to it` };
  }
  if (code === 'REQUEST_LIMIT_EXCEEDED') return { kind: 'retry', rateLimited: true, retryAfterMs: 60_000, message: `org API limit reached (${message})` };
  if (/^ERROR_HTTP_(5\d\d|429)$/.test(code) || /ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up|fetch failed/i.test(message)) {
    return { kind: 'retry', rateLimited: code === 'ERROR_HTTP_429', message: `Salesforce unavailable (${code || message})` };
  }
  return { kind: 'fatal', message: `Salesforce refused the request (${code}: ${message})` };
}

export function createSalesforceClient(config: SalesforceConnectionConfig): CrmClient {
  const stats: CrmCallStats = { apiCalls: 0, http429: 0, retries: 0 };
  const call = <T>(what: string, fn: () => Promise<T>) =>
    callWithRetry(fn, { connectionId: config.id, what, stats, classify: classifySalesforceFailure });

  // jsforce refreshes and replays on every 401; a server that rejects every new token would make
  // it loop forever, so consecutive refreshes are capped.
  let refreshesWithoutSuccess = 0;
  const conn = new jsforce.Connection({
    oauth2: { clientId: config.clientId, clientSecret: config.clientSecret, loginUrl: config.loginUrl },
    loginUrl: config.loginUrl,
    version: config.apiVersion,
    refreshFn: (connection, callback) => {
      refreshesWithoutSuccess += 1;
      if (refreshesWithoutSuccess > 2) {
        const error = Object.assign(new Error('new access tokens are rejected as invalid sessions'), { name: 'INVALID_SESSION_ID' });
        callback(error);
        return;
      }
      connection.oauth2
        .requestToken({ grant_type: 'client_credentials' })
        .then((token) => callback(null, token.access_token, token))
        .catch((error: Error) => callback(error));
    },
  });
  let authorized: Promise<unknown> | null = null;
  const ensureAuthorized = () => {
    authorized ??= call('authorize', () => conn.authorize({ grant_type: 'client_credentials' })).catch((error) => {
      authorized = null;
      throw error;
    });
    return authorized;
  };

  async function queryPage(soql: string, cursor: string | null): Promise<CrmPage<SObjectRow>> {
    await ensureAuthorized();
    const result = await call('query', async () =>
      cursor === null
        ? await conn.query(soql, { autoFetch: false, headers: { 'Sforce-Query-Options': 'batchSize=2000' } })
        : await conn.queryMore(cursor),
    );
    refreshesWithoutSuccess = 0;
    return { records: result.records as SObjectRow[], nextCursor: result.done ? null : (result.nextRecordsUrl ?? null) };
  }

  return {
    connectionId: config.id,
    system: 'salesforce',
    stats: () => ({ ...stats }),

    async fetchCompanies(cursor): Promise<CrmPage<CrmCompanyRecord>> {
      const page = await queryPage(`SELECT ${ACCOUNT_FIELDS.join(', ')} FROM Account ORDER BY Id`, cursor);
      return {
        records: page.records.map((row) => ({
          crmId: row.Id,
          name: text(row.Name),
          domain: domainFromWebsite(row.Website),
          modifiedAt: timestamp(row.SystemModstamp),
          properties: fieldsOf(row),
        })),
        nextCursor: page.nextCursor,
      };
    },

    async fetchContacts(cursor): Promise<CrmPage<CrmContactRecord>> {
      const page = await queryPage(`SELECT ${CONTACT_FIELDS.join(', ')} FROM Contact ORDER BY Id`, cursor);
      return {
        records: page.records.map((row) => ({
          crmId: row.Id,
          email: text(row.Email),
          firstName: text(row.FirstName),
          lastName: text(row.LastName),
          title: text(row.Title),
          phone: text(row.Phone) ?? text(row.MobilePhone),
          companyCrmId: text(row.AccountId),
          ownerId: text(row.OwnerId),
          explicitVipLevel: row.VIP_Level__c ?? null,
          modifiedAt: timestamp(row.SystemModstamp),
          properties: fieldsOf(row),
        })),
        nextCursor: page.nextCursor,
      };
    },
  };
}
