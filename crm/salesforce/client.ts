// Salesforce through the official SDK (jsforce), REST query API, OAuth 2.0 client credentials.
//
// Every walk is a keyset walk over (SystemModstamp, Id) with queryAll, up to 2,000 rows a query:
// any position resumable, and deleted or merged rows (IsDeleted, MasterRecordId) arrive in the same
// pages as the live ones. Salesforce may answer a query in batches smaller than asked for, with
// `done: false` ("no guarantee that the requested batch size is the actual batch size", REST API
// Developer Guide, Query Options Header): the walk follows `nextRecordsUrl` until `done`, and only a
// query whose whole result (`totalSize`, the CRM's count) is below its LIMIT ends the walk.
// A locator that expired (it lives 15 minutes) is not needed: the walk goes on by key from the
// last row read.
import jsforce from 'jsforce';
import type { SalesforceConnectionConfig } from './config.js';
import { ApiBudget } from '../budget.js';
import { callWithRetry, type FailureVerdict } from '../retry.js';
import { deletionOf, readRecordsById, type SObjectRow } from './read-by-id.js';
import { soqlString } from './soql.js';
import { salesforceTime } from './time.js';
import type {
  CrmCallStats, CrmClient, CrmCompanyRecord, CrmContactRecord, CrmDeletion, CrmObjectType, CrmRecord, CrmRecordsById, CrmWalkPage,
} from '../types.js';

export const QUERY_PAGE_SIZE = 2000;

export const ACCOUNT_FIELDS = [
  'Id', 'IsDeleted', 'MasterRecordId', 'Name', 'Website', 'Industry', 'Type', 'AnnualRevenue', 'NumberOfEmployees',
  'OwnerId', 'SystemModstamp',
];

export const CONTACT_FIELDS = [
  'Id', 'IsDeleted', 'MasterRecordId', 'Email', 'FirstName', 'LastName', 'Title', 'Phone', 'MobilePhone', 'AccountId',
  'OwnerId', 'VIP_Level__c', 'EmailBouncedReason', 'EmailBouncedDate', 'IsEmailBounced', 'SystemModstamp',
  // VIP groups (a multi-select picklist, "Board;Press"), read by the rules' groups section. Like
  // VIP_Level__c, the org needs the custom field: SOQL refuses a field it does not have.
  'VIP_Group__c',
];

const OBJECTS: Record<CrmObjectType, { sobject: string; fields: string[] }> = {
  companies: { sobject: 'Account', fields: ACCOUNT_FIELDS },
  contacts: { sobject: 'Contact', fields: CONTACT_FIELDS },
};

/**
 * Where a walk stands: after the last (SystemModstamp, Id) read, or from an instant on; with
 * `locator`, inside a query whose next batch that locator reads.
 */
export interface SalesforcePosition {
  from: string | null;
  after: { stamp: string; id: string } | null;
  locator?: string;
}

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * A SOQL datetime literal (unquoted) in the documented form, whole seconds: 2024-05-20T20:49:32Z.
 * Rounded down, so a bound never leaves out a record of its own second (Salesforce's audit
 * stamps are whole seconds anyway).
 */
export function soqlDateTime(date: Date): string {
  return `${new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** The SOQL of one keyset page. Only values we produced (validated ids, formatted dates) go in. */
export function keysetQuery(objectType: CrmObjectType, position: SalesforcePosition): string {
  const { sobject, fields } = OBJECTS[objectType];
  let where = '';
  if (position.after) {
    if (!SALESFORCE_ID.test(position.after.id)) throw new Error(`not a Salesforce id: ${JSON.stringify(position.after.id)}`);
    const stamp = soqlDateTime(new Date(position.after.stamp));
    where = ` WHERE (SystemModstamp > ${stamp}) OR (SystemModstamp = ${stamp} AND Id > '${position.after.id}')`;
  } else if (position.from) {
    where = ` WHERE SystemModstamp >= ${soqlDateTime(new Date(position.from))}`;
  }
  return `SELECT ${fields.join(', ')} FROM ${sobject}${where} ORDER BY SystemModstamp ASC, Id ASC LIMIT ${QUERY_PAGE_SIZE}`;
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

export function toCompany(row: SObjectRow): CrmCompanyRecord {
  return {
    crmId: row.Id,
    name: text(row.Name),
    domain: domainFromWebsite(row.Website),
    modifiedAt: salesforceTime(row.SystemModstamp),
    properties: fieldsOf(row),
  };
}

export function toContact(row: SObjectRow): CrmContactRecord {
  return {
    crmId: row.Id,
    email: text(row.Email),
    firstName: text(row.FirstName),
    lastName: text(row.LastName),
    title: text(row.Title),
    phone: text(row.Phone) ?? text(row.MobilePhone),
    companyCrmId: text(row.AccountId),
    ownerId: text(row.OwnerId),
    explicitVipLevel: row.VIP_Level__c ?? null,
    modifiedAt: salesforceTime(row.SystemModstamp),
    properties: fieldsOf(row),
  };
}

/** jsforce raises errors named after Salesforce's errorCode (or ERROR_HTTP_<status>). */
export function classifySalesforceFailure(error: unknown): FailureVerdict {
  const e = error as { name?: string; errorCode?: string; message?: string };
  const code = e.errorCode ?? e.name ?? '';
  const message = (e.message ?? String(error)).slice(0, 300);
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
  if (/^ERROR_HTTP_(5\d\d|429)$/.test(code) || /ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up|fetch failed|network/i.test(message)) {
    return { kind: 'retry', rateLimited: code === 'ERROR_HTTP_429', message: `Salesforce unavailable (${code || message})` };
  }
  return { kind: 'fatal', message: `Salesforce refused the request (${code}: ${message})` };
}

export function createSalesforceClient(config: SalesforceConnectionConfig): CrmClient {
  const stats: CrmCallStats = { apiCalls: 0, tokenRequests: 0, http429: 0, retries: 0 };
  const classify = classifySalesforceFailure;

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
        callback(Object.assign(new Error('new access tokens are rejected as invalid sessions'), { name: 'INVALID_SESSION_ID' }));
        return;
      }
      stats.tokenRequests += 1;
      connection.oauth2
        .requestToken({ grant_type: 'client_credentials' })
        .then((token) => callback(null, token.access_token, token))
        .catch((error: Error) => callback(error));
    },
  });
  let authorized: Promise<unknown> | null = null;
  const ensureAuthorized = () => {
    authorized ??= callWithRetry(() => conn.authorize({ grant_type: 'client_credentials' }), {
      connectionId: config.id, what: 'authorize', stats, classify, tokenRequest: true,
    }).catch((error) => {
      authorized = null;
      throw error;
    });
    return authorized;
  };

  // jsforce keeps the latest Sforce-Limit-Info (api-usage=used/limit) of any answer in conn.limitInfo.
  const budget = new ApiBudget(config.id, 'Salesforce org', config.maxApiUsagePercent);
  const checkApiBudget = () => {
    budget.observe(conn.limitInfo?.apiUsage?.used, conn.limitInfo?.apiUsage?.limit);
    budget.check();
  };

  return {
    connectionId: config.id,
    system: 'salesforce',
    stats: () => ({ ...stats }),

    async findContactsByEmail(email: string): Promise<CrmContactRecord[]> {
      await ensureAuthorized();
      checkApiBudget();
      // User input: escaped, never concatenated raw (see soql.ts).
      const soql = `SELECT ${CONTACT_FIELDS.join(', ')} FROM Contact WHERE Email = ${soqlString(email)} ORDER BY Id LIMIT 200`;
      const result = await callWithRetry(async () => conn.query(soql, { autoFetch: false }), {
        connectionId: config.id, what: 'find contacts by email', stats, classify,
      });
      refreshesWithoutSuccess = 0;
      return (result.records as SObjectRow[]).filter((row) => row.IsDeleted !== true).map(toContact);
    },

    async readRecords<T extends CrmObjectType>(type: T, ids: string[]): Promise<CrmRecordsById<T>> {
      const { sobject, fields } = OBJECTS[type];
      const queryAll = async (soql: string): Promise<SObjectRow[]> => {
        await ensureAuthorized();
        checkApiBudget();
        const what = `read ${sobject} by id`;
        let result = await callWithRetry(async () => conn.query(soql, { scanAll: true, autoFetch: false }), { connectionId: config.id, what, stats, classify });
        const rows = [...(result.records as SObjectRow[])];
        // A batch may be short with `done: false` (see the top of this file): follow it to the end.
        while (!result.done && result.nextRecordsUrl) {
          const locator = result.nextRecordsUrl.split('/').pop()!;
          result = await callWithRetry(async () => conn.queryMore(locator, { autoFetch: false } as Parameters<typeof conn.queryMore>[1]), {
            connectionId: config.id, what: `${what} (next batch)`, stats, classify,
          });
          rows.push(...(result.records as SObjectRow[]));
        }
        refreshesWithoutSuccess = 0;
        return rows;
      };
      const toRecord = (row: SObjectRow) => (type === 'contacts' ? toContact(row) : toCompany(row));
      return readRecordsById<T>({ sobject, fields, queryAll, toRecord }, ids);
    },

    startWalk(_type, since) {
      return JSON.stringify({ from: since?.toISOString() ?? null, after: null } satisfies SalesforcePosition);
    },

    async fetchPage<T extends CrmObjectType>(type: T, position: string): Promise<CrmWalkPage<T>> {
      const at = JSON.parse(position) as SalesforcePosition;
      await ensureAuthorized();
      checkApiBudget();
      const what = `query ${OBJECTS[type].sobject}`;
      const byKey = () => callWithRetry(
        async () => conn.query(keysetQuery(type, at), { scanAll: true, autoFetch: false }),
        { connectionId: config.id, what, stats, classify },
      );
      let result: { records: unknown[]; totalSize: number; done: boolean; nextRecordsUrl?: string };
      if (at.locator) {
        const locator = at.locator;
        try {
          result = await callWithRetry(async () => conn.queryMore(locator, { autoFetch: false } as Parameters<typeof conn.queryMore>[1]), {
            connectionId: config.id, what: `${what} (next batch)`, stats, classify,
          });
        } catch (error) {
          if ((error as { errorCode?: string; name?: string }).errorCode !== 'INVALID_QUERY_LOCATOR'
            && (error as { name?: string }).name !== 'INVALID_QUERY_LOCATOR') throw error;
          // The locator expired (a worker down for a while): the key of the last row read is enough.
          result = await byKey();
        }
      } else {
        result = await byKey();
      }
      refreshesWithoutSuccess = 0;
      const rows = result.records as SObjectRow[];
      const live = rows.filter((row) => row.IsDeleted !== true);
      const deletions: CrmDeletion[] = rows.filter((row) => row.IsDeleted === true).map(deletionOf);
      const records = live.map((row) => (type === 'contacts' ? toContact(row) : toCompany(row))) as CrmRecord<T>[];
      let highWater: Date | null = null;
      for (const row of rows) {
        const stamp = salesforceTime(row.SystemModstamp);
        if (stamp && (!highWater || stamp > highWater)) highWater = stamp;
      }
      const last = rows.at(-1);
      const lastStamp = last ? salesforceTime(last.SystemModstamp) : null;
      const after = last && lastStamp ? { stamp: lastStamp.toISOString(), id: last.Id } : at.after;
      let next: SalesforcePosition | null;
      if (!result.done && result.nextRecordsUrl) {
        // A short batch of a query with more to come: its next batch, however few rows this one had.
        next = { from: at.from, after, locator: result.nextRecordsUrl.split('/').pop()! };
      } else if (result.totalSize >= QUERY_PAGE_SIZE && after) {
        // The query was cut by its LIMIT: the next one starts after the last row read.
        next = { from: at.from, after };
      } else {
        next = null;
      }
      return { records, deletions, next: next && JSON.stringify(next), highWater };
    },
  };
}
